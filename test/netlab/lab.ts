// The PC-port lab: the product's world in three network namespaces, made and removed by the test (or bench)
// that uses it. Nothing here ever sends a packet from the machine's own namespace: every process that touches
// the lab's network runs inside one of its namespaces (exec), and destroy() removes them all.
//
//  ns pc (the user's PC)        ns phone (a desk phone: a 3-port switch)              ns lan
//  [pc0] ------ veth ------ [ph0]--+                                  +--[ph1] ------ veth ------ [ln0]
//  169.254.20.10/16                br0 (the phone's own 169.254.20.2/16)                169.254.30.1/16
//  route 224.0.0.0/4 dev pc0       route 224.0.0.0/4 dev br0                      route 224.0.0.0/4 dev ln0
//
// ph0 is the phone's PC port, ph1 its LAN port. The bridge learns the PC's MAC on ph0, which is what the
// phone simulator reports with --pc-port. down()/up() pull and plug the PC's cable (ph0 goes down, so pc0 loses
// its carrier while staying configured, as a real NIC does). Every veth and the bridge also have IPv6 link-local
// addresses (DAD off, so they are usable at once); the bridge ports themselves have none, like a switch's.
import { type ChildProcess, type SpawnOptions, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';

export type LabNamespace = 'pc' | 'phone' | 'lan';

export interface LabInterfaces {
  /** The PC's NIC, in ns pc. */
  readonly pc: string;
  /** The phone's PC port (a bridge port), in ns phone. */
  readonly phonePcPort: string;
  /** The phone's LAN port (a bridge port), in ns phone. */
  readonly phoneLanPort: string;
  /** The phone's switch, in ns phone; the phone's own addresses live on it. */
  readonly bridge: string;
  /** The LAN side's NIC, in ns lan. */
  readonly lan: string;
}

export const LAB_ADDRESSES = {
  pc: '169.254.20.10',
  phone: '169.254.20.2',
  lan: '169.254.30.1',
} as const;

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Why the lab cannot run here, or undefined when it can (Linux, root, `ip` with network namespaces). */
export function labUnavailable(): string | undefined {
  if (process.platform !== 'linux')
    return `the PC-port lab needs Linux network namespaces (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'the PC-port lab needs root (ip netns); CI runs as root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
    execFileSync('bridge', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'the PC-port lab needs iproute2 (ip and bridge): apt-get install iproute2';
  }
  const probe = `btoe-probe-${process.pid}-${randomBytes(3).toString('hex')}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'ignore' });
  } catch {
    return 'cannot create network namespaces here (ip netns add failed)';
  }
  try {
    execFileSync('ip', ['netns', 'del', probe], { stdio: 'ignore' });
  } catch {
    // best effort
  }
  return undefined;
}

function ip(args: string[]): string {
  try {
    return execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`ip ${args.join(' ')} failed: ${stderr.trim() || (error as Error).message}`);
  }
}

/** The lab's live processes are killed by destroy(), and on the way out of the process that made the lab. */
const liveLabs = new Set<Lab>();
process.once('exit', () => {
  for (const lab of liveLabs) lab.destroySync();
});

export class Lab {
  readonly prefix: string;
  readonly namespaces: Readonly<Record<LabNamespace, string>>;
  readonly ifaces: LabInterfaces;
  readonly addresses: { pc: string; phone: string; lan: string } = { ...LAB_ADDRESSES };
  private readonly children = new Set<ChildProcess>();
  private destroyed = false;
  private extraLanAddresses = 0;

  private constructor(prefix: string) {
    this.prefix = prefix;
    // Namespace names are free-form; interface names are at most 15 characters (IFNAMSIZ - 1).
    this.namespaces = { pc: `${prefix}-pc`, phone: `${prefix}-phone`, lan: `${prefix}-lan` };
    this.ifaces = {
      pc: `${prefix}pc0`,
      phonePcPort: `${prefix}ph0`,
      phoneLanPort: `${prefix}ph1`,
      bridge: 'br0',
      lan: `${prefix}ln0`,
    };
  }

