// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { createSocket, type Socket } from 'node:dgram';
import { EventEmitter } from 'node:events';
import { isIPv4, isIPv6 } from 'node:net';
import { formatAddress } from '../link/address.js';
import { type InterfaceFilter, type LinkInfo, LinkWatcher, facingLinks, onLink } from './interfaces.js';
import { type PhoneClaims, RecordError, SERVICE_NAME, decodeTxt } from './record.js';

/**
 * The companion's side of discovery: it browses `_btoe._tcp.local` with bonjour-service's mDNS server on each
 * link that can face a phone, asks again periodically and at once when a link comes up (it does not wait for
 * announcements), and keeps a capped, rate-limited table of what the phones claim.
 *
 * Every entry is a claim (`verified` is always false here): the companion trusts an id only after the phone's
 * TLS certificate hashes to it. Link-local IPv6 addresses carry the link as their zone; IPv4 answers are placed
 * on the link whose subnet holds their source.
 */
export interface DiscoveredPhone {
  /** The DNS-SD instance name, lowercased (unique in the table). */
  readonly key: string;
  /** The instance's label, as published (e.g. "Polycom VVX 450 abcd"). */
  readonly instance: string;
  readonly claims: PhoneClaims;
  /** Where to reach it: `tcp://` addresses, the ones on the link it was heard on first. */
  readonly addresses: readonly string[];
  /** The link it was heard on. */
  readonly link: string;
  readonly host: string;
  readonly port: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
}

export interface DiscoveryOptions {
  /** Which links to browse (default: every one that can face a phone, see facingLinks). */
  interfaces?: InterfaceFilter;
  /** Ask again this often (default 15 s); also at start and whenever a link comes up. */
  requeryMs?: number;
  /** At most this many phones in the table (default 256). */
  maxPhones?: number;
  /** At most this many phones per source address (default 32). */
  maxPerSource?: number;
  /** One update per this many ms per phone, after a burst of 4 (default 500). */
  minUpdateMs?: number;
  /**
   * Entries that get in even when the table is full (evicting the oldest other entry): the phones that claim this
   * PC on their PC port, and the paired ones. Without it a flood could crowd out the one phone that matters.
   */
  important?: (claims: PhoneClaims) => boolean;
  /**
   * Entries the companion has already asked over TLS and found of no interest (unreachable, or not claiming this
   * PC and not paired): when the table is full, any newcomer takes the place of the oldest of them. Records say
   * nothing about the PC port, so a newcomer must get in to be asked at all.
   */
  expendable?: (phone: DiscoveredPhone) => boolean;
  /** Watch links (default true); without it, call refreshLinks() yourself. */
  watchLinks?: boolean;
}

export interface DiscoveryStats {
  packets: number;
  rejected: number;
  rateLimited: number;
  tableFull: number;
  evicted: number;
}

export interface DiscoveryEvents {
  up: [DiscoveredPhone];
  update: [DiscoveredPhone, DiscoveredPhone];
  down: [DiscoveredPhone];
  link: [{ name: string; up: boolean }];
  warning: [Error];
}

interface Record {
  name: string;
  type: string;
  ttl: number;
  data: unknown;
}
interface Packet {
  type: string;
  questions?: Array<{ name: string; type: string }>;
  answers?: Record[];
  authorities?: Record[];
  additionals?: Record[];
}
interface RemoteInfo {
  address: string;
  family: string;
  port: number;
}
interface MulticastDns {
  on(event: 'response' | 'query', listener: (packet: Packet, rinfo: RemoteInfo) => void): void;
  on(event: 'error' | 'warning', listener: (error: Error) => void): void;
  on(event: 'ready', listener: () => void): void;
  query(
    query: { questions: Array<{ name: string; type: string }> },
    rinfo: null,
    callback: (error?: Error | null) => void,
  ): void;
  destroy(callback?: () => void): void;
}

interface Entry {
  phone: DiscoveredPhone;
  source: string;
  /** The wire form of what built the entry (see fingerprint). */
  print: string;
  ttl: number;
  expiresAt: number;
  tokens: number;
  refilledAt: number;
  pending?: { records: Record[]; link: LinkInfo; source: string };
  pendingTimer?: NodeJS.Timeout;
}

interface Stack {
  family: 4 | 6;
  socket: Socket;
  mdns: MulticastDns;
  destroy: () => void;
  joined: Map<string, string>;
}

