// The product companion (`btoe daemon`) in the PC-port lab: plugged into the phone's PC port it finds the phone,
// pairs in Auto mode with no user action (a decoy on the LAN is not touched), serves btoe commands through that
// session, and reconnects when the cable is pulled and plugged back.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Phone, show } from '../helpers/processes.js';
import { Lab } from '../../netlab/lab.js';
import {
  BTOE,
  REPO,
  companionEnv,
  labBtoe,
  labTempDir,
  netlabUnavailable,
  removeTempDirs,
  startLabPhone,
} from '../../netlab/processes.js';
import { needs } from '../../helpers/needs.js';

const why = needs('the daemon lab tests', netlabUnavailable());

type Link = { id: string; connected: boolean; locked?: boolean };

describe.skipIf(why !== undefined)(`btoe daemon in the PC-port lab${why ? ` (skipped: ${why})` : ''}`, () => {
  let lab: Lab;
  let phone: Phone;
  let decoy: Phone;
  let daemon: Phone;
  let store: string;

  const links = async (): Promise<Link[]> => {
    const status = await labBtoe(lab, ['status', '--json'], store);
    expect(status.code, show(status)).toBe(0);
    return (status.json as { links: Link[] }).links;
  };
  const connected = async (timeoutMs: number): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    while (!(await links()).some((l) => l.id === phone.id && l.connected)) {
      if (Date.now() > deadline)
        throw new Error(`the daemon did not connect: ${JSON.stringify(await links())}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  beforeAll(async () => {
    lab = Lab.create();
    lab.down();
    store = await labTempDir();
    const pcPort = ['--mdns', '--pc-port', lab.ifaces.phonePcPort];
    phone = await startLabPhone(lab, 'phone', [...pcPort, '--identity', join(await labTempDir(), 'phone')]);
    decoy = await startLabPhone(lab, 'lan', ['--mdns', '--identity', join(await labTempDir(), 'decoy')]);
    await Promise.all([phone, decoy].map((p) => p.waitFor('advertised', 20_000)));
    const argv = [BTOE, 'daemon', '--json', '--store', store];
    daemon = new Phone(
      lab.exec('pc', [process.execPath, ...argv], { cwd: REPO, env: companionEnv(lab, store) }),
      argv,
      '',
    );
    await daemon.waitFor('ready', 20_000);
  }, 60_000);

  afterAll(async () => {
    daemon?.child.kill('SIGTERM');
    await lab?.destroy();
    await removeTempDirs();
  });

  it('pairs in Auto mode with the phone it is plugged into, and only that one', async () => {
    lab.up();
    expect(await phone.waitFor('paired', 15_000)).toMatchObject({ mode: 'auto' });
    await connected(10_000);
    expect(decoy.list('paired')).toEqual([]);
    const from = phone.mark();
    const lock = await labBtoe(lab, ['lock'], store);
    expect(lock.code, show(lock)).toBe(0);
    await phone.waitFor('locked', 5_000, from);
  });

  it('reconnects with the pinned identity when the cable is pulled and plugged back', async () => {
    lab.down();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    lab.up();
    await connected(10_000);
    const from = phone.mark();
    const unlock = await labBtoe(lab, ['unlock'], store);
    expect(unlock.code, show(unlock)).toBe(0);
    await phone.waitFor('unlocked', 5_000, from);
    expect(phone.list('paired')).toHaveLength(1);
  });
});
