// Environment: Node (main process core).
import { EventEmitter } from 'node:events';
import type { CallEvent } from '../../native-bridge/link/messages.js';
import { type Companion, CompanionError, reachOrder, transportRank } from './companion.js';
import type { PhoneDriver, SignInRequest } from './phone-driver.js';
import { type Timers, realTimers } from './timers.js';

/** What the running companion knows of one paired phone right now. */
export interface PhoneLinkState {
  id: string;
  name: string;
  connected: boolean;
  /** Where the session runs (the best transport that answered). */
  address: string | undefined;
  locked: boolean | undefined;
  user: string | null | undefined;
  call: CallEvent | undefined;
  /** Why the phone is not connected, in words for the user. */
  problem: string | undefined;
  /** The phone was reset or forgot this PC: retrying is pointless, it needs pairing again. */
  needsPairing: boolean;
}

export interface PhoneLinksEvents {
  connected: [PhoneDriver];
  disconnected: [string];
  call: [string, CallEvent];
  signIn: [string, string | null];
  signInRequest: [string, SignInRequest];
  /** A paired phone answers with another identity (it was reset): only pairing again brings it back. */
  pairAgain: [string, string];
  changed: [];
}

interface Link {
  session: PhoneDriver | undefined;
  /** While connected over a lesser transport: the timer that tries the better one. */
  upgrade: unknown;
  /** Consecutive tries that did not give a lasting session; picks the next delay (see retryDelay). */
  attempt: number;
  timer: unknown;
  /** When the current session came up (the clock of `now`). */
  connectedAt: number;
  problem: string | undefined;
  /** A phone that was reset needs pairing again: retrying would never succeed. */
  givenUp: boolean;
}

export const RECONNECT_INITIAL_MS = 100;
export const RECONNECT_MAX_MS = 30_000;
/**
 * A session that lasted this long was a success: when it drops, the first retry is immediate (a phone that
 * dropped the link usually answers again at once) and the backoff starts over. A shorter one counts as a failed
 * try, so a phone that accepts and drops at once meets a growing backoff, never a reconnect loop.
 */
export const STABLE_SESSION_MS = 250;
export const UPGRADE_INTERVAL_MS = 3_000;

/**
 * Keeps every paired phone connected: one authenticated session each, re-established with backoff when it
 * drops, and its events passed on. Sessions always check the pinned certificate (Companion.connect).
 */
export class PhoneLinks extends EventEmitter<PhoneLinksEvents> {
  private readonly links = new Map<string, Link>();
  private stopped = false;
  private keptElsewhere: (id: string) => boolean = () => false;

  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly now: () => number;

  constructor(
    private readonly companion: Companion,
    options: { timers?: Timers; random?: () => number; now?: () => number } = {},
  ) {
    super();
    this.timers = options.timers ?? realTimers;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? (() => performance.now());
  }

  /** Connects to new pairings and drops forgotten ones. */
  refresh(): void {
    const paired = new Set(this.companion.pairings.list().map((p) => p.id));
    for (const [id, link] of this.links) {
      if (!paired.has(id)) {
        this.timers.clearTimeout(link.timer);
        this.timers.clearTimeout(link.upgrade);
        this.links.delete(id);
        link.session?.close();
      }
    }
    for (const id of paired) {
      if (!this.links.has(id)) {
        this.links.set(id, {
          session: undefined,
          upgrade: undefined,
          // This first try is the immediate one: a failure waits RECONNECT_INITIAL_MS.
          attempt: 1,
          timer: undefined,
          connectedAt: 0,
          problem: undefined,
          givenUp: false,
        });
        void this.connect(id);
      }
    }
    this.emit('changed');
  }

  /**
   * Phones another keeper connects (the Ethernet keeper, which knows where a phone is heard and when links come
   * up): their sessions arrive through adopt() and are not redialled from here.
   */
  delegate(keptElsewhere: (id: string) => boolean): void {
    this.keptElsewhere = keptElsewhere;
  }

  /** A session opened by the keeper a phone is delegated to. */
  adopt(session: PhoneDriver): void {
    const link = this.links.get(session.phone.id);
    if (!link || link.session === session || this.stopped) return;
    this.attach(session.phone.id, link, session);
  }

  /** Tries at once (e.g. a network came up) instead of waiting for the backoff. */
  retryNow(): void {
    for (const [id, link] of this.links) {
      if (!link.session && !link.givenUp) {
        this.timers.clearTimeout(link.timer);
        link.attempt = 1;
        void this.connect(id);
      }
    }
  }

  session(id: string): PhoneDriver | undefined {
    return this.links.get(id)?.session;
  }

  sessions(): PhoneDriver[] {
    return [...this.links.values()].flatMap((l) => (l.session ? [l.session] : []));
  }

