// Environment: Node (benchmarks, run by npm run bench).
// What every bench measures with: clocks, nearest-rank percentiles rounded for the JSON, ratios, the 1-byte
// ping-pong and the TCP connect of the baselines, and the child processes (JSON event lines) and temp dirs they
// start, all removed on every way out. No side effects at import: bench.ts, the sections it runs and the lab
// processes all import from here (never from bench.ts, which runs its main() when imported).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import type { PhoneSession } from '../main/core/phone-session.js';

export const LOOPBACK = '127.0.0.1';
/** The number every dial round trip dials on the simulator (hung up after each). */
export const DIALLED = '+12015550123';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
export const NODE = process.execPath;
export const SIMULATOR = here('../simulator/cli.js');
export const BTOE = here('../btoe/btoe.cjs');
/** The loopback echo server (raw TCP and TLS ports) of the ping-pong baselines. */
export const TLS_ECHO = here('./tls-echo.js');

// ---------------------------------------------------------------------------------------------------------
// Clocks

export const now = () => process.hrtime.bigint();
export const sinceUs = (t0: bigint, t1 = now()) => Number(t1 - t0) / 1e3;
export const sinceMs = (t0: bigint, t1 = now()) => Number(t1 - t0) / 1e6;
export const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------------------
// Statistics

export const round2 = (x: number) => Math.round(x * 100) / 100;

export interface Stats {
  unit: string;
  n: number;
  p50: number;
  p90: number;
  p99: number;
  /** p99.9: with fewer than 1,000 samples, the largest or close to it. */
  p999: number;
  min: number;
  max: number;
}

/** Nearest-rank percentiles; rounded (to 2 decimals unless told) so the JSON stays readable. */
export function stats(samples: readonly number[], unit: string, decimals = 2): Stats {
  if (samples.length === 0) throw new Error('no samples');
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
  const scale = 10 ** decimals;
  const r = (x: number) => Math.round(x * scale) / scale;
  return {
    unit,
    n: sorted.length,
    p50: r(at(0.5)),
    p90: r(at(0.9)),
    p99: r(at(0.99)),
    p999: r(at(0.999)),
    min: r(sorted[0]!),
    max: r(sorted[sorted.length - 1]!),
  };
}

/** a / b, rounded to 2 decimals. */
export const ratio = (a: number, b: number) => round2(a / b);

/** The p50 and p99 of `a` as ratios to those of the baseline `b`. */
export const ratios = (a: Stats, b: Stats) => ({ p50: ratio(a.p50, b.p50), p99: ratio(a.p99, b.p99) });

// ---------------------------------------------------------------------------------------------------------
// Round trips

/**
 * Times `op` `count` times, one after the other, appending microseconds to `into` (none: a warm-up); `after`
 * (untimed) runs after each, e.g. the hangup after a dial.
 */
export async function timeEach(
  count: number,
  op: () => Promise<unknown>,
  into: number[] | undefined,
  after?: () => Promise<unknown>,
): Promise<void> {
  for (let i = 0; i < count; i++) {
    const t0 = now();
    await op();
    if (into) into.push(sinceUs(t0));
    if (after) await after();
  }
}

/**
 * The lock and dial round trips on a phone at rest: each command starts once the phone's events about the
 * previous one (its `lock-state`, the call's `ended`) have arrived and been acknowledged. Back to back, the next
 * command met the phone and the companion still busy with those events, which measured their queueing (dial p99
 * 1143 against 464 µs at rest in one run, lock 232 against 206), not a user's click.
 */
export function lockAndDialAtRest(session: PhoneSession): {
  lock: () => Promise<unknown>;
  afterLock: () => Promise<void>;
  dial: () => Promise<unknown>;
  afterDial: () => Promise<void>;
} {
  let lockNext = true;
  const until = (ready: () => boolean, event: 'lock' | 'call'): Promise<void> =>
    ready()
      ? Promise.resolve()
      : new Promise((resolve, reject) => {
          const timer = setTimeout(() => {
            session.off(event, check);
            reject(new Error(`the phone sent no ${event} event within 5 s`));
          }, 5_000);
          const check = () => {
            if (!ready()) return;
            clearTimeout(timer);
            session.off(event, check);
            resolve();
          };
          session.on(event, check);
        });
  return {
    lock: () => {
      const op = lockNext ? session.lock() : session.unlock();
      lockNext = !lockNext;
      return op;
    },
    afterLock: () => until(() => session.locked === !lockNext, 'lock'),
    dial: () => session.dial(DIALLED),
    afterDial: async () => {
      await session.hangup();
      await until(() => session.call === undefined, 'call');
    },
  };
}

/** One kind of round trip in an interleaved run; `after` (untimed) runs after each, e.g. a hangup. */
export interface RoundTripKind {
  name: string;
  op: () => Promise<unknown>;
  after?: () => Promise<unknown>;
}

