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
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';

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

/** The timers a source uses, injectable so tests can drive backoff. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  setTimeout: (callback, ms) => {
    const handle = setTimeout(callback, ms);
    // A pending reconnect must not keep a process alive on its own.
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface Backoff {
  /** First delay before reconnecting (ms). Default 500. */
  readonly initialMs?: number;
  /** Largest delay (ms). Default 30 000: a bus that stays away costs two attempts a minute. */
  readonly maxMs?: number;
  /** Growth per failed attempt. Default 2. */
  readonly factor?: number;
}

export function backoffDelay(attempt: number, backoff: Backoff = {}): number {
  const initial = backoff.initialMs ?? 500;
  const max = backoff.maxMs ?? 30_000;
  const factor = backoff.factor ?? 2;
  return Math.min(max, Math.round(initial * factor ** Math.min(attempt, 64)));
}

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

// ---------------------------------------------------------------------------------------------------------------
// D-Bus: a connection that goes away is reported, reopened with backoff and resubscribed.

/** A D-Bus message as @homebridge/dbus-native presents it. */
export interface DBusMessage {
  readonly type: number;
  readonly serial?: number;
  readonly path?: string;
  readonly interface?: string;
  readonly member?: string;
  readonly sender?: string;
  readonly destination?: string;
  readonly signature?: string;
  readonly body?: readonly unknown[];
}

/** The part of a @homebridge/dbus-native client (MessageBus) used here. */
export interface DBusClient {
  /** The connection's unique name (":1.42"), once the bus has answered Hello. */
  readonly name?: string | undefined;
  readonly connection: EventEmitter & { end(): unknown; stream?: { destroy?(): unknown } };
  invoke(message: object, callback: (error: unknown, ...values: unknown[]) => void): void;
}

export type DBusConnect = (busAddress: string) => DBusClient;

const SIGNAL = 4;
const NO_AUTO_START = 2;

/** The real thing: @homebridge/dbus-native's createClient, loaded on first use. */
export const connectDBus: DBusConnect = (busAddress) => {
  const dbus = createRequire(import.meta.url)('@homebridge/dbus-native') as {
    createClient(options: { busAddress: string }): DBusClient;
  };
  return dbus.createClient({ busAddress });
};

export interface DBusSourceOptions {
  /** The bus to use ("unix:path=/run/dbus/system_bus_socket"); each source has its default. */
  readonly busAddress?: string | undefined;
  readonly timers?: Timers;
  readonly backoff?: Backoff;
  /** Longest wait for the handshake or a method reply (ms). Default 5000. */
  readonly callTimeoutMs?: number;
  /** Opens a client; tests may wrap it. Default connectDBus. */
  readonly connect?: DBusConnect;
}

export class DBusCallError extends Error {
  override readonly name = 'DBusCallError';
  constructor(
    message: string,
    /** The D-Bus error name, like org.freedesktop.DBus.Error.ServiceUnknown. */
    readonly dbusName: string | undefined,
  ) {
    super(message);
  }
}

/** What a subscription may do on a live connection. */
export interface DBusCalls {
  call(message: {
    destination: string;
    path: string;
    interface: string;
    member: string;
    signature?: string;
    body?: unknown[];
    /** Do not let the bus start the destination service to answer. */
    noAutoStart?: boolean;
  }): Promise<unknown[]>;
  addMatch(rule: string): Promise<void>;
}

/** One connection attempt: the client, its pending calls, and one close. */
class BusLink implements DBusCalls {
  readonly connected: Promise<void>;
  onClosed: (reason: Error) => void = () => {};
  onMessage: (message: DBusMessage) => void = () => {};
  /** The handshake completed. */
  isConnected = false;
  #closed = false;
  readonly #pending = new Set<(error: Error) => void>();

  constructor(
    readonly client: DBusClient,
    readonly address: string,
    private readonly timers: Timers,
    private readonly timeoutMs: number,
  ) {
    const connection = client.connection;
    // Attached first and kept: an 'error' emitted with no listener would throw out of a socket handler.
    connection.on('error', (error: unknown) => this.close(asError(error)));
    connection.on('end', () => this.close(new Error('the bus closed the connection')));
    connection.on('message', (message: DBusMessage) => {
      if (!this.#closed) this.onMessage(message);
    });
    this.connected = this.#wait<void>('the handshake', (resolve) =>
      connection.once('connect', () => {
        this.isConnected = true;
        resolve();
      }),
    );
    this.connected.catch(() => {});
  }

  call(request: Parameters<DBusCalls['call']>[0]): Promise<unknown[]> {
    const { noAutoStart, ...message } = request;
    return this.#wait(`${message.interface}.${message.member}`, (resolve, reject) =>
      this.client.invoke(
        { ...message, ...(noAutoStart ? { flags: NO_AUTO_START } : {}) },
        (error, ...values) => {
          if (error) reject(dbusError(error));
          else resolve(values);
        },
      ),
    );
  }

  async addMatch(rule: string): Promise<void> {
    await this.call({
      destination: 'org.freedesktop.DBus',
      path: '/org/freedesktop/DBus',
      interface: 'org.freedesktop.DBus',
      member: 'AddMatch',
      signature: 's',
      body: [rule],
    });
  }

  close(reason: Error = new Error('closed')): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const reject of [...this.#pending]) reject(reason);
    this.#pending.clear();
    try {
      this.client.connection.end();
      this.client.connection.stream?.destroy?.();
    } catch {
      // Already gone.
    }
    this.onClosed(reason);
  }

  #wait<T>(what: string, start: (resolve: (v: T) => void, reject: (e: Error) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.#closed) return reject(new Error('the connection is closed'));
      const fail = (error: Error) => {
        this.timers.clearTimeout(timer);
        this.#pending.delete(fail);
        reject(error);
      };
      const timer = this.timers.setTimeout(
        () => fail(new Error(`no answer to ${what} within ${this.timeoutMs} ms`)),
        this.timeoutMs,
      );
      this.#pending.add(fail);
      start((value) => {
        this.timers.clearTimeout(timer);
        this.#pending.delete(fail);
        resolve(value);
      }, fail);
    });
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function dbusError(error: unknown): Error {
  if (error instanceof Error) return error;
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  const dbusName = typeof name === 'string' ? name : undefined;
  const text = typeof message === 'string' && message ? message : 'failed';
  return new DBusCallError(`${dbusName ?? 'D-Bus error'}: ${text}`, dbusName);
}

