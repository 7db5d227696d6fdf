// Helpers for the integration tests that run the phone simulator and `btoe` as separate processes over
// loopback, from the built dist/ (npm test builds it before vitest runs).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const DIST = join(REPO, 'dist');
const SIMULATOR = join(DIST, 'simulator/cli.js');
export const BTOE = join(DIST, 'btoe/btoe.cjs');

/** The simulator's default Phone-Lock PIN (simulator/cli.ts). */
export const DEFAULT_PIN = '246810';

const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();

/** Throws a clear message when dist/ has not been built. */
export function requireDist(): void {
  for (const file of [SIMULATOR, BTOE]) {
    if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build`);
  }
}

/** Imports a built module from dist/; T is the type of its source module (`typeof import('../../x.js')`). */
export async function importDist<T>(path: string): Promise<T> {
  requireDist();
  const file = join(DIST, path);
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build`);
  return (await import(pathToFileURL(file).href)) as T;
}

/** A fresh directory under the OS temp dir, removed by cleanup(). */
export async function tempDir(prefix = 'btoe-it-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

/**
 * Why a process cannot be given a machine policy here, or undefined when it can. A running companion reads
 * machine policy only from /etc/btoe-companion/policy.json (nothing in its environment or arguments replaces
 * it), so a test puts one there for its own child only: the child runs in a private mount namespace where /etc
 * is an overlay holding the test's file. Needs root (CI runs as root) and unshare from util-linux.
 */
export function machinePolicyUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'a machine policy for one process needs Linux mount namespaces';
  if (process.getuid?.() !== 0)
    return 'a machine policy for one process needs root (unshare --mount); CI runs as root';
  try {
    execFileSync('unshare', ['--mount', 'true'], { stdio: 'ignore' });
  } catch {
    return 'unshare --mount failed here (util-linux missing, or no mount namespaces)';
  }
  return undefined;
}

/**
 * The command that runs `argv` with `policy` as its machine policy file (see machinePolicyUnavailable). The
 * host's /etc is untouched: the overlay's upper layer is a temp dir and lives only in the child's namespace.
 */
async function withMachinePolicy(policy: string, argv: readonly string[]): Promise<string[]> {
  const why = machinePolicyUnavailable();
  if (why) throw new Error(why);
  const dir = await tempDir('btoe-etc-');
  await mkdir(join(dir, 'upper/btoe-companion'), { recursive: true });
  await mkdir(join(dir, 'work'));
  await writeFile(join(dir, 'upper/btoe-companion/policy.json'), policy);
  const mount = `mount -t overlay overlay -o lowerdir=/etc,upperdir=${dir}/upper,workdir=${dir}/work /etc && exec "$@"`;
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', mount, 'sh', ...argv];
}

/** Kills every process these helpers started and removes the temp dirs: call it in afterEach. */
export async function cleanup(): Promise<void> {
  await killAll();
  await Promise.all([...tempDirs].map((dir) => rm(dir, { recursive: true, force: true })));
  tempDirs.clear();
}

/** Kills every process these helpers started that is still running (SIGKILL: this is the fallback). */
export async function killAll(): Promise<void> {
  const children = [...live];
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
  live.clear();
}

function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
}

export interface PhoneEvent {
  event: string;
  [member: string]: unknown;
}

export type EventMatch = string | ((event: PhoneEvent) => boolean);

/** A running phone simulator process. */
export class Phone {
  readonly events: PhoneEvent[] = [];
  private stderrText = '';
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly waiters = new Set<() => void>();
  /** Set once `ready` arrived. */
  address = '';
  port = 0;
  id = '';

