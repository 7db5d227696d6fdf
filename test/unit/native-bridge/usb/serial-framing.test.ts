import { readFileSync } from 'node:fs';
import { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LinkError } from '../../../../native-bridge/link/errors.js';
import { createIdentity } from '../../../../native-bridge/link/identity.js';
import { acceptSecure, connectSecure } from '../../../../native-bridge/link/tls.js';
import {
  type Chunk,
  ChunkDecoder,
  cobsDecode,
  cobsEncode,
  cobsMaxLength,
  crc32,
  encodeChunk,
  encodeChunks,
  HEARTBEAT_MS,
  MAX_CHUNK,
  MAX_ENCODED_CHUNK,
  MAX_PAYLOAD,
  parseChunk,
  SerialFramedStream,
  SerialLine,
  SerialLinkListener,
  serializeChunk,
} from '../../../../native-bridge/usb/serial-framing.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
const bytes = (text: string) => Buffer.from(text.replace(/\s+/g, ''), 'hex');

// ---------------------------------------------------------------------------------------------------------
// COBS

describe('COBS', () => {
  // The examples of Cheshire and Baker's paper as usually tabulated (Wikipedia, "Consistent Overhead Byte
  // Stuffing"), with this implementation's choice for a full final block: no trailing code byte.
  const run = (from: number, to: number) =>
    Buffer.from(Array.from({ length: to - from + 1 }, (_, i) => from + i));
  const examples: [string, Buffer, Buffer][] = [
    ['empty', Buffer.alloc(0), bytes('01')],
    ['one zero', bytes('00'), bytes('0101')],
    ['two zeros', bytes('0000'), bytes('010101')],
    ['zero inside', bytes('11220033'), bytes('0311220233')],
    ['no zero', bytes('11223344'), bytes('0511223344')],
    ['trailing zeros', bytes('11000000'), bytes('0211010101')],
    ['254 non-zero', run(1, 254), Buffer.concat([bytes('ff'), run(1, 254)])],
    ['zero then 254', run(0, 254), Buffer.concat([bytes('01ff'), run(1, 254)])],
    ['255 non-zero', run(1, 255), Buffer.concat([bytes('ff'), run(1, 254), bytes('02ff')])],
    [
      '254 then zero',
      Buffer.concat([run(2, 255), bytes('00')]),
      Buffer.concat([bytes('ff'), run(2, 255), bytes('0101')]),
    ],
    [
      '253, zero, one',
      Buffer.concat([run(3, 255), bytes('0001')]),
      Buffer.concat([bytes('fe'), run(3, 255), bytes('0201')]),
    ],
  ];

  it.each(examples)('encodes and decodes the "%s" example', (_name, input, encoded) => {
    expect(hex(cobsEncode(input))).toBe(hex(encoded));
    expect(hex(cobsDecode(encoded)!)).toBe(hex(input));
  });

  it('round-trips any bytes, with no zero in the output and bounded overhead', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (input) => {
        const encoded = cobsEncode(input);
        expect(encoded.includes(0)).toBe(false);
        expect(encoded.length).toBeLessThanOrEqual(cobsMaxLength(input.length));
        expect(hex(cobsDecode(encoded)!)).toBe(hex(input));
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips runs of zeros and of non-zeros around the 254-byte block size', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 600 })), { maxLength: 8 }),
        (runs) => {
          const input = Buffer.concat(runs.map(([zero, n]) => Buffer.alloc(n, zero ? 0 : 0x5a)));
          expect(hex(cobsDecode(cobsEncode(input))!)).toBe(hex(input));
        },
      ),
    );
  });

  it('rejects what is not COBS: a zero inside, a block cut short, nothing at all', () => {
    expect(cobsDecode(bytes('0311002233'))).toBeUndefined();
    expect(cobsDecode(bytes('051122'))).toBeUndefined();
    expect(cobsDecode(bytes('00'))).toBeUndefined();
    expect(cobsDecode(new Uint8Array(0))).toBeUndefined();
  });

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (input) => void cobsDecode(input)));
  });
});

// ---------------------------------------------------------------------------------------------------------
// CRC-32 and chunks

describe('CRC-32', () => {
  it('has the check value of CRC-32/ISO-HDLC', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });

  const zlibCrc = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;
  it.skipIf(!zlibCrc)('agrees with zlib', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), (data) => {
        expect(crc32(data)).toBe(zlibCrc!(data));
      }),
    );
  });
});