  /** Builds the lab; on any failure it removes what it made and throws. */
  static create(): Lab {
    const lab = new Lab(`bt${randomBytes(3).toString('hex')}`);
    liveLabs.add(lab);
    try {
      lab.build();
    } catch (error) {
      lab.destroySync();
      throw error;
    }
    return lab;
  }

  private build(): void {
    const { namespaces: ns, ifaces: i, addresses: a } = this;
    for (const name of Object.values(ns)) {
      ip(['netns', 'add', name]);
      ip(['-n', name, 'link', 'set', 'lo', 'up']);
    }
    ip(['link', 'add', i.pc, 'type', 'veth', 'peer', 'name', i.phonePcPort]);
    ip(['link', 'set', i.pc, 'netns', ns.pc]);
    ip(['link', 'set', i.phonePcPort, 'netns', ns.phone]);
    ip(['link', 'add', i.phoneLanPort, 'type', 'veth', 'peer', 'name', i.lan]);
    ip(['link', 'set', i.phoneLanPort, 'netns', ns.phone]);
    ip(['link', 'set', i.lan, 'netns', ns.lan]);
    // No DAD: link-local IPv6 addresses are usable the moment a link comes up (as with optimistic DAD).
    this.sysctl('pc', `net.ipv6.conf.${i.pc}.accept_dad`, '0');
    this.sysctl('lan', `net.ipv6.conf.${i.lan}.accept_dad`, '0');
    // The switch ports carry frames, not addresses.
    this.sysctl('phone', `net.ipv6.conf.${i.phonePcPort}.disable_ipv6`, '1');
    this.sysctl('phone', `net.ipv6.conf.${i.phoneLanPort}.disable_ipv6`, '1');
    ip(['-n', ns.phone, 'link', 'add', i.bridge, 'type', 'bridge']);
    this.sysctl('phone', `net.ipv6.conf.${i.bridge}.accept_dad`, '0');
    ip(['-n', ns.phone, 'link', 'set', i.phonePcPort, 'master', i.bridge]);
    ip(['-n', ns.phone, 'link', 'set', i.phoneLanPort, 'master', i.bridge]);
    ip(['-n', ns.pc, 'addr', 'add', `${a.pc}/16`, 'dev', i.pc]);
    ip(['-n', ns.phone, 'addr', 'add', `${a.phone}/16`, 'dev', i.bridge]);
    ip(['-n', ns.lan, 'addr', 'add', `${a.lan}/16`, 'dev', i.lan]);
    for (const [name, dev] of [
      [ns.pc, i.pc],
      [ns.phone, i.bridge],
      [ns.phone, i.phonePcPort],
      [ns.phone, i.phoneLanPort],
      [ns.lan, i.lan],
    ] as const) {
      ip(['-n', name, 'link', 'set', dev, 'up']);
    }
    ip(['-n', ns.pc, 'route', 'add', '224.0.0.0/4', 'dev', i.pc]);
    ip(['-n', ns.phone, 'route', 'add', '224.0.0.0/4', 'dev', i.bridge]);
    ip(['-n', ns.lan, 'route', 'add', '224.0.0.0/4', 'dev', i.lan]);
  }

  private sysctl(ns: LabNamespace, key: string, value: string): void {
    ip(['netns', 'exec', this.namespaces[ns], 'sysctl', '-q', '-w', `${key}=${value}`]);
  }

  /** The MAC of the PC's NIC: what the phone's bridge learns on its PC port. */
  get pcMac(): string {
    return this.mac('pc', this.ifaces.pc);
  }

  mac(ns: LabNamespace, iface: string): string {
    const [link] = JSON.parse(ip(['-j', '-n', this.namespaces[ns], 'link', 'show', 'dev', iface])) as Array<{
      address: string;
    }>;
    return link!.address.toLowerCase();
  }

