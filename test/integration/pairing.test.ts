// Pairing, sessions and resets between the phone simulator and `btoe`, each its own process, over loopback.
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { needs } from '../helpers/needs.js';
import { EXIT } from '../../main/core/exit-codes.js';
import { resolvePolicy } from '../../main/core/policy.js';
import type { Companion } from '../../main/core/companion.js';
import {
  type BtoeResult,
  type Phone,
  cleanup,
  importDist,
  machineMacs,
  machinePolicyUnavailable,
  requireDist,
  runBtoe,
  show,
  startPhone,
  tempDir,
} from './helpers/processes.js';

type CompanionModule = typeof import('../../main/core/companion.js');

/** Never a code the phone shows: shown codes are never trivial (pairing-code.ts), and this one is. */
const WRONG_CODE = 'ZZZZ-ZZZZ';

const isFailure = (reason: string) => (e: { event: string; reason?: unknown }) =>
  e.event === 'pairing-failed' && e.reason === reason;

/** `btoe` against one store. */
function btoeFor(store: string) {
  return (args: string[], env?: Record<string, string>): Promise<BtoeResult> =>
    runBtoe(args, env ? { store, env } : { store });
}

/** The companion core from dist/, in this process: for the many pairing attempts that need no CLI. */
async function openCompanion(storeDir: string): Promise<Companion> {
  vi.stubEnv('BTOE_SECRET_STORE', 'file');
  const { Companion } = await importDist<CompanionModule>('main/core/companion.js');
  return Companion.open({
    storeDir,
    policy: resolvePolicy([]),
    hostMacs: () => [],
  });
}

/** One wrong-code attempt in process; returns once the phone has counted it. */
async function failOnce(phone: Phone, companion: Companion, code = WRONG_CODE): Promise<void> {
  const from = phone.mark();
  await expect(companion.pair(phone.address, code)).rejects.toMatchObject({ kind: 'pairing-failed' });
  await phone.waitFor(isFailure('wrong-code'), 10_000, from);
}

/** The code typed the way a user might: lower case, with a space and the hyphen. */
const typed = (code: string) => `${code.slice(0, 2)} ${code.slice(2)}`.toLowerCase();

async function companionId(store: string): Promise<string> {
  const status = await runBtoe(['status', '--json'], { store });
  expect(status.code, show(status)).toBe(EXIT.ok);
  return (status.json as { id: string }).id;
}

beforeAll(() => requireDist());

afterEach(async () => {
  vi.unstubAllEnvs();
  await cleanup();
});