/** The "Serial framing" section of docs/protocol.md: its byte-exact vectors. */
function docVectors(): Record<string, string>[] {
  const doc = readFileSync(fileURLToPath(new URL('../../../../docs/protocol.md', import.meta.url)), 'utf8');
  return [...doc.matchAll(/^```serial-chunk\n([\s\S]*?)^```$/gm)].map(([, body = '']) =>
    Object.fromEntries(
      body
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
    ),
  );
}

describe('chunks', () => {
  it('match the byte-exact vectors of docs/protocol.md', () => {
    const vectors = docVectors();
    expect(vectors.length).toBeGreaterThanOrEqual(2);
    for (const v of vectors) {
      const chunk: Chunk = {
        kind: v.type as Chunk['kind'],
        link: parseInt(v.link!, 16),
        seq: parseInt(v.seq!, 16),
        payload: bytes(v.payload ?? ''),
      };
      expect(hex(serializeChunk(chunk)), v.type).toBe(hex(bytes(v.chunk!)));
      expect(hex(encodeChunk(chunk)), v.type).toBe(hex(bytes(v.line!)));
      const decoder = new ChunkDecoder();
      expect(decoder.push(bytes(v.line!))).toEqual([chunk]);
    }
  });

  const chunkArb = fc.oneof(
    fc.record({
      kind: fc.constant('data' as const),
      link: fc.nat({ max: 0xffffffff }),
      seq: fc.nat({ max: 0xffff }),
      payload: fc.uint8Array({ minLength: 1, maxLength: MAX_PAYLOAD }),
    }),
    fc.record({
      kind: fc.constantFrom('open' as const, 'accept' as const, 'close' as const),
      link: fc.nat({ max: 0xffffffff }),
      seq: fc.constant(0),
      payload: fc.constant(new Uint8Array(0)),
    }),
  );

  it('round-trip through the line encoding', () => {
    fc.assert(
      fc.property(chunkArb, (chunk) => {
        const line = encodeChunk(chunk);
        expect(line.length - 1).toBeLessThanOrEqual(MAX_ENCODED_CHUNK);
        expect(line.indexOf(0)).toBe(line.length - 1);
        const parsed = parseChunk(line.subarray(0, -1));
        expect(parsed).toEqual({ ...chunk, payload: Buffer.from(chunk.payload) });
      }),
    );
  });

  it('refuse to carry what a receiver would drop', () => {
    const link = 1;
    expect(() => serializeChunk({ kind: 'data', link, seq: 0, payload: new Uint8Array(0) })).toThrow(
      RangeError,
    );
    expect(() =>
      serializeChunk({ kind: 'data', link, seq: 0, payload: new Uint8Array(MAX_PAYLOAD + 1) }),
    ).toThrow(RangeError);
    expect(() => serializeChunk({ kind: 'open', link, seq: 0, payload: new Uint8Array(1) })).toThrow(
      RangeError,
    );
  });

  it('are dropped when malformed: bad checksum, short, unknown type, wrong shape', () => {
    const good = serializeChunk({ kind: 'data', link: 7, seq: 3, payload: bytes('aabb') });
    const flipped = Buffer.from(good);
    flipped[8]! ^= 0x01;
    expect(parseChunk(cobsEncode(flipped))).toBe('checksum');
    expect(parseChunk(cobsEncode(good.subarray(0, 12)))).toBe('checksum');
    expect(parseChunk(cobsEncode(good.subarray(0, 10)))).toBe('invalid');
    expect(parseChunk(cobsEncode(bytes('0300000007')))).toBe('invalid');
    const withCrc = (body: Buffer) => {
      const out = Buffer.alloc(body.length + 4);
      body.copy(out);
      out.writeUInt32BE(crc32(body), body.length);
      return cobsEncode(out);
    };
    expect(parseChunk(withCrc(bytes('09 00000007 0000 aa')))).toBe('invalid'); // unknown type
    expect(parseChunk(withCrc(bytes('03 00000007 0000')))).toBe('invalid'); // DATA without payload
    expect(parseChunk(withCrc(bytes('01 00000007 0000 aa')))).toBe('invalid'); // OPEN with payload
    expect(parseChunk(withCrc(bytes('04 00000007 0001')))).toBe('invalid'); // CLOSE with a sequence number
    expect(
      parseChunk(withCrc(Buffer.concat([bytes('03 00000007 0000'), Buffer.alloc(MAX_PAYLOAD + 1, 1)]))),
    ).toBe('invalid');
  });
});