  states(): PhoneLinkState[] {
    return this.companion.pairings.list().map((phone) => {
      const link = this.links.get(phone.id);
      const s = link?.session;
      return {
        id: phone.id,
        name: phone.name,
        connected: s !== undefined,
        address: s?.address,
        locked: s?.locked,
        user: s?.user,
        call: s?.call,
        problem: link?.problem,
        needsPairing: link?.givenUp ?? false,
      };
    });
  }

  stop(): void {
    this.stopped = true;
    for (const link of this.links.values()) {
      this.timers.clearTimeout(link.timer);
      this.timers.clearTimeout(link.upgrade);
      link.session?.close();
    }
    this.links.clear();
  }

  private async connect(id: string): Promise<void> {
    const link = this.links.get(id);
    if (!link || link.session || this.stopped || this.keptElsewhere(id)) return;
    link.timer = undefined;
    let session: PhoneDriver;
    try {
      session = await this.companion.reach(id);
    } catch (error) {
      if (this.links.get(id) !== link || this.stopped) return;
      link.problem = (error as Error).message;
      link.givenUp =
        error instanceof CompanionError && (error.kind === 'identity-changed' || error.kind === 'not-paired');
      if (!link.givenUp) this.schedule(id, link);
      else if ((error as CompanionError).kind === 'identity-changed')
        this.emit('pairAgain', id, link.problem);
      this.emit('changed');
      return;
    }
    if (this.links.get(id) !== link || this.stopped || link.session) {
      session.close();
      return;
    }
    this.attach(id, link, session);
  }

  private attach(id: string, link: Link, session: PhoneDriver): void {
    const previous = link.session;
    link.session = session;
    previous?.close();
    this.timers.clearTimeout(link.upgrade);
    link.upgrade = undefined;
    this.watchForBetter(id, link, session);
    link.connectedAt = this.now();
    link.problem = undefined;
    session.on('call', (call) => this.emit('call', id, call));
    session.on('lock', () => this.emit('changed'));
    session.on('signIn', (user) => this.emit('signIn', id, user));
    session.on('signInRequest', (request) => this.emit('signInRequest', id, request));
    // The window shows the request (its address and code) from the session: not in the status snapshot.
    session.on('signInRequest', () => this.emit('changed'));
    const onClose = (reason: Error | undefined) => {
      if (link.session !== session) return;
      link.session = undefined;
      this.timers.clearTimeout(link.upgrade);
      link.upgrade = undefined;
      link.problem = reason?.message ?? 'the connection was closed';
      this.emit('disconnected', id);
      this.emit('changed');
      if (this.stopped || this.links.get(id) !== link || this.keptElsewhere(id)) return;
      if (this.now() - link.connectedAt >= STABLE_SESSION_MS) link.attempt = 0;
      this.schedule(id, link);
    };
    session.on('close', onClose);
    this.emit('connected', session);
    // Closed between the handshake and here (a phone shutting down accepts, then exits): lost at once.
    if (session.isClosed) onClose(undefined);
    this.emit('changed');
  }

  /**
   * Connected over USB or HID while the phone also has an Ethernet address: try that now and then, and move the
   * session over when it answers. Lock state and calls live on the phone and come back with the new session's
   * state events, and lock sync re-applies a PC lock on every new session, so nothing is lost in the move.
   */
  private watchForBetter(id: string, link: Link, session: PhoneDriver): void {
    const phone = this.companion.pairings.get(id);
    const best = phone ? reachOrder(phone)[0] : undefined;
    if (!best || transportRank(best) >= transportRank(session.address)) return;
    const tryBetter = () => {
      if (link.session !== session || this.stopped) return;
      link.upgrade = this.timers.setTimeout(tryBetter, UPGRADE_INTERVAL_MS);
      this.companion.reach(id, best).then(
        (better) => {
          if (link.session !== session || this.stopped) better.close();
          else this.attach(id, link, better);
        },
        () => undefined,
      );
    };
    link.upgrade = this.timers.setTimeout(tryBetter, UPGRADE_INTERVAL_MS);
  }

  /** The next try: at once after a lasting session dropped (attempt 0), else the backoff with its jitter. */
  private schedule(id: string, link: Link): void {
    const delay = retryDelay(link.attempt, this.random());
    link.attempt++;
    if (delay === 0) void this.connect(id);
    else link.timer = this.timers.setTimeout(() => void this.connect(id), delay);
  }
}

/**
 * The wait before try number `attempt` of a reconnect (0: the immediate first retry after a lasting session
 * dropped), then RECONNECT_INITIAL_MS doubling up to RECONNECT_MAX_MS, each ±25 % (`random` in [0, 1)) so many
 * companions do not retry in step.
 */
export function retryDelay(attempt: number, random: number): number {
  if (attempt <= 0) return 0;
  return Math.min(RECONNECT_MAX_MS, RECONNECT_INITIAL_MS * 2 ** (attempt - 1)) * (0.75 + random / 2);
}
