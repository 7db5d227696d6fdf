// Environment: Node (main process, OS adapters). The state keeping every session lock adapter shares.
import { EventEmitter } from 'node:events';
import {
  type SessionLockEvents,
  type SessionLockSource,
  SessionLockError,
} from '../core/ports/session-lock.js';

/** State keeping shared by the adapters: folds duplicates, and never lets an 'error' emit throw. */
export abstract class BaseLockSource extends EventEmitter<SessionLockEvents> implements SessionLockSource {
  abstract readonly name: string;
  #locked: boolean | undefined;

  get locked(): boolean | undefined {
    return this.#locked;
  }

  abstract start(): Promise<void>;
  abstract stop(): Promise<void>;

  /** A change seen live: emits 'lock' or 'unlock' when it differs from the last known state. */
  protected setLocked(locked: boolean, via: string): void {
    if (this.#locked === locked) return;
    this.#locked = locked;
    this.emitSafely(locked ? 'lock' : 'unlock', { source: this.name, via });
  }

  /**
   * A state read rather than signalled (at start, after a reconnect). The first reading only sets the state;
   * a later reading that differs is a change that happened while the source was not listening, and is emitted.
   */
  protected setRead(locked: boolean | undefined, via: string): void {
    if (locked === undefined) return;
    if (this.#locked === undefined) this.#locked = locked;
    else this.setLocked(locked, via);
  }

  protected forgetState(): void {
    this.#locked = undefined;
  }

  protected report(error: SessionLockError): void {
    if (this.listenerCount('error') > 0) this.emitSafely('error', error);
  }

  /** Listeners that throw must not break the source's own bookkeeping (or a socket's data handler). */
  protected emitSafely<K extends keyof SessionLockEvents>(event: K, ...args: SessionLockEvents[K]): void {
    // rawListeners: once() wrappers, so that they remove themselves when called.
    for (const listener of this.rawListeners(event)) {
      try {
        (listener as (...a: unknown[]) => void).apply(this, args);
      } catch (error) {
        if (event !== 'error')
          this.report(
            new SessionLockError(`a "${event}" listener threw`, this.name, undefined, { cause: error }),
          );
      }
    }
  }
}