// ---------------------------------------------------------------------------------------------------------
// The decoder: resynchronisation and its bound

interface Sent {
  chunks: Chunk[];
  stream: Buffer;
  /** Per chunk: the offsets of the delimiter before it and of its own closing delimiter. */
  spans: [number, number][];
}

/** Chunks numbered 0..n-1 (seq), written in groups the way SerialLine writes them (0x00, then each chunk). */
function send(payloads: Uint8Array[], groups: number[]): Sent {
  const chunks: Chunk[] = payloads.map((payload, seq) => ({ kind: 'data', link: 0xfeedf00d, seq, payload }));
  const parts: Buffer[] = [];
  const spans: [number, number][] = [];
  let at = 0;
  let g = 0;
  for (let i = 0; i < chunks.length;) {
    const size = Math.max(1, groups[g++ % Math.max(1, groups.length)] ?? 1);
    const group = chunks.slice(i, i + size);
    parts.push(encodeChunks(group));
    let before = at;
    at += 1;
    for (const chunk of group) {
      const length = encodeChunk(chunk).length;
      spans.push([before, at + length - 1]);
      before = at + length - 1;
      at += length;
    }
    i += group.length;
  }
  return { chunks, stream: Buffer.concat(parts), spans };
}

type Damage =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'insert'; at: number; byte: number }
  | { kind: 'delete'; at: number };

/** Applies damage at positions of the original stream (applied from the end so positions stay valid). */
function damage(stream: Buffer, damages: Damage[]): Buffer {
  const out = [...stream];
  for (const d of [...damages].sort((a, b) => b.at - a.at)) {
    if (d.kind === 'flip') out[d.at] = out[d.at]! ^ (1 << d.bit);
    else if (d.kind === 'insert') out.splice(d.at, 0, d.byte);
    else out.splice(d.at, 1);
  }
  return Buffer.from(out);
}

/** A chunk is intact when no damage touches its bytes or the delimiters around it. */
function intact(span: [number, number], damages: Damage[]): boolean {
  return damages.every((d) =>
    d.kind === 'insert' ? d.at <= span[0] || d.at > span[1] : d.at < span[0] || d.at > span[1],
  );
}

/** Feeds `stream` to a decoder in pieces cut at `cuts`. */
function receive(stream: Buffer, cuts: number[]): { chunks: Chunk[]; decoder: ChunkDecoder } {
  const decoder = new ChunkDecoder();
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const chunks: Chunk[] = [];
  let start = 0;
  for (const point of [...points, stream.length]) {
    chunks.push(...decoder.push(stream.subarray(start, point)));
    expect(decoder.pending).toBeLessThanOrEqual(MAX_ENCODED_CHUNK);
    start = point;
  }
  return { chunks, decoder };
}

const payloadsArb = fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), {
  minLength: 1,
  maxLength: 12,
});
const sentArb = fc
  .tuple(payloadsArb, fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 6 }))
  .map(([payloads, groups]) => send(payloads, groups));

