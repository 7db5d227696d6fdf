// Environment: Node (main process core).
import { isIPv4 } from 'node:net';
import type { DiscoveredPhone, PhoneDiscovery } from '../../native-bridge/ethernet/discovery.js';
import { formatAddress, parseAddress } from '../../native-bridge/link/address.js';
import { DEVICE_ID_PATTERN } from '../../native-bridge/link/identity.js';
import type { PhoneHello } from '../../native-bridge/link/messages.js';
import { type Companion, CompanionError, type DeviceView } from './companion.js';
import type { PairedPhone } from './pairing-store.js';

/**
 * The phones around this PC, as discovery hears them, and the decisions that depend on them: which phone is on
 * this PC's port, whether Auto pairing may go ahead (one claimant, and only one, after a full discovery round),
 * where a paired phone is now. What a record claims is checked over TLS before anything depends on it, and
 * whether a phone sees this PC on its PC port is only ever asked over TLS: records say nothing about it.
 */

export interface DiscoverySetting {
  enabled: boolean;
  /** Only these links (BTOE_DISCOVERY=eth0,eth1); all that can face a phone when absent. */
  interfaces?: string[];
}

/** BTOE_DISCOVERY: unset or "on" browses every link that can face a phone; "off" never; a list names links. */
export function discoverySetting(env: NodeJS.ProcessEnv = process.env): DiscoverySetting {
  const value = (env.BTOE_DISCOVERY ?? '').trim();
  if (value === '' || /^(on|auto)$/i.test(value)) return { enabled: true };
  if (/^(off|0|false|no)$/i.test(value)) return { enabled: false };
  return {
    enabled: true,
    interfaces: value
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== ''),
  };
}

/** A discovered phone after asking it over TLS (a pairing connection that only reads its hello). */
export interface Probed {
  entry: DiscoveredPhone;
  /** Where it answered. */
  address?: string;
  /** The device id its certificate hashes to: the truth, where the record only claims. */
  id?: string;
  hello?: PhoneHello;
  /** The certificate's id is the one the record claims. */
  verified: boolean;
  error?: string;
}

export const PROBE_TIMEOUT_MS = 1_500;
const PROBE_CONCURRENCY = 8;
const MAX_PROBES = 64;
/**
 * A full discovery round: a query, then this long for every phone on the link to answer, before claimants are
 * counted. Measured in the PC-port lab (bench/lab/discovery-round.ts, 20 rounds, 11 phones, a loaded 2-core
 * machine): the last phone answered p50 26 ms, p90 59 ms, at most 135 ms after the query. RFC 6762 lets a
 * responder wait up to 120 ms for a shared record, and a phone busy with other work answers later still: 1 s is
 * about 7 times the worst seen, and what `btoe devices` listens by default.
 */
export const DISCOVERY_ROUND_MS = 1_000;

/** How many discovery entries' TLS answers are remembered (a few times the table). */
const MAX_CHECKED = 1024;

export class Nearby {
  /** What each discovery entry answered over TLS, by entry key: whether it says this PC is on its PC port. */
  private readonly checked = new Map<string, { print: string; claimant: boolean; id?: string }>();
  /** The keys of `checked` that claim this PC: few, and asked about for every newcomer to a full table. */
  private readonly claimantKeys = new Set<string>();

  constructor(
    readonly companion: Companion,
    readonly discovery: PhoneDiscovery,
  ) {}

  /** A paired phone, or one that said over TLS that this PC is on its PC port: kept in a full table. */
  isImportant(claims: { id: string }): boolean {
    if (this.companion.pairings.get(claims.id)) return true;
    for (const key of this.claimantKeys) if (this.checked.get(key)?.id === claims.id) return true;
    return false;
  }

  /** Asked already, and of no interest: its place in a full table goes to a newcomer. */
  isExpendable(entry: DiscoveredPhone): boolean {
    const checked = this.checked.get(entry.key);
    return (
      checked !== undefined &&
      checked.print === probeKey(entry) &&
      !checked.claimant &&
      !this.companion.pairings.get(entry.claims.id)
    );
  }

  private remember(result: Probed): void {
    if (this.checked.size >= MAX_CHECKED) {
      const oldest = this.checked.keys().next().value!;
      this.checked.delete(oldest);
      this.claimantKeys.delete(oldest);
    }
    const claimant = result.hello !== undefined && this.companion.onThisPcPort(result.hello);
    if (claimant) this.companion.preparePairing();
    const key = result.entry.key;
    this.checked.delete(key);
    this.checked.set(key, { print: probeKey(result.entry), claimant, id: result.id });
    if (claimant) this.claimantKeys.add(key);
    else this.claimantKeys.delete(key);
  }

