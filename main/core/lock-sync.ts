// Environment: Node (main process core).
import { EventEmitter } from 'node:events';
import type { PhoneLinks } from './phone-links.js';
import type { PhoneSession } from './phone-session.js';
import type { Rules } from './rules/rules.js';

export type LockSyncState =
  { phone: string; syncing: true } | { phone: string; syncing: false; reason: string };

export interface LockSyncOptions {
  /** How often a lock is tried before giving up until the link comes back. */
  lockAttempts?: number;
}

/**
 * PC session lock → phone lock. A lock is acknowledged, retried, and re-applied when a link comes back while the
 * PC is still locked. An unlock is only ever sent in answer to a PC unlock, over a live authenticated session:
 * it is never queued, so a stale unlock cannot be replayed after a reconnect.
 */
export class LockSync extends EventEmitter<{
  /** The PC locked (true) or unlocked (false). */
  pc: [boolean];
  log: [string, Record<string, unknown>];
}> {
  private pcLocked = false;

  constructor(
    private readonly links: PhoneLinks,
    /** Device-Lock and activation (does this phone follow?), UnlockPhoneWithPc (may an unlock follow?). */
    private readonly rules: Rules,
    private readonly options: LockSyncOptions = {},
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
    const verdict = this.rules.lockSync(session);
    return verdict.allowed ? { phone, syncing: true } : { phone, syncing: false, reason: verdict.reason };
  }

  pcLock(): Promise<void> {
    this.pcLocked = true;
    return this.each((session) => this.lock(session), true);
  }

  pcUnlock(): Promise<void> {
    this.pcLocked = false;
    return this.each((session) => this.unlock(session), false);
  }

  /**
   * The phones' commands go on the wire first; who listens (the status snapshot, the log) hears of the PC's
   * change after, so their work is not in the lock's latency.
   */
  private async each(act: (session: PhoneSession) => Promise<void>, locked: boolean): Promise<void> {
    const acting = Promise.all(this.links.sessions().map(act));
    this.emit('pc', locked);
    this.emit('log', locked ? 'pc-locked' : 'pc-unlocked', {});
    await acting;
  }

  private async lock(session: PhoneSession): Promise<void> {
    if (!this.stateOf(session).syncing) return;
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
    if (!this.stateOf(session).syncing) return;
    if (!this.rules.unlockFollowsPc().allowed) {
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
