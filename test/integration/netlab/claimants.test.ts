// The threats to Auto mode in the PC-port lab: a lying phone on the LAN that claims this PC's MAC while the real
// phone is on the PC port (two claimants: no Auto pairing, Manual offered), and Manual pairing by code with a
// phone on the LAN (no cable between them).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Phone, show } from '../helpers/processes.js';
import { Lab } from '../../netlab/lab.js';
import {
  labBtoe,
  labTempDir,
  netlabUnavailable,
  removeTempDirs,
  startAgent,
  startLabPhone,
} from '../../netlab/processes.js';
import { needs } from '../../helpers/needs.js';

const why = needs('the claimant lab tests', netlabUnavailable());

describe.skipIf(why !== undefined)(
  `claimants and Manual mode in the PC-port lab${why ? ` (skipped: ${why})` : ''}`,
  () => {
    let lab: Lab;
    let phone: Phone;
    let liar: Phone;

    beforeAll(async () => {
      lab = Lab.create();
      phone = await startLabPhone(lab, 'phone', [
        '--mdns',
        '--pc-port',
        lab.ifaces.phonePcPort,
        '--identity',
        join(await labTempDir(), 'phone'),
      ]);
      // The liar sits on the LAN and claims to have learned this PC's MAC on its PC port.
      liar = await startLabPhone(lab, 'lan', [
        '--mdns',
        '--pcport-mac',
        lab.pcMac,
        '--identity',
        join(await labTempDir(), 'liar'),
      ]);
      await Promise.all([phone.waitFor('advertised', 20_000), liar.waitFor('advertised', 20_000)]);
    }, 60_000);

    afterAll(async () => {
      await lab?.destroy();
      await removeTempDirs();
    });

    it('a lying decoy next to the real phone: two claimants, no Auto pairing, Manual offered', async () => {
      const store = await labTempDir();
      const agent = await startAgent(lab, store);
      const offered = await agent.waitFor('manual-offered', 10_000);
      expect(offered.claimants as string[]).toHaveLength(2);
      expect(String(offered.message)).toMatch(/--code/);
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(agent.list('paired')).toEqual([]);
      agent.send('quit');

      // Asked by name, the real phone is still refused: the user is told why and how to pair with a code.
      const refused = await labBtoe(lab, ['pair', phone.id, '--timeout', '0.5'], store);
      expect(refused.code, show(refused)).toBe(7);
      expect(refused.stderr).toMatch(/2 phones claim that this PC is plugged into their PC port/);
      expect(refused.stderr).toMatch(/btoe pair DEVICE --code CODE/);
      expect(phone.list('paired')).toEqual([]);
      expect(liar.list('paired')).toEqual([]);
    });

    it('Manual pairing across the LAN (no cable): by the device id discovery heard, with the code', async () => {
      const lanPhone = await startLabPhone(lab, 'lan', [
        '--mdns',
        '--pairing-mode',
        'manual',
        '--model',
        'CCX 600',
        '--identity',
        join(await labTempDir(), 'lan-phone'),
      ]);
      await lanPhone.waitFor('advertised', 20_000);
      const store = await labTempDir();
      const listed = await labBtoe(lab, ['devices', '--json', '--timeout', '1'], store);
      expect(listed.code, show(listed)).toBe(0);
      const found = (listed.json as Array<Record<string, unknown>>).find((d) => d.id === lanPhone.id);
      expect(found).toMatchObject({ onThisPcPort: false, paired: false, verified: true, model: 'CCX 600' });

      const code = await lanPhone.openPairing();
      const paired = await labBtoe(
        lab,
        ['pair', lanPhone.id, '--code', code, '--json', '--timeout', '1'],
        store,
      );
      expect(paired.code, show(paired)).toBe(0);
      expect(paired.json).toMatchObject({ ok: true, phone: { id: lanPhone.id, mode: 'manual' } });
      await lanPhone.waitFor('paired', 5_000);

      const from = lanPhone.mark();
      const lock = await labBtoe(lab, ['lock', '--json'], store);
      expect(lock.code, show(lock)).toBe(0);
      await lanPhone.waitFor('locked', 5_000, from);
    });
  },
);
