// A private D-Bus for tests: its own dbus-daemon (a config and a socket in a temp directory), signals sent
// with dbus-send. Needs the apt package "dbus".
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function haveCommand(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Why a private bus cannot be started here, or undefined (for test/helpers/needs.ts). */
export const DBUS_MISSING =
  haveCommand('dbus-daemon') && haveCommand('dbus-send')
    ? undefined
    : 'dbus-daemon/dbus-send not found (install the apt package "dbus")';

export class TestBus {
  readonly dir = mkdtempSync(join(tmpdir(), 'btoe-dbus-'));
  readonly config = join(this.dir, 'bus.conf');
  address = '';
  #daemon: ChildProcess | undefined;

  constructor() {
    writeFileSync(
      this.config,
      `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=${join(this.dir, 'bus')}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`,
    );
  }

  /** Starts dbus-daemon; resolves with its address once it listens. */
  async start(): Promise<string> {
    const daemon = spawn('dbus-daemon', [`--config-file=${this.config}`, '--nofork', '--print-address=1'], {
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    this.#daemon = daemon;
    const address = await new Promise<string>((resolve, reject) => {
      let out = '';
      daemon.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const line = out.split('\n')[0];
        if (out.includes('\n') && line) resolve(line.trim());
      });
      daemon.once('exit', (code) => reject(new Error(`dbus-daemon exited with ${code}`)));
      daemon.once('error', reject);
    });
    // The same socket path every time; the guid differs per daemon, the sources use the path.
    const path = /unix:path=([^,]+)/.exec(address)?.[1];
    this.address = `unix:path=${path}`;
    return this.address;
  }

  /** Kills the daemon outright (SIGKILL by its pid): the bus "goes away". */
  async kill(): Promise<void> {
    const daemon = this.#daemon;
    this.#daemon = undefined;
    if (!daemon || daemon.exitCode !== null) return;
    const exited = new Promise((resolve) => daemon.once('exit', resolve));
    process.kill(daemon.pid!, 'SIGKILL');
    await exited;
  }

  async dispose(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** dbus-send --type=signal PATH IFACE.MEMBER ARGS... [--dest=NAME] */
  send(path: string, member: string, args: string[] = [], dest?: string): Promise<void> {
    const options = [`--bus=${this.address}`, '--type=signal', ...(dest ? [`--dest=${dest}`] : [])];
    return new Promise((resolve, reject) =>
      execFile('dbus-send', [...options, path, member, ...args], (error, _out, stderr) =>
        error ? reject(new Error(`dbus-send failed: ${stderr || error.message}`)) : resolve(),
      ),
    );
  }
}
