// Environment: Node (benchmarks, run by npm run bench).
// The serial (USB tethering) figures: a lock round trip over the serial link (serial framing + TLS 1.3 + the
// protocol, against the phone simulator on the other end of a real pty pair) against a raw 1-byte ping-pong
// over the SAME pty pair to an echo process, in the same run. The two cannot hold the phone end at once (the
// port is opened exclusively), so they alternate in rounds: the simulator is stopped and restarted (same
// identity) around each raw phase, and drifting machine load hits both alike.
//
// `node dist/bench/serial.js` prints ONE JSON document on stdout (progress on stderr); bench.ts may import
// runSerialBench() instead. Needs socat (apt-get install socat). Loopback only: nothing leaves the machine.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Companion } from '../main/core/companion.js';
import { loadPolicy } from '../main/core/policy.js';
import { openSerialPort } from '../native-bridge/usb/serial-transport.js';
import { NODE, SIMULATOR, delay, now, pinger, printAlone, ratios, sinceUs, stats } from './measure.js';

const ECHO = fileURLToPath(new URL('./serial-echo.js', import.meta.url));

export interface SerialBenchOptions {
  rounds?: number;
  perRound?: number;
  warmup?: number;
  progress?: (message: string) => void;
}

/** A child that prints JSON events on stdout (the simulator, the echo). */
class Child {
  readonly proc: ChildProcess;
  private readonly events: Record<string, unknown>[] = [];
  private readonly waiters = new Set<() => void>();
  private stderrTail = '';

  constructor(
    readonly name: string,
    command: string,
    args: string[],
  ) {
    this.proc = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdin!.on('error', () => undefined);
    this.proc.stderr!.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-2000);
      this.wake();
    });
    createInterface({ input: this.proc.stdout! }).on('line', (line) => {
      try {
        this.events.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        return;
      }
      this.wake();
    });
    this.proc.once('exit', () => this.wake());
  }

  get alive(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** The first event named `event` at or after index `from`. */
  async next(event: string, from = 0, timeoutMs = 15_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find((e) => e.event === event);
      if (found) return found;
      if (!this.alive) throw new Error(`${this.name} exited before "${event}": ${this.stderrTail}`);
      if (Date.now() > deadline) throw new Error(`${this.name} sent no "${event}": ${this.stderrTail}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  mark(): number {
    return this.events.length;
  }

  send(line: string): void {
    this.proc.stdin!.write(`${line}\n`);
  }

  async stop(): Promise<void> {
    if (!this.alive) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.send('quit');
    this.proc.stdin!.end();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(timer);
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const waiter of waiters) waiter();
  }
}

async function startPtyPair(dir: string): Promise<{ pc: string; phone: string; proc: ChildProcess }> {
  const pc = join(dir, 'line-pc');
  const phone = join(dir, 'line-phone');
  const proc = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${pc}`, `pty,raw,echo=0,link=${phone}`], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 250 && !(existsSync(pc) && existsSync(phone)); i++) await delay(20);
  if (!existsSync(pc) || !existsSync(phone)) throw new Error('socat did not create the pty pair');
  await delay(50);
  return { pc, phone, proc };
}

/** Runs the serial benchmark; resolves the figures (the caller prints them). */
export async function runSerialBench(options: SerialBenchOptions = {}): Promise<Record<string, unknown>> {
  const rounds = options.rounds ?? 5;
  const perRound = options.perRound ?? 300;
  const warmup = options.warmup ?? 50;
  const progress = options.progress ?? (() => undefined);
  if (spawnSync('socat', ['-V'], { stdio: 'ignore' }).status !== 0) {
    throw new Error('socat is not installed (apt-get install socat): the serial benchmark needs a pty pair');
  }
  const dir = mkdtempSync(join(os.tmpdir(), 'btoe-bench-serial-'));
  const children: Child[] = [];
  let socat: ChildProcess | undefined;
  const started = now();
  try {
    const line = await startPtyPair(dir);
    socat = line.proc;
    const identityDir = join(dir, 'phone');
    const startSimulator = async () => {
      const sim = new Child('phone simulator', NODE, [
        SIMULATOR,
        '--listen',
        `serial:${line.phone}`,
        '--identity',
        identityDir,
      ]);
      children.push(sim);
      await sim.next('ready');
      return sim;
    };
    process.env.BTOE_SECRET_STORE = 'file';
    const policy = await loadPolicy();
    const companion = await Companion.open({ storeDir: join(dir, 'companion'), policy });

    progress('pairing over the serial link');
    let sim = await startSimulator();
    const from = sim.mark();
    sim.send('open-pairing');
    const code = String((await sim.next('pairing-code', from)).code);
    await companion.pair(`serial:${line.pc}`, code);

    const lockUs: number[] = [];
    const rawUs: number[] = [];
    for (let round = 0; round < rounds; round++) {
      progress(`round ${round + 1}/${rounds}: ${perRound} lock round trips, then ${perRound} raw ping-pongs`);
      // Lock round trips: lock and unlock alternately, request → ack.
      const session = await companion.connect(undefined);
      let lockNext = true;
      for (let i = 0; i < warmup + perRound; i++) {
        const t0 = now();
        await (lockNext ? session.lock() : session.unlock());
        if (i >= warmup) lockUs.push(sinceUs(t0));
        lockNext = !lockNext;
      }
      if (!lockNext) await session.unlock();
      session.close();
      await sim.stop();

      // Raw ping-pong: 1 byte each way through the same pty pair, to an echo process on the phone end.
      const echo = new Child('serial echo', NODE, [ECHO, line.phone]);
      children.push(echo);
      await echo.next('ready');
      const port = await openSerialPort(line.pc);
      const ping = pinger(port.stream, 0x5a);
      for (let i = 0; i < warmup + perRound; i++) {
        const t0 = now();
        await ping();
        if (i >= warmup) rawUs.push(sinceUs(t0));
      }
      port.close();
      await echo.stop();
      await delay(50);
      sim = await startSimulator();
    }
    await sim.stop();

    const lock = stats(lockUs, 'us');
    const raw = stats(rawUs, 'us');
    return {
      when: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
      },
      serialLockRoundTrip: {
        ...lock,
        what:
          'PhoneSession lock()/unlock() alternately, request → ack, over serial:PTY (serial framing + TLS 1.3) ' +
          'to the simulator process on the other end of a socat pty pair',
        ratioToRawPty: ratios(lock, raw),
      },
      rawPtyPingPong: {
        ...raw,
        what: '1 byte each way over the same pty pair (serialport, 115200 8N1) to an echo process',
      },
      rounds,
      perRound,
      durationS: Math.round(Number(now() - started) / 1e8) / 10,
    };
  } finally {
    for (const child of children) if (child.alive) child.proc.kill('SIGKILL');
    socat?.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const progress = (message: string) => process.stderr.write(`bench serial: ${message}\n`);
  await printAlone(() => runSerialBench({ progress }), progress);
}
