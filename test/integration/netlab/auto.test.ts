// Auto mode in the PC-port lab, end to end: a host on the LAN that claims the PC's MAC is refused by the phone;
// the PC is plugged into the phone's PC port and the companion finds the phone, pairs and connects with no user
// action, while ten decoy phones on the LAN are listed and never paired. Then the cable is pulled and plugged
// back, the phone reboots, and the phone is factory-reset.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Phone, show } from '../helpers/processes.js';
import { Lab } from '../../netlab/lab.js';
import { rogueCompanionScript } from '../../netlab/rogue-companion.js';
import {
  labBtoe,
  labTempDir,
  netlabUnavailable,
  removeTempDirs,
  startAgent,
  startLabPhone,
} from '../../netlab/processes.js';
import { needs } from '../../helpers/needs.js';

const why = needs('the Auto pairing lab tests', netlabUnavailable());
const PHONE_PORT = 24801;
const PHONE_MAC = '02:04:f2:00:00:01';
const PHONE_SERIAL = '0004F2000001';

describe.skipIf(why !== undefined)(`Auto mode in the PC-port lab${why ? ` (skipped: ${why})` : ''}`, () => {
  let lab: Lab;
  let phone: Phone;
  let phoneDir: string;
  let agent: Phone;
  let store: string;
  const decoys: Phone[] = [];

  const phoneArgs = (identity: string) => [
    '--mdns',
    '--pc-port',
    lab.ifaces.phonePcPort,
    '--identity',
    identity,
    '--mac',
    PHONE_MAC,
    '--serial',
    PHONE_SERIAL,
  ];
  const startPhone = (identity: string) =>
    startLabPhone(lab, 'phone', phoneArgs(identity), `tcp://0.0.0.0:${PHONE_PORT}`);

  beforeAll(async () => {
    lab = Lab.create();
    lab.down(); // the PC is not plugged in yet
    phoneDir = join(await labTempDir(), 'phone');
    store = await labTempDir();
    phone = await startPhone(phoneDir);
    const models = ['VVX 450', 'VVX 350', 'CCX 500', 'T58W', 'T54W'];
    const started = await Promise.all(
      Array.from({ length: 10 }, async (_, i) =>
        startLabPhone(lab, 'lan', [
          '--mdns',
          '--identity',
          join(await labTempDir(), `decoy-${i}`),
          '--model',
          models[i % models.length]!,
        ]),
      ),
    );
    decoys.push(...started);
    await Promise.all([phone, ...decoys].map((p) => p.waitFor('advertised', 20_000)));
    agent = await startAgent(lab, store);
  }, 60_000);

  afterAll(async () => {
    await lab?.destroy();
    await removeTempDirs();
  });

  it('PC plugged in: the phone is discovered, paired in Auto mode and ready, with no user action', async () => {
    const from = agent.mark();
    lab.up();
    await agent.waitFor((e) => e.event === 'link' && e.up === true, 5_000, from);
    const paired = await agent.waitFor('paired', 10_000, from);
    expect(paired).toMatchObject({ id: phone.id, mode: 'auto' });
    const ready = await agent.waitFor('ready', 10_000, from);
    // One TLS handshake for pairing and session: the pairing connection carried on (docs/protocol.md, section 6).
    expect(ready).toMatchObject({ id: phone.id, pairingConnection: true });
    expect(await phone.waitFor('paired', 5_000)).toMatchObject({ mode: 'auto' });

    // Every phone was heard (the phone on this PC's port may first be heard before its switch learned this PC).
    const listed = agent.list('listed', from);
    expect(new Set(listed.map((e) => e.id))).toEqual(new Set([phone.id, ...decoys.map((d) => d.id)]));
    for (const decoy of decoys) expect(decoy.list('paired')).toEqual([]);

    // The session works: a lock through it reaches the phone.
    const mark = phone.mark();
    agent.send('lock');
    await agent.waitFor('locked', 5_000);
    await phone.waitFor('locked', 5_000, mark);
  });

  it("a LAN host that sends the real PC's MAC in its Auto pair-start is refused: the phone looks at layer 2", async () => {
    // The PC is plugged in: its MAC is on the phone's PC port, where the old protocol published it for anyone.
    const pcMac = lab.pcMac;
    const from = phone.mark();
    const script = rogueCompanionScript(lab.addresses.phone, PHONE_PORT, pcMac);
    const result = await lab.run('lan', [process.execPath, '--input-type=module', '-e', script]);
    expect(result.code, result.stderr).toBe(0);
    const { hello, reply } = JSON.parse(result.stdout) as {
      hello: { pairing: Record<string, unknown> };
      reply: Record<string, unknown>;
    };
    // Its own connection is not on the PC port, and nothing in the hello names a MAC on it.
    expect(hello.pairing).toEqual({ mode: 'auto', window: 'closed', peerOnPcPort: false });
    expect(JSON.stringify(hello)).not.toContain(pcMac);
    expect(reply).toMatchObject({ type: 'error', re: 2, code: 'not-on-pc-port' });
    await phone.waitFor((e) => e.event === 'pairing-failed' && e.reason === 'not-on-pc-port', 5_000, from);
    expect(phone.list('paired', from)).toEqual([]);
  });

  it('btoe devices --json lists the phone (paired, on this PC port) and the ten decoys (never paired)', async () => {
    const result = await labBtoe(lab, ['devices', '--json', '--timeout', '1'], store);
    expect(result.code, show(result)).toBe(0);
    const devices = result.json as Array<Record<string, unknown>>;
    expect(devices).toHaveLength(11);
    expect(devices.find((d) => d.id === phone.id)).toMatchObject({
      onThisPcPort: true,
      paired: true,
      reachable: true,
      verified: true,
      transport: 'tcp',
      vendor: 'Polycom',
      model: 'VVX 450',
      firmware: '6.4.3',
      address: `tcp://${lab.addresses.phone}:${PHONE_PORT}`,
    });
    for (const decoy of decoys) {
      expect(devices.find((d) => d.id === decoy.id)).toMatchObject({
        onThisPcPort: false,
        paired: false,
        reachable: true,
        verified: true,
      });
    }
    for (const decoy of decoys) expect(decoy.list('paired')).toEqual([]);
    // Auto pairing a decoy by its id is refused: it is not on this PC's port.
    const refused = await labBtoe(lab, ['pair', decoys[0]!.id, '--json', '--timeout', '0.5'], store);
    expect(refused.code, show(refused)).toBe(7);
    expect(decoys[0]!.list('paired')).toEqual([]);
  });

  it('cable pulled and plugged back: noticed within seconds, reconnected with the pinned identity', async () => {
    const from = agent.mark();
    const pulledAt = Date.now();
    lab.down();
    await agent.waitFor('disconnected', 5_000, from);
    expect(Date.now() - pulledAt).toBeLessThan(5_000);
    const plugged = agent.mark();
    const pluggedAt = Date.now();
    lab.up();
    const ready = await agent.waitFor('ready', 10_000, plugged);
    expect(ready).toMatchObject({ id: phone.id });
    expect(Date.now() - pluggedAt).toBeLessThan(5_000);
    const mark = phone.mark();
    agent.send('unlock');
    await phone.waitFor('unlocked', 5_000, mark);
    expect(agent.list('paired', from)).toEqual([]);
  });

  it('phone reboot (same identity): reconnects with no user action', async () => {
    const from = agent.mark();
    await phone.stop();
    await agent.waitFor('disconnected', 5_000, from);
    phone = await startPhone(phoneDir);
    const ready = await agent.waitFor('ready', 10_000, from);
    expect(ready).toMatchObject({ id: phone.id });
    const mark = phone.mark();
    agent.send('lock');
    await phone.waitFor('locked', 5_000, mark);
    expect(agent.list('paired', from)).toEqual([]);
    expect(phone.list('paired', 0)).toEqual([]); // no pairing again: the pinned identity
  });

  it('factory reset (new identity): the user is told to pair again; the phone is never silently trusted', async () => {
    const pairedId = phone.id;
    const from = agent.mark();
    await phone.stop();
    await agent.waitFor('disconnected', 5_000, from);
    phone = await startPhone(join(await labTempDir(), 'phone-after-reset'));
    expect(phone.id).not.toBe(pairedId);
    await phone.waitFor('advertised', 10_000);
    const told = await agent.waitFor('pair-again', 10_000, from);
    expect(told).toMatchObject({ id: pairedId });
    expect(String(told.message)).toMatch(/pair again/);
    // Give Auto every chance to (wrongly) pair the reset phone.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(phone.list('paired')).toEqual([]);
    expect(agent.list('paired', from)).toEqual([]);
    expect(agent.list('ready', from)).toEqual([]);
  });
});
