import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../native-bridge/link/errors.js';
import {
  encodeFrame,
  FrameDecoder,
  MAX_AUTHENTICATED_MESSAGE,
  MAX_UNAUTHENTICATED_MESSAGE,
} from '../../../../native-bridge/link/frame.js';

function prefix(length: number): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt32BE(length, 0);
  return header;
}

function badFrame(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ProtocolError);
    expect((error as ProtocolError).code).toBe('bad-frame');
    return error as ProtocolError;
  }
  throw new Error('expected ProtocolError(bad-frame)');
}

/** Cuts `bytes` at the given (unsorted, possibly repeated) offsets. */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(Buffer.from(bytes.subarray(start, point)));
    start = point;
  }
  return chunks;
}

describe('limits', () => {
  it('are 1 KiB before authentication and 64 KiB after', () => {
    expect(MAX_UNAUTHENTICATED_MESSAGE).toBe(1024);
    expect(MAX_AUTHENTICATED_MESSAGE).toBe(65536);
  });
});

describe('encodeFrame', () => {
  it('writes a u32 big-endian length prefix', () => {
    expect(encodeFrame(Buffer.from('hi'))).toEqual(Buffer.from([0, 0, 0, 2, 0x68, 0x69]));
    const body = new Uint8Array(0x010203).fill(7);
    const frame = encodeFrame(body);
    expect(frame.subarray(0, 4)).toEqual(Buffer.from([0, 1, 2, 3]));
    expect(frame.length).toBe(4 + 0x010203);
  });
});

