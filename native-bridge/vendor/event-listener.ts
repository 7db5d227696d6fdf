// Environment: Node (talks to phones). The small HTTP server that vendor phones send their events to (Poly
// telephony notifications, Yealink Action URLs): bound to this PC's address on the interface that faces the
// phone, answering only that phone's address, bodies bounded, each request handed to that phone's client to parse.
import { createSocket } from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { EventEmitter } from 'node:events';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { isIP } from 'node:net';
import { type VendorEvent, VendorEventError, type VendorPhoneClient } from './vendor-phone.js';

/** The port admins provision on the phones (docs/vendor-phones.md); 24801 is the open protocol's. */
export const DEFAULT_EVENT_PORT = 24802;
/** Each phone has its own path: /btoe/phones/<device id>[/...]. */
export const EVENT_PATH_PREFIX = '/btoe/phones/';
/** A phone's event is a few hundred bytes of XML or a query string; anything bigger is not one. */
export const MAX_EVENT_BODY = 16 * 1024;

export interface ListenedPhone {
  /** The phone's device id (its path). */
  readonly id: string;
  /** Host of the phone's API URL: an IP address or a name (resolved once, when the phone is added). */
  readonly host: string;
  readonly client: VendorPhoneClient;
  /** The events one accepted request carried. */
  deliver(events: VendorEvent[]): void;
}

export interface EventListenerLog {
  /** A request refused (foreign address, unknown phone, malformed, too big): the core logs it rate-limited. */
  (event: 'phone-event-refused', fields: { from: string; status: number; reason: string }): void;
}

/**
 * This PC's address on the interface that faces `phoneAddress`: a UDP socket's connect() asks the kernel for the
 * route and sends nothing.
 */
export async function facingAddress(phoneAddress: string): Promise<string> {
  const family = isIP(phoneAddress);
  if (family === 0) throw new Error(`${phoneAddress} is not an IP address`);
  const socket = createSocket(family === 6 ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.connect(9, phoneAddress, () => resolve());
    });
    return socket.address().address;
  } finally {
    socket.close();
  }
}

/** The phone's IP address, from its API URL's host (a name is resolved, as the client's requests would be). */
export async function phoneAddressOf(host: string): Promise<string> {
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare)) return bare;
  return (await lookup(bare)).address;
}

/** The URL a phone is provisioned to send its events to. */
export function eventUrl(localAddress: string, port: number, id: string): string {
  const host = isIP(localAddress) === 6 ? `[${localAddress}]` : localAddress;
  return `http://${host}:${port}${EVENT_PATH_PREFIX}${id}`;
}

interface Bound {
  server: Server;
  port: number;
}

interface Registered extends ListenedPhone {
  address: string;
}

/** Strips the IPv4-mapped prefix a dual-stack socket puts on IPv4 peers. */
function plain(address: string | undefined): string {
  return (address ?? '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

/**
 * One server per local address that faces a phone, shared by the phones behind it. A request is served only
 * if it comes from the address of the phone whose path it names; everything else is answered with an HTTP
 * error and logged, never thrown.
 */
export class PhoneEventListener extends EventEmitter<{
  refused: [{ from: string; status: number; reason: string }];
}> {
  private readonly servers = new Map<string, Promise<Bound>>();
  private readonly phones = new Map<string, Registered>();

  constructor(private readonly options: { port?: number; bodyLimit?: number } = {}) {
    super();
  }

  /** Listens for `phone`'s events; resolves the URL to provision on it. Rejects when no server can be bound. */
  async add(phone: ListenedPhone): Promise<string> {
    const { address, url } = await this.place(phone.host, phone.id);
    this.phones.set(phone.id, { ...phone, address });
    return url;
  }

  /** The URL the phone with this id at `host` is to send its events to (the server bound, the phone not yet). */
  async urlFor(host: string, id: string): Promise<string> {
    return (await this.place(host, id)).url;
  }

  private async place(host: string, id: string): Promise<{ address: string; url: string }> {
    const address = plain(await phoneAddressOf(host));
    const local = await facingAddress(address);
    const bound = await this.serverOn(local);
    return { address, url: eventUrl(local, bound.port, id) };
  }

  remove(id: string): void {
    this.phones.delete(id);
  }

  async close(): Promise<void> {
    const servers = [...this.servers.values()];
    this.servers.clear();
    this.phones.clear();
    await Promise.all(
      servers.map(async (pending) => {
        const bound = await pending.catch(() => undefined);
        if (!bound) return;
        bound.server.closeAllConnections();
        await new Promise<void>((resolve) => bound.server.close(() => resolve()));
      }),
    );
  }

  private serverOn(local: string): Promise<Bound> {
    let pending = this.servers.get(local);
    if (!pending) {
      pending = this.listen(local);
      this.servers.set(local, pending);
      // A failed bind is tried again for the next phone (the address may come up later).
      pending.catch(() => this.servers.delete(local));
    }
    return pending;
  }

  private listen(local: string): Promise<Bound> {
    const server = createServer({ requestTimeout: 10_000, headersTimeout: 5_000 }, (request, response) =>
      this.serve(request, response),
    );
    server.on('clientError', (_error, socket) => socket.destroy());
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: local, port: this.options.port ?? DEFAULT_EVENT_PORT }, () => {
        server.off('error', reject);
        const address = server.address();
        resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
      });
    });
  }

  private serve(request: IncomingMessage, response: ServerResponse): void {
    const from = plain(request.socket.remoteAddress);
    const answer = (status: number, reason?: string) => {
      if (reason !== undefined) this.emit('refused', { from, status, reason });
      response.writeHead(status, { 'content-type': 'text/plain', connection: 'close' });
      response.end(status === 200 ? 'OK' : reason);
    };
    const url = new URL(request.url ?? '/', 'http://phone');
    const id = url.pathname.startsWith(EVENT_PATH_PREFIX)
      ? url.pathname.slice(EVENT_PATH_PREFIX.length).split('/')[0]
      : undefined;
    const phone = id === undefined ? undefined : this.phones.get(id);
    // The same answer for an unknown phone and a foreign address: nothing tells a stranger which ids exist.
    if (!phone || phone.address !== from) {
      request.resume();
      return answer(403, phone ? `not the address of phone ${phone.id}` : 'no phone listens at this path');
    }
    const limit = this.options.bodyLimit ?? MAX_EVENT_BODY;
    if (Number(request.headers['content-length'] ?? 0) > limit) {
      request.resume();
      return answer(413, `a body of more than ${limit} bytes`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        answer(413, `a body of more than ${limit} bytes`);
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('error', () => undefined);
    request.on('end', () => {
      if (size > limit) return;
      let events: VendorEvent[];
      try {
        events = phone.client.parseNotification({
          method: request.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          body: Buffer.concat(chunks),
        });
      } catch (error) {
        const why =
          error instanceof VendorEventError ? error.message : `unreadable: ${(error as Error).message}`;
        return answer(400, why.slice(0, 200));
      }
      answer(200);
      try {
        phone.deliver(events);
      } catch {
        // The core's handling of an event is its own affair: the phone was answered, the listener stays up.
      }
    });
  }
}
