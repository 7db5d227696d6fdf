// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import {
  ChunkLinkListener,
  ChunkLinkStream,
  LINK_CHUNK_TYPES,
  type LinkChunkKind,
  linkChunkKind,
  openLink,
} from '../link/chunk-link.js';
import { LinkError } from '../link/errors.js';

/**
 * The serial framing layer (docs/protocol.md, "Serial framing"): what carries the TLS byte stream over a USB
 * CDC-ACM port, below TLS. A serial line has no packets, no connections and no integrity, and noise on it
 * must cost little, so:
 *
 * - the stream is cut into chunks of at most 1 KiB of payload, each COBS-encoded and ended by a 0x00 byte:
 *   whatever happens on the line, the receiver is back in step at the next 0x00;
 * - every chunk carries a CRC-32: a damaged, partial or made-up chunk is dropped and counted, never thrown;
 * - OPEN/ACCEPT/CLOSE chunks with a random link id give the line connections (the TCP handshake's job), so a
 *   companion that died without a word is replaced by the next one, and stale chunks are ignored;
 * - DATA chunks are numbered per direction: a lost chunk is detected at the next one, and the link closes with
 *   a clear error at once (TLS could not carry on anyway; the companion reconnects).
 */

/** Payload bytes per DATA chunk: a damaged chunk costs at most this much. */
export const MAX_PAYLOAD = 1024;
/** type (1) + link id (4) + sequence number (2). */
export const HEADER_SIZE = 7;
export const CRC_SIZE = 4;
/** The largest valid chunk before COBS. */
export const MAX_CHUNK = HEADER_SIZE + MAX_PAYLOAD + CRC_SIZE;
/** The largest valid chunk after COBS (without its delimiter): a longer run without a 0x00 is noise. */
export const MAX_ENCODED_CHUNK = cobsMaxLength(MAX_CHUNK);
export { OPEN_RETRY_MS } from '../link/chunk-link.js';
/**
 * A lone 0x00 (an empty run, ignored by receivers) is written this often: a port that went away is noticed by
 * the write that fails. Reads do not notice on Linux: a hung-up tty reads as 0 bytes, which serialport retries.
 */
export const HEARTBEAT_MS = 1_000;

export const CHUNK_TYPES = LINK_CHUNK_TYPES;
export type ChunkKind = LinkChunkKind;

export interface Chunk {
  readonly kind: ChunkKind;
  /** The link id (u32), chosen at random by the companion in OPEN. */
  readonly link: number;
  /** DATA: u16 per direction and link, from 0; 0 in the other kinds. */
  readonly seq: number;
  /** DATA: 1..MAX_PAYLOAD bytes; empty in the other kinds. */
  readonly payload: Uint8Array;
}

/** What a line has seen: everything dropped is counted here, nothing is thrown. */
export interface FramingStats {
  bytesIn: number;
  bytesOut: number;
  chunksIn: number;
  chunksOut: number;
  /** Writes to the port. */
  writes: number;
  /** Delimited runs that are not a chunk: bad COBS (e.g. a partial chunk), too short, unknown type, bad shape. */
  invalid: number;
  /** Well-formed runs whose CRC-32 does not match: line noise. */
  badChecksum: number;
  /** Runs longer than any chunk without a delimiter, discarded up to the next 0x00. */
  overlong: number;
  /** Valid chunks for no open link (an older link, a retransmitted OPEN, a CLOSE after the fact). */
  stale: number;
  /** DATA chunks that arrived after a lost one: each closed its link. */
  gaps: number;
}

export function emptyStats(): FramingStats {
  return {
    bytesIn: 0,
    bytesOut: 0,
    chunksIn: 0,
    chunksOut: 0,
    writes: 0,
    invalid: 0,
    badChecksum: 0,
    overlong: 0,
    stale: 0,
    gaps: 0,
  };
}

// ---------------------------------------------------------------------------------------------------------
// COBS (Cheshire and Baker, 1999): no 0x00 in the output, at most one byte of overhead per 254.

export function cobsMaxLength(length: number): number {
  return length + Math.floor(length / 254) + 1;
}

export function cobsEncode(input: Uint8Array): Buffer {
  const out = Buffer.alloc(cobsMaxLength(input.length));
  let codeAt = 0;
  let o = 1;
  let code = 1;
  for (let i = 0; i < input.length; i++) {
    const byte = input[i]!;
    if (byte !== 0) {
      out[o++] = byte;
      code++;
    }
    if (byte === 0 || code === 0xff) {
      out[codeAt] = code;
      code = 1;
      codeAt = o;
      // A full block at the very end needs no further code byte (no zero follows it).
      if (byte === 0 || i < input.length - 1) o++;
    }
  }
  if (codeAt < o) out[codeAt] = code;
  return out.subarray(0, o);
}

