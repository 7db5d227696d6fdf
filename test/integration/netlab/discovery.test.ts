// Discovery in the PC-port lab: link-local IPv6 with the PC's interface as zone, a phone whose address changes,
// and a flood of announcements that fills the capped table while the phone on this PC's port still gets in.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { show } from '../helpers/processes.js';
import { Lab } from '../../netlab/lab.js';
import {
  DIST,
  labBtoe,
  labTempDir,
  netlabUnavailable,
  removeTempDirs,
  startAgent,
  startLabPhone,
} from '../../netlab/processes.js';
import { needs } from '../../helpers/needs.js';

const why = needs('the discovery lab tests', netlabUnavailable());

describe.skipIf(why !== undefined)(`discovery in the PC-port lab${why ? ` (skipped: ${why})` : ''}`, () => {
  let lab: Lab;

  beforeAll(() => {
    lab = Lab.create();
  });

  afterAll(async () => {
    await lab?.destroy();
    await removeTempDirs();
  });

  it('a phone that listens on IPv6 link-local only is reached at fe80::…%<the PC interface>', async () => {
    const own = lab.linkLocal('phone', lab.ifaces.bridge);
    expect(own).toMatch(/^fe80:/);
    const phone = await startLabPhone(
      lab,
      'phone',
      ['--mdns', '--identity', join(await labTempDir(), 'v6')],
      `tcp://[${own}%${lab.ifaces.bridge}]:24801`,
    );
    await phone.waitFor('advertised', 20_000);
    const listed = await labBtoe(lab, ['devices', '--json', '--timeout', '1'], await labTempDir());
    expect(listed.code, show(listed)).toBe(0);
    const found = (listed.json as Array<Record<string, unknown>>).find((d) => d.id === phone.id);
    expect(found, listed.stdout).toMatchObject({
      reachable: true,
      verified: true,
      address: `tcp://[${own}%${lab.ifaces.pc}]:24801`,
    });
    await phone.stop();
  });

  it('a phone coming onto the link is heard from its first probe, before it announces, and Auto-paired', async () => {
    const store = await labTempDir();
    lab.down();
    const agent = await startAgent(lab, store);
    lab.up();
    // The claimant round of the link up passes with no phone: the phone's app starts after its switch.
    await agent.waitFor('round', 15_000);
    const phone = await startLabPhone(lab, 'phone', [
      '--mdns',
      '--pc-port',
      lab.ifaces.phonePcPort,
      '--identity',
      join(await labTempDir(), 'probing'),
    ]);
    try {
      const advertised = await phone.waitFor('advertised', 20_000);
      const listed = await agent.waitFor('listed', 15_000);
      expect(listed.id).toBe(phone.id);
      // Its probes (three, 250 ms apart, then the announcement) carried its records: heard 0.5 s or more before.
      expect(Number(listed.t)).toBeLessThan(Number(advertised.t));
      expect(await agent.waitFor('ready', 15_000)).toMatchObject({ id: phone.id });
    } finally {
      agent.send('quit');
      await phone.stop();
    }
  });

  it('a paired phone whose address changes is found and reconnected at the new one', async () => {
    const identity = join(await labTempDir(), 'moving');
    const args = ['--mdns', '--pc-port', lab.ifaces.phonePcPort, '--identity', identity];
    let phone = await startLabPhone(lab, 'phone', args, 'tcp://0.0.0.0:24802');
    const store = await labTempDir();
    // Plugged in after the companion started: Auto pairing with no click, within the plug-in window.
    lab.down();
    const agent = await startAgent(lab, store);
    lab.up();
    await agent.waitFor('ready', 15_000);
    expect((await agent.waitFor('ready')).address).toBe(`tcp://${lab.addresses.phone}:24802`);

    const from = agent.mark();
    await phone.stop();
    await agent.waitFor('disconnected', 5_000, from);
    const before = lab.addresses.phone;
    lab.setPhoneAddress('169.254.20.3');
    try {
      phone = await startLabPhone(lab, 'phone', args, 'tcp://0.0.0.0:24802');
      const ready = await agent.waitFor('ready', 15_000, from);
      expect(ready).toMatchObject({ id: phone.id, address: 'tcp://169.254.20.3:24802' });
      // The pairing now remembers the new address: a one-shot command goes straight there.
      const mark = phone.mark();
      const lock = await labBtoe(lab, ['lock'], store);
      expect(lock.code, show(lock)).toBe(0);
      await phone.waitFor('locked', 5_000, mark);
    } finally {
      agent.send('quit');
      await phone.stop();
      lab.setPhoneAddress(before);
    }
  });

  it('a flood of 300 announcing phones fills the capped table; the phone on this PC port still pairs', async () => {
    const sources = lab.addLanAddresses(300);
    const flood = lab.exec('lan', [
      process.execPath,
      join(DIST, 'bench/lab/mdns-flood.js'),
      '300',
      '500',
      '40',
      ...sources,
    ]);
    let out = '';
    flood.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const deadline = Date.now() + 15_000;
    while (!out.includes('flooding') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain('"count":300');

    const agent = await startAgent(lab, await labTempDir());
    const tableFull = async () => {
      for (const until = Date.now() + 15_000; Date.now() < until;) {
        const from = agent.mark();
        agent.send('stats');
        const stats = await agent.waitFor('stats', 5_000, from);
        if ((stats.discovery as { tableFull: number }).tableFull > 0) return stats;
        await new Promise((r) => setTimeout(r, 250));
      }
      throw new Error('the table never filled');
    };
    expect((await tableFull()).table).toBe(256);

    // The table is full of strangers when the phone on this PC's port boots: it still gets in (strangers already
    // asked over TLS give up their place) and is found as the one claimant. The cable has been in for a while, so
    // it waits for the user's click; plugged in again, it is paired with none.
    const phone = await startLabPhone(lab, 'phone', [
      '--mdns',
      '--pc-port',
      lab.ifaces.phonePcPort,
      '--identity',
      join(await labTempDir(), 'in-the-crowd'),
    ]);
    expect(await agent.waitFor('confirm-pairing', 30_000)).toMatchObject({ id: phone.id });
    const replug = agent.mark();
    lab.down();
    lab.up();
    const paired = await agent.waitFor('paired', 30_000, replug);
    expect(paired).toMatchObject({ id: phone.id, mode: 'auto' });
    await agent.waitFor('ready', 10_000);
    const stats = await tableFull();
    expect(stats.table).toBeLessThanOrEqual(256);
    expect((stats.discovery as { evicted: number }).evicted).toBeGreaterThan(0);
    // Strangers already asked give up their place to newcomers not yet asked, never to each other: once the crowd
    // has been asked (after the Auto pairing every phone heard is), the table settles instead of churning on every
    // announcement from outside it (each eviction one more phone to ask, as the bench's flood showed).
    let evicted = -1;
    for (const until = Date.now() + 20_000; ;) {
      const now = (await tableFull()).discovery as { evicted: number };
      if (now.evicted === evicted) break;
      if (Date.now() > until) throw new Error(`strangers keep evicting each other: ${JSON.stringify(now)}`);
      evicted = now.evicted;
      await new Promise((r) => setTimeout(r, 1_500));
    }
    agent.send('quit');
    flood.kill('SIGTERM');
    await phone.stop();
  }, 120_000);
});