  /** Opens discovery for this companion: phones that claim this PC or are paired always get into the table. */
  static async open(companion: Companion, setting: DiscoverySetting): Promise<Nearby> {
    const { PhoneDiscovery } = await import('../../native-bridge/ethernet/discovery.js');
    const made: { nearby?: Nearby } = {};
    const discovery = await PhoneDiscovery.start({
      interfaces: setting.interfaces,
      important: (claims) =>
        made.nearby?.isImportant(claims) ?? companion.pairings.get(claims.id) !== undefined,
      expendable: (phone) => made.nearby?.isExpendable(phone) ?? false,
    });
    made.nearby = new Nearby(companion, discovery);
    return made.nearby;
  }

  close(): void {
    this.discovery.stop();
  }

  /** Reads the phone's hello at each of its addresses in turn, until one answers. */
  async probe(entry: DiscoveredPhone, timeoutMs = PROBE_TIMEOUT_MS): Promise<Probed> {
    let error = 'no address';
    for (const address of entry.addresses) {
      try {
        const result = await withTimeout(this.companion.probe(address), timeoutMs);
        const probed: Probed = {
          entry,
          address,
          id: result.id,
          hello: result.hello,
          verified: result.id === entry.claims.id,
        };
        this.remember(probed);
        return probed;
      } catch (e) {
        error = (e as Error).message;
      }
    }
    const unreachable: Probed = { entry, verified: false, error };
    this.remember(unreachable);
    return unreachable;
  }

  /** Probes many, a few at a time; `cache` holds probes already under way (keyed by record and addresses). */
  async probeAll(
    entries: readonly DiscoveredPhone[],
    cache?: Map<string, Promise<Probed>>,
  ): Promise<Probed[]> {
    const results: Probed[] = [];
    const queue = entries.slice(0, MAX_PROBES);
    const workers = Array.from({ length: Math.min(PROBE_CONCURRENCY, queue.length) }, async () => {
      for (let entry = queue.shift(); entry; entry = queue.shift()) {
        const key = probeKey(entry);
        const pending = cache?.get(key) ?? this.probe(entry);
        cache?.set(key, pending);
        results.push(await pending);
      }
    });
    await Promise.all(workers);
    return results;
  }

  /**
   * Every phone heard now (checked over TLS: `verified` says whether it is who it claims to be) and every paired
   * phone that was not heard, tried at its last address (reachable false when it does not answer there).
   */
  async devices(extraAddresses: readonly string[] = []): Promise<DeviceView[]> {
    const [probed, paired] = await Promise.all([
      this.probeAll(this.discovery.phones()),
      this.companion.devices(extraAddresses),
    ]);
    const views: DeviceView[] = probed.map((p) => this.view(p));
    const heard = new Set(views.filter((v) => v.verified).map((v) => v.id));
    for (const view of paired) {
      if (heard.has(view.id)) continue;
      views.push(view);
    }
    return views;
  }

  private view(p: Probed): DeviceView {
    const c = p.entry.claims;
    const hello = p.verified ? p.hello : undefined;
    const id = p.id ?? c.id;
    return {
      id,
      name: `${hello?.vendor ?? c.vendor} ${hello?.model ?? c.model}`,
      vendor: hello?.vendor ?? c.vendor,
      model: hello?.model ?? c.model,
      firmware: hello?.firmware ?? c.firmware,
      transport: 'tcp',
      address: p.address ?? p.entry.addresses[0] ?? '',
      onThisPcPort: hello ? this.companion.onThisPcPort(hello) : false,
      paired: p.verified && this.companion.pairings.get(id) !== undefined,
      reachable: p.hello !== undefined,
      verified: p.verified,
      pairingMode: hello?.pairing.mode ?? c.pairingMode,
      ...(hello ? { lockType: hello.lockType } : {}),
    };
  }

