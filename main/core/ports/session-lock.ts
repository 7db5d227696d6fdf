// Environment: Node (main process core). A port: the core owns this interface, main/host and main/electron
// implement it.
/**
 * Session lock sources: where the companion learns that the PC's session locked or unlocked.
 *
 * One interface, several adapters: systemd-logind and the ScreenSaver services over D-Bus on Linux
 * (logind-lock-source.ts, screensaver-lock-source.ts), Electron's powerMonitor on Windows and macOS
 * (main/electron/power-monitor-lock-source.ts). A source emits 'lock' and 'unlock' only on a change of state
 * (duplicates from several signals for one lock are folded), 'ready' each time it is (re)subscribed, and 'error'
 * for trouble it survives (a bus that went away: it reconnects with backoff and resubscribes). It never throws
 * from an event handler and never crashes the process: with no 'error' listener, errors are dropped.
 */
import type { EventEmitter } from 'node:events';

export interface LockChange {
  /** The source's name, like "logind". */
  readonly source: string;
  /** What told it: "Lock signal", "LockedHint", "resync after reconnect"... For logs. */
  readonly via: string;
}

export interface SessionLockEvents {
  lock: [change: LockChange];
  unlock: [change: LockChange];
  error: [error: SessionLockError];
  /** Subscribed (again): from now on, changes are reported. `locked` holds the state read at that moment. */
  ready: [];
}

export interface SessionLockSource extends EventEmitter<SessionLockEvents> {
  readonly name: string;
  /** Starts listening. Resolves once the first attempt is done; a failure is an 'error' event, then retries. */
  start(): Promise<void>;
  /** Stops listening and retrying; no events after it resolves. */
  stop(): Promise<void>;
  /** The last known state; undefined while unknown (not started, or the service never said). */
  readonly locked?: boolean | undefined;
}

export class SessionLockError extends Error {
  override readonly name = 'SessionLockError';
  constructor(
    message: string,
    readonly source: string,
    /** When the source tries again (ms), or undefined when it does not. */
    readonly retryInMs?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