describe('manual pairing', () => {
  it('pairs with the shown code typed in lower case with spaces and a hyphen', async () => {
    const phone = await startPhone();
    const store = await tempDir();
    const btoe = btoeFor(store);
    const code = await phone.openPairing();
    const from = phone.mark();

    const result = await btoe(['pair', phone.address, '--code', typed(code), '--json']);
    expect(result.code, show(result)).toBe(EXIT.ok);
    expect(result.json).toMatchObject({ ok: true, phone: { id: phone.id, mode: 'manual' } });
    const paired = await phone.waitFor('paired', 10_000, from);
    expect(paired).toMatchObject({ mode: 'manual', peer: await companionId(store) });
  });

  it('refuses a wrong code, and after 5 failures shows a new code: the old one fails, the new one works', async () => {
    const phone = await startPhone();
    const store = await tempDir();
    const btoe = btoeFor(store);
    const companion = await openCompanion(await tempDir());
    const first = await phone.openPairing();

    let from = phone.mark();
    const wrong = await btoe(['pair', phone.address, '--code', WRONG_CODE]);
    expect(wrong.code, show(wrong)).toBe(EXIT['pairing-failed']);
    expect(wrong.stderr).toMatch(/code did not match/);
    await phone.waitFor(isFailure('wrong-code'), 10_000, from);

    from = phone.mark();
    for (let i = 0; i < 4; i++) await failOnce(phone, companion);
    const shown = await phone.waitForCount('pairing-code', 1, 10_000, from);
    const second = String(shown[0]!.code);
    expect(second).not.toBe(first);

    from = phone.mark();
    const old = await btoe(['pair', phone.address, '--code', first]);
    expect(old.code, show(old)).toBe(EXIT['pairing-failed']);
    await phone.waitFor(isFailure('wrong-code'), 10_000, from);

    from = phone.mark();
    const ok = await btoe(['pair', phone.address, '--code', second]);
    expect(ok.code, show(ok)).toBe(EXIT.ok);
    expect(await phone.waitFor('paired', 10_000, from)).toMatchObject({ mode: 'manual' });
    expect(phone.list('paired')).toHaveLength(1);
  });

  it('closes the window after 20 failures; pairing then fails until pairing is opened again', async () => {
    const phone = await startPhone();
    const store = await tempDir();
    const btoe = btoeFor(store);
    const companion = await openCompanion(await tempDir());
    await phone.openPairing();

    const from = phone.mark();
    for (let i = 0; i < 20; i++) await failOnce(phone, companion);
    await phone.waitFor(isFailure('too-many-attempts'), 10_000, from);
    // A new code after failures 5, 10 and 15; the 20th closes the window instead.
    const codes = phone.list('pairing-code', from).map((e) => String(e.code));
    expect(codes).toHaveLength(3);

    const closed = await btoe(['pair', phone.address, '--code', codes[2]!]);
    expect(closed.code, show(closed)).toBe(EXIT['pairing-failed']);
    expect(closed.stderr).toMatch(/pairing-closed/);
    expect(closed.stderr).toMatch(/open pairing on the phone/);
    await expect(companion.pair(phone.address, WRONG_CODE)).rejects.toThrow(/pairing-closed/);

    const fresh = await phone.openPairing();
    const before = phone.mark();
    const ok = await btoe(['pair', phone.address, '--code', fresh]);
    expect(ok.code, show(ok)).toBe(EXIT.ok);
    await phone.waitFor('paired', 10_000, before);
  });

  it('closes an expired window; pairing then fails until pairing is opened again', async () => {
    const phone = await startPhone(['--pairing-window', '1']);
    const store = await tempDir();
    const btoe = btoeFor(store);
    const from = phone.mark();
    const code = await phone.openPairing();
    await phone.waitFor(isFailure('window-expired'), 10_000, from);

    const late = await btoe(['pair', phone.address, '--code', code]);
    expect(late.code, show(late)).toBe(EXIT['pairing-failed']);
    expect(late.stderr).toMatch(/pairing-closed/);
    expect(late.stderr).toMatch(/open pairing on the phone/);

    // The window lasts 1 s, so pair in process right after opening it; should the machine be so slow that
    // the window expires first, open it again (the outcome is what is tested, not the speed).
    const companion = await openCompanion(store);
    const before = phone.mark();
    for (let attempt = 1; ; attempt++) {
      const opened = phone.mark();
      const fresh = await phone.openPairing();
      try {
        await companion.pair(phone.address, fresh);
        break;
      } catch (error) {
        const expired = phone.list(isFailure('window-expired'), opened).length > 0;
        if (attempt >= 3 || !expired || !/pairing-closed/.test((error as Error).message)) throw error;
      }
    }
    const paired = await phone.waitFor('paired', 10_000, before);
    expect(paired).toMatchObject({ mode: 'manual', peer: companion.identity.id });
  });
});