  /**
   * A full discovery round (a query, then DISCOVERY_ROUND_MS for every phone on the link to answer), then every
   * phone heard is asked over TLS. Its claimants are the phones whose hello says this PC is on their PC port,
   * counted once per TLS identity. The TLS questions start while the window runs (the first few phones, as they
   * are heard), so the count at its end mostly reads answers already in; the count itself is still made only
   * once the window has passed. Undefined when `cut` aborts the window (a link changed: the caller starts over).
   */
  async round(windowMs?: number, options?: { windowPassed?: () => void }): Promise<Round>;
  async round(
    windowMs: number,
    options: { windowPassed?: () => void; cut: AbortSignal },
  ): Promise<Round | undefined>;
  async round(
    windowMs = DISCOVERY_ROUND_MS,
    { windowPassed, cut }: { windowPassed?: () => void; cut?: AbortSignal } = {},
  ): Promise<Round | undefined> {
    const probes = new Map<string, Promise<Probed>>();
    const early = (entry: DiscoveredPhone) => {
      const key = probeKey(entry);
      if (probes.size < PROBE_CONCURRENCY && !probes.has(key)) probes.set(key, this.probe(entry));
    };
    const heard = (entry: DiscoveredPhone) => early(entry);
    this.discovery.on('up', heard);
    this.discovery.on('update', heard);
    try {
      await this.discovery.query().catch(() => undefined);
      for (const entry of this.ranked()) early(entry);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, windowMs);
        cut?.addEventListener(
          'abort',
          () => {
            clearTimeout(timer);
            resolve();
          },
          { once: true },
        );
      });
    } finally {
      this.discovery.off('up', heard);
      this.discovery.off('update', heard);
    }
    if (cut?.aborted) return undefined;
    windowPassed?.();
    return this.count(probes);
  }

  /**
   * The claimants now, counted against the last full round, for a caller that knows no link changed since that
   * round's query: every phone then on the link had its window to answer, discovery re-asks every 15 s, and a
   * phone that came since announced itself (RFC 6762 section 8.3). So a phone that boots after the round is asked
   * at once rather than after a second window; every phone heard is asked again, as in a round.
   */
  countSinceFullRound(): Promise<Round> {
    return this.count(new Map());
  }

  /**
   * The claimants again, just before committing to one: phones heard since the round (or whose record changed)
   * are asked too, so a real phone that answered late still makes two claimants.
   */
  recheck(round: Round): Promise<Round> {
    return this.count(round.probes);
  }

  /**
   * The phones heard, in the order they are asked: those that claimed this PC before first, then those not asked
   * yet, newest first. In a table full of strangers, the phone that matters is asked within the probe budget.
   */
  private ranked(): DiscoveredPhone[] {
    const rank = (p: DiscoveredPhone) => {
      const checked = this.checked.get(p.key);
      if (checked?.print !== probeKey(p)) return 1;
      return checked.claimant ? 0 : 2;
    };
    return this.discovery
      .phones()
      .map((p) => ({ p, rank: rank(p) }))
      .sort((a, b) => a.rank - b.rank || b.p.firstSeen - a.p.firstSeen)
      .map(({ p }) => p);
  }

  private async count(probes: Map<string, Promise<Probed>>): Promise<Round> {
    const probed = await this.probeAll(this.ranked(), probes);
    const seen = new Set<string>();
    const claimants = probed.filter((p) => {
      if (!p.hello || !p.id || !this.companion.onThisPcPort(p.hello) || seen.has(p.id)) return false;
      seen.add(p.id);
      return true;
    });
    return { claimants, probes };
  }

  /** The addresses where discovery hears the phone with this (TLS-checked, by the caller) device id. */
  addressesOf(id: string): string[] {
    return this.discovery
      .phones()
      .filter((p) => p.claims.id === id)
      .flatMap((p) => p.addresses);
  }

  /** A DEVICE argument as addresses to try: an address as is, a device id by where discovery hears it. */
  resolve(target: string): string[] {
    const paired = DEVICE_ID_PATTERN.test(target) ? this.companion.pairings.get(target) : undefined;
    if (DEVICE_ID_PATTERN.test(target)) {
      const heard = this.addressesOf(target);
      const all = [...heard, ...(paired ? [paired.address] : [])];
      if (all.length === 0) {
        throw new CompanionError(
          'unreachable',
          `no phone with the id ${target} answers on this PC's links (see "btoe devices"); check that it is on and connected`,
        );
      }
      return [...new Set(all)];
    }
    return [formatAddress(parseAddress(target))];
  }

  /**
   * Auto pairing (no code), allowed when, and only when, the phone is on this PC's port and no other phone claims
   * to be: a lying phone next to the real one makes two claimants, and then the user pairs with a code.
   * `target` is the phone the user named (an address or a device id); without one, the only claimant.
   */
  async autoPair(
    target: string | undefined,
    windowMs = DISCOVERY_ROUND_MS,
  ): Promise<{ phone: PairedPhone; replaced?: PairedPhone }> {
    if (!this.companion.rules.pairing('auto').allowed) {
      // The companion's own refusal says why (policy off, or Manual required); it refuses before connecting.
      const placeholder = target && !DEVICE_ID_PATTERN.test(target) ? target : 'tcp://127.0.0.1:1';
      return this.companion.pair(placeholder, undefined);
    }
    const round = await this.round(windowMs);
    const claimants = round.claimants;
    const targetId = target !== undefined && DEVICE_ID_PATTERN.test(target) ? target : undefined;
    const targetAddress = target !== undefined && targetId === undefined ? canonical(target) : undefined;
    const matches = (p: Probed) =>
      target === undefined ||
      (targetId !== undefined && p.verified && p.id === targetId) ||
      (targetAddress !== undefined &&
        (p.address === targetAddress || p.entry.addresses.some((a) => canonical(a) === targetAddress)));
    let chosen = claimants.find(matches);
    if (!chosen && target !== undefined) {
      // Not heard (or not claiming in its record): ask it directly; its hello may still claim this PC.
      const direct = await this.probeDirect(this.resolve(target));
      if (direct?.hello && this.companion.onThisPcPort(direct.hello)) {
        chosen = direct;
        claimants.push(direct);
      } else {
        return this.companion.pair(direct?.address ?? this.resolve(target)[0]!, undefined);
      }
    }
    if (claimants.length > 1) throw twoClaimants(claimants);
    if (chosen && claimants.length === 1) {
      const again = await this.recheck(round);
      if (again.claimants.some((p) => p.id !== chosen.id)) throw twoClaimants([chosen, ...again.claimants]);
    }
    if (!chosen) {
      throw new CompanionError(
        'pairing-failed',
        'no phone reports this PC on its PC port: plug this PC into the phone\'s PC port, or pair with a code: open pairing on the phone and run "btoe pair DEVICE --code CODE" (see "btoe devices")',
      );
    }
    const address = chosen.address ?? chosen.entry.addresses[0];
    if (!address)
      throw new CompanionError('unreachable', `the phone ${chosen.entry.instance} does not answer`);
    return this.companion.pair(address, undefined);
  }

  /** Manual pairing by device id: the code, at the address where the phone is heard. */
  async pairWithCode(target: string, code: string): Promise<{ phone: PairedPhone; replaced?: PairedPhone }> {
    const addresses = this.resolve(target);
    let last: unknown;
    for (const address of addresses) {
      try {
        return await this.companion.pair(address, code);
      } catch (error) {
        last = error;
        if (!(error instanceof Error && /unreachable|cannot reach|no answer/.test(error.message)))
          throw error;
      }
    }
    throw last;
  }

  private async probeDirect(addresses: string[]): Promise<Probed | undefined> {
    for (const address of addresses) {
      try {
        const result = await withTimeout(this.companion.probe(address), PROBE_TIMEOUT_MS);
        const entry: DiscoveredPhone = {
          key: `direct:${address}`,
          instance: address,
          claims: {
            id: result.id,
            vendor: result.hello.vendor,
            model: result.hello.model,
            firmware: result.hello.firmware,
            protocol: result.hello.protocol,
            pairingMode: result.hello.pairing.mode,
          },
          addresses: [address],
          link: '',
          host: '',
          port: 0,
          firstSeen: Date.now(),
          lastSeen: Date.now(),
        };
        return { entry, address, id: result.id, hello: result.hello, verified: true };
      } catch {
        // next address
      }
    }
    return undefined;
  }
}

