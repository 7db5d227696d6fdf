// USB tethering over real pty pairs (socat): the phone simulator serves on one end (`--listen serial:PATH`),
// `btoe` and the companion core use the other, each its own process. Pairing, commands, an unplug in
// mid-session, line noise, a busy port and a permission-denied port.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Companion } from '../../main/core/companion.js';
import type { PhoneSession } from '../../main/core/phone-session.js';
import { type Chunk, encodeChunk, encodeChunks } from '../../native-bridge/usb/serial-framing.js';
import {
  type BtoeResult,
  DIST,
  type Phone,
  REPO,
  cleanup,
  importDist,
  requireDist,
  runBtoe,
  show,
  startPhone,
  tempDir,
} from './helpers/processes.js';
import { needs } from '../helpers/needs.js';
import { type PtyPair, injectBytes, socatMissing, startPtyPair, stopPtyPairs } from './helpers/socat.js';

type CompanionModule = typeof import('../../main/core/companion.js');
type PolicyModule = typeof import('../../main/core/policy.js');

/** btoe's exit code for "phone unreachable" (README, "Exit codes"): every port problem is one. */
const UNREACHABLE = 5;
const noSocat = needs('the serial tests', socatMissing());

const isCall = (state: string) => (e: { event: string; state?: unknown }) =>
  e.event === 'call' && e.state === state;

/** A pty pair, the simulator on its phone end, and a store for btoe on the pc end. */
async function setup(name = 'line') {
  const dir = await tempDir('btoe-serial-');
  const line = await startPtyPair(dir, name);
  const phone = await startPhone(['--identity', join(dir, 'phone-id')], { listen: `serial:${line.phone}` });
  const store = join(dir, 'store');
  const btoe = (args: string[]) => runBtoe(args, { store });
  return { dir, line, phone, store, btoe };
}

async function pair(phone: Phone, btoe: (args: string[]) => Promise<BtoeResult>, line: PtyPair) {
  const code = await phone.openPairing();
  const from = phone.mark();
  const result = await btoe(['pair', `serial:${line.pc}`, '--code', code]);
  expect(result.code, show(result)).toBe(0);
  await phone.waitFor('paired', 10_000, from);
}

/** The companion core from dist/, in this process, on btoe's store: a session that stays open. */
async function openCompanion(store: string): Promise<Companion> {
  vi.stubEnv('BTOE_SECRET_STORE', 'file');
  const { Companion } = await importDist<CompanionModule>('main/core/companion.js');
  const { loadPolicy } = await importDist<PolicyModule>('main/core/policy.js');
  const policy = await loadPolicy();
  return Companion.open({ storeDir: store, policy });
}

const dataChunk = (seq: number, text: string): Chunk => ({
  kind: 'data',
  link: 0x0badf00d,
  seq,
  payload: Buffer.from(text),
});

/** Everything a noisy line can carry outside chunks: modem chatter, a partial chunk, a corrupt one, runs. */
function noise(): Buffer {
  const corrupt = encodeChunks([dataChunk(0, 'corrupt')]);
  corrupt[6] = corrupt[6]! ^ 0x40;
  return Buffer.concat([
    Buffer.from('ATZ\r\nAT+CGMI\r\n'),
    Buffer.from([0x00, 0x00, 0xff, 0x13, 0x37]),
    encodeChunk(dataChunk(1, 'partial')).subarray(0, 9), // a chunk cut short, no delimiter
    corrupt,
    Buffer.alloc(1500, 0x41), // longer than any chunk: dropped as overlong at the next 0x00
    Buffer.from([0x00]),
    encodeChunk({ kind: 'close', link: 0x0badf00d, seq: 0, payload: new Uint8Array(0) }), // a stale link
    Buffer.from('NO CARRIER\r\n'),
  ]);
}

afterEach(async () => {
  vi.unstubAllEnvs();
  await stopPtyPairs();
  await cleanup();
});

