// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { LinkError, ProtocolError } from './errors.js';
import {
  FrameDecoder,
  MAX_AUTHENTICATED_MESSAGE,
  MAX_UNAUTHENTICATED_MESSAGE,
  encodeFrame,
} from './frame.js';
import {
  DecodeError,
  decodeMessage,
  encodeMessage,
  isResponse,
  type Message,
  type Request,
  type RequestBody,
  type Response,
} from './messages.js';

export const REQUEST_TIMEOUT_MS = 5_000;

export interface MessageLinkEvents {
  close: [LinkError | undefined];
}

export type RequestHandler = (request: Request) => void;

/** Requests that arrive before anyone handles them wait here; a peer that floods it is cut off. */
const MAX_WAITING_REQUESTS = 64;

/**
 * Messages over a byte stream (in practice a TLS socket): framing, caps, ids, one response per request,
 * timeouts. Both the companion and the phone use it; who may send what is their business.
 */
export class MessageLink extends EventEmitter<MessageLinkEvents> {
  private readonly decoder = new FrameDecoder(MAX_UNAUTHENTICATED_MESSAGE);
  private readonly pending = new Map<
    number,
    { resolve: (r: Response) => void; reject: (e: Error) => void }
  >();
  private nextId = 1;
  private closed: LinkError | undefined | null = null;
  private handler: RequestHandler | undefined;
  private readonly waiting: Request[] = [];

  constructor(
    private readonly stream: Duplex,
    private readonly requestTimeoutMs = REQUEST_TIMEOUT_MS,
  ) {
    super();
    stream.on('data', (chunk: Buffer) => this.receive(chunk));
    stream.on('error', (cause: Error) =>
      this.shutdown(new LinkError('closed', `the connection failed: ${cause.message}`, { cause })),
    );
    stream.on('close', () =>
      this.shutdown(
        this.decoder.pending > 0
          ? new LinkError('protocol', 'the connection closed in the middle of a message')
          : new LinkError('closed', 'the peer closed the connection'),
      ),
    );
  }

  /** Routes incoming requests to `handler`, starting with any that arrived before it was set. */
  handle(handler: RequestHandler | undefined): void {
    this.handler = handler;
    while (handler && this.handler === handler && this.waiting.length > 0 && this.closed === null) {
      handler(this.waiting.shift()!);
    }
  }

  /** After pairing or a pin check: messages up to 64 KiB. */
  authenticate(): void {
    this.decoder.raiseLimit(MAX_AUTHENTICATED_MESSAGE);
  }

  get isOpen(): boolean {
    return this.closed === null;
  }

  /** Sends a request and resolves with its ack (or typed response); an `error` response rejects with ProtocolError. */
  request(body: RequestBody, timeoutMs = this.requestTimeoutMs): Promise<Response> {
    if (this.closed !== null)
      return Promise.reject(this.closed ?? new LinkError('closed', 'the link is closed'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(
          new LinkError('timeout', `the peer did not answer "${body.type}" within ${timeoutMs / 1000} s`),
        );
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (r) => {
          clearTimeout(timer);
          if (r.type === 'error') reject(new ProtocolError(r.code, r.message));
          else resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.write({ ...body, id } as Message);
    });
  }

  ack(re: number): void {
    this.write({ type: 'ack', re });
  }

  fail(re: number, error: ProtocolError): void {
    this.write({ type: 'error', re, code: error.code, message: error.message.slice(0, 256) });
  }

  respond(response: Response): void {
    this.write(response);
  }

  /** Tells the peer why (re 0: not an answer to any message) and closes. */
  abort(error: ProtocolError): void {
    if (this.closed !== null) return;
    this.fail(0, error);
    this.shutdown(new LinkError('protocol', error.message));
  }

  close(): void {
    this.shutdown(undefined);
  }

  private write(message: Message): void {
    if (this.closed !== null) return;
    this.stream.write(encodeFrame(encodeMessage(message)));
  }

  private receive(chunk: Buffer): void {
    if (this.closed !== null) return;
    let bodies: Buffer[];
    try {
      bodies = this.decoder.push(chunk);
    } catch (error) {
      return this.abort(error as ProtocolError);
    }
    for (const body of bodies) {
      if (this.closed !== null) return;
      let message: Message;
      try {
        message = decodeMessage(body);
      } catch (error) {
        const e = error as DecodeError;
        // A readable envelope gets its answer and the link goes on; unreadable bytes end the link, and so does an
        // invalid hello: nothing can follow it (e.g. a phone naming itself with terminal escapes).
        if (e.replyTo !== undefined && e.type !== 'hello') this.fail(e.replyTo, e);
        else this.abort(e);
        continue;
      }
      if (isResponse(message)) this.settle(message);
      else if (this.handler) this.handler(message);
      else if (this.waiting.push(message) > MAX_WAITING_REQUESTS) {
        this.abort(new ProtocolError('bad-message', 'too many requests without waiting for answers'));
      }
    }
    try {
      this.decoder.check();
    } catch (error) {
      this.abort(error as ProtocolError);
    }
  }

  private settle(response: Response): void {
    if (response.re === 0 && response.type === 'error') {
      return this.shutdown(new LinkError('protocol', `the peer closed the link: ${response.message}`));
    }
    const waiter = this.pending.get(response.re);
    if (!waiter) return this.abort(new ProtocolError('bad-message', `no request ${response.re} is waiting`));
    this.pending.delete(response.re);
    waiter.resolve(response);
  }

  private shutdown(reason: LinkError | undefined): void {
    if (this.closed !== null) return;
    this.closed = reason;
    for (const waiter of this.pending.values())
      waiter.reject(reason ?? new LinkError('closed', 'the link was closed'));
    this.pending.clear();
    this.stream.end();
    // Give a pending error frame a moment to leave before the socket goes.
    setTimeout(() => this.stream.destroy(), 100).unref();
    this.emit('close', reason);
  }
}
