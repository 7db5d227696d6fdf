// Environment: Node (main process core).
import { EventEmitter } from 'node:events';
import type { DiscoveredPhone } from '../../native-bridge/ethernet/discovery.js';
import { CompanionError } from './companion.js';
import { DISCOVERY_ROUND_MS, type Nearby, type Probed, type Round, probeKey } from './nearby.js';
import type { PairedPhone } from './pairing-store.js';
import type { PhoneSession } from './phone-session.js';

/**
 * The phone on this PC's port, kept: Auto pairing when policy allows it and, after a full discovery round and a
 * re-check just before committing, exactly one phone says this PC is on its PC port (a phone heard after a full
 * round, no link having changed since, is counted against that round: a booting phone waits for no second
 * window); then a session that comes back by itself. With no user action only within AUTO_PAIR_AFTER_LINK_UP_MS of
 * this PC's link coming up (the cable was just plugged into the phone); otherwise the phone waits for the user's
 * one click (`btoe pair`, the window, the tray): `pendingPairing`. A second claimant heard after an Auto pairing drops it and asks the user.
 * When a link comes up the companion asks at once (discovery sends a query) and tries the paired phone's last
 * address at once, without waiting for an announcement; after a drop it retries quickly for a while (a rebooting
 * phone listens again within seconds), then more slowly. A phone with a new identity (factory reset) is never
 * trusted silently: the user is told to pair again.
 */
export type KeeperEvent =
  | { event: 'link'; name: string; up: boolean }
  | { event: 'listed'; id: string; name: string; address: string; verified: false }
  | { event: 'gone'; id: string; name: string }
  | { event: 'paired'; id: string; address: string; mode: 'auto' | 'manual'; ms: number }
  /**
   * A claimant round's discovery window has passed (windowMs: how long it waited after its query; 0 when the round
   * was counted against the last full one, no link having changed since).
   */
  | { event: 'round'; windowMs: number }
  /** pairingConnection: the session is the Auto pairing's own connection (one TLS handshake in all). */
  | { event: 'ready'; id: string; address: string; ms: number; pairingConnection?: true }
  | { event: 'disconnected'; id: string; reason: string }
  | { event: 'pair-again'; id: string; message: string }
  | { event: 'manual-offered'; claimants: string[]; message: string }
  | ({ event: 'confirm-pairing' } & PendingPairing)
  | { event: 'auto-pairing-dropped'; id: string; claimants: string[]; message: string }
  | { event: 'auto-pair-failed'; message: string };

/** The one phone on this PC's port, waiting for the user's click to pair (outside the plug-in window). */
export type PendingPairing = {
  id: string;
  name: string;
  address: string;
  message: string;
};

/** Auto pairing with no click happens only this long after this PC's link came up (the cable was plugged in). */
export const AUTO_PAIR_AFTER_LINK_UP_MS = 10_000;