/** A round trip's distribution, with what it cost this process and the GC pauses here during its slowest 1 %. */
export type RoundTripFigures = Stats & {
  /** CPU time of this (the measuring) process per round trip, user + system. */
  hereCpuUsPerOp: number;
  /** GC pauses in this process during this kind's samples: count, total and longest. */
  gcHere: { pauses: number; totalMs: number; maxMs: number };
  /** Of the samples at or above p99: how many overlapped a GC pause in this process. */
  slowestOnePercentWithGcHere: string;
};

/**
 * `rounds` rounds of `perRound` round trips of each kind, interleaved so drifting machine load hits all alike
 * (the order rotates each round), after `warmup` untimed ones of each.
 */
export async function interleaved(
  kinds: readonly RoundTripKind[],
  { warmup, rounds, perRound }: { warmup: number; rounds: number; perRound: number },
  onRound: (round: number) => void = () => undefined,
): Promise<Record<string, RoundTripFigures>> {
  for (const kind of kinds) await timeEach(warmup, kind.op, undefined, kind.after);
  const gcs: { start: number; end: number }[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) gcs.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
  const runs = kinds.map(() => ({ starts: [] as number[], us: [] as number[], cpuUs: 0 }));
  try {
    for (let round = 0; round < rounds; round++) {
      onRound(round);
      for (let k = 0; k < kinds.length; k++) {
        const i = (k + round) % kinds.length;
        const kind = kinds[i]!;
        const run = runs[i]!;
        const cpu0 = process.cpuUsage();
        for (let n = 0; n < perRound; n++) {
          const t0 = performance.now();
          await kind.op();
          run.starts.push(t0);
          run.us.push((performance.now() - t0) * 1000);
          if (kind.after) await kind.after();
        }
        const cpu = process.cpuUsage(cpu0);
        run.cpuUs += cpu.user + cpu.system;
      }
    }
    // Entries are delivered asynchronously: let the last ones arrive.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    observer.disconnect();
  }
  return Object.fromEntries(
    kinds.map((kind, i) => {
      const { starts, us, cpuUs } = runs[i]!;
      const figures = stats(us, 'us');
      const spans = starts.map((start, n) => ({ start, end: start + us[n]! / 1000 }));
      const during = gcs.filter((g) => spans.some((s) => g.start < s.end && g.end > s.start));
      const slow = spans.filter((_, n) => us[n]! >= figures.p99);
      const slowWithGc = slow.filter((s) => gcs.some((g) => g.start < s.end && g.end > s.start)).length;
      return [
        kind.name,
        {
          ...figures,
          hereCpuUsPerOp: round2(cpuUs / us.length),
          gcHere: {
            pauses: during.length,
            totalMs: round2(during.reduce((sum, g) => sum + g.end - g.start, 0)),
            maxMs: round2(Math.max(0, ...during.map((g) => g.end - g.start))),
          },
          slowestOnePercentWithGcHere: `${slowWithGc}/${slow.length}`,
        },
      ];
    }),
  );
}

/** One byte out, wait for the one byte echoed back. */
export function pinger(stream: Duplex, byte = 0x2a): () => Promise<void> {
  let waiting: (() => void) | undefined;
  stream.on('data', () => {
    const resolve = waiting;
    waiting = undefined;
    resolve?.();
  });
  const out = Buffer.from([byte]);
  return () =>
    new Promise<void>((resolve) => {
      waiting = resolve;
      stream.write(out);
    });
}

/** A TCP connection with Nagle off, resolved once connected (its connect-error listener removed then). */
export function tcpConnect(port: number, host = LOOPBACK): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Peak RSS of a whole process

/** Whether /usr/bin/time is GNU time, whose %M gives the peak RSS in KiB. */
export function gnuTimeWorks(dir: string): boolean {
  const out = join(dir, 'time-probe.txt');
  const probe = spawnSync('/usr/bin/time', ['-f', '%M', '-o', out, NODE, '-e', '0'], { stdio: 'ignore' });
  if (probe.status !== 0) return false;
  try {
    return /^\d+\s*$/.test(readFileSync(out, 'utf8').trim().split('\n').pop() ?? '');
  } catch {
    return false;
  }
}

