// Environment: Node (main process, OS adapters).
/**
 * The desktop's screen saver / locker: ActiveChanged(boolean) on org.freedesktop.ScreenSaver (KDE, Xfce, and
 * others) and org.gnome.ScreenSaver (GNOME Shell), on the SESSION bus. What KeePassXC listens to.
 *
 * Signals are taken from any path (KDE emits on /ScreenSaver and /org/freedesktop/ScreenSaver) and any sender:
 * the session bus belongs to the user, and whatever can talk on it could equally drive the companion itself.
 */
import type { DBusCalls, DBusMessage } from './dbus-client.js';
import { type DBusSourceOptions, DBusLockSource } from './dbus-lock-source.js';

interface ScreenSaverService {
  readonly name: string;
  readonly path: string;
  readonly interface: string;
}

export const SCREENSAVER_SERVICES: readonly ScreenSaverService[] = [
  {
    name: 'org.freedesktop.ScreenSaver',
    path: '/org/freedesktop/ScreenSaver',
    interface: 'org.freedesktop.ScreenSaver',
  },
  { name: 'org.gnome.ScreenSaver', path: '/org/gnome/ScreenSaver', interface: 'org.gnome.ScreenSaver' },
];

export interface ScreenSaverLockSourceOptions extends DBusSourceOptions {
  readonly env?: NodeJS.ProcessEnv;
}

export class ScreenSaverLockSource extends DBusLockSource {
  readonly name = 'screensaver';
  readonly #env: NodeJS.ProcessEnv;

  constructor(options: ScreenSaverLockSourceOptions = {}) {
    super(options);
    this.#env = options.env ?? process.env;
  }

  protected defaultBusAddress(): string | undefined {
    if (this.#env.DBUS_SESSION_BUS_ADDRESS) return this.#env.DBUS_SESSION_BUS_ADDRESS;
    // systemd's per-user bus, where the variable was not passed on (a service started outside the session).
    return this.#env.XDG_RUNTIME_DIR ? `unix:path=${this.#env.XDG_RUNTIME_DIR}/bus` : undefined;
  }

  protected async subscribe(bus: DBusCalls, again: boolean): Promise<void> {
    for (const service of SCREENSAVER_SERVICES)
      await bus.addMatch(`type='signal',interface='${service.interface}',member='ActiveChanged'`);
    // The current state: locked if either says active; unknown if neither runs.
    const answers = await Promise.all(SCREENSAVER_SERVICES.map((service) => this.#active(bus, service)));
    const known = answers.filter((a): a is boolean => a !== undefined);
    const via = again ? 'GetActive after reconnecting' : 'GetActive';
    this.setRead(known.length === 0 ? undefined : known.includes(true), via);
  }

  protected onSignal(message: DBusMessage): void {
    if (message.member !== 'ActiveChanged' || message.signature !== 'b') return;
    const service = SCREENSAVER_SERVICES.find((s) => s.interface === message.interface);
    const active = message.body?.[0];
    if (service && typeof active === 'boolean')
      this.setLocked(active, `ActiveChanged (${service.interface})`);
  }

  async #active(bus: DBusCalls, service: ScreenSaverService): Promise<boolean | undefined> {
    try {
      const [active] = await bus.call({
        destination: service.name,
        path: service.path,
        interface: service.interface,
        member: 'GetActive',
        noAutoStart: true,
      });
      return typeof active === 'boolean' ? active : undefined;
    } catch {
      return undefined; // not running: ServiceUnknown
    }
  }
}