describe('auto pairing', () => {
  /** A MAC of this machine, as btoe reports it to the phone. */
  function ourMac(): string {
    const macs = machineMacs();
    if (macs.length === 0) {
      throw new Error(
        'this machine has no non-internal network interface with a MAC address: the Auto pairing tests need one (the simulator is given it as the MAC seen on its PC port)',
      );
    }
    return macs[0]!;
  }

  /** A MAC that is not this machine's. */
  function otherMac(): string {
    const mine = new Set(machineMacs());
    const mac = ['02:00:5e:10:00:01', '02:00:5e:10:00:02'].find((m) => !mine.has(m));
    return mac!;
  }

  it("pairs without a code when this PC is on the phone's PC port", async () => {
    const phone = await startPhone(['--pcport-mac', ourMac()]);
    const store = await tempDir();
    const from = phone.mark();
    const result = await runBtoe(['pair', phone.address, '--json'], { store });
    expect(result.code, show(result)).toBe(EXIT.ok);
    expect(result.json).toMatchObject({ ok: true, phone: { id: phone.id, mode: 'auto' } });
    const paired = await phone.waitFor('paired', 10_000, from);
    expect(paired).toMatchObject({ mode: 'auto', peer: await companionId(store) });
  });

  it("refuses Auto when this PC is not on the phone's PC port, and says how to pair with a code", async () => {
    const phone = await startPhone(['--pcport-mac', otherMac()]);
    const store = await tempDir();
    const result = await runBtoe(['pair', phone.address], { store });
    expect(result.code, show(result)).toBe(EXIT['pairing-failed']);
    expect(result.stderr).toMatch(/does not see this PC on its PC port/);
    expect(result.stderr).toMatch(/open pairing on the phone/);
    expect(result.stderr).toContain(`btoe pair ${phone.address} --code CODE`);
    await phone.barrier();
    expect(phone.list('paired')).toEqual([]);
  });

  it('refuses Auto with a phone set to Manual pairing', async () => {
    const phone = await startPhone(['--pairing-mode', 'manual', '--pcport-mac', ourMac()]);
    const store = await tempDir();
    const result = await runBtoe(['pair', phone.address], { store });
    expect(result.code, show(result)).toBe(EXIT['pairing-failed']);
    expect(result.stderr).toMatch(/Manual/);
    expect(result.stderr).toMatch(/--code CODE/);
    await phone.barrier();
    expect(phone.list('paired')).toEqual([]);
  });

  // Machine policy reaches a btoe process only through /etc/btoe-companion/policy.json (see processes.ts).
  const withPolicy = it.skipIf(
    needs('the machine-policy pairing tests', machinePolicyUnavailable()) !== undefined,
  );

  withPolicy('refuses Auto when policy requires Manual, even on the PC port', async () => {
    const phone = await startPhone(['--pcport-mac', ourMac()]);
    const store = await tempDir();
    const machinePolicy = JSON.stringify({ BetterTogetherOverEthernetPairingMode: 'Manual' });
    const result = await runBtoe(['pair', phone.address], { store, machinePolicy });
    expect(result.code, show(result)).toBe(EXIT.policy);
    expect(result.stderr).toMatch(/Manual pairing/);
    await phone.barrier();
    expect(phone.list('paired')).toEqual([]);
  });

  withPolicy('refuses a transport policy does not allow, before connecting', async () => {
    const phone = await startPhone(['--pcport-mac', ourMac()]);
    const store = await tempDir();
    const machinePolicy = JSON.stringify({ AllowedTransports: ['USB', 'HID'] });
    const result = await runBtoe(['pair', phone.address], { store, machinePolicy });
    expect(result.code, show(result)).toBe(EXIT.policy);
    expect(result.stderr).toContain(
      'does not allow Ethernet connections to phones (AllowedTransports: USB, HID)',
    );
    await phone.barrier();
    expect(phone.list('paired')).toEqual([]);
  });

  withPolicy('refuses any pairing when policy turns BToE off', async () => {
    const phone = await startPhone(['--pcport-mac', ourMac()]);
    const store = await tempDir();
    const machinePolicy = JSON.stringify({ EnableBetterTogetherOverEthernet: false });
    const auto = await runBtoe(['pair', phone.address], { store, machinePolicy });
    expect(auto.code, show(auto)).toBe(EXIT.policy);
    expect(auto.stderr).toMatch(/EnableBetterTogetherOverEthernet/);
    const code = await phone.openPairing();
    const manual = await runBtoe(['pair', phone.address, '--code', code], { store, machinePolicy });
    expect(manual.code, show(manual)).toBe(EXIT.policy);
    await phone.barrier();
    expect(phone.list('paired')).toEqual([]);
  });
});

