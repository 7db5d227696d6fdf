// Environment: Node (main process, OS adapters).
/**
 * systemd-logind (and elogind, which owns the same name): the session's Lock and Unlock signals on
 * org.freedesktop.login1.Session, and its LockedHint property (set by the screen locker) through
 * org.freedesktop.DBus.Properties.PropertiesChanged. On the SYSTEM bus by default.
 *
 * Any local user may emit signals on the system bus, and anyone may send a signal straight to this connection,
 * so a signal counts only when its sender is the current owner of org.freedesktop.login1 (tracked through
 * NameOwnerChanged), and only for this session's object path. A forged Unlock is ignored.
 */
import { type DBusCalls, type DBusMessage, isBusName, isObjectPath, variantValue } from './dbus-client.js';
import { type DBusSourceOptions, DBusLockSource } from './dbus-lock-source.js';

const LOGIN1 = 'org.freedesktop.login1';
const SESSION = 'org.freedesktop.login1.Session';
const PROPERTIES = 'org.freedesktop.DBus.Properties';
const BUS = 'org.freedesktop.DBus';

export interface LogindLockSourceOptions extends DBusSourceOptions {
  /** The session's object path; by default asked of logind (GetSession with sessionId). */
  readonly sessionPath?: string;
  /** The session to watch; default XDG_SESSION_ID, else "auto" (the caller's session or the user's display). */
  readonly sessionId?: string;
  /** The bus name whose owner's signals are believed. Default org.freedesktop.login1. */
  readonly service?: string;
  readonly env?: NodeJS.ProcessEnv;
}

export class LogindLockSource extends DBusLockSource {
  readonly name = 'logind';
  readonly #options: LogindLockSourceOptions;
  readonly #service: string;
  #path: string | undefined;
  #owner: string | undefined;

  constructor(options: LogindLockSourceOptions = {}) {
    super(options);
    this.#options = options;
    this.#service = options.service ?? LOGIN1;
    if (!isBusName(this.#service) || this.#service.startsWith(':'))
      throw new RangeError(`"${this.#service.slice(0, 80)}" is not a well-known D-Bus name`);
    if (options.sessionPath !== undefined && !isObjectPath(options.sessionPath))
      throw new RangeError(`"${String(options.sessionPath).slice(0, 80)}" is not a D-Bus object path`);
  }

  /** The session object path being watched (known once subscribed). */
  get sessionPath(): string | undefined {
    return this.#path;
  }

  protected defaultBusAddress(): string {
    const env = this.#options.env ?? process.env;
    return env.DBUS_SYSTEM_BUS_ADDRESS || 'unix:path=/var/run/dbus/system_bus_socket';
  }

  protected async subscribe(bus: DBusCalls, again: boolean): Promise<void> {
    await bus.addMatch(
      `type='signal',sender='${BUS}',interface='${BUS}',member='NameOwnerChanged',arg0='${this.#service}'`,
    );
    this.#owner = await this.#nameOwner(bus);
    const path = this.#options.sessionPath ?? (await this.#sessionPath(bus));
    this.#path = path;
    await bus.addMatch(`type='signal',sender='${this.#service}',interface='${SESSION}',path='${path}'`);
    await bus.addMatch(
      `type='signal',sender='${this.#service}',interface='${PROPERTIES}',member='PropertiesChanged',path='${path}',arg0='${SESSION}'`,
    );
    this.setRead(await this.#lockedHint(bus), again ? 'LockedHint read after reconnecting' : 'LockedHint');
  }

  protected onSignal(message: DBusMessage, bus: DBusCalls): void {
    const body = message.body ?? [];
    if (message.interface === BUS && message.member === 'NameOwnerChanged') {
      if (message.sender !== BUS || body[0] !== this.#service) return;
      const owner = body[2];
      this.#owner = typeof owner === 'string' && owner !== '' ? owner : undefined;
      // logind restarted: the sessions survive it; read the state again.
      if (this.#owner) void this.#resync(bus, 'LockedHint read after logind restarted');
      return;
    }
    if (this.#owner === undefined || message.sender !== this.#owner || message.path !== this.#path) return;
    if (message.interface === SESSION && message.member === 'Lock') this.setLocked(true, 'Lock signal');
    else if (message.interface === SESSION && message.member === 'Unlock')
      this.setLocked(false, 'Unlock signal');
    else if (
      message.interface === PROPERTIES &&
      message.member === 'PropertiesChanged' &&
      body[0] === SESSION
    ) {
      const changed = Array.isArray(body[1]) ? (body[1] as unknown[]) : [];
      for (const entry of changed) {
        if (!Array.isArray(entry) || entry[0] !== 'LockedHint') continue;
        const value = variantValue(entry[1]);
        if (typeof value === 'boolean') this.setLocked(value, 'LockedHint');
      }
      const invalidated = Array.isArray(body[2]) ? (body[2] as unknown[]) : [];
      if (invalidated.includes('LockedHint')) void this.#resync(bus, 'LockedHint (invalidated, read again)');
    }
  }

  async #resync(bus: DBusCalls, via: string): Promise<void> {
    const hint = await this.#lockedHint(bus);
    if (hint !== undefined) this.setLocked(hint, via);
  }

  async #nameOwner(bus: DBusCalls): Promise<string | undefined> {
    try {
      const [owner] = await bus.call({
        destination: BUS,
        path: '/org/freedesktop/DBus',
        interface: BUS,
        member: 'GetNameOwner',
        signature: 's',
        body: [this.#service],
      });
      return typeof owner === 'string' && owner.startsWith(':') ? owner : undefined;
    } catch {
      return undefined; // NameHasNoOwner: not running (yet); NameOwnerChanged says when it is.
    }
  }

  async #sessionPath(bus: DBusCalls): Promise<string> {
    const env = this.#options.env ?? process.env;
    const id = this.#options.sessionId ?? (env.XDG_SESSION_ID || 'auto');
    const manager = {
      destination: this.#service,
      path: '/org/freedesktop/login1',
      interface: 'org.freedesktop.login1.Manager',
    };
    let path: unknown;
    try {
      [path] = await bus.call({ ...manager, member: 'GetSession', signature: 's', body: [id] });
    } catch (error) {
      if (this.#options.sessionId !== undefined || id !== 'auto') throw error;
      // Older logind without "auto": the session this process belongs to.
      [path] = await bus.call({ ...manager, member: 'GetSessionByPID', signature: 'u', body: [process.pid] });
    }
    if (!isObjectPath(path)) throw new Error(`logind answered with a bad session path`);
    return path;
  }

  async #lockedHint(bus: DBusCalls): Promise<boolean | undefined> {
    if (!this.#path) return undefined;
    try {
      const [variant] = await bus.call({
        destination: this.#service,
        path: this.#path,
        interface: PROPERTIES,
        member: 'Get',
        signature: 'ss',
        body: [SESSION, 'LockedHint'],
      });
      const value = variantValue(variant);
      return typeof value === 'boolean' ? value : undefined;
    } catch {
      return undefined; // logind older than 230 has no LockedHint: the signals still count.
    }
  }
}
