// Environment: Node (main process core).
import { EventEmitter } from 'node:events';
import type { DiscoveredPhone } from '../../native-bridge/ethernet/discovery.js';
import { CompanionError } from './companion.js';
import { type Nearby, type Probed, probeKey } from './nearby.js';
import type { PairedPhone } from './pairing-store.js';
import type { PhoneSession } from './phone-session.js';

/**
 * The phone on this PC's port, kept: Auto pairing with no user action when policy allows it and exactly one
 * phone claims this PC, then a session that comes back by itself. When a link comes up the companion asks at
 * once (discovery sends a query) and tries the paired phone's last address at once, without waiting for an
 * announcement; after a drop it retries quickly for a while (a rebooting phone listens again within seconds),
 * then more slowly. A phone with a new identity (factory reset) is never trusted silently: the user is told to
 * pair again.
 */
export type KeeperEvent =
  | { event: 'link'; name: string; up: boolean }
  | { event: 'listed'; id: string; name: string; address: string; onThisPcPort: boolean; verified: false }
  | { event: 'gone'; id: string; name: string }
  | { event: 'paired'; id: string; address: string; mode: 'auto' | 'manual'; ms: number }
  | { event: 'ready'; id: string; address: string; ms: number }
  | { event: 'disconnected'; id: string; reason: string }
  | { event: 'pair-again'; id: string; message: string }
  | { event: 'manual-offered'; claimants: string[]; message: string }
  | { event: 'auto-pair-failed'; message: string };

export interface KeeperOptions {
  /** Pair in Auto mode by itself (policy permitting). Default true. */
  autoPair?: boolean;
  /**
   * How long to let other phones answer before counting claimants (default 50 ms). Phones answer a query at once
   * (avahi within 20-120 ms); the first claimant is probed over TLS meanwhile.
   */
  settleMs?: number;
}

const FAST_RETRY_MS = 25;

