// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { EventEmitter } from 'node:events';
import { Duplex } from 'node:stream';
import { LinkError } from './errors.js';

/**
 * The link state machine below TLS that every chunked carrier shares (docs/protocol.md, "Serial framing" and
 * "HID report tunnel"): OPEN until ACCEPT, DATA numbered per direction, CLOSE, and a phone that keeps one link
 * at a time. Each carrier keeps only how chunks are encoded, written and what it does about trouble.
 */

/** The chunk types, the same byte on every carrier. */
export const LINK_CHUNK_TYPES = { open: 0x01, accept: 0x02, data: 0x03, close: 0x04 } as const;
export type LinkChunkKind = keyof typeof LINK_CHUNK_TYPES;
const KIND_OF = new Map<number, LinkChunkKind>(
  Object.entries(LINK_CHUNK_TYPES).map(([kind, type]) => [type, kind as LinkChunkKind]),
);

/** The kind of a chunk type byte, or undefined when it is none. */
export function linkChunkKind(type: number): LinkChunkKind | undefined {
  return KIND_OF.get(type);
}

export interface LinkChunk {
  readonly kind: LinkChunkKind;
  readonly link: number;
  /** DATA: u16 per direction and link, from 0; 0 in the other kinds. */
  readonly seq: number;
  readonly payload: Uint8Array;
}

/** How closing waits for the CLOSE chunk to be written before it closes the carrier anyway. */
export const CLOSE_FLUSH_MS = 500;
/** How often the companion repeats OPEN until the phone ACCEPTs. */
export const OPEN_RETRY_MS = 200;

/** The counters the link logic itself keeps; a carrier's stats hold more. */
export interface LinkStats {
  stale: number;
  gaps: number;
}

/** The line below the links: a carrier's transport with chunks in and out. */
export interface LinkCarrier {
  /** How errors name the carrier. */
  readonly name: string;
  readonly stats: LinkStats;
  readonly isOpen: boolean;
  close(): void;
  once(event: 'close', listener: (error: LinkError) => void): unknown;
}

/**
 * One link (one TLS connection) over a carrier: received DATA is checked for sequence and pushed, writes are
 * cut into DATA chunks by the carrier's `sendData`. The stream that owns its line closes it when it ends.
 */
export abstract class ChunkLinkStream<C extends LinkChunk, L extends LinkCarrier> extends Duplex {
  protected peerClosed = false;
  /** Whether any DATA arrived on this link. */
  protected dataReceived = false;
  private sendSeq = 0;
  private receiveSeq = 0;
  private sentClose = false;

  constructor(
    protected readonly line: L,
    readonly linkId: number,
    private readonly ownsLine: boolean,
  ) {
    super({ allowHalfOpen: false });
  }

  /** The line's counters (shared by every link on it). */
  get stats(): Readonly<L['stats']> {
    return this.line.stats as Readonly<L['stats']>;
  }

  /** Writes `data` as DATA chunks (numbered with nextSeq), then calls back; with an error if that failed. */
  protected abstract sendData(data: Buffer, callback: (error?: Error | null) => void): void;
  /** Writes this link's CLOSE chunk; `written` runs once it is written or failed. */
  protected abstract sendCloseChunk(written: () => void): void;
  /** The peer's CLOSE arrived (peerClosed is set): end the readable side, or fail. */
  protected abstract peerEnded(chunk: C): void;
  /** DATA `arrived` where `expected` was due (already counted in gaps): the link cannot go on. */
  protected abstract lostData(expected: number, arrived: number): void;
  /** After DATA was pushed: a carrier that cannot hold the peer back bounds what waits unread here. */
  protected afterPush(): void {}

  protected nextSeq(): number {
    const seq = this.sendSeq;
    this.sendSeq = (this.sendSeq + 1) & 0xffff;
    return seq;
  }

  /** A DATA or CLOSE chunk of this link, from whoever reads the line. */
  deliver(chunk: C): void {
    if (this.destroyed || this.peerClosed) {
      this.line.stats.stale++;
      return;
    }
    if (chunk.kind === 'close') {
      this.peerClosed = true;
      this.peerEnded(chunk);
      return;
    }
    if (chunk.kind !== 'data') {
      this.line.stats.stale++;
      return;
    }
    if (chunk.seq !== this.receiveSeq) {
      this.line.stats.gaps++;
      this.lostData(this.receiveSeq, chunk.seq);
      return;
    }
    this.dataReceived = true;
    this.receiveSeq = (this.receiveSeq + 1) & 0xffff;
    this.push(chunk.payload);
    this.afterPush();
  }