/** Peak RSS in MiB of one `node ARGS` run, by GNU time or by polling /proc/PID/status VmHWM. */
export async function peakRssMiB(
  args: string[],
  env: NodeJS.ProcessEnv,
  method: 'gnu-time' | 'proc-poll',
  dir: string,
): Promise<number> {
  if (method === 'gnu-time') {
    const out = join(dir, 'time.txt');
    const run = spawnSync('/usr/bin/time', ['-f', '%M', '-o', out, NODE, ...args], { env, encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${run.status}: ${run.stderr}`);
    const kib = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
    return kib / 1024;
  }
  return new Promise((resolve, reject) => {
    const proc = spawn(NODE, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let peakKiB = 0;
    const poll = () => {
      try {
        const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'));
        if (match) peakKiB = Math.max(peakKiB, Number(match[1]));
      } catch {
        // gone already
      }
    };
    const timer = setInterval(poll, 1);
    proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    proc.once('error', reject);
    proc.once('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited with ${code}: ${stderr}`));
      else resolve(peakKiB / 1024);
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// A bench run alone (`node dist/bench/NAME.js`)

/** Prints the figures as ONE JSON document on stdout and exits 0; or says why not on stderr and exits 1. */
export async function printAlone(
  run: () => Promise<unknown>,
  progress: (message: string) => void,
): Promise<never> {
  let code = 0;
  try {
    process.stdout.write(`${JSON.stringify(await run(), null, 2)}\n`);
  } catch (error) {
    code = 1;
    progress(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
  process.exit(code);
}

// ---------------------------------------------------------------------------------------------------------
// Processes, temp dirs and connections: all registered, all removed on every way out.

/** SIGTERM (the daemon and the simulator stop cleanly on it), SIGKILL after 3 s. */
export async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill('SIGTERM');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}

/** What one bench leaves behind until it removes it: processes, temp dirs, things to close. */
export class Leftovers {
  private readonly processes = new Set<ChildProcess>();
  private readonly tempDirs = new Set<string>();
  private readonly closers = new Set<() => void>();

  track(proc: ChildProcess): ChildProcess {
    this.processes.add(proc);
    proc.once('exit', () => this.processes.delete(proc));
    return proc;
  }

  tempDir(prefix: string): string {
    const dir = mkdtempSync(join(os.tmpdir(), prefix));
    this.tempDirs.add(dir);
    return dir;
  }

  onRemove(close: () => void): void {
    this.closers.add(close);
  }

  /** Closes, SIGKILLs and deletes at once (on exit and on signals). */
  removeSync(): void {
    for (const close of this.closers) close();
    this.closers.clear();
    for (const proc of this.processes) {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    }
    this.processes.clear();
    for (const dir of this.tempDirs) rmSync(dir, { recursive: true, force: true });
    this.tempDirs.clear();
  }

  /** Closes, lets every process stop cleanly (stopProcess), then deletes. */
  async remove(): Promise<void> {
    for (const close of this.closers) close();
    this.closers.clear();
    await Promise.all([...this.processes].map(stopProcess));
    this.removeSync();
  }
}

/** On SIGINT, SIGTERM or SIGHUP: say so, remove what is left, exit 130. */
export function removeOnSignals(leftovers: Leftovers, progress: (message: string) => void): void {
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      progress(`${signal}: cleaning up`);
      leftovers.removeSync();
      process.exit(130);
    });
  }
}

export type ChildEvent = { event: string; at: bigint } & Record<string, unknown>;
export type EventMatch = string | ((event: ChildEvent) => boolean);

/** A node child that prints one JSON event per stdout line (simulator, daemon, echo server). */
export class Child {
  readonly proc: ChildProcess;
  readonly exited: Promise<number | null>;
  private readonly waiters: {
    test: (e: ChildEvent) => boolean;
    resolve: (e: ChildEvent) => void;
    reject: (error: Error) => void;
  }[] = [];
  private stderrTail = '';

  constructor(
    readonly name: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    leftovers: Leftovers,
  ) {
    this.proc = leftovers.track(spawn(NODE, args, { env, stdio: ['pipe', 'pipe', 'pipe'] }));
    this.exited = new Promise((resolve) => this.proc.once('exit', (code) => resolve(code)));
    void this.exited.then((code) => {
      for (const waiter of this.waiters.splice(0))
        waiter.reject(new Error(`${this.name} exited (${code}). Its stderr: ${this.stderrTail}`));
    });
    this.proc.stdin!.on('error', () => undefined);
    this.proc.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      const at = now();
      let parsed: ChildEvent;
      try {
        parsed = { ...(JSON.parse(line) as Record<string, unknown>), at } as ChildEvent;
      } catch {
        return;
      }
      const i = this.waiters.findIndex((w) => w.test(parsed));
      if (i >= 0) this.waiters.splice(i, 1)[0]!.resolve(parsed);
    });
  }

  get pid(): number {
    return this.proc.pid!;
  }

  /** The next matching event (register before causing it); `at` is when this process read its line. */
  next(match: EventMatch, timeoutMs = 15_000): Promise<ChildEvent> {
    const test = typeof match === 'string' ? (e: ChildEvent) => e.event === match : match;
    const what = typeof match === 'string' ? `"${match}"` : 'the awaited event';
    const awaited = new Promise<ChildEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`${this.name}: no ${what} within ${timeoutMs} ms. Its stderr: ${this.stderrTail}`));
      }, timeoutMs);
      const waiter = {
        test,
        resolve: (e: ChildEvent) => {
          clearTimeout(timer);
          resolve(e);
        },
        reject: (error: Error) => {
          clearTimeout(timer);
          reject(new Error(`before ${what}: ${error.message}`));
        },
      };
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        clearTimeout(timer);
        reject(new Error(`${this.name} has exited; no ${what} will come. Its stderr: ${this.stderrTail}`));
        return;
      }
      this.waiters.push(waiter);
    });
    // Whoever awaits it still gets the error; one left behind by a failed step is not an unhandled rejection.
    awaited.catch(() => undefined);
    return awaited;
  }

  send(line: string): void {
    this.proc.stdin!.write(`${line}\n`);
  }

  stop(): Promise<void> {
    return stopProcess(this.proc);
  }
}
