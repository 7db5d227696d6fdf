// Environment: Node (main process, OS adapters). The D-Bus half of session lock sources: a connection that
// goes away is reported, reopened with backoff and resubscribed.
import { SessionLockError } from '../core/ports/session-lock.js';
import { type Timers, realTimers } from '../core/timers.js';
import { BaseLockSource } from './lock-source-base.js';
import {
  type DBusCalls,
  type DBusConnect,
  type DBusMessage,
  BusLink,
  SIGNAL,
  asError,
  connectDBus,
} from './dbus-client.js';

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