export interface KeeperOptions {
  /** Pair in Auto mode (policy permitting), by itself within the window, else on the user's click. Default true. */
  autoPair?: boolean;
  /** The discovery round's window (default DISCOVERY_ROUND_MS, measured). */
  roundMs?: number;
  /** The plug-in window (default AUTO_PAIR_AFTER_LINK_UP_MS). */
  autoPairWindowMs?: number;
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
  private roundAgain = false;
  private lastOffer = '';
  /** When a link last came up: the start of the plug-in window. */
  private linkUpAt = Number.NEGATIVE_INFINITY;
  /** Counts link changes; a full round is current while no link changed since its query. */
  private linkChanges = 0;
  private fullRoundAtChange = -1;
  /** Cuts the running round's window short when a link changes: its query went out on the links before. */
  private roundCut: AbortController | undefined;
  private pending: PendingPairing | undefined;
  /** Phones heard while an Auto-paired phone is kept, asked whether they claim this PC too. */
  private readonly watched = new Map<string, Promise<Probed>>();
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
      this.linkChanges++;
      this.roundCut?.abort();
      if (up) {
        this.linkUpAt = Date.now();
        this.scheduleRound();
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
        verified: false,
      });
      this.heard(p);
    });
    d.on('update', (p) => this.heard(p));
    d.on('down', (p) => this.emit('event', { event: 'gone', id: p.claims.id, name: p.instance }));
    for (const p of d.phones()) this.heard(p);
    this.scheduleRound();
    void this.run();
  }

  /** The phone waiting for the user's click (`btoe pair`, the window, the tray), if any. */
  get pendingPairing(): PendingPairing | undefined {
    return this.target() ? undefined : this.pending;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.autoPairTimer);
    this.roundCut?.abort();
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
    // ISO 8601 times in UTC order as plain strings; localeCompare would map ICU's collation data (+3 MB RSS).
    let latest: PairedPhone | undefined;
    for (const p of this.nearby.companion.pairings.list()) {
      if (p.transport === 'tcp' && (!latest || p.pairedAt > latest.pairedAt)) latest = p;
    }
    return latest;
  }

  private heard(p: DiscoveredPhone): void {
    if (p.addresses.length > 0) {
      if (this.lastHeard.size > 64) this.lastHeard.clear();
      this.lastHeard.set(p.claims.id, [...p.addresses]);
    }
    const target = this.target();
    if (target && p.claims.id === target.id) return this.wake(true);
    if (target?.mode === 'auto') void this.watchForSecondClaimant(p, target);
    else if (!target) this.scheduleRound();
  }

  /**
   * After an Auto pairing every phone heard is asked too: one more that says this PC is on its PC port means one
   * of the two lies, so the Auto pairing is dropped and the user asked to pair with a code.
   */
  private async watchForSecondClaimant(p: DiscoveredPhone, target: PairedPhone): Promise<void> {
    const key = probeKey(p);
    // Asked already (as it is now: same record, same addresses) and not claiming this PC: nothing new to learn.
    if (this.watched.has(key) || this.nearby.isExpendable(p)) return;
    if (this.watched.size >= 256) this.watched.clear();
    const probe = this.nearby.probe(p);
    this.watched.set(key, probe);
    const result = await probe;
    const hello = result.hello;
    if (!hello || !result.id || result.id === target.id || this.target()?.id !== target.id) return;
    if (!this.nearby.companion.onThisPcPort(hello)) return;
    // The paired phone itself after a factory reset: tryConnect tells the user to pair again.
    if (this.nearby.companion.pairings.findReset({ serial: hello.serial, mac: hello.mac, id: result.id }))
      return;
    const claimants = [`${target.name} (${target.id})`, `${p.instance} (${result.id})`];
    await this.nearby.companion.pairings.remove(target.id);
    this.session?.close();
    this.session = undefined;
    this.emit('event', {
      event: 'auto-pairing-dropped',
      id: target.id,
      claimants,
      message: `another phone, ${p.instance} (${result.id}), also says this PC is plugged into its PC port, so the Auto pairing with ${target.name} (${target.id}) was dropped: one of them is not telling the truth. Pair with the code your phone shows ("btoe pair DEVICE --code CODE")`,
    });
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

  private adopt(session: PhoneSession, address: string, pairingConnection = false): void {
    this.session = session;
    const ms = Date.now() - this.lostAt;
    this.attempts = 0;
    const onClose = (reason: Error | undefined) => {
      if (this.session !== session) return;
      this.session = undefined;
      this.lostAt = Date.now();
      this.emit('event', {
        event: 'disconnected',
        id: session.phone.id,
        reason: reason?.message ?? 'the link closed',
      });
      this.wake();
    };
    session.once('close', onClose);
    this.emit('event', {
      event: 'ready',
      id: session.phone.id,
      address,
      ms,
      ...(pairingConnection ? { pairingConnection: true as const } : {}),
    });
    this.closeLimbo();
    // The phone may have closed it between the handshake and here (a phone shutting down accepts, then exits).
    if (session.isClosed) onClose(undefined);
  }

  /** A claimant round soon (one at a time; another after it when something changed meanwhile). */
  private scheduleRound(): void {
    if (this.options.autoPair === false || this.session || this.stopped) return;
    if (this.autoPairing) {
      this.roundAgain = true;
      return;
    }
    if (this.autoPairTimer) return;
    this.autoPairTimer = setTimeout(() => {
      this.autoPairTimer = undefined;
      void this.autoPair();
    }, 0);
  }

  private async autoPair(): Promise<void> {
    const companion = this.nearby.companion;
    if (this.session || this.stopped || this.autoPairing || this.target()) return;
    if (!companion.rules.pairing('auto').allowed) return;
    this.autoPairing = true;
    const started = Date.now();
    try {
      const change = this.linkChanges;
      let round: Round;
      if (this.fullRoundAtChange === change) {
        round = await this.nearby.countSinceFullRound();
        this.emit('event', { event: 'round', windowMs: 0 });
      } else {
        const windowMs = this.options.roundMs ?? DISCOVERY_ROUND_MS;
        this.roundCut = new AbortController();
        const full = await this.nearby.round(windowMs, {
          windowPassed: () => this.emit('event', { event: 'round', windowMs }),
          cut: this.roundCut.signal,
        });
        // Cut short: the link event that cut it asks for the next round.
        if (!full) return;
        round = full;
        if (this.linkChanges === change) this.fullRoundAtChange = change;
      }
      if (this.session || this.stopped || this.target()) return;
      if (round.claimants.length > 1) return this.offerManual(round.claimants);
      const only = round.claimants[0];
      this.pending = undefined;
      if (!only?.hello || !only.id || !only.address) return;
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
      const name = `${only.hello.vendor} ${only.hello.model}`;
      if (Date.now() - this.linkUpAt > (this.options.autoPairWindowMs ?? AUTO_PAIR_AFTER_LINK_UP_MS)) {
        this.pending = {
          id: only.id,
          name,
          address: only.address,
          message: `${name} (${only.id}) says this PC is plugged into its PC port: pair with it? ("btoe pair")`,
        };
        this.emit('event', { event: 'confirm-pairing', ...this.pending });
        return;
      }
      // Just before committing: phones heard since the round are asked too.
      const again = await this.nearby.recheck(round);
      if (again.claimants.some((p) => p.id !== only.id)) return this.offerManual(again.claimants);
      // The pairing connection carries on as the session when the phone can: one TLS handshake, not two.
      const { phone, session } = await companion.pair(only.address, undefined, {
        confirmedByUser: false,
        session: true,
      });
      this.lostAt = Date.now();
      this.emit('event', {
        event: 'paired',
        id: phone.id,
        address: phone.address,
        mode: phone.mode,
        ms: Date.now() - started,
      });
      if (!session) this.wake(true);
      else if (this.session || this.stopped || this.target()?.id !== phone.id) session.close();
      else this.adopt(session, phone.address, true);
    } catch (error) {
      this.emit('event', { event: 'auto-pair-failed', message: (error as Error).message });
    } finally {
      this.autoPairing = false;
      this.roundCut = undefined;
      if (this.roundAgain) {
        this.roundAgain = false;
        this.scheduleRound();
      }
    }
  }

  private offerManual(claimants: Probed[]): void {
    this.pending = undefined;
    const names = claimants.map((c) => `${c.entry.instance} (${c.id ?? c.entry.claims.id})`);
    const key = [...names].sort().join('|');
    if (key === this.lastOffer) return;
    this.lastOffer = key;
    this.emit('event', {
      event: 'manual-offered',
      claimants: names,
      message: `${claimants.length} phones say that this PC is plugged into their PC port, so Auto pairing is off: pair with the code your phone shows ("btoe pair DEVICE --code CODE")`,
    });
  }
}