/** The decoded bytes, or undefined when `input` is not COBS (a 0x00 inside, a block cut short). */
export function cobsDecode(input: Uint8Array): Buffer | undefined {
  if (input.length === 0) return undefined;
  const out = Buffer.alloc(input.length);
  let o = 0;
  let i = 0;
  while (i < input.length) {
    const code = input[i]!;
    if (code === 0) return undefined;
    const end = i + code;
    if (end > input.length) return undefined;
    for (let j = i + 1; j < end; j++) {
      const byte = input[j]!;
      if (byte === 0) return undefined;
      out[o++] = byte;
    }
    i = end;
    if (code !== 0xff && i < input.length) out[o++] = 0;
  }
  return out.subarray(0, o);
}

// ---------------------------------------------------------------------------------------------------------
// CRC-32 (IEEE 802.3, reflected 0xEDB88320, as zlib and Ethernet): check value 0xCBF43926 for "123456789".

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = CRC_TABLE[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------
// Chunks

/** The chunk before COBS: header, payload, CRC-32 (big-endian) over both. */
export function serializeChunk(chunk: Chunk): Buffer {
  if (
    chunk.kind === 'data'
      ? chunk.payload.length < 1 || chunk.payload.length > MAX_PAYLOAD
      : chunk.payload.length > 0
  )
    throw new RangeError(`a ${chunk.kind} chunk cannot carry ${chunk.payload.length} bytes`);
  const bytes = Buffer.alloc(HEADER_SIZE + chunk.payload.length + CRC_SIZE);
  bytes[0] = CHUNK_TYPES[chunk.kind];
  bytes.writeUInt32BE(chunk.link >>> 0, 1);
  bytes.writeUInt16BE(chunk.seq & 0xffff, 5);
  bytes.set(chunk.payload, HEADER_SIZE);
  const body = bytes.subarray(0, HEADER_SIZE + chunk.payload.length);
  bytes.writeUInt32BE(crc32(body), body.length);
  return bytes;
}

/** One chunk as it goes on the line: COBS, then the 0x00 delimiter. */
export function encodeChunk(chunk: Chunk): Buffer {
  const encoded = cobsEncode(serializeChunk(chunk));
  const out = Buffer.alloc(encoded.length + 1);
  encoded.copy(out);
  return out;
}

/** Several chunks for one write: a leading 0x00 ends whatever partial run noise left on the line. */
export function encodeChunks(chunks: readonly Chunk[]): Buffer {
  return Buffer.concat([Buffer.alloc(1), ...chunks.map(encodeChunk)]);
}

/** A delimited run (without its 0x00) → the chunk, or why it is not one. */
export function parseChunk(run: Uint8Array): Chunk | 'invalid' | 'checksum' {
  const bytes = cobsDecode(run);
  if (!bytes || bytes.length < HEADER_SIZE + CRC_SIZE || bytes.length > MAX_CHUNK) return 'invalid';
  const body = bytes.subarray(0, bytes.length - CRC_SIZE);
  if (crc32(body) !== bytes.readUInt32BE(body.length)) return 'checksum';
  const kind = linkChunkKind(bytes[0]!);
  const payload = body.subarray(HEADER_SIZE);
  const seq = bytes.readUInt16BE(5);
  if (!kind) return 'invalid';
  if (kind === 'data' ? payload.length === 0 : payload.length > 0 || seq !== 0) return 'invalid';
  return { kind, link: bytes.readUInt32BE(1), seq, payload: Buffer.from(payload) };
}

/**
 * Splits the received bytes at 0x00 and parses each run. Holds at most MAX_ENCODED_CHUNK bytes: a longer
 * run is counted as `overlong` and skipped up to the next delimiter. Never throws.
 */
export class ChunkDecoder {
  private readonly buffer = Buffer.alloc(MAX_ENCODED_CHUNK);
  private length = 0;
  private skipping = false;

  constructor(readonly stats: FramingStats = emptyStats()) {}

  /** Bytes of an unfinished run held now (never more than MAX_ENCODED_CHUNK). */
  get pending(): number {
    return this.length;
  }

  push(data: Uint8Array): Chunk[] {
    this.stats.bytesIn += data.length;
    const chunks: Chunk[] = [];
    let start = 0;
    while (start < data.length) {
      const zero = data.indexOf(0, start);
      const end = zero < 0 ? data.length : zero;
      if (!this.skipping && end > start) {
        if (this.length + (end - start) > MAX_ENCODED_CHUNK) {
          this.stats.overlong++;
          this.length = 0;
          this.skipping = true;
        } else {
          this.buffer.set(data.subarray(start, end), this.length);
          this.length += end - start;
        }
      }
      if (zero < 0) break;
      if (!this.skipping && this.length > 0) {
        const parsed = parseChunk(this.buffer.subarray(0, this.length));
        if (parsed === 'invalid') this.stats.invalid++;
        else if (parsed === 'checksum') this.stats.badChecksum++;
        else {
          this.stats.chunksIn++;
          chunks.push(parsed);
        }
      }
      this.skipping = false;
      this.length = 0;
      start = zero + 1;
    }
    return chunks;
  }
}

// ---------------------------------------------------------------------------------------------------------
// The line: a raw byte stream (the opened port) with chunks in and out.

export interface SerialLineOptions {
  /** How errors name the line, e.g. "serial:/dev/ttyACM0". */
  name: string;
  /** Closes the raw stream (a serial port is closed, not destroyed); default raw.destroy(). */
  close?: () => void;
}

export interface SerialLineEvents {
  chunk: [Chunk];
  close: [LinkError];
}

/** The raw port with chunks in and out. Owns the raw stream: closing the line closes the port. */
export class SerialLine extends EventEmitter<SerialLineEvents> {
  readonly stats = emptyStats();
  readonly name: string;
  private readonly decoder = new ChunkDecoder(this.stats);
  private closedWith: LinkError | undefined;
  private readonly drainWaiters = new Set<(error?: Error) => void>();
  private readonly flushWaiters = new Set<(error?: Error) => void>();
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    private readonly raw: Duplex,
    private readonly options: SerialLineOptions,
  ) {
    super();
    this.name = options.name;
    this.heartbeat = setInterval(() => {
      this.stats.bytesOut++;
      raw.write(DELIMITER);
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
    raw.on('data', (data: Buffer) => {
      for (const chunk of this.decoder.push(data)) {
        if (this.closedWith) return;
        this.emit('chunk', chunk);
      }
    });
    raw.on('drain', () => this.wake(this.drainWaiters));
    raw.on('error', (cause: Error) => this.shutdown(this.lost(cause)));
    raw.on('end', () => this.shutdown(this.lost(undefined)));
    raw.on('close', (cause?: unknown) =>
      this.shutdown(this.lost(cause instanceof Error ? cause : undefined)),
    );
  }

  get isOpen(): boolean {
    return this.closedWith === undefined;
  }

  /** Bytes held for an unfinished run (for tests). */
  get pending(): number {
    return this.decoder.pending;
  }

  /**
   * Writes chunks. `done` runs once the port takes more (backpressure), or with `flushed` once the port has
   * written these bytes; with an error if the port closed.
   */
  send(chunks: readonly Chunk[], done?: (error?: Error) => void, flushed = false): void {
    if (this.closedWith) {
      done?.(this.closedWith);
      return;
    }
    const bytes = encodeChunks(chunks);
    this.stats.bytesOut += bytes.length;
    this.stats.chunksOut += chunks.length;
    this.stats.writes++;
    if (flushed && done) {
      let called = false;
      const once = (error?: Error | null) => {
        if (called) return;
        called = true;
        this.flushWaiters.delete(once);
        done(error ?? undefined);
      };
      this.flushWaiters.add(once);
      this.raw.write(bytes, once);
      return;
    }
    const more = this.raw.write(bytes);
    if (!done) return;
    if (more) done();
    else this.drainWaiters.add(done);
  }

  /** Closes the port; chunks already written are flushed first where the port allows. */
  close(): void {
    if (this.closedWith) return;
    this.shutdown(new LinkError('closed', `${this.name} was closed`));
    try {
      if (this.options.close) this.options.close();
      else this.raw.destroy();
    } catch {
      // Already closed.
    }
  }

  private lost(cause: Error | undefined): LinkError {
    const why = cause?.message ? ` (${cause.message})` : '';
    return new LinkError('closed', `${this.name} went away: the device was unplugged or closed${why}`, {
      cause,
    });
  }

  private shutdown(error: LinkError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    clearInterval(this.heartbeat);
    this.wake(this.drainWaiters, error);
    this.wake(this.flushWaiters, error);
    this.emit('close', error);
  }

  private wake(waiters: Set<(error?: Error) => void>, error?: Error): void {
    const all = [...waiters];
    waiters.clear();
    for (const waiter of all) waiter(error);
  }
}

// ---------------------------------------------------------------------------------------------------------
// One link over the line: the Duplex that TLS runs over.

/**
 * One link (one TLS connection) over a serial line. Writes are cut into DATA chunks; received DATA chunks
 * are checked for sequence and pushed. `SerialFramedStream.connect` makes the companion's end; a
 * `SerialLinkListener` makes the phone's.
 */
export class SerialFramedStream extends ChunkLinkStream<Chunk, SerialLine> {
  /** Companion side: opens a link on the raw port (OPEN until ACCEPT); the stream owns the port from now on. */
  static connect(
    raw: Duplex,
    options: SerialLineOptions & { timeoutMs: number; linkId?: number },
  ): Promise<SerialFramedStream> {
    const line = new SerialLine(raw, options);
    const linkId = options.linkId ?? randomBytes(4).readUInt32BE(0);
    const stream = new SerialFramedStream(line, linkId, true);
    return openLink(line, stream, {
      timeoutMs: options.timeoutMs,
      hint: 'plugged in with USB tethering on',
      sendOpen: () => line.send([{ kind: 'open', link: linkId, seq: 0, payload: EMPTY }]),
      listen: (handshake) =>
        line.on('chunk', (chunk) => {
          // Noise may cost a chunk, so anything out of place is stale, never fatal.
          if (chunk.link !== linkId) {
            line.stats.stale++;
          } else if (chunk.kind === 'accept') {
            if (handshake.accepted) return void line.stats.stale++;
            handshake.accept();
          } else if (!handshake.accepted || chunk.kind === 'open') {
            line.stats.stale++;
          } else {
            stream.deliver(chunk);
          }
        }),
    });
  }

  protected override peerEnded(): void {
    this.push(null);
  }

  protected override lostData(expected: number, arrived: number): void {
    this.destroy(
      new LinkError(
        'protocol',
        `noise on ${this.line.name} lost data (chunk ${expected} missing, ${arrived} arrived): ` +
          'the link is closed, reconnect',
      ),
    );
  }

  protected override sendData(data: Buffer, callback: (error?: Error | null) => void): void {
    const chunks: Chunk[] = [];
    for (let at = 0; at < data.length; at += MAX_PAYLOAD)
      chunks.push({
        kind: 'data',
        link: this.linkId,
        seq: this.nextSeq(),
        payload: data.subarray(at, at + MAX_PAYLOAD),
      });
    if (chunks.length === 0) return callback();
    // All chunks in one write: `callback` waits for the port's drain (backpressure), not for each chunk.
    this.line.send(chunks, (error) => callback(error));
  }

  protected override sendCloseChunk(written: () => void): void {
    this.line.send([{ kind: 'close', link: this.linkId, seq: 0, payload: EMPTY }], written, true);
  }
}

const EMPTY = new Uint8Array(0);
const DELIMITER = Buffer.alloc(1);

export interface SerialLinkListenerEvents {
  link: [SerialFramedStream];
  close: [LinkError];
}

/**
 * Phone side: accepts links on a serial line, one at a time. A new OPEN replaces the current link (the
 * companion that held it is gone: a serial line has no other way to say so); a repeated OPEN is ACCEPTed again.
 */
export class SerialLinkListener extends ChunkLinkListener<SerialFramedStream, SerialLine> {
  private lastLinkId: number | undefined;

  constructor(raw: Duplex, options: SerialLineOptions) {
    super(new SerialLine(raw, options));
    this.line.on('chunk', (chunk) => this.onChunk(chunk));
  }

  close(): void {
    this.current?.destroy();
    this.line.close();
  }

  private onChunk(chunk: Chunk): void {
    const current = this.current;
    if (chunk.kind === 'open') {
      if (chunk.link === this.lastLinkId) {
        // A repeated OPEN: ACCEPT again if the link still stands; ignore it if the link is over.
        if (current && current.linkId === chunk.link) this.accept(chunk.link);
        else this.line.stats.stale++;
        return;
      }
      current?.destroy();
      this.lastLinkId = chunk.link;
      this.adopt(new SerialFramedStream(this.line, chunk.link, false));
      return;
    }
    if (current && chunk.link === current.linkId && chunk.kind !== 'accept') current.deliver(chunk);
    else this.line.stats.stale++;
  }

  protected override accept(link: number): void {
    this.line.send([{ kind: 'accept', link, seq: 0, payload: EMPTY }]);
  }
}