describe.skipIf(noSocat !== undefined)('USB tethering over a pty pair', () => {
  beforeAll(() => requireDist());

  it('pairs with the code, then locks, unlocks, dials and hangs up', async () => {
    const { line, phone, btoe } = await setup();
    expect(phone.address).toBe(`serial:${line.phone}`);
    await pair(phone, btoe, line);

    let from = phone.mark();
    let result = await btoe(['lock']);
    expect(result.code, show(result)).toBe(0);
    await phone.waitFor('locked', 10_000, from);

    from = phone.mark();
    result = await btoe(['unlock']);
    expect(result.code, show(result)).toBe(0);
    await phone.waitFor('unlocked', 10_000, from);

    from = phone.mark();
    result = await btoe(['dial', '+14155550123']);
    expect(result.code, show(result)).toBe(0);
    const dialing = await phone.waitFor(isCall('dialing'), 10_000, from);
    expect(dialing).toMatchObject({ direction: 'out', number: '+14155550123' });

    from = phone.mark();
    result = await btoe(['hangup']);
    expect(result.code, show(result)).toBe(0);
    await phone.waitFor(isCall('ended'), 10_000, from);
  });

  it('reports an unplug in mid-session clearly and recovers when the phone is back', async () => {
    const { dir, line, phone, store, btoe } = await setup();
    await pair(phone, btoe, line);
    const companion = await openCompanion(store);
    const session: PhoneSession = await companion.connect(undefined);
    const from = phone.mark();
    await session.lock();
    await phone.waitFor('locked', 10_000, from);

    const closed = new Promise<Error | undefined>((resolve) => session.once('close', resolve));
    await line.unplug();
    const reason = await closed;
    expect(reason?.message).toMatch(
      new RegExp(`serial:${escape(line.pc)}.*went away: the device was unplugged`),
    );
    await phone.waitForLog(/went away: the device was unplugged.*waiting for serial:.* to come back/);

    // While unplugged: a clear error, not a hang.
    const gone = await btoe(['unlock']);
    expect(gone.code, show(gone)).toBe(UNREACHABLE);
    expect(gone.stderr).toMatch(new RegExp(`serial:${escape(line.pc)} does not exist: plug the phone in`));

    // Plugged in again (a new pty pair at the same paths): the simulator reopens its end by itself.
    await startPtyPair(dir);
    await phone.waitForLog(/opened serial:/, 2, 10_000);
    const again = phone.mark();
    const result = await btoe(['unlock']);
    expect(result.code, show(result)).toBe(0);
    await phone.waitFor('unlocked', 10_000, again);
    // The companion core reconnects too.
    const next = await companion.connect(undefined);
    await next.lock();
    next.close();
  });

  it('drops garbage and partial chunks on the line, between sessions and in mid-session', async () => {
    const { line, phone, store, btoe } = await setup();
    await pair(phone, btoe, line);

    // Between sessions, towards the phone.
    injectBytes(line.pc, noise());
    let from = phone.mark();
    let result = await btoe(['lock']);
    expect(result.code, show(result)).toBe(0);
    await phone.waitFor('locked', 10_000, from);
    const [dropped] = await phone.waitForLog(/dropped line noise so far/);
    const counts = /(\d+) invalid run\(s\), (\d+) bad checksum\(s\), (\d+) overlong run\(s\)/.exec(dropped!)!;
    expect(Number(counts[1]) + Number(counts[2])).toBeGreaterThanOrEqual(3);
    expect(Number(counts[3])).toBeGreaterThanOrEqual(1);

    // In mid-session, both ways, while the session is idle (between chunks).
    const companion = await openCompanion(store);
    const session = await companion.connect(undefined);
    injectBytes(line.pc, noise()); // towards the phone
    from = phone.mark();
    await session.unlock();
    await phone.waitFor('unlocked', 10_000, from);
    injectBytes(line.phone, noise()); // towards the companion
    await session.ping();
    from = phone.mark();
    await session.lock();
    await phone.waitFor('locked', 10_000, from);
    session.close();

    result = await btoe(['unlock']);
    expect(result.code, show(result)).toBe(0);
  });

  it('says a port is busy while another program holds it, and works once it is free', async () => {
    const { line, phone, btoe } = await setup();
    await pair(phone, btoe, line);
    const { SerialPort } = await import('serialport');
    const holder = new SerialPort({ path: line.pc, baudRate: 115200, lock: true, autoOpen: false });
    await new Promise<void>((resolve, reject) => holder.open((error) => (error ? reject(error) : resolve())));
    try {
      const busy = await btoe(['lock']);
      expect(busy.code, show(busy)).toBe(UNREACHABLE);
      expect(busy.stderr).toMatch(
        new RegExp(`serial:${escape(line.pc)} is busy: another program has it open`),
      );
    } finally {
      await new Promise<void>((resolve) => holder.close(() => resolve()));
    }
    const from = phone.mark();
    const result = await btoe(['lock']);
    expect(result.code, show(result)).toBe(0);
    await phone.waitFor('locked', 10_000, from);
  });

  it('says permission is denied, and which group to join, and works once permitted', async () => {
    const { dir, line, phone, btoe } = await setup();
    await pair(phone, btoe, line);
    const device = realpathSync(line.pc);
    const mode = statSync(device).mode & 0o777;
    chmodSync(device, 0o000);
    try {
      const denied = await runUnprivileged(['pair', `serial:${line.pc}`, '--code', 'ABCD-EFGH'], dir);
      expect(denied.code, show(denied)).toBe(UNREACHABLE);
      expect(denied.stderr).toMatch(
        new RegExp(`permission denied opening serial:${escape(line.pc)} \\(group \\w+, mode 000\\)`),
      );
      expect(denied.stderr).toMatch(
        /join the "\w+" group that may use serial ports \(sudo usermod -aG \w+ \$USER/,
      );
    } finally {
      chmodSync(device, mode);
    }
    const from = phone.mark();
    const result = await btoe(['lock']);
    expect(result.code, show(result)).toBe(0);
    await phone.waitFor('locked', 10_000, from);
  });
});

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `btoe ARGS` with a fresh store in DIR, as a user the device's mode bits apply to. Root opens anything
 * whatever the mode (CAP_DAC_OVERRIDE), so as root it runs under setpriv without that capability (it still
 * reads the repository as its owner); failing setpriv, as nobody (uid 65534).
 */
async function runUnprivileged(args: string[], dir: string): Promise<BtoeResult> {
  const store = join(dir, 'unprivileged-store');
  mkdirSync(store);
  const btoe = [join(DIST, 'btoe/btoe.cjs'), ...args, '--store', store];
  let command = process.execPath;
  let argv = btoe;
  let uid: number | undefined;
  if (process.getuid?.() === 0) {
    if (spawnSync('setpriv', ['--version'], { stdio: 'ignore' }).status === 0) {
      const caps = '-dac_override,-dac_read_search';
      command = 'setpriv';
      argv = [`--inh-caps=${caps}`, `--bounding-set=${caps}`, '--', process.execPath, ...btoe];
    } else {
      uid = 65534;
      chmodSync(dir, 0o755);
      chownSync(store, uid, uid);
    }
  }
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, {
      cwd: REPO,
      env: {
        ...process.env,
        HOME: store,
        BTOE_SECRET_STORE: 'file',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(uid === undefined ? {} : { uid, gid: uid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
