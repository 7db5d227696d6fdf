import { EventEmitter } from 'node:events';
import type { PhoneLinks } from './phone-links.js';
import type { PhoneSession } from './phone-session.js';

export type LockSyncState =
  { phone: string; syncing: true } | { phone: string; syncing: false; reason: string };

export interface LockSyncOptions {
  /** Admin policy: may the PC unlock the phone (UnlockPhoneWithPc)? Locking is always allowed. */
  unlockAllowed: () => boolean;
  /** Paired but not activated (the phone's user is not the PC's): lock sync is off. */
  activated: (session: PhoneSession) => boolean;
  /** The user's setting: lock sync on (the default) or off. */
  enabled?: () => boolean;
  /** How often a lock is tried before giving up until the link comes back. */
  lockAttempts?: number;
}

/**
 * PC session lock → phone lock. A lock is acknowledged, retried, and re-applied when a link comes back while the
 * PC is still locked. An unlock is only ever sent in answer to a PC unlock, over a live authenticated session:
 * it is never queued, so a stale unlock cannot be replayed after a reconnect.
 */
export class LockSync extends EventEmitter<{
  state: [LockSyncState];
  log: [string, Record<string, unknown>];
}> {
  private pcLocked = false;

  constructor(
    private readonly links: PhoneLinks,
    private readonly options: LockSyncOptions,
  ) {
    super();
    links.on('connected', (session) => {
      if (this.pcLocked) void this.lock(session);
    });
  }

  get isPcLocked(): boolean {
    return this.pcLocked;
  }

  /** Why a phone's lock does or does not follow the PC, for status and diagnostics. */
  stateOf(session: PhoneSession): LockSyncState {
    const phone = session.phone.id;
    if (this.options.enabled?.() === false) {
      return { phone, syncing: false, reason: 'lock sync is turned off in Settings' };
    }
    if (session.hello.lockType !== 'phone-lock') {
      return {
        phone,
        syncing: false,
        reason: `${session.phone.name} has the older Device-Lock (firmware ${session.hello.firmware}); lock sync needs Phone-Lock, which comes with a firmware update`,
      };
    }
    if (!this.options.activated(session)) {
      return {
        phone,
        syncing: false,
        reason: `paired but not activated: ${session.phone.name} is signed in as ${session.user ?? 'nobody'}, not as this PC's user`,
      };
    }
    return { phone, syncing: true };
  }

  pcLock(): Promise<void> {
    this.pcLocked = true;
    this.emit('log', 'pc-locked', {});
    return this.each((session) => this.lock(session));
  }

  pcUnlock(): Promise<void> {
    this.pcLocked = false;
    this.emit('log', 'pc-unlocked', {});
    return this.each((session) => this.unlock(session));
  }

  private async each(act: (session: PhoneSession) => Promise<void>): Promise<void> {
    await Promise.all(this.links.sessions().map(act));
  }

  private async lock(session: PhoneSession): Promise<void> {
    const state = this.stateOf(session);
    this.emit('state', state);
    if (!state.syncing) return;
    const attempts = this.options.lockAttempts ?? 3;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (!this.pcLocked || !this.links.sessions().includes(session)) return;
      try {
        await session.lock();
        this.emit('log', 'phone-locked', { phone: session.phone.id, attempt });
        return;
      } catch (error) {
        this.emit('log', 'phone-lock-failed', {
          phone: session.phone.id,
          attempt,
          error: (error as Error).message,
        });
      }
    }
    // Still locked and the link is unreliable: drop it; the reconnect re-applies the lock.
    session.close();
  }

  private async unlock(session: PhoneSession): Promise<void> {
    const state = this.stateOf(session);
    this.emit('state', state);
    if (!state.syncing) return;
    if (!this.options.unlockAllowed()) {
      this.emit('log', 'phone-unlock-not-allowed', { phone: session.phone.id });
      return;
    }
    try {
      await session.unlock();
      this.emit('log', 'phone-unlocked', { phone: session.phone.id });
    } catch (error) {
      this.emit('log', 'phone-unlock-failed', { phone: session.phone.id, error: (error as Error).message });
    }
  }
}
