// Environment: Node (main process, OS adapters). One D-Bus connection as the lock sources use it, over
// @homebridge/dbus-native: calls with a deadline, and one close that fails everything pending.
import type { EventEmitter } from 'node:events';
import dbusNative from '@homebridge/dbus-native';
import type { Timers } from '../core/timers.js';

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

export const SIGNAL = 4;
const NO_AUTO_START = 2;

/**
 * The real thing: @homebridge/dbus-native's createClient (this module is loaded with the lock sources that use
 * it). The btoe bundle defers the xml2js it loads for introspection, which the companion never asks for
 * (scripts/bundle-cli.ts).
 */
export const connectDBus: DBusConnect = (busAddress) =>
  (dbusNative as unknown as { createClient(options: { busAddress: string }): DBusClient }).createClient({
    busAddress,
  });

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
export class BusLink implements DBusCalls {
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

export function asError(error: unknown): Error {
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