  /** The IPv6 link-local address of an interface (without the zone). */
  linkLocal(ns: LabNamespace, iface: string): string | undefined {
    const [entry] = JSON.parse(
      ip(['-j', '-n', this.namespaces[ns], '-6', 'addr', 'show', 'dev', iface, 'scope', 'link']),
    ) as Array<{ addr_info: Array<{ local: string }> }>;
    return entry?.addr_info[0]?.local;
  }

  /** Plugs the PC's cable into the phone's PC port (the port comes up; pc0 gets its carrier back). */
  up(): void {
    ip(['-n', this.namespaces.phone, 'link', 'set', this.ifaces.phonePcPort, 'up']);
  }

  /** Pulls the PC's cable: pc0 stays configured but has no carrier. */
  down(): void {
    ip(['-n', this.namespaces.phone, 'link', 'set', this.ifaces.phonePcPort, 'down']);
  }

  /**
   * Gives the phone a new IPv4 address in place of its old one, as a new DHCP lease would. (Removing a link's last
   * address also removes its routes, so the multicast route is put back.)
   */
  setPhoneAddress(address: string): void {
    const ns = this.namespaces.phone;
    ip(['-n', ns, '-4', 'addr', 'flush', 'dev', this.ifaces.bridge]);
    ip(['-n', ns, 'addr', 'add', `${address}/16`, 'dev', this.ifaces.bridge]);
    ip(['-n', ns, 'route', 'replace', '224.0.0.0/4', 'dev', this.ifaces.bridge]);
    this.addresses.phone = address;
  }

  /** Adds `count` more IPv4 addresses to the LAN side (169.254.100.0 upwards), for floods from many hosts. */
  addLanAddresses(count: number): string[] {
    const added: string[] = [];
    const batch: string[] = [];
    for (let k = 0; k < count; k++) {
      const n = this.extraLanAddresses++;
      const address = `169.254.${100 + Math.floor(n / 250)}.${1 + (n % 250)}`;
      added.push(address);
      batch.push(`addr add ${address}/16 dev ${this.ifaces.lan}`);
    }
    execFileSync('ip', ['-n', this.namespaces.lan, '-batch', '-'], { input: `${batch.join('\n')}\n` });
    return added;
  }

  /** Spawns `argv` inside a namespace (`ip netns exec`, which execs it: the pid is the program's own). */
  exec(ns: LabNamespace, argv: readonly string[], options: SpawnOptions = {}): ChildProcess {
    if (this.destroyed) throw new Error('the lab has been destroyed');
    const child = spawn('ip', ['netns', 'exec', this.namespaces[ns], ...argv], {
      stdio: ['pipe', 'pipe', 'pipe'],
      ...options,
    });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    child.stdin?.on('error', () => undefined);
    return child;
  }

  /** Runs `argv` inside a namespace to completion. */
  run(ns: LabNamespace, argv: readonly string[], timeoutMs = 30_000): Promise<RunResult> {
    const child = this.exec(ns, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(
          new Error(`${argv.join(' ')} in ns ${ns} did not finish within ${timeoutMs / 1000} s: ${stderr}`),
        );
      }, timeoutMs);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Kills the lab's processes (gently, then for good) and removes the namespaces. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    const children = [...this.children].filter((c) => c.exitCode === null && c.signalCode === null);
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => child.kill('SIGKILL'), 2_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
    this.destroySync();
  }

  /** The synchronous fallback (process exit): SIGKILL and remove. */
  destroySync(): void {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    this.children.clear();
    this.destroyed = true;
    liveLabs.delete(this);
    for (const name of Object.values(this.namespaces)) {
      // Deleting a namespace removes its interfaces, and a veth's peer with it.
      try {
        execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
      } catch {
        // not made yet, or already gone
      }
    }
  }
}