  constructor(
    readonly child: ChildProcess,
    readonly args: readonly string[],
    readonly pin: string,
  ) {
    let partial = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      partial += chunk;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (line.trim() === '') continue;
        try {
          this.events.push(JSON.parse(line) as PhoneEvent);
        } catch {
          this.events.push({ event: 'unparsable-stdout', line });
        }
      }
      this.wake();
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
      this.stderrText += chunk;
      this.wake();
    });
    child.once('exit', (code, signal) => {
      this.exited = { code, signal };
      this.wake();
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get stderr(): string {
    return this.stderrText;
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  /** Where the next event will land in `events`: pass it to waitFor to ignore older events. */
  mark(): number {
    return this.events.length;
  }

  /** Events since `from` (default: all) that match. */
  list(match: EventMatch, from = 0): PhoneEvent[] {
    const test = matcher(match);
    return this.events.slice(from).filter(test);
  }

  /** The first event at or after index `from` that matches; waits for it up to timeoutMs. */
  waitFor(match: EventMatch, timeoutMs = 10_000, from = 0): Promise<PhoneEvent> {
    const test = matcher(match);
    const what = typeof match === 'string' ? `"${match}"` : 'a matching event';
    return this.until(
      () => this.events.slice(from).find(test),
      timeoutMs,
      () => `the phone simulator did not emit ${what}`,
    );
  }

  /** Waits until `count` events since `from` match; resolves them. */
  waitForCount(match: EventMatch, count: number, timeoutMs = 10_000, from = 0): Promise<PhoneEvent[]> {
    const test = matcher(match);
    return this.until(
      () => {
        const found = this.events.slice(from).filter(test);
        return found.length >= count ? found : undefined;
      },
      timeoutMs,
      () => `the phone simulator did not emit ${count} matching events`,
    );
  }

  /** Waits until stderr (the simulator's log) has `count` lines matching `pattern`. */
  waitForLog(pattern: RegExp, count = 1, timeoutMs = 10_000): Promise<string[]> {
    return this.until(
      () => {
        const lines = this.stderrText.split('\n').filter((line) => pattern.test(line));
        return lines.length >= count ? lines : undefined;
      },
      timeoutMs,
      () => `the phone simulator did not log ${count} line(s) matching ${pattern}`,
    );
  }

  /** One command on the simulator's stdin (open-pairing, lock, hangup, ...). */
  send(command: string): void {
    if (!this.alive) throw new Error(`the phone simulator has exited; cannot send "${command}"`);
    this.child.stdin!.write(`${command}\n`);
  }

  /** open-pairing, and the code it shows. */
  async openPairing(timeoutMs = 10_000): Promise<string> {
    const from = this.mark();
    this.send('open-pairing');
    const shown = await this.waitFor('pairing-code', timeoutMs, from);
    return String(shown.code);
  }

  /**
   * Waits until the simulator has written out every event caused by what happened before: it locks and
   * unlocks (events are written in order), so it leaves the phone unlocked.
   */
  async barrier(): Promise<void> {
    const from = this.mark();
    this.send('lock');
    this.send(`unlock ${this.pin}`);
    await this.waitFor('unlocked', 10_000, from);
  }

  /** Asks the simulator to quit; kills it if it does not. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    try {
      this.child.stdin!.write('quit\n');
    } catch {
      // stdin already gone: the kill below ends it.
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  }

  /** What to show when a test fails. */
  describe(): string {
    const status = this.exited ? `exited (${this.exited.code ?? this.exited.signal})` : 'running';
    return [
      `phone simulator ${this.args.join(' ')}: ${status}`,
      `events: ${this.events.map((e) => JSON.stringify(e)).join('\n        ')}`,
      `stderr: ${this.stderrText.trim()}`,
    ].join('\n');
  }

  private until<T>(probe: () => T | undefined, timeoutMs: number, what: () => string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = probe();
        if (found !== undefined) {
          finish();
          resolve(found);
        } else if (!this.alive) {
          finish();
          reject(new Error(`${what()}: it exited\n${this.describe()}`));
        }
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`${what()} within ${timeoutMs / 1000} s\n${this.describe()}`));
      }, timeoutMs);
      const finish = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

function matcher(match: EventMatch): (event: PhoneEvent) => boolean {
  return typeof match === 'string' ? (event) => event.event === match : match;
}

export interface PhoneOptions {
  /** Listen address; default tcp://127.0.0.1:0 (a free port, read back from `ready`). */
  listen?: string;
  /** The PIN passed with --pin (default: the simulator's default), used by barrier(). */
  pin?: string;
}

