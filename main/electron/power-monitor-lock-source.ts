// Environment: Electron main. Windows and macOS lock sync: powerMonitor's 'lock-screen' and 'unlock-screen'
// (Windows: WTS session notifications; macOS: the screen-lock distributed notifications).
import { powerMonitor } from 'electron';
import { BaseLockSource } from '../host/lock-source-base.js';

type Monitor = Pick<Electron.PowerMonitor, 'on' | 'removeListener' | 'getSystemIdleState'>;

/**
 * Must be started after the app's 'ready' (powerMonitor cannot be used before). The state at start comes from
 * getSystemIdleState, which says 'locked' where the platform can tell; elsewhere it stays unknown until the
 * first event.
 */
export class PowerMonitorLockSource extends BaseLockSource {
  readonly name = 'electron-power-monitor';
  #monitor: Monitor | undefined;
  readonly #onLock = () => this.setLocked(true, 'lock-screen');
  readonly #onUnlock = () => this.setLocked(false, 'unlock-screen');

  constructor(private readonly getMonitor: () => Monitor = () => powerMonitor) {
    super();
  }

  async start(): Promise<void> {
    if (this.#monitor) return;
    const monitor = this.getMonitor();
    this.#monitor = monitor;
    monitor.on('lock-screen', this.#onLock);
    monitor.on('unlock-screen', this.#onUnlock);
    try {
      const state = monitor.getSystemIdleState(60);
      this.setRead(state === 'locked' ? true : state === 'unknown' ? undefined : false, 'getSystemIdleState');
    } catch {
      // No idle state on this platform: unknown until the first event.
    }
    this.emitSafely('ready');
  }

  async stop(): Promise<void> {
    const monitor = this.#monitor;
    this.#monitor = undefined;
    monitor?.removeListener('lock-screen', this.#onLock);
    monitor?.removeListener('unlock-screen', this.#onUnlock);
  }
}
