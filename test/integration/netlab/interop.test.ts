// Other mDNS stacks interoperate, in the PC-port lab: a `_btoe._tcp` service published by avahi (Debian's
// avahi-daemon and avahi-publish, a private instance inside the LAN namespace) is discovered by the companion,
// and the phone simulator's advertisement is seen by avahi-browse inside the PC's namespace.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { show } from '../helpers/processes.js';
import { Lab } from '../../netlab/lab.js';
import {
  AVAHI_SCRIPT,
  avahiConfig,
  avahiUnavailable,
  labBtoe,
  labTempDir,
  netlabUnavailable,
  removeTempDirs,
  startLabPhone,
} from '../../netlab/processes.js';
import { needs } from '../../helpers/needs.js';

const why = needs('the avahi interop tests', netlabUnavailable() ?? avahiUnavailable());

describe.skipIf(why !== undefined)(
  `interop with avahi in the PC-port lab${why ? ` (skipped: ${why})` : ''}`,
  () => {
    let lab: Lab;

    beforeAll(() => {
      lab = Lab.create();
    });

    afterAll(async () => {
      await lab?.destroy();
      await removeTempDirs();
    });

    it('a _btoe._tcp service published by avahi is discovered (and checked over TLS)', async () => {
      // A phone that does not advertise itself; avahi publishes it, as a phone with another mDNS stack would.
      const phone = await startLabPhone(lab, 'lan', ['--identity', join(await labTempDir(), 'quiet')]);
      const conf = join(await labTempDir(), 'avahi-lan.conf');
      await writeFile(conf, avahiConfig(lab.ifaces.lan, 'avahi-lan'));
      const txt = [
        `id=${phone.id}`,
        'vendor=Yealink',
        'model=T58W',
        'fw=58.86.0.5',
        'pv=1',
        'mode=manual',
        'pcmac=',
      ];
      const publisher: ChildProcess = lab.exec('lan', [
        'sh',
        '-c',
        AVAHI_SCRIPT,
        'avahi',
        conf,
        'avahi-publish',
        '-s',
        'Avahi Published Phone',
        '_btoe._tcp',
        String(phone.port),
        ...txt,
      ]);
      let published = '';
      publisher.stderr!.on('data', (chunk: Buffer) => (published += chunk.toString()));
      publisher.stdout!.on('data', (chunk: Buffer) => (published += chunk.toString()));
      const deadline = Date.now() + 15_000;
      while (!/Established/.test(published) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(published).toMatch(/Established under name 'Avahi Published Phone'/);

      const store = await labTempDir();
      // Asked again until avahi answers: on a loaded machine its responder can miss the first query window.
      let listed = await labBtoe(lab, ['devices', '--json', '--timeout', '1.5'], store);
      const find = () => (listed.json as Array<Record<string, unknown>>).find((d) => d.id === phone.id);
      for (let attempt = 1; attempt < 6 && listed.code === 0 && !find(); attempt++) {
        listed = await labBtoe(lab, ['devices', '--json', '--timeout', '1.5'], store);
      }
      expect(listed.code, show(listed)).toBe(0);
      const found = find();
      expect(found, listed.stdout).toMatchObject({
        reachable: true,
        verified: true,
        paired: false,
        onThisPcPort: false,
      });
      publisher.kill('SIGTERM');
    });

    it("the simulator's advertisement is seen by avahi-browse", async () => {
      const phone = await startLabPhone(lab, 'phone', [
        '--mdns',
        '--pc-port',
        lab.ifaces.phonePcPort,
        '--identity',
        join(await labTempDir(), 'advertised'),
        '--model',
        'VVX 601',
      ]);
      await phone.waitFor('advertised', 20_000);
      const conf = join(await labTempDir(), 'avahi-pc.conf');
      await writeFile(conf, avahiConfig(lab.ifaces.pc, 'avahi-pc'));
      const browse = await lab.run(
        'pc',
        ['sh', '-c', AVAHI_SCRIPT, 'avahi', conf, 'avahi-browse', '-rpt', '_btoe._tcp'],
        30_000,
      );
      const resolved = browse.stdout.split('\n').filter((line) => line.startsWith('='));
      expect(resolved.length, `${browse.stdout}\n${browse.stderr}`).toBeGreaterThan(0);
      const line = resolved.find((l) => l.includes(`"id=${phone.id}"`));
      expect(line, browse.stdout).toBeDefined();
      expect(line).toContain('"model=VVX 601"');
      expect(line).toContain('"pv=1"');
      expect(line).toContain(`;${phone.port};`);
    });
  },
);