describe('FrameDecoder', () => {
  it('decodes one message in one chunk', () => {
    const decoder = new FrameDecoder(MAX_UNAUTHENTICATED_MESSAGE);
    expect(decoder.push(encodeFrame(Buffer.from('{"type":"ping","id":1}')))).toEqual([
      Buffer.from('{"type":"ping","id":1}'),
    ]);
    expect(decoder.pending).toBe(0);
  });

  it('decodes several messages in one chunk', () => {
    const decoder = new FrameDecoder(MAX_UNAUTHENTICATED_MESSAGE);
    const bodies = ['a', 'bc', 'def', 'x'.repeat(1024)].map((s) => Buffer.from(s));
    expect(decoder.push(Buffer.concat(bodies.map(encodeFrame)))).toEqual(bodies);
    expect(decoder.pending).toBe(0);
  });

  it('decodes a message fed one byte at a time', () => {
    const decoder = new FrameDecoder(MAX_UNAUTHENTICATED_MESSAGE);
    const frame = encodeFrame(Buffer.from('hello'));
    const out: Buffer[] = [];
    for (let i = 0; i < frame.length; i++) {
      out.push(...decoder.push(frame.subarray(i, i + 1)));
      expect(decoder.pending).toBe(i + 1 === frame.length ? 0 : i + 1);
    }
    expect(out).toEqual([Buffer.from('hello')]);
  });

  it('returns no message for an empty chunk', () => {
    const decoder = new FrameDecoder(16);
    expect(decoder.push(Buffer.alloc(0))).toEqual([]);
    expect(decoder.pending).toBe(0);
  });

  it('counts pending bytes of an unfinished message, prefix included', () => {
    const decoder = new FrameDecoder(MAX_UNAUTHENTICATED_MESSAGE);
    const frame = encodeFrame(Buffer.from('0123456789'));
    expect(decoder.push(frame.subarray(0, 2))).toEqual([]);
    expect(decoder.pending).toBe(2);
    expect(decoder.push(frame.subarray(2, 4))).toEqual([]);
    expect(decoder.pending).toBe(4);
    expect(decoder.push(frame.subarray(4, 7))).toEqual([]);
    expect(decoder.pending).toBe(7);
    // The rest of this message and the first byte of the next.
    expect(decoder.push(Buffer.concat([frame.subarray(7), Buffer.from([0])]))).toEqual([
      Buffer.from('0123456789'),
    ]);
    expect(decoder.pending).toBe(1);
    expect(decoder.push(Buffer.from([0, 0, 1, 0x41]))).toEqual([Buffer.from('A')]);
    expect(decoder.pending).toBe(0);
  });

  it('rejects a zero length', () => {
    const decoder = new FrameDecoder(MAX_UNAUTHENTICATED_MESSAGE);
    const error = badFrame(() => decoder.push(prefix(0)));
    expect(error.message).toMatch(/empty message/);
  });

  it('rejects a zero length after valid messages in the same chunk', () => {
    const decoder = new FrameDecoder(MAX_UNAUTHENTICATED_MESSAGE);
    expect(decoder.push(Buffer.concat([encodeFrame(Buffer.from('ok')), prefix(0)]))).toEqual([
      Buffer.from('ok'),
    ]);
    badFrame(() => decoder.check());
    badFrame(() => decoder.push(encodeFrame(Buffer.from('late'))));
  });

  it('rejects an over-limit length as soon as the 4-byte prefix is seen', () => {
    const decoder = new FrameDecoder(MAX_UNAUTHENTICATED_MESSAGE);
    expect(decoder.push(prefix(0xffffffff).subarray(0, 3))).toEqual([]);
    const error = badFrame(() => decoder.push(prefix(0xffffffff).subarray(3)));
    expect(error.message).toContain('4294967295');
    expect(error.message).toContain('1024');
    badFrame(() => new FrameDecoder(MAX_UNAUTHENTICATED_MESSAGE).push(prefix(0xffffffff)));
  });

  it('accepts exactly the limit and rejects one byte more', () => {
    const atLimit = new FrameDecoder(MAX_UNAUTHENTICATED_MESSAGE);
    const body = Buffer.alloc(MAX_UNAUTHENTICATED_MESSAGE, 0x61);
    expect(atLimit.push(encodeFrame(body))).toEqual([body]);
    const over = new FrameDecoder(MAX_UNAUTHENTICATED_MESSAGE);
    const error = badFrame(() => over.push(prefix(MAX_UNAUTHENTICATED_MESSAGE + 1)));
    expect(error.message).toBe('message of 1025 bytes exceeds the 1024-byte limit');
  });

  it('raiseLimit lets bigger messages through, up to the new limit', () => {
    const decoder = new FrameDecoder(MAX_UNAUTHENTICATED_MESSAGE);
    decoder.raiseLimit(MAX_AUTHENTICATED_MESSAGE);
    const body = Buffer.alloc(MAX_AUTHENTICATED_MESSAGE, 0x62);
    const out = decoder.push(encodeFrame(body));
    expect(out).toHaveLength(1);
    expect(out[0]!.equals(body)).toBe(true);
    expect(decoder.push(encodeFrame(Buffer.alloc(5000, 1)))).toEqual([Buffer.alloc(5000, 1)]);
    const error = badFrame(() => decoder.push(prefix(MAX_AUTHENTICATED_MESSAGE + 1)));
    expect(error.message).toContain('65536-byte limit');
  });

  it('raiseLimit applies to a prefix that was waiting for its last bytes', () => {
    const decoder = new FrameDecoder(MAX_UNAUTHENTICATED_MESSAGE);
    const frame = encodeFrame(Buffer.alloc(2000, 3));
    expect(decoder.push(frame.subarray(0, 2))).toEqual([]);
    decoder.raiseLimit(MAX_AUTHENTICATED_MESSAGE);
    expect(decoder.push(frame.subarray(2))).toEqual([Buffer.alloc(2000, 3)]);
  });

  it('returns split messages intact for any chunking', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (bodies, cuts) => {
          const stream = Buffer.concat(bodies.map((b) => encodeFrame(b)));
          const decoder = new FrameDecoder(300);
          const out: Buffer[] = [];
          for (const chunk of split(stream, cuts)) {
            out.push(...decoder.push(chunk));
            expect(decoder.pending).toBeGreaterThanOrEqual(0);
          }
          expect(out.map((b) => Buffer.from(b))).toEqual(bodies.map((b) => Buffer.from(b)));
          expect(decoder.pending).toBe(0);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('reports a truncated message as pending for any cut', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 200 }),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 10 }),
        (body, cut, cuts) => {
          const frame = encodeFrame(body);
          const at = 1 + (cut % (frame.length - 1)); // 1 .. frame.length - 1
          const decoder = new FrameDecoder(1024);
          for (const chunk of split(frame.subarray(0, at), cuts)) expect(decoder.push(chunk)).toEqual([]);
          expect(decoder.pending).toBe(at);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects any over-limit prefix before the body arrives', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4096 }),
        fc.integer({ min: 1, max: 0xffffffff }),
        fc.integer({ min: 1, max: 3 }),
        (limit, length, firstChunk) => {
          fc.pre(length > limit);
          const decoder = new FrameDecoder(limit);
          expect(decoder.push(prefix(length).subarray(0, firstChunk))).toEqual([]);
          badFrame(() => decoder.push(prefix(length).subarray(firstChunk)));
        },
      ),
      { numRuns: 300 },
    );
  });
});