  /** The line went away under this link (or we closed it after our CLOSE: then it is no error). */
  lineClosed(error: LinkError): void {
    if (this.destroyed) return;
    if (this.writableEnded) this.destroy();
    else this.destroy(error);
  }

  override _read(): void {
    // Chunks are pushed as they arrive: the carriers have no way to hold the peer back.
  }

  override _write(data: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.peerClosed)
      return callback(new LinkError('closed', `the peer closed the link on ${this.line.name}`));
    this.sendData(data, callback);
  }

  /** Our end: CLOSE ends the link both ways, so nothing more is read either. */
  override _final(callback: (error?: Error | null) => void): void {
    this.sendClose(() => {
      if (!this.peerClosed) {
        this.peerClosed = true;
        this.push(null);
      }
      if (this.ownsLine) this.line.close();
      callback();
    });
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.sendClose(() => {
      if (this.ownsLine) this.line.close();
    });
    callback(error);
  }

  /** Sends CLOSE once (unless the peer closed first), then `then` once it is written or after 500 ms. */
  private sendClose(then: () => void): void {
    if (this.sentClose || this.peerClosed || !this.line.isOpen) return then();
    this.sentClose = true;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      then();
    };
    const timer = setTimeout(finish, CLOSE_FLUSH_MS);
    timer.unref();
    this.sendCloseChunk(finish);
  }
}

/** The companion's attempt to open a link, as the carrier's chunk handler sees it. */
export interface LinkHandshake {
  readonly accepted: boolean;
  /** The phone ACCEPTed: connect resolves. */
  accept(): void;
  /** The attempt failed: the stream is destroyed (closing the line) and connect rejects. */
  refuse(error: LinkError): void;
}

export interface OpenLinkOptions {
  timeoutMs: number;
  /** What to check when no phone answers, e.g. "plugged in with USB tethering on". */
  hint: string;
  /** Writes one OPEN (repeated every OPEN_RETRY_MS until the attempt settles). */
  sendOpen: () => void;
  /** Wires the line's chunks to the handshake (before ACCEPT) and to the stream (after). */
  listen: (handshake: LinkHandshake) => void;
}

/** Companion side: OPEN until ACCEPT, the timeout, and the line going away before or after ACCEPT. */
export function openLink<S extends ChunkLinkStream<LinkChunk, LinkCarrier>>(
  line: LinkCarrier,
  stream: S,
  options: OpenLinkOptions,
): Promise<S> {
  return new Promise((resolve, reject) => {
    let accepted = false;
    let settled = false;
    const retry = setInterval(options.sendOpen, OPEN_RETRY_MS);
    const settle = (error?: LinkError) => {
      if (settled) return;
      settled = true;
      clearInterval(retry);
      clearTimeout(timer);
      if (!error) return resolve(stream);
      stream.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () =>
        settle(
          new LinkError(
            'unreachable',
            `no phone answered on ${line.name} within ${options.timeoutMs / 1000} s: check that the phone is ` +
              options.hint,
          ),
        ),
      options.timeoutMs,
    );
    options.listen({
      get accepted() {
        return accepted;
      },
      accept: () => {
        accepted = true;
        settle();
      },
      refuse: (error) => settle(error),
    });
    line.once('close', (error) => {
      if (!accepted) settle(new LinkError('unreachable', error.message, { cause: error }));
      else stream.lineClosed(error);
    });
    options.sendOpen();
  });
}

export interface LinkListenerEvents<S> {
  link: [S];
  close: [LinkError];
}

/**
 * Phone side: accepts links on a line, one at a time. The carrier decides which OPEN makes a new link (and how
 * the one it replaces ends); this keeps the current link and ends it with the line.
 */
export abstract class ChunkLinkListener<
  S extends ChunkLinkStream<LinkChunk, L>,
  L extends LinkCarrier,
> extends EventEmitter<LinkListenerEvents<S>> {
  protected current: S | undefined;

  constructor(readonly line: L) {
    super();
    line.once('close', (error) => {
      this.current?.lineClosed(error);
      this.current = undefined;
      (this as EventEmitter<LinkListenerEvents<S>>).emit('close', error);
    });
  }

  get stats(): Readonly<L['stats']> {
    return this.line.stats as Readonly<L['stats']>;
  }

  /** Sends ACCEPT for `link`. */
  protected abstract accept(link: number): void;

  /** Makes `link` the current link, ACCEPTs it and announces it. */
  protected adopt(link: S): void {
    this.current = link;
    link.once('close', () => {
      if (this.current === link) this.current = undefined;
    });
    this.accept(link.linkId);
    (this as EventEmitter<LinkListenerEvents<S>>).emit('link', link);
  }
}