describe('ChunkDecoder', () => {
  it('recovers every chunk however the bytes are cut', () => {
    fc.assert(
      fc.property(sentArb, fc.array(fc.nat(), { maxLength: 20 }), (sent, cuts) => {
        const { chunks, decoder } = receive(sent.stream, cuts);
        expect(chunks).toEqual(sent.chunks.map((c) => ({ ...c, payload: Buffer.from(c.payload) })));
        expect(decoder.stats.invalid + decoder.stats.badChecksum + decoder.stats.overlong).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('after bit flips, insertions and deletions, recovers every intact chunk and nothing made up', () => {
    const damageArb = (length: number) =>
      fc.array(
        fc.oneof(
          fc.record({
            kind: fc.constant('flip' as const),
            at: fc.nat({ max: length - 1 }),
            bit: fc.nat({ max: 7 }),
          }),
          fc.record({
            kind: fc.constant('insert' as const),
            at: fc.nat({ max: length }),
            byte: fc.nat({ max: 255 }),
          }),
          fc.record({ kind: fc.constant('delete' as const), at: fc.nat({ max: length - 1 }) }),
        ),
        { minLength: 1, maxLength: 6 },
      );
    fc.assert(
      fc.property(
        sentArb.chain((sent) =>
          fc.tuple(fc.constant(sent), damageArb(sent.stream.length), fc.array(fc.nat())),
        ),
        ([sent, damages, cuts]) => {
          const unique = damages.filter(
            (d, i) =>
              d.kind === 'insert' || damages.findIndex((e) => e.kind !== 'insert' && e.at === d.at) === i,
          );
          // The trailing 0x00 is the next write's leading delimiter: it ends whatever run the damage left open.
          const { chunks, decoder } = receive(
            Buffer.concat([damage(sent.stream, unique), Buffer.alloc(1)]),
            cuts,
          );
          // Nothing made up: what comes out is some of what went in, in order.
          let last = -1;
          for (const chunk of chunks) {
            expect(chunk.seq).toBeGreaterThan(last);
            last = chunk.seq;
            expect(hex(chunk.payload)).toBe(hex(sent.chunks[chunk.seq]!.payload));
          }
          // Every chunk the damage did not touch comes out.
          const got = new Set(chunks.map((c) => c.seq));
          sent.spans.forEach((span, seq) => {
            if (intact(span, unique)) expect(got.has(seq), `chunk ${seq} was intact`).toBe(true);
          });
          if (chunks.length < sent.chunks.length) {
            expect(
              decoder.stats.invalid + decoder.stats.badChecksum + decoder.stats.overlong,
            ).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it('drops garbage and partial chunks between chunks and counts them, never throwing', () => {
    const decoder = new ChunkDecoder();
    const a: Chunk = { kind: 'data', link: 1, seq: 0, payload: bytes('01') };
    const b: Chunk = { kind: 'data', link: 1, seq: 1, payload: bytes('02') };
    const partial = encodeChunk(b).subarray(0, 6);
    const got = decoder.push(
      Buffer.concat([
        Buffer.from('AT+CGMI\r\n'),
        encodeChunks([a]),
        partial,
        encodeChunks([b]),
        bytes('0000'),
      ]),
    );
    expect(got).toEqual([a, b].map((c) => ({ ...c, payload: Buffer.from(c.payload) })));
    expect(decoder.stats.invalid + decoder.stats.badChecksum).toBe(2);
  });

  it('never throws and never holds more than one chunk, whatever arrives', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 3000 }), { maxLength: 10 }), (pieces) => {
        const decoder = new ChunkDecoder();
        for (const piece of pieces) {
          decoder.push(piece);
          expect(decoder.pending).toBeLessThanOrEqual(MAX_ENCODED_CHUNK);
        }
      }),
    );
  });

  it('discards a run without a delimiter once it is longer than any chunk, and resumes at the next 0x00', () => {
    const decoder = new ChunkDecoder();
    const noise = Buffer.alloc(64 * 1024, 0x41);
    for (let i = 0; i < 160; i++) {
      decoder.push(noise);
      expect(decoder.pending).toBeLessThanOrEqual(MAX_ENCODED_CHUNK);
    }
    expect(decoder.stats.overlong).toBe(1);
    const chunk: Chunk = { kind: 'data', link: 9, seq: 0, payload: Buffer.alloc(MAX_PAYLOAD, 0xff) };
    expect(decoder.push(encodeChunks([chunk]))).toEqual([chunk]);
    expect(decoder.stats.bytesIn).toBe(160 * noise.length + encodeChunks([chunk]).length);
  });

  it('accepts the largest chunk, whose encoding is exactly the bound', () => {
    // No zero anywhere (CRC included) makes COBS add a byte per 254: the worst case.
    let payload = Buffer.alloc(MAX_PAYLOAD, 0x5a);
    for (
      let i = 0;
      serializeChunk({ kind: 'data', link: 0x01010101, seq: 0x0101, payload }).includes(0);
      i++
    ) {
      payload = Buffer.alloc(MAX_PAYLOAD, 0x5a);
      payload.writeUInt32BE(i + 1, 0);
    }
    const chunk: Chunk = { kind: 'data', link: 0x01010101, seq: 0x0101, payload };
    expect(serializeChunk(chunk).length).toBe(MAX_CHUNK);
    expect(encodeChunk(chunk).length - 1).toBe(MAX_ENCODED_CHUNK);
    expect(new ChunkDecoder().push(encodeChunk(chunk))).toEqual([chunk]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Links over an in-memory line

/** Two connected raw streams; `tamper` may change what crosses from a to b. */
function wirePair(tamper: (bytes: Buffer) => Buffer = (b) => b) {
  const ends: Duplex[] = [];
  const make = (peer: () => Duplex, change: (bytes: Buffer) => Buffer) =>
    new Duplex({
      read() {},
      write(chunk: Buffer, _encoding, callback) {
        const out = change(chunk);
        if (out.length > 0) peer().push(out);
        callback();
      },
      final(callback) {
        peer().push(null);
        callback();
      },
    });
  const a = make(() => ends[1]!, tamper);
  const b = make(
    () => a,
    (x) => x,
  );
  ends.push(a, b);
  return { pc: a, phone: b };
}

const opened: { destroy(): void }[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.destroy();
});

async function linkPair(tamper?: (bytes: Buffer) => Buffer) {
  const wire = wirePair(tamper);
  const listener = new SerialLinkListener(wire.phone, { name: 'serial:phone' });
  const accepted = new Promise<SerialFramedStream>((resolve) => listener.once('link', resolve));
  const pc = await SerialFramedStream.connect(wire.pc, { name: 'serial:pc', timeoutMs: 2_000 });
  const phone = await accepted;
  opened.push(pc, phone);
  return { wire, listener, pc, phone };
}

function collect(stream: Duplex, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let have = 0;
    const onData = (data: Buffer) => {
      parts.push(data);
      have += data.length;
      if (have >= length) {
        stream.off('data', onData);
        resolve(Buffer.concat(parts));
      }
    };
    stream.on('data', onData);
    stream.once('error', reject);
  });
}

describe('SerialFramedStream and SerialLinkListener', () => {
  it('carry bytes both ways in chunks of at most 1 KiB', async () => {
    const { pc, phone } = await linkPair();
    const big = Buffer.alloc(100_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const atPhone = collect(phone, big.length);
    pc.write(big);
    expect(hex(await atPhone)).toBe(hex(big));
    const atPc = collect(pc, 5);
    phone.write(Buffer.from('hello'));
    expect((await atPc).toString()).toBe('hello');
    expect(pc.stats.chunksOut).toBeGreaterThanOrEqual(Math.ceil(big.length / MAX_PAYLOAD));
  });

  it('runs TLS 1.3 over the link', async () => {
    const { pc, phone } = await linkPair();
    const [client, server] = await Promise.all([
      connectSecure(pc, createIdentity('pc'), 'session'),
      acceptSecure(phone, createIdentity('phone')),
    ]);
    const echoed = collect(client.socket, 3000);
    server.socket.on('data', (data: Buffer) => server.socket.write(data));
    client.socket.write(Buffer.alloc(3000, 0x42));
    expect((await echoed).length).toBe(3000);
    client.socket.destroy();
    server.socket.destroy();
  });

  it('keeps working when garbage lands between chunks', async () => {
    let injected = false;
    const { pc, phone, listener } = await linkPair((bytes) => {
      if (injected) return bytes;
      injected = true;
      return Buffer.concat([bytes, Buffer.from('\x00NO CARRIER\r\n\x00'), Buffer.from([0x05, 0x11])]);
    });
    const atPhone = collect(phone, 4);
    pc.write(Buffer.from('ping'));
    expect((await atPhone).toString()).toBe('ping');
    expect(listener.stats.invalid + listener.stats.badChecksum).toBeGreaterThanOrEqual(2);
  });

  it('closes the link with a clear error when noise destroyed a chunk', async () => {
    let n = 0;
    const { pc, phone, listener } = await linkPair((bytes) => {
      if (bytes.length === 1) return bytes; // a heartbeat
      n++;
      if (n !== 3) return bytes;
      const out = Buffer.from(bytes);
      out[5] = out[5]! ^ 0x10;
      return out;
    });
    const failed = new Promise<Error>((resolve) => phone.once('error', resolve));
    const pcEnded = new Promise<void>((resolve) => pc.once('end', resolve));
    pc.resume();
    pc.write(Buffer.from('one')); // write 2 (write 1 was OPEN)
    pc.write(Buffer.from('two')); // write 3: damaged
    pc.write(Buffer.from('three'));
    const error = await failed;
    expect(error).toBeInstanceOf(LinkError);
    expect(error.message).toMatch(/noise on serial:phone lost data \(chunk 1 missing, 2 arrived\)/);
    expect(listener.stats.badChecksum + listener.stats.invalid).toBe(1);
    expect(listener.stats.gaps).toBe(1);
    await pcEnded; // the phone's CLOSE reached the companion
  });

  it('ends the other side cleanly when one side ends', async () => {
    const { pc, phone } = await linkPair();
    const ended = new Promise<void>((resolve) => phone.once('end', resolve));
    phone.resume();
    pc.end();
    await ended;
  });

  it('ends both ways when the phone ends the link first', async () => {
    const { pc, phone, listener } = await linkPair();
    const pcEnded = new Promise<void>((resolve) => pc.once('end', resolve));
    const phoneClosed = new Promise<void>((resolve) => phone.once('close', resolve));
    pc.resume();
    phone.resume();
    phone.end();
    await pcEnded;
    await phoneClosed;
    expect(listener.stats.stale).toBe(0);
  });

  it('replaces the link when a new companion opens one (one link at a time)', async () => {
    const wire = wirePair();
    const listener = new SerialLinkListener(wire.phone, { name: 'serial:phone' });
    const links: SerialFramedStream[] = [];
    listener.on('link', (link) => {
      link.on('error', () => undefined);
      links.push(link);
    });
    const first = await SerialFramedStream.connect(wire.pc, { name: 'pc', timeoutMs: 1_000, linkId: 1 });
    first.on('error', () => undefined);
    // A second companion on the same line (the first died without a word): same raw stream, new link id.
    const second = await SerialFramedStream.connect(wire.pc, { name: 'pc', timeoutMs: 1_000, linkId: 2 });
    opened.push(first, second);
    expect(links.map((l) => l.linkId)).toEqual([1, 2]);
    expect(links[0]!.destroyed).toBe(true);
    const atPhone = collect(links[1]!, 2);
    second.write(Buffer.from('ok'));
    expect((await atPhone).toString()).toBe('ok');
  });

  it('answers a repeated OPEN without starting over', async () => {
    const wire = wirePair();
    const listener = new SerialLinkListener(wire.phone, { name: 'serial:phone' });
    const links: SerialFramedStream[] = [];
    listener.on('link', (link) => links.push(link));
    const open = encodeChunks([{ kind: 'open', link: 42, seq: 0, payload: new Uint8Array(0) }]);
    const answers = new ChunkDecoder();
    const accepted: Chunk[] = [];
    wire.pc.on('data', (data: Buffer) => accepted.push(...answers.push(data)));
    wire.pc.write(open);
    wire.pc.write(open);
    await new Promise((resolve) => setImmediate(resolve));
    expect(links).toHaveLength(1);
    expect(accepted.map((c) => `${c.kind} ${c.link}`)).toEqual(['accept 42', 'accept 42']);
    links[0]!.destroy();
  });

  it('gives up with a clear error when no phone answers', async () => {
    const wire = wirePair();
    wire.phone.resume();
    const attempt = SerialFramedStream.connect(wire.pc, { name: 'serial:/dev/ttyACM0', timeoutMs: 500 });
    await expect(attempt).rejects.toThrow(/no phone answered on serial:\/dev\/ttyACM0 within 0.5 s/);
    await expect(attempt).rejects.toMatchObject({ reason: 'unreachable' });
  });

  it('writes a lone 0x00 every second, which receivers ignore, to notice a port that went away', async () => {
    vi.useFakeTimers();
    try {
      const writes: Buffer[] = [];
      const raw = new Duplex({
        read() {},
        write(chunk: Buffer, _encoding, callback) {
          writes.push(chunk);
          callback(writes.length > 1 ? new Error('EIO: i/o error, write') : null);
        },
      });
      const line = new SerialLine(raw, { name: 'serial:hung-up' });
      const closed = new Promise<Error>((resolve) => line.once('close', resolve));
      await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
      expect(writes.map(hex)).toEqual(['00']);
      expect(new ChunkDecoder().push(writes[0]!)).toEqual([]);
      await vi.advanceTimersByTimeAsync(HEARTBEAT_MS);
      expect((await closed).message).toMatch(/serial:hung-up went away.*EIO: i\/o error, write/);
      expect(line.isOpen).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('fails the link with a clear error when the port goes away', async () => {
    const { pc, wire } = await linkPair();
    const failed = new Promise<Error>((resolve) => pc.once('error', resolve));
    wire.pc.destroy();
    const error = await failed;
    expect(error.message).toMatch(/serial:pc went away: the device was unplugged or closed/);
  });
});