describe('sessions', () => {
  it('pairs, locks, unlocks, dials, hangs up and unpairs, each confirmed by the phone', async () => {
    const phone = await startPhone();
    const store = await tempDir();
    const btoe = btoeFor(store);
    const code = await phone.openPairing();
    let from = phone.mark();
    const paired = await btoe(['pair', phone.address, '--code', code]);
    expect(paired.code, show(paired)).toBe(EXIT.ok);
    await phone.waitFor('paired', 10_000, from);
    const id = await companionId(store);

    from = phone.mark();
    const lock = await btoe(['lock']);
    expect(lock.code, show(lock)).toBe(EXIT.ok);
    await phone.waitFor('locked', 10_000, from);

    from = phone.mark();
    const unlock = await btoe(['unlock']);
    expect(unlock.code, show(unlock)).toBe(EXIT.ok);
    await phone.waitFor('unlocked', 10_000, from);

    from = phone.mark();
    const dial = await btoe(['dial', 'tel:+1-201-555-0123', '--json']);
    expect(dial.code, show(dial)).toBe(EXIT.ok);
    expect(dial.json).toMatchObject({ ok: true, command: 'dial', number: '+12015550123' });
    const dialing = await phone.waitFor((e) => e.event === 'call' && e.state === 'dialing', 10_000, from);
    expect(dialing).toMatchObject({ direction: 'out', number: '+12015550123', muted: false });

    from = phone.mark();
    const hangup = await btoe(['hangup']);
    expect(hangup.code, show(hangup)).toBe(EXIT.ok);
    const ended = await phone.waitFor((e) => e.event === 'call' && e.state === 'ended', 10_000, from);
    expect(ended).toMatchObject({ number: '+12015550123' });

    from = phone.mark();
    const unpair = await btoe(['unpair', '--json']);
    expect(unpair.code, show(unpair)).toBe(EXIT.ok);
    expect(unpair.json).toMatchObject({ ok: true, id: phone.id, phoneInformed: true });
    expect(await phone.waitFor('unpaired', 10_000, from)).toMatchObject({ peer: id });

    const status = await btoe(['status', '--json']);
    expect(status.code, show(status)).toBe(EXIT.ok);
    expect(status.json).toMatchObject({ ok: true, phones: [] });
    const after = await btoe(['lock']);
    expect(after.code, show(after)).toBe(EXIT['not-paired']);
  });

  it('keeps the pairing across a reboot and refuses a factory-reset phone until paired again', async () => {
    const identity = ['--serial', 'SIM-RESET-0001', '--mac', '02:00:5e:00:53:42'];
    const store = await tempDir();
    const btoe = btoeFor(store);
    const firstDir = await tempDir();
    const phone = await startPhone(['--identity', firstDir, ...identity]);
    const listen = `tcp://127.0.0.1:${phone.port}`;
    const code = await phone.openPairing();
    const paired = await btoe(['pair', phone.address, '--code', code]);
    expect(paired.code, show(paired)).toBe(EXIT.ok);
    await phone.waitFor('paired');
    await phone.stop();

    // Reboot: same identity directory, same port.
    const rebooted = await startPhone(['--identity', firstDir, ...identity], { listen });
    expect(rebooted.id).toBe(phone.id);
    const lock = await btoe(['lock']);
    expect(lock.code, show(lock)).toBe(EXIT.ok);
    await rebooted.waitFor('locked');
    await rebooted.stop();

    // Factory reset: a fresh identity directory, the same serial, MAC and port.
    const reset = await startPhone(['--identity', await tempDir(), ...identity], { listen });
    expect(reset.id).not.toBe(phone.id);
    const refused = await btoe(['lock']);
    expect(refused.code, show(refused)).toBe(EXIT['identity-changed']);
    expect(refused.stderr).toMatch(/was reset/);
    expect(refused.stderr).toMatch(/pair again/);
    // The phone turned the session away (it does not know this PC), and nothing was done on it.
    await reset.waitForLog(/not paired with that PC/);
    expect(reset.list('locked')).toEqual([]);
    const status = await btoe(['status', '--json']);
    expect(status.json).toMatchObject({ phones: [{ id: phone.id }] });

    // Pairing again replaces the old pairing, and only then does the phone take commands.
    const again = await btoe(['pair', reset.address, '--code', await reset.openPairing(), '--json']);
    expect(again.code, show(again)).toBe(EXIT.ok);
    expect(again.json).toMatchObject({ phone: { id: reset.id }, replaced: phone.id });
    const from = reset.mark();
    const lockAgain = await btoe(['lock']);
    expect(lockAgain.code, show(lockAgain)).toBe(EXIT.ok);
    await reset.waitFor('locked', 10_000, from);
  });

  it('asks which phone when several are paired, and lists them all', async () => {
    const first = await startPhone();
    const second = await startPhone([
      '--vendor',
      'Yealink',
      '--family',
      'T5',
      '--model',
      'T58W',
      '--firmware',
      '58.86.0.5',
    ]);
    const store = await tempDir();
    const btoe = btoeFor(store);
    for (const phone of [first, second]) {
      const result = await btoe(['pair', phone.address, '--code', await phone.openPairing()]);
      expect(result.code, show(result)).toBe(EXIT.ok);
    }

    const ambiguous = await btoe(['lock']);
    expect(ambiguous.code, show(ambiguous)).toBe(EXIT.ambiguous);
    expect(ambiguous.stderr).toMatch(/--device/);

    const from = second.mark();
    const lock = await btoe(['lock', '--device', second.id]);
    expect(lock.code, show(lock)).toBe(EXIT.ok);
    await second.waitFor('locked', 10_000, from);

    const listed = await btoe(['devices', '--json']);
    expect(listed.code, show(listed)).toBe(EXIT.ok);
    const devices = listed.json as Array<Record<string, unknown>>;
    expect(devices).toHaveLength(2);
    const common = { transport: 'tcp', onThisPcPort: false, paired: true, reachable: true };
    expect(devices.find((d) => d.id === first.id)).toMatchObject({
      ...common,
      name: 'Polycom VVX 450',
      vendor: 'Polycom',
      model: 'VVX 450',
      firmware: '6.4.3',
      address: first.address,
    });
    expect(devices.find((d) => d.id === second.id)).toMatchObject({
      ...common,
      name: 'Yealink T58W',
      vendor: 'Yealink',
      model: 'T58W',
      firmware: '58.86.0.5',
      address: second.address,
    });

    await first.stop();
    const again = await btoe(['devices', '--json']);
    expect(again.code, show(again)).toBe(EXIT.ok);
    const after = again.json as Array<Record<string, unknown>>;
    expect(after).toHaveLength(2);
    expect(after.find((d) => d.id === first.id)).toMatchObject({
      id: first.id,
      name: 'Polycom VVX 450',
      vendor: 'Polycom',
      model: 'VVX 450',
      firmware: '6.4.3',
      transport: 'tcp',
      address: first.address,
      onThisPcPort: false,
      paired: true,
      reachable: false,
    });
    expect(after.find((d) => d.id === second.id)).toMatchObject({ reachable: true });
  });
});
