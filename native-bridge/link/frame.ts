// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { ProtocolError } from './errors.js';

/** Message size caps (docs/protocol.md, "Framing"): small until the peer is authenticated by pairing or pin. */
export const MAX_UNAUTHENTICATED_MESSAGE = 1024;
export const MAX_AUTHENTICATED_MESSAGE = 64 * 1024;

const HEADER = 4;

export function encodeFrame(body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(HEADER + body.length);
  frame.writeUInt32BE(body.length, 0);
  frame.set(body, HEADER);
  return frame;
}

/**
 * Splits a byte stream into length-prefixed messages. The length is checked against the current cap
 * before any of the body is buffered, so a hostile prefix cannot make us allocate.
 */
export class FrameDecoder {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private expected: number | undefined;
  private failure: ProtocolError | undefined;

  constructor(private limit: number) {}

  raiseLimit(limit: number): void {
    this.limit = limit;
  }

  /**
   * Returns the complete message bodies in `chunk`; throws ProtocolError('bad-frame') on a bad prefix. Messages
   * that precede a bad prefix in the same chunk are returned first and the failure is thrown by `check()`, so
   * what a peer is answered does not depend on how the stream happened to be split.
   */
  push(chunk: Buffer): Buffer[] {
    this.check();
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const bodies: Buffer[] = [];
    for (;;) {
      if (this.expected === undefined) {
        if (this.buffered < HEADER) break;
        const length = this.take(HEADER).readUInt32BE(0);
        const failure =
          length === 0
            ? new ProtocolError('bad-frame', 'empty message')
            : length > this.limit
              ? new ProtocolError(
                  'bad-frame',
                  `message of ${length} bytes exceeds the ${this.limit}-byte limit`,
                )
              : undefined;
        if (failure) {
          if (bodies.length === 0) throw failure;
          this.failure = failure;
          break;
        }
        this.expected = length;
      }
      if (this.buffered < this.expected) break;
      bodies.push(this.take(this.expected));
      this.expected = undefined;
    }
    return bodies;
  }

  /** Throws the bad-frame failure found after the messages the last push returned. */
  check(): void {
    if (this.failure) throw this.failure;
  }

  /** Bytes of an unfinished message still waiting for the rest; a link closing now truncated a message. */
  get pending(): number {
    return this.buffered + (this.expected === undefined ? 0 : HEADER);
  }

  private take(n: number): Buffer {
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
    const out = all.subarray(0, n);
    const rest = all.subarray(n);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    return out;
  }
}
