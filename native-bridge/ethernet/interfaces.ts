// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync } from 'node:fs';
import { isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';

/** A network interface that is up (with carrier) and could face a phone. */
export interface LinkInfo {
  readonly name: string;
  readonly mac: string;
  /** The first IPv4 address and its prefix length, when it has one. */
  readonly ipv4?: { readonly address: string; readonly prefix: number };
  /** Its IPv6 link-local address, when it has one (without the zone). */
  readonly ipv6LinkLocal?: string;
}

/** Which interfaces to use: all that can face a phone, or only those named, or a test of the name. */
export type InterfaceFilter = readonly string[] | ((name: string) => boolean) | undefined;

/**
 * The interfaces that can face a phone, now: not loopback, a real MAC, up with a carrier (Node's list leaves out
 * links that are down), and not Wi-Fi (a desk phone's PC port is a cable). Wi-Fi is told by
 * /sys/class/net/NAME/wireless on Linux; elsewhere every link with a MAC counts.
 */
export function facingLinks(filter?: InterfaceFilter): LinkInfo[] {
  const links: LinkInfo[] = [];
  for (const [name, addresses] of Object.entries(networkInterfaces())) {
    if (!addresses || addresses.length === 0) continue;
    if (Array.isArray(filter) ? !filter.includes(name) : typeof filter === 'function' && !filter(name))
      continue;
    const usable = addresses.filter((a) => !a.internal && a.mac !== '00:00:00:00:00:00');
    if (usable.length === 0) continue;
    if (process.platform === 'linux' && existsSync(`/sys/class/net/${name}/wireless`)) continue;
    const v4 = usable.find((a) => a.family === 'IPv4');
    const v6 = usable.find((a) => a.family === 'IPv6' && /^fe[89ab]/i.test(a.address));
    links.push({
      name,
      mac: usable[0]!.mac.toLowerCase(),
      ...(v4 ? { ipv4: { address: v4.address, prefix: Number(v4.cidr?.split('/')[1] ?? 32) } } : {}),
      ...(v6 ? { ipv6LinkLocal: v6.address.split('%')[0]! } : {}),
    });
  }
  return links;
}

/** Whether `address` (IPv4) is in the link's subnet. */
export function onLink(link: LinkInfo, address: string): boolean {
  if (!link.ipv4 || !isIPv4(address)) return false;
  const toInt = (a: string) => a.split('.').reduce((n, part) => (n << 8) | Number(part), 0) >>> 0;
  const bits = link.ipv4.prefix;
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((toInt(address) ^ toInt(link.ipv4.address)) & mask) === 0;
}

/**
 * The link a line of `ip -o monitor link` says lost its carrier (or was deleted), if it says so: "3: pc0@if2:
 * <NO-CARRIER,BROADCAST,MULTICAST,UP> ..." or "Deleted 3: pc0: <...>". Address lines and links with a carrier
 * give undefined.
 */
export function carrierLost(line: string): string | undefined {
  const link = /^(Deleted\s+)?\d+:\s+([^:@\s]+)(?:@[^:\s]*)?:\s+<([^>]*)>/.exec(line);
  if (!link) return undefined;
  const flags = link[3]!.split(',');
  return link[1] || flags.includes('NO-CARRIER') || !flags.includes('LOWER_UP') ? link[2] : undefined;
}

/**
 * Tells when links may have changed. On Linux it follows `ip monitor link address` (a link that comes up is
 * known within milliseconds, so the companion can ask at once); everywhere it also polls, as a fallback.
 * A change names the links that lost their carrier since the last one: a cable pulled and plugged back before
 * the links are read again looks unchanged, yet it is a new plug-in for the phone behind it.
 */
export class LinkWatcher extends EventEmitter<{ change: [bounced: ReadonlySet<string>] }> {
  private monitor: ChildProcess | undefined;
  private readonly poll: NodeJS.Timeout;
  private pending = false;
  private stopped = false;
  private bounced = new Set<string>();
  private partial = '';

  constructor(pollMs = 2_000) {
    super();
    this.poll = setInterval(() => this.changed(), pollMs);
    this.poll.unref();
    if (process.platform === 'linux') this.startMonitor();
  }

  private startMonitor(): void {
    let child: ChildProcess;
    try {
      child = spawn('ip', ['-o', 'monitor', 'link', 'address'], { stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      return;
    }
    child.on('error', () => undefined); // no `ip`: polling alone
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (this.partial + chunk.toString()).split('\n');
      this.partial = lines.pop()!.slice(-4_096);
      for (const line of lines) {
        const lost = carrierLost(line);
        if (lost) this.bounced.add(lost);
      }
      this.changed();
    });
    child.unref();
    (child.stdout as unknown as { unref?: () => void }).unref?.();
    this.monitor = child;
  }

  private changed(): void {
    if (this.pending || this.stopped) return;
    this.pending = true;
    setImmediate(() => {
      this.pending = false;
      const bounced = this.bounced;
      this.bounced = new Set();
      if (!this.stopped) this.emit('change', bounced);
    });
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.poll);
    this.monitor?.kill();
    this.monitor = undefined;
  }
}