const BURST = 4;
const SOURCE_BURST = 32;
const SOURCE_REFILL_MS = 100;
const MAX_ADDRESSES = 8;
const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export class PhoneDiscovery extends EventEmitter<DiscoveryEvents> {
  readonly stats: DiscoveryStats = { packets: 0, rejected: 0, rateLimited: 0, tableFull: 0, evicted: 0 };
  private readonly table = new Map<string, Entry>();
  private readonly perSource = new Map<string, number>();
  /** Records refused for lack of room, by instance; `asked`: refused as a phone already asked and of no interest. */
  private readonly refused = new Map<string, { print: string; asked?: DiscoveredPhone }>();
  private readonly sourceBuckets = new Map<string, { tokens: number; at: number }>();
  private readonly stacks: Stack[] = [];
  private current = new Map<string, LinkInfo>();
  private watcher: LinkWatcher | undefined;
  private timers: NodeJS.Timeout[] = [];
  private sending: Promise<void> = Promise.resolve();
  private stopped = false;
  private readonly options: Required<Omit<DiscoveryOptions, 'interfaces' | 'important' | 'expendable'>> &
    Pick<DiscoveryOptions, 'interfaces' | 'important' | 'expendable'>;

  private constructor(options: DiscoveryOptions) {
    super();
    this.options = {
      requeryMs: 15_000,
      maxPhones: 256,
      maxPerSource: 32,
      minUpdateMs: 500,
      watchLinks: true,
      ...options,
    };
  }

  /** Opens the mDNS sockets (IPv4, and IPv6 where the system has it) and asks on every facing link. */
  static async start(options: DiscoveryOptions = {}): Promise<PhoneDiscovery> {
    const discovery = new PhoneDiscovery(options);
    await discovery.open();
    return discovery;
  }

  private async open(): Promise<void> {
    // Loaded on first use: the daemon pays for mDNS only once it browses.
    const { default: Bonjour } = await import('bonjour-service');
    for (const family of [4, 6] as const) {
      const socket = createSocket({ type: family === 4 ? 'udp4' : 'udp6', reuseAddr: true });
      const bonjour = new Bonjour(
        {
          socket,
          type: family === 4 ? 'udp4' : 'udp6',
          ip: family === 4 ? '224.0.0.251' : 'ff02::fb',
          interface: family === 4 ? '0.0.0.0' : '::',
          bind: family === 4 ? '0.0.0.0' : '::',
          port: 5353,
          // Memberships and the outgoing link are ours to manage, per link (multicast-dns would join all links
          // and send on the default one).
          multicast: false,
        } as unknown as ConstructorParameters<typeof Bonjour>[0],
        (error: Error) => this.emit('warning', error),
      );
      const mdns = (bonjour as unknown as { server: { mdns: MulticastDns } }).server.mdns;
      const ready = await new Promise<boolean>((resolve) => {
        mdns.on('ready', () => resolve(true));
        mdns.on('error', (error) => {
          this.emit('warning', error);
          resolve(false);
        });
      });
      if (!ready) {
        if (family === 4) throw new Error('cannot open the mDNS socket (UDP port 5353)');
        socket.close();
        continue;
      }
      mdns.on('warning', (error) => this.emit('warning', error));
      socket.setMulticastTTL(255);
      socket.setMulticastLoopback(false);
      const stack: Stack = { family, socket, mdns, destroy: () => bonjour.destroy(), joined: new Map() };
      mdns.on('response', (packet, rinfo) => this.onResponse(packet, rinfo));
      mdns.on('query', (packet, rinfo) => this.onProbe(packet, rinfo));
      this.stacks.push(stack);
    }
    this.refreshLinks();
    if (this.options.watchLinks) {
      this.watcher = new LinkWatcher();
      this.watcher.on('change', (bounced) => this.refreshLinks(bounced));
    }
    const requery = setInterval(() => this.query(), this.options.requeryMs);
    const sweep = setInterval(() => this.expire(), 1_000);
    requery.unref();
    sweep.unref();
    this.timers.push(requery, sweep);
  }

  /** The links browsed now. */
  links(): LinkInfo[] {
    return [...this.current.values()];
  }

  /** Every phone heard and not gone. */
  phones(): DiscoveredPhone[] {
    return [...this.table.values()].map((e) => e.phone);
  }

  /** Asks now for `_btoe._tcp` on every link (or one): phones answer at once. */
  query(link?: string): Promise<void> {
    const links = link ? [this.current.get(link)].filter((l) => l !== undefined) : [...this.current.values()];
    return this.ask(links, [{ name: SERVICE_NAME, type: 'PTR' }]);
  }

  /**
   * Re-reads the links: joins the new ones and asks there at once; forgets what was heard on the gone ones. A link
   * that lost its carrier meanwhile (`bounced`) went down and came up again, even if it reads the same now.
   */
  refreshLinks(bounced: ReadonlySet<string> = new Set()): void {
    if (this.stopped) return;
    const next = new Map(facingLinks(this.options.interfaces).map((l) => [l.name, l]));
    const same = (name: string) =>
      !bounced.has(name) && this.current.get(name)?.ipv4?.address === next.get(name)?.ipv4?.address;
    const cameUp: LinkInfo[] = [];
    for (const [name, link] of next) if (!this.current.has(name) || !same(name)) cameUp.push(link);
    for (const [name, before] of this.current) {
      if (next.has(name) && same(name)) continue;
      this.leave(before);
      if (!next.has(name) || bounced.has(name)) {
        for (const entry of [...this.table.values()]) if (entry.phone.link === name) this.remove(entry);
        this.emit('link', { name, up: false });
      }
    }
    this.current = next;
    for (const link of cameUp) {
      this.join(link);
      void this.query(link.name);
      this.emit('link', { name: link.name, up: true });
    }
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.watcher?.stop();
    for (const timer of this.timers) clearInterval(timer);
    for (const entry of this.table.values()) clearTimeout(entry.pendingTimer);
    for (const stack of this.stacks) {
      try {
        stack.destroy();
      } catch {
        // already closed
      }
    }
  }

  private join(link: LinkInfo): void {
    for (const stack of this.stacks) {
      const local =
        stack.family === 4 ? link.ipv4?.address : link.ipv6LinkLocal ? `::%${link.name}` : undefined;
      if (!local || stack.joined.get(link.name) === local) continue;
      try {
        stack.socket.addMembership(stack.family === 4 ? '224.0.0.251' : 'ff02::fb', local);
      } catch (error) {
        // EADDRINUSE: already a member (the link bounced).
        if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') this.emit('warning', error as Error);
      }
      stack.joined.set(link.name, local);
    }
  }

  private leave(link: LinkInfo): void {
    for (const stack of this.stacks) {
      const local = stack.joined.get(link.name);
      if (!local) continue;
      stack.joined.delete(link.name);
      try {
        stack.socket.dropMembership(stack.family === 4 ? '224.0.0.251' : 'ff02::fb', local);
      } catch {
        // the link is gone, and the membership with it
      }
    }
  }

  /** Sends the questions out of each link in turn (the outgoing link is a socket option, so one at a time). */
  private ask(links: LinkInfo[], questions: Array<{ name: string; type: string }>): Promise<void> {
    const run = this.sending.then(async () => {
      for (const link of links) {
        for (const stack of this.stacks) {
          if (this.stopped) return;
          const local = stack.joined.get(link.name);
          if (!local) continue;
          try {
            stack.socket.setMulticastInterface(local);
          } catch (error) {
            this.emit('warning', error as Error);
            continue;
          }
          await new Promise<void>((resolve) =>
            stack.mdns.query({ questions }, null, (error) => {
              if (error) this.emit('warning', error);
              resolve();
            }),
          );
        }
      }
    });
    this.sending = run.catch(() => undefined);
    return run;
  }

  private linkOf(rinfo: RemoteInfo): LinkInfo | undefined {
    const percent = rinfo.address.indexOf('%');
    if (percent >= 0) return this.current.get(rinfo.address.slice(percent + 1));
    if (isIPv4(rinfo.address)) {
      for (const link of this.current.values()) if (onLink(link, rinfo.address)) return link;
      return undefined;
    }
    // A non-link-local IPv6 source: the only link with IPv6, if there is just one.
    const v6 = [...this.current.values()].filter((l) => l.ipv6LinkLocal);
    return v6.length === 1 ? v6[0] : undefined;
  }

  private onResponse(packet: Packet, rinfo: RemoteInfo): void {
    this.heard([...(packet.answers ?? []), ...(packet.additionals ?? [])], rinfo);
  }

  /**
   * A phone probing for its instance name (RFC 6762 section 8.2) proposes its records in the probe's Authority
   * section: a phone coming onto the link, heard some 0.5-0.75 s before its first announcement. Taken as the same
   * claim as an announcement (checked over TLS before anything depends on it), so the phone is asked at once.
   */
  private onProbe(packet: Packet, rinfo: RemoteInfo): void {
    const probing = (packet.questions ?? []).some(
      (q) =>
        q.type === 'ANY' && typeof q.name === 'string' && q.name.toLowerCase().endsWith(`.${SERVICE_NAME}`),
    );
    if (!probing || !packet.authorities?.length) return;
    this.heard([...packet.authorities, ...(packet.additionals ?? [])], rinfo);
  }

  private heard(records: Record[], rinfo: RemoteInfo): void {
    if (this.stopped) return;
    this.stats.packets++;
    // RFC 6762 section 6: a response from any other port is not an mDNS response.
    if (rinfo.port !== 5353) return;
    const link = this.linkOf(rinfo);
    if (!link) return;
    const source = rinfo.address.split('%')[0]!;
    const instances = new Set<string>();
    for (const r of records) {
      if (typeof r.name !== 'string') continue;
      if (r.type === 'PTR' && sameName(r.name, SERVICE_NAME) && typeof r.data === 'string') {
        if (r.ttl === 0) {
          const gone = this.table.get(r.data.toLowerCase());
          if (gone) this.remove(gone);
        } else instances.add(r.data);
      } else if (
        (r.type === 'SRV' || r.type === 'TXT') &&
        r.ttl > 0 &&
        r.name.toLowerCase().endsWith(`.${SERVICE_NAME}`)
      ) {
        instances.add(r.name);
      }
    }
    for (const instance of instances) this.offer(instance, records, link, source);
    // Address records on their own (avahi announces a host's addresses apart from its services).
    const hosts = new Set(
      records
        .filter((r) => (r.type === 'A' || r.type === 'AAAA') && r.ttl > 0)
        .map((r) => r.name.toLowerCase()),
    );
    if (hosts.size === 0) return;
    const offered = new Set([...instances].map((i) => i.toLowerCase()));
    const owners = [...this.table.values()].filter(
      (e) => hosts.has(e.phone.host.toLowerCase()) && !offered.has(e.phone.key),
    );
    for (const entry of owners) this.offer(entry.phone.key, records, link, source);
  }

  /** Admission and rate limits come before any decoding of the record. */
  private offer(instance: string, records: Record[], link: LinkInfo, source: string): void {
    const key = instance.toLowerCase();
    const entry = this.table.get(key);
    const now = Date.now();
    // The same record again (re-announcements, answers to our queries): no decoding, only the freshness.
    const print = fingerprint(records, instance, link.name);
    if (entry && entry.print === print) {
      entry.expiresAt = Math.max(entry.expiresAt, now + entry.ttl * 1000);
      entry.phone = { ...entry.phone, lastSeen: now };
      return;
    }
    if (!entry && this.table.size >= this.options.maxPhones) {
      const refused = this.refused.get(key);
      if (
        refused?.print === print &&
        (refused.asked ? this.options.expendable?.(refused.asked) : !this.oldestExpendable())
      ) {
        this.stats.tableFull++;
        return;
      }
    }
    if (entry) {
      refill(entry, now, this.options.minUpdateMs);
      if (entry.tokens < 1) {
        this.stats.rateLimited++;
        entry.pending = { records, link, source };
        entry.pendingTimer ??= setTimeout(() => {
          entry.pendingTimer = undefined;
          const pending = entry.pending;
          entry.pending = undefined;
          if (pending && this.table.get(key) === entry)
            this.offer(instance, pending.records, pending.link, pending.source);
        }, this.options.minUpdateMs).unref();
        return;
      }
      entry.tokens--;
    } else if (!this.sourceAllows(source, now)) {
      this.stats.rateLimited++;
      return;
    }
    const built = this.build(instance, records, link, entry);
    if (!built) return;
    const { phone, ttl } = built;
    if (entry) {
      const before = entry.phone;
      entry.phone = { ...phone, firstSeen: before.firstSeen };
      entry.expiresAt = now + ttl * 1000;
      entry.ttl = ttl;
      entry.print = print;
      if (entry.source !== source) {
        this.countSource(entry.source, -1);
        this.countSource(source, 1);
        entry.source = source;
      }
      if (changed(before, entry.phone)) this.emit('update', entry.phone, before);
      return;
    }
    if ((this.perSource.get(source) ?? 0) >= this.options.maxPerSource) return this.refuse(key, print);
    if (this.table.size >= this.options.maxPhones) {
      const important = this.options.important?.(phone.claims) ?? false;
      // A newcomer already asked, and of no interest, takes nobody's place: a crowd larger than the table would
      // otherwise keep evicting itself, each eviction one more phone to ask again.
      if (!important && this.options.expendable?.(phone)) return this.refuse(key, print, phone);
      const victim = this.oldestExpendable() ?? (important ? this.oldestUnimportant() : undefined);
      if (!victim) return this.refuse(key, print);
      this.stats.evicted++;
      this.remove(victim);
    }
    this.refused.delete(key);
    this.table.set(key, {
      phone,
      source,
      print,
      ttl,
      expiresAt: now + ttl * 1000,
      tokens: BURST - 1,
      refilledAt: now,
    });
    this.countSource(source, 1);
    this.emit('up', phone);
  }

  private build(
    instance: string,
    records: Record[],
    link: LinkInfo,
    entry: Entry | undefined,
  ): { phone: DiscoveredPhone; ttl: number } | undefined {
    const srv = records.find((r) => r.type === 'SRV' && sameName(r.name, instance) && r.ttl > 0);
    const txt = records.find((r) => r.type === 'TXT' && sameName(r.name, instance) && r.ttl > 0);
    const srvData = srv?.data as { port?: unknown; target?: unknown } | undefined;
    const port = typeof srvData?.port === 'number' ? srvData.port : entry?.phone.port;
    const host = typeof srvData?.target === 'string' ? srvData.target : entry?.phone.host;
    let claims = entry?.phone.claims;
    if (txt) {
      try {
        if (!Array.isArray(txt.data) || txt.data.length > 64)
          throw new RecordError('TXT is not a list of strings');
        claims = decodeTxt(txt.data as Uint8Array[]);
      } catch (error) {
        this.stats.rejected++;
        this.emit('warning', error as Error);
        return undefined;
      }
    }
    if (port === undefined || host === undefined || claims === undefined || port < 1 || port > 65535) {
      // Half a record (an SRV without TXT, or the reverse): ask for the rest.
      void this.ask([link], [{ name: instance, type: 'ANY' }]);
      return undefined;
    }
    let addresses = this.addressesOf(records, host, port, link);
    if (!srv && entry) {
      // Only addresses (or only TXT) in this packet: they add to what the phone's record already said.
      addresses = ranked([...addresses, ...entry.phone.addresses], link);
    }
    if (addresses.length === 0) {
      if (entry && entry.phone.host === host && entry.phone.port === port)
        addresses.push(...entry.phone.addresses);
      else {
        void this.ask(
          [link],
          [
            { name: host, type: 'A' },
            { name: host, type: 'AAAA' },
          ],
        );
        if (!entry) return undefined;
        addresses.push(...entry.phone.addresses);
      }
    }
    const ttl = Math.min(Math.max(srv?.ttl ?? 120, 10), 4500);
    const label = instance.slice(0, instance.length - SERVICE_NAME.length - 1).slice(0, 63);
    const now = Date.now();
    return {
      phone: {
        key: instance.toLowerCase(),
        instance: entry?.phone.instance ?? label,
        claims,
        addresses,
        link: link.name,
        host,
        port,
        firstSeen: now,
        lastSeen: now,
      },
      ttl,
    };
  }

  /** The host's A and AAAA records as addresses on this link: IPv4 on the link's subnet first, then IPv6. */
  private addressesOf(records: Record[], host: string, port: number, link: LinkInfo): string[] {
    const v4: string[] = [];
    const v4Elsewhere: string[] = [];
    const v6: string[] = [];
    for (const r of records) {
      if (!sameName(r.name, host) || r.ttl === 0 || typeof r.data !== 'string') continue;
      if (r.type === 'A' && isIPv4(r.data)) {
        (onLink(link, r.data) ? v4 : v4Elsewhere).push(
          formatAddress({ transport: 'tcp', host: r.data, port }),
        );
      } else if (r.type === 'AAAA' && isIPv6(r.data)) {
        const linkLocal = /^fe[89ab]/i.test(r.data);
        const host6 = r.data.split('%')[0]!;
        v6.push(
          formatAddress(
            linkLocal
              ? { transport: 'tcp', host: host6, port, zone: link.name }
              : { transport: 'tcp', host: host6, port },
          ),
        );
      }
    }
    return [...new Set([...v4, ...v6, ...v4Elsewhere])].slice(0, MAX_ADDRESSES);
  }

  /** Remembers a record refused for lack of room, so that its repetitions cost a lookup (bounded). */
  private refuse(key: string, print: string, asked?: DiscoveredPhone): void {
    this.stats.tableFull++;
    if (this.refused.size >= 4096) this.refused.clear();
    this.refused.set(key, asked ? { print, asked } : { print });
  }

  private sourceAllows(source: string, now: number): boolean {
    let bucket = this.sourceBuckets.get(source);
    if (!bucket) {
      if (this.sourceBuckets.size >= 4096) this.sourceBuckets.clear();
      bucket = { tokens: SOURCE_BURST, at: now };
      this.sourceBuckets.set(source, bucket);
    }
    const earned = Math.floor((now - bucket.at) / SOURCE_REFILL_MS);
    if (earned > 0) {
      bucket.tokens = Math.min(SOURCE_BURST, bucket.tokens + earned);
      bucket.at = now;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens--;
    return true;
  }

  private countSource(source: string, delta: number): void {
    const n = (this.perSource.get(source) ?? 0) + delta;
    if (n <= 0) this.perSource.delete(source);
    else this.perSource.set(source, n);
  }

  private oldestExpendable(): Entry | undefined {
    const expendable = this.options.expendable;
    if (!expendable) return undefined;
    let oldest: Entry | undefined;
    for (const entry of this.table.values()) {
      if (!expendable(entry.phone)) continue;
      if (!oldest || entry.phone.lastSeen < oldest.phone.lastSeen) oldest = entry;
    }
    return oldest;
  }

  private oldestUnimportant(): Entry | undefined {
    let oldest: Entry | undefined;
    for (const entry of this.table.values()) {
      if (this.options.important?.(entry.phone.claims)) continue;
      if (!oldest || entry.phone.lastSeen < oldest.phone.lastSeen) oldest = entry;
    }
    return oldest;
  }

  private remove(entry: Entry): void {
    if (this.table.get(entry.phone.key) !== entry) return;
    clearTimeout(entry.pendingTimer);
    this.table.delete(entry.phone.key);
    this.countSource(entry.source, -1);
    this.emit('down', entry.phone);
  }

  private expire(): void {
    const now = Date.now();
    for (const entry of [...this.table.values()]) if (entry.expiresAt < now) this.remove(entry);
  }
}

/** IPv4 on the link first, then IPv6, then IPv4 elsewhere; no duplicates; capped. */
function ranked(addresses: string[], link: LinkInfo): string[] {
  const rank = (address: string) => {
    const host = /^tcp:\/\/([^:/[\]]+):/.exec(address)?.[1];
    if (host === undefined) return 1;
    return onLink(link, host) ? 0 : 2;
  };
  return [...new Set(addresses)].sort((a, b) => rank(a) - rank(b)).slice(0, MAX_ADDRESSES);
}

/** What a packet says about an instance, as cheap text: its SRV and TXT as sent, every address record, the link. */
function fingerprint(records: Record[], instance: string, link: string): string {
  let print = link;
  for (const r of records) {
    if (r.ttl === 0) continue;
    if ((r.type === 'SRV' || r.type === 'TXT') && sameName(r.name, instance)) {
      if (r.type === 'SRV') {
        const d = r.data as { port?: unknown; target?: unknown } | undefined;
        print += `|S${String(d?.port)}:${String(d?.target)}`;
      } else {
        print += `|T${Array.isArray(r.data) ? r.data.map((b) => Buffer.from(b as Uint8Array).toString('latin1')).join('\0') : ''}`;
      }
    } else if (r.type === 'A' || r.type === 'AAAA') print += `|${r.name}=${String(r.data)}`;
  }
  return print;
}

function refill(entry: Entry, now: number, everyMs: number): void {
  const earned = Math.floor((now - entry.refilledAt) / everyMs);
  if (earned > 0) {
    entry.tokens = Math.min(BURST, entry.tokens + earned);
    entry.refilledAt += earned * everyMs;
  }
}

function changed(a: DiscoveredPhone, b: DiscoveredPhone): boolean {
  return (
    a.port !== b.port ||
    a.host !== b.host ||
    a.link !== b.link ||
    a.addresses.join() !== b.addresses.join() ||
    JSON.stringify(a.claims) !== JSON.stringify(b.claims)
  );
}
