// Real pty pairs for the serial (USB tethering) tests: `socat -d -d pty,raw,echo=0,link=PC pty,raw,echo=0,link=PHONE`
// joins two pseudo-terminals, which serialport opens like any serial port. Killing socat closes both: an unplug.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, constants, existsSync, openSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The socat binary, or undefined when it is not installed. */
export function findSocat(): string | undefined {
  const probe = spawnSync('socat', ['-V'], { stdio: 'ignore' });
  return probe.error || probe.status !== 0 ? undefined : 'socat';
}

/** Why pty pairs cannot be made here, or undefined (for test/helpers/needs.ts). */
export function socatMissing(): string | undefined {
  return findSocat() ? undefined : 'socat is not installed (apt-get install socat)';
}

const running = new Set<PtyPair>();

/** One socat process and its two pty links. */
export class PtyPair {
  private stderrText = '';
  readonly exited: Promise<void>;

  constructor(
    readonly pc: string,
    readonly phone: string,
    readonly child: ChildProcess,
  ) {
    running.add(this);
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderrText += chunk));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => running.delete(this));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get log(): string {
    return this.stderrText;
  }

  /** Unplugs: SIGTERM, so socat removes its links; resolves once it has exited. */
  async unplug(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    await this.exited;
  }
}

/** Starts socat with links DIR/NAME-pc and DIR/NAME-phone and waits until both exist. */
export async function startPtyPair(dir: string, name = 'line', timeoutMs = 5_000): Promise<PtyPair> {
  const pc = join(dir, `${name}-pc`);
  const phone = join(dir, `${name}-phone`);
  const child = spawn('socat', ['-d', '-d', `pty,raw,echo=0,link=${pc}`, `pty,raw,echo=0,link=${phone}`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const pair = new PtyPair(pc, phone, child);
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(pc) && existsSync(phone) && /starting data transfer loop/.test(pair.log))) {
    if (!pair.alive) throw new Error(`socat exited: ${pair.log}`);
    if (Date.now() > deadline) {
      await pair.unplug();
      throw new Error(`socat did not create ${pc} and ${phone} within ${timeoutMs / 1000} s: ${pair.log}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return pair;
}

/** Ends every socat still running (afterEach). */
export async function stopPtyPairs(): Promise<void> {
  await Promise.all([...running].map((pair) => pair.unplug()));
}

/**
 * Writes raw bytes into one end of the line as a third party would (the bytes come out at the other end).
 * A plain open: serialport's lock is advisory, so this works while another program holds the port.
 */
export function injectBytes(path: string, bytes: Uint8Array): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_NOCTTY);
  try {
    let at = 0;
    while (at < bytes.length) at += writeSync(fd, bytes, at);
  } finally {
    closeSync(fd);
  }
}