/** One count of the phones that say this PC is on their PC port; `probes` are reused by a re-check. */
export interface Round {
  claimants: Probed[];
  probes: Map<string, Promise<Probed>>;
}

export function probeKey(entry: DiscoveredPhone): string {
  return `${entry.key}|${entry.claims.id}|${entry.addresses.join(',')}`;
}

function canonical(address: string): string {
  if (DEVICE_ID_PATTERN.test(address)) return address;
  try {
    return formatAddress(parseAddress(address));
  } catch {
    return address;
  }
}

function twoClaimants(all: Probed[]): CompanionError {
  const claimants = [...new Map(all.map((p) => [p.id ?? p.entry.key, p])).values()];
  const names = claimants.map((p) => {
    const where = p.address ?? p.entry.addresses.find((a) => isIPv4(parseHost(a))) ?? p.entry.addresses[0];
    return `${p.entry.claims.vendor} ${p.entry.claims.model} (${p.id ?? p.entry.claims.id}) at ${where ?? 'an unknown address'}`;
  });
  return new CompanionError(
    'pairing-failed',
    `${claimants.length} phones claim that this PC is plugged into their PC port: ${names.join('; ')}. One of them is not telling the truth, so Auto pairing is off. Pair with a code instead (Manual): open pairing on your phone and run "btoe pair DEVICE --code CODE" with the code it shows`,
  );
}

function parseHost(address: string): string {
  try {
    const parsed = parseAddress(address);
    return parsed.transport === 'tcp' ? parsed.host : '';
  } catch {
    return '';
  }
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    timer.unref();
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