/** Starts `node dist/simulator/cli.js --listen tcp://127.0.0.1:0 ...args` and waits for `ready`. */
export async function startPhone(args: readonly string[] = [], options: PhoneOptions = {}): Promise<Phone> {
  requireDist();
  const argv = ['--listen', options.listen ?? 'tcp://127.0.0.1:0', ...args];
  if (options.pin !== undefined) argv.push('--pin', options.pin);
  const child = spawn(process.execPath, [SIMULATOR, ...argv], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  track(child);
  child.stdin.on('error', () => {
    // The simulator went away: its exit is reported by waitFor.
  });
  const phone = new Phone(child, argv, options.pin ?? DEFAULT_PIN);
  const ready = await phone.waitFor('ready', 15_000);
  phone.address = String(ready.address);
  phone.id = String(ready.id);
  phone.port = Number(new URL(phone.address.replace(/^tcp:/, 'http:')).port);
  return phone;
}

/** Starts `btoe-phone-sim --api poly|yealink --listen 127.0.0.1:0 ...args` and waits for `ready`; `url` is its API. */
export async function startVendorPhone(
  vendor: 'poly' | 'yealink',
  args: readonly string[] = [],
): Promise<{ phone: Phone; url: string; ready: PhoneEvent }> {
  requireDist();
  // Poly's simulator takes the scheme (HTTPS by default, as the phones recommend); Yealink's HOST:PORT.
  const argv = [
    '--api',
    vendor,
    '--listen',
    vendor === 'poly' ? 'https://127.0.0.1:0' : '127.0.0.1:0',
    ...args,
  ];
  const child = spawn(process.execPath, [SIMULATOR, ...argv], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
  track(child);
  child.stdin.on('error', () => undefined);
  const phone = new Phone(child, argv, '');
  const ready = await phone.waitFor('ready', 15_000);
  return { phone, url: String(ready['url']), ready };
}

/**
 * Starts `btoe daemon --json` on a store and waits for `ready`. Its stdout is JSON lines with an `event`
 * member like the simulator's, so the same class reads it.
 */
export async function startDaemon(
  store: string,
  env: Record<string, string> = {},
  machinePolicy?: string,
): Promise<Phone> {
  requireDist();
  const argv = ['daemon', '--json', '--store', store];
  let command = [process.execPath, BTOE, ...argv];
  if (machinePolicy !== undefined) command = await withMachinePolicy(machinePolicy, command);
  const child = spawn(command[0]!, command.slice(1), {
    cwd: REPO,
    env: {
      ...process.env,
      ...env,
      BTOE_SECRET_STORE: 'file',
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  track(child);
  const daemon = new Phone(child, argv, DEFAULT_PIN);
  await daemon.waitFor('ready', 15_000);
  return daemon;
}

export interface BtoeResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The last stdout line parsed as JSON, when it is JSON (with --json). */
  json?: unknown;
}

export interface BtoeOptions {
  /** --store DIR (added to the arguments). */
  store: string;
  /** Extra environment. BTOE_SECRET_STORE=file is always set. */
  env?: Record<string, string>;
  /** The JSON text of the machine policy this process sees (see machinePolicyUnavailable). */
  machinePolicy?: string;
  timeoutMs?: number;
  /** Text for btoe's stdin (e.g. a password); otherwise stdin is closed. */
  stdin?: string;
}

/** Runs `node dist/btoe/btoe.cjs ...args --store DIR` to completion. */
export async function runBtoe(args: readonly string[], options: BtoeOptions): Promise<BtoeResult> {
  requireDist();
  let command = [process.execPath, BTOE, ...args, '--store', options.store];
  if (options.machinePolicy !== undefined) command = await withMachinePolicy(options.machinePolicy, command);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    BTOE_SECRET_STORE: 'file',
  };
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      cwd: REPO,
      env,
      stdio: [options.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    track(child);
    if (options.stdin !== undefined) child.stdin!.end(options.stdin);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timeoutMs = options.timeoutMs ?? 30_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`btoe ${args.join(' ')} did not finish within ${timeoutMs / 1000} s: ${stderr}`));
    }, timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      const result: BtoeResult = { code, stdout, stderr };
      const last = stdout.trim().split('\n').pop();
      if (last) {
        try {
          result.json = JSON.parse(last);
        } catch {
          // human output
        }
      }
      resolve(result);
    });
  });
}

/** A one-line summary of a btoe run for assertion messages. */
export function show(result: BtoeResult): string {
  return `exit ${result.code}\nstdout: ${result.stdout.trim()}\nstderr: ${result.stderr.trim()}`;
}
