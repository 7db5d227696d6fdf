// Environment: Node (vitest). The PC's session lock, driven by a test (in the app: powerMonitor, logind or the
// ScreenSaver).
import { EventEmitter } from 'node:events';
import type { SessionLockEvents, SessionLockSource } from '../../main/core/ports/session-lock.js';

export class TestLockSource extends EventEmitter<SessionLockEvents> implements SessionLockSource {
  readonly name = 'test';
  locked: boolean | undefined = false;
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
  set(locked: boolean): void {
    this.locked = locked;
    this.emit(locked ? 'lock' : 'unlock', { source: this.name, via: 'test' });
  }
}