/** The value inside a D-Bus variant as dbus-native returns it: [signature, [value]]. */
export function variantValue(variant: unknown): unknown {
  if (Array.isArray(variant) && variant.length === 2 && Array.isArray(variant[1])) return variant[1][0];
  return undefined;
}

/** Object paths and bus names go into match rules: only their own grammar is let through. */
export function isObjectPath(path: unknown): path is string {
  return (
    typeof path === 'string' && path.length <= 255 && /^\/(?:[A-Za-z0-9_]+(?:\/[A-Za-z0-9_]+)*)?$/.test(path)
  );
}

export function isBusName(name: unknown): name is string {
  return (
    typeof name === 'string' &&
    name.length <= 255 &&
    /^(?::[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)+|[A-Za-z_-][A-Za-z0-9_-]*(?:\.[A-Za-z_-][A-Za-z0-9_-]*)+)$/.test(
      name,
    )
  );
}

/**
 * A lock source fed by D-Bus signals. Subclasses say which bus, what to subscribe to (and read the current
 * state), and what a signal means. This class keeps the connection: when it fails or goes away it reports an
 * 'error', waits (backoff through the injected timers), reconnects to the same address and subscribes again.
 */
export abstract class DBusLockSource extends BaseLockSource {
  readonly #options: DBusSourceOptions;
  readonly #timers: Timers;
  #started = false;
  #link: BusLink | undefined;
  #timer: unknown;
  #attempt = 0;
  #subscriptions = 0;
  #live = false;

  constructor(options: DBusSourceOptions) {
    super();
    this.#options = options;
    this.#timers = options.timers ?? realTimers;
  }

  /** The address used when none was given, or undefined with a reason in the error. */
  protected abstract defaultBusAddress(): string | undefined;
  /** Adds matches and reads the state; `again` is true after a reconnect. Throws to retry later. */
  protected abstract subscribe(bus: DBusCalls, again: boolean): Promise<void>;
  protected abstract onSignal(message: DBusMessage, bus: DBusCalls): void;

  /** This source's unique name on the bus while connected (diagnostics). */
  get uniqueName(): string | undefined {
    return this.#live ? this.#link?.client.name : undefined;
  }

  /** Whether the source is subscribed right now. */
  get connected(): boolean {
    return this.#live;
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#connect();
  }

  async stop(): Promise<void> {
    this.#started = false;
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = undefined;
    const link = this.#link;
    this.#link = undefined;
    this.#live = false;
    link?.close();
  }

  async #connect(): Promise<void> {
    if (!this.#started) return;
    const address = this.#options.busAddress ?? this.defaultBusAddress();
    let link: BusLink;
    try {
      if (!address) throw new Error('no bus address is known');
      const client = (this.#options.connect ?? connectDBus)(address);
      link = new BusLink(client, address, this.#timers, this.#options.callTimeoutMs ?? 5000);
    } catch (error) {
      this.#retry(`cannot open the D-Bus at ${address ?? '(none)'}`, error);
      return;
    }
    this.#link = link;
    link.onClosed = (reason) =>
      this.#fail(
        link,
        link.isConnected
          ? `lost the D-Bus connection to ${address}`
          : `could not connect to the D-Bus at ${address}`,
        reason,
      );
    link.onMessage = (message) => {
      if (message.type !== SIGNAL || this.#link !== link) return;
      try {
        this.onSignal(message, link);
      } catch (error) {
        this.report(
          new SessionLockError(`${this.name}: a signal could not be handled`, this.name, undefined, {
            cause: error,
          }),
        );
      }
    };
    try {
      await link.connected;
      await this.subscribe(link, this.#subscriptions > 0);
    } catch (error) {
      this.#fail(link, `could not subscribe on the D-Bus at ${address}`, error);
      return;
    }
    if (this.#link !== link) return;
    this.#attempt = 0;
    this.#subscriptions += 1;
    this.#live = true;
    this.emitSafely('ready');
  }

  #fail(link: BusLink, what: string, error: unknown): void {
    if (this.#link !== link) return; // stale, stopped, or already handled
    this.#link = undefined;
    this.#live = false;
    link.close();
    this.#retry(what, error);
  }

  #retry(what: string, error: unknown): void {
    if (!this.#started) return;
    const delay = backoffDelay(this.#attempt++, this.#options.backoff);
    const reason = asError(error).message;
    this.report(
      new SessionLockError(`${this.name}: ${what}: ${reason}; retrying in ${delay} ms`, this.name, delay, {
        cause: error,
      }),
    );
    if (this.#timer !== undefined) this.#timers.clearTimeout(this.#timer);
    this.#timer = this.#timers.setTimeout(() => {
      this.#timer = undefined;
      void this.#connect();
    }, delay);
  }
}