function isLinkLocal(address: string): boolean {
  return /^tcp:\/\/(169\.254\.|\[fe[89ab])/i.test(address);
}
const FAST_RETRY_FOR_MS = 10_000;
const SLOW_RETRY_MS = 500;
const IDLE_RETRY_MS = 2_000;

export class PhoneKeeper extends EventEmitter<{ event: [KeeperEvent] }> {
  session: PhoneSession | undefined;
  private stopped = false;
  private wakeUp: (() => void) | undefined;
  private lostAt = Date.now();
  private attempts = 0;
  private readonly givenUp = new Set<string>();
  private autoPairTimer: NodeJS.Timeout | undefined;
  private autoPairing = false;
  private lastOffer = '';
  /** Probes started while waiting for other claimants, reused by the count (a few seconds at most). */
  private probes = new Map<string, Promise<Probed>>();
  /** Sessions lost with their link: closed once a link is back, so nothing is sent while none is. */
  private limbo: PhoneSession[] = [];
  /** Where each phone was last heard, kept across link bounces (discovery forgets a link's phones when it goes). */
  private readonly lastHeard = new Map<string, string[]>();

  constructor(
    readonly nearby: Nearby,
    private readonly options: KeeperOptions = {},
  ) {
    super();
  }

  start(): void {
    const d = this.nearby.discovery;
    d.on('link', ({ name, up }) => {
      this.emit('event', { event: 'link', name, up });
      if (up) {
        this.wake(true);
        setTimeout(() => this.closeLimbo(), 1_000).unref();
      } else if (this.session) this.lose(this.session, `the link ${name} went down`);
    });
    d.on('up', (p) => {
      this.emit('event', {
        event: 'listed',
        id: p.claims.id,
        name: `${p.claims.vendor} ${p.claims.model}`,
        address: p.addresses[0] ?? '',
        onThisPcPort: this.nearby.claimsThisPc(p.claims),
        verified: false,
      });
      this.heard(p);
    });
    d.on('update', (p) => this.heard(p));
    d.on('down', (p) => this.emit('event', { event: 'gone', id: p.claims.id, name: p.instance }));
    for (const p of d.phones()) this.heard(p);
    void this.run();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.autoPairTimer);
    this.session?.close();
    this.closeLimbo(true);
    this.wakeUp?.();
  }

  /**
   * The cable was pulled: the session is gone for the user at once, but its socket is closed only once a link is
   * back. Closing now would send a FIN into a link without carrier, leaving the kernel's neighbour entry for the
   * phone waiting on its 1 s ARP retry, which would then delay the reconnect by up to a second.
   */
  private lose(session: PhoneSession, reason: string): void {
    if (this.session !== session) return;
    this.session = undefined;
    this.lostAt = Date.now();
    this.limbo.push(session);
    this.emit('event', { event: 'disconnected', id: session.phone.id, reason });
  }

  /** Closes the lost sessions, unless every link is down again (then at the next link up, or on stop). */
  private closeLimbo(force = false): void {
    if (!force && this.nearby.discovery.links().length === 0) return;
    for (const session of this.limbo.splice(0)) session.close();
  }

  /** Is this the phone the keeper keeps connected? */
  keeps(id: string): boolean {
    return this.target()?.id === id;
  }

  /** The paired phone to keep connected: the most recently paired one. */
  private target(): PairedPhone | undefined {
    return this.nearby.companion.pairings
      .list()
      .filter((p) => p.transport === 'tcp')
      .sort((a, b) => b.pairedAt.localeCompare(a.pairedAt))[0];
  }

  private heard(p: DiscoveredPhone): void {
    if (p.addresses.length > 0) {
      if (this.lastHeard.size > 64) this.lastHeard.clear();
      this.lastHeard.set(p.claims.id, [...p.addresses]);
    }
    const target = this.target();
    if (target && p.claims.id === target.id) return this.wake(true);
    if (!this.session && this.options.autoPair !== false && this.nearby.claimsThisPc(p.claims)) {
      this.scheduleAutoPair(p);
    }
  }

  /** Try now; `extra` also starts an attempt beside one that is still waiting on a dead link. */
  private wake(extra = false): void {
    if (this.wakeUp) this.wakeUp();
    else if (extra && !this.session && !this.stopped) {
      const target = this.target();
      if (target && !this.givenUp.has(target.id)) void this.tryConnect(target);
    }
  }

  private sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        if (this.wakeUp === done) this.wakeUp = undefined;
        resolve();
      };
      if (ms !== undefined) timer = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      const target = this.target();
      if (!target || this.session || this.givenUp.has(target.id)) {
        await this.sleep(undefined);
        continue;
      }
      if (await this.tryConnect(target)) continue;
      const down = Date.now() - this.lostAt;
      await this.sleep(
        down < FAST_RETRY_FOR_MS ? FAST_RETRY_MS : down < 60_000 ? SLOW_RETRY_MS : IDLE_RETRY_MS,
      );
    }
  }

  /** The last address known: where discovery hears its id now, else where it was last paired or connected. */
  private async tryConnect(target: PairedPhone): Promise<boolean> {
    const companion = this.nearby.companion;
    // A link-local address is only reachable over a link that can face a phone: none up, no packet (see lose).
    const noLink = this.nearby.discovery.links().length === 0;
    const heard = this.nearby.addressesOf(target.id);
    const candidates = [...new Set([...heard, ...(this.lastHeard.get(target.id) ?? []), target.address])]
      .filter((a) => !(noLink && isLinkLocal(a)))
      .slice(0, 4);
    if (candidates.length === 0) return false;
    this.attempts++;
    // All at once, the first session wins (IPv4 and IPv6 race, as in happy eyeballs): after a link bounce one
    // family's neighbour entry may still be waiting on a retry while the other answers at once.
    let won = false;
    const attempts = candidates.map(async (address) => {
      const session = await companion.connect(target.id, address);
      if (won || this.session || this.stopped) {
        session.close();
        return;
      }
      won = true;
      this.adopt(session, address);
      if (address !== target.address) {
        await companion.pairings.updateAddress(target.id, address).catch(() => undefined);
      }
    });
    const results = await Promise.allSettled(attempts.map((a) => a.then(() => won)));
    if (won || this.session) return true;
    for (const [i, result] of results.entries()) {
      const error = result.status === 'rejected' ? (result.reason as unknown) : undefined;
      if (!(error instanceof CompanionError && error.kind === 'identity-changed')) continue;
      // Another identity answers at the phone's own address, and the phone is heard nowhere else: it was reset
      // (or replaced). Elsewhere it is only a record claiming the phone's id: not the phone.
      const address = candidates[i]!;
      if (address === target.address && !heard.some((a) => a !== address)) {
        this.givenUp.add(target.id);
        this.emit('event', { event: 'pair-again', id: target.id, message: error.message });
        return false;
      }
    }
    return false;
  }

  private adopt(session: PhoneSession, address: string): void {
    this.session = session;
    const ms = Date.now() - this.lostAt;
    this.attempts = 0;
    session.once('close', (reason) => {
      if (this.session !== session) return;
      this.session = undefined;
      this.lostAt = Date.now();
      this.emit('event', {
        event: 'disconnected',
        id: session.phone.id,
        reason: reason?.message ?? 'the link closed',
      });
      this.wake();
    });
    this.emit('event', { event: 'ready', id: session.phone.id, address, ms });
    this.closeLimbo();
  }

  private scheduleAutoPair(first: DiscoveredPhone): void {
    const key = probeKey(first);
    if (!this.probes.has(key)) {
      this.probes.set(key, this.nearby.probe(first));
      setTimeout(() => this.probes.delete(key), 5_000).unref();
    }
    if (this.autoPairTimer || this.autoPairing) return;
    this.autoPairTimer = setTimeout(() => {
      this.autoPairTimer = undefined;
      void this.autoPair();
    }, this.options.settleMs ?? 50);
  }

  private async autoPair(): Promise<void> {
    const companion = this.nearby.companion;
    if (this.session || this.stopped || this.autoPairing) return;
    if (!companion.rules.pairing('auto').allowed) return;
    this.autoPairing = true;
    const started = Date.now();
    try {
      const claimants = await this.nearby.claimants(this.probes);
      if (claimants.length > 1) {
        const names = claimants.map((c) => `${c.entry.instance} (${c.id ?? c.entry.claims.id})`);
        const key = names.sort().join('|');
        if (key !== this.lastOffer) {
          this.lastOffer = key;
          this.emit('event', {
            event: 'manual-offered',
            claimants: names,
            message: `${claimants.length} phones claim that this PC is plugged into their PC port, so Auto pairing is off: pair with the code your phone shows ("btoe pair DEVICE --code CODE")`,
          });
        }
        return;
      }
      const only = claimants[0];
      if (!only?.hello || !only.id || !only.address || !companion.onThisPcPort(only.hello)) return;
      if (companion.pairings.get(only.id)) return this.wake(true);
      const reset = companion.pairings.findReset({
        serial: only.hello.serial,
        mac: only.hello.mac,
        id: only.id,
      });
      if (reset) {
        if (!this.givenUp.has(reset.id)) {
          this.givenUp.add(reset.id);
          this.emit('event', {
            event: 'pair-again',
            id: reset.id,
            message: `the phone ${reset.name} (${reset.id}) has a new identity: it was reset. It is not trusted until you pair again: "btoe pair ${only.address}"`,
          });
        }
        return;
      }
      const { phone } = await companion.pair(only.address, undefined);
      this.lostAt = Date.now();
      this.emit('event', {
        event: 'paired',
        id: phone.id,
        address: phone.address,
        mode: phone.mode,
        ms: Date.now() - started,
      });
      this.wake(true);
    } catch (error) {
      this.emit('event', { event: 'auto-pair-failed', message: (error as Error).message });
    } finally {
      this.autoPairing = false;
    }
  }
}
