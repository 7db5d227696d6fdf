// Hostile peers against the phone simulator process, over loopback: a relaying man in the middle, plaintext
// and downgraded TLS, an oversized length prefix, random and malformed frames, and a connection flood.
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { EXIT } from '../../main/core/exit-codes.js';
import type { Identity } from '../../native-bridge/link/identity.js';
import {
  type Phone,
  cleanup,
  importDist,
  requireDist,
  runBtoe,
  show,
  startPhone,
  tempDir,
} from './helpers/processes.js';

type TlsModule = typeof import('../../native-bridge/link/tls.js');
type IdentityModule = typeof import('../../native-bridge/link/identity.js');
type MessagesModule = typeof import('../../native-bridge/link/messages.js');
type PairingModule = typeof import('../../native-bridge/link/pairing.js');

let dist: {
  tls: TlsModule;
  identity: IdentityModule;
  messages: MessagesModule;
  pairing: PairingModule;
};

beforeAll(async () => {
  requireDist();
  dist = {
    tls: await importDist<TlsModule>('native-bridge/link/tls.js'),
    identity: await importDist<IdentityModule>('native-bridge/link/identity.js'),
    messages: await importDist<MessagesModule>('native-bridge/link/messages.js'),
    pairing: await importDist<PairingModule>('native-bridge/link/pairing.js'),
  };
});

/** Sockets and servers this file opened in the test process: closed after each test, pass or fail. */
const disposers: Array<() => void> = [];

afterEach(async () => {
  for (const dispose of disposers.splice(0)) {
    try {
      dispose();
    } catch {
      // already gone
    }
  }
  await cleanup();
});

const isFailure = (reason: string) => (e: { event: string; reason?: unknown }) =>
  e.event === 'pairing-failed' && e.reason === reason;

/** The limit on a message before the peer is authenticated (docs/protocol.md, "Framing"). */
const UNAUTHENTICATED_LIMIT = 1024;

function frame(body: Buffer | string): Buffer {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const header = Buffer.alloc(4);
  header.writeUInt32BE(bytes.length, 0);
  return Buffer.concat([header, bytes]);
}

const json = (message: Record<string, unknown>) => frame(JSON.stringify(message));

function connectTcp(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    disposers.push(() => socket.destroy());
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Waits for a socket to close; resolves what it received (nothing is ever written back). */
function drain(socket: net.Socket, what: string, timeoutMs = 10_000): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  socket.on('error', () => {});
  return new Promise((resolve, reject) => {
    if (socket.destroyed) return resolve(Buffer.concat(chunks));
    const timer = setTimeout(
      () => reject(new Error(`${what}: still open after ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
  });
}

interface ReceivedFrame {
  message?: Record<string, unknown>;
  /** Why the phone's frame is not a valid protocol message (it never should be). */
  invalid?: string;
}

/** A pairing-ALPN TLS connection to the phone that reads its frames as they come. */
class FrameClient {
  readonly frames: ReceivedFrame[] = [];
  closed = false;
  private buffer = Buffer.alloc(0);
  private readonly waiters = new Set<() => void>();

  private constructor(readonly socket: tls.TLSSocket) {
    disposers.push(() => socket.destroy());
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', () => {
      // the phone may reset a link it refused; 'close' follows
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
  }

  /** Connects, reads the phone's hello (it speaks first) and acknowledges it. */
  static async open(port: number, identity: Identity): Promise<FrameClient> {
    const transport = await connectTcp(port);
    const channel = await dist.tls.connectSecure(transport, identity, 'pairing');
    const client = new FrameClient(channel.socket);
    await client.until(() => client.frames.length > 0 || client.closed, 'the phone did not say hello');
    const hello = client.frames[0]?.message;
    if (hello?.type !== 'hello' || hello.role !== 'phone') {
      throw new Error(`expected the phone's hello first, got ${JSON.stringify(client.frames[0])}`);
    }
    client.write(json({ type: 'ack', re: hello.id }));
    return client;
  }

  write(bytes: Buffer): void {
    if (!this.closed) this.socket.write(bytes);
  }

  /** Waits until `done()` holds; fails after timeoutMs with `what`. */
  until(done: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${what} within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }

  /** Half-closes our side and waits for the phone to close its side. */
  async finish(): Promise<void> {
    if (!this.closed) this.socket.end();
    await this.until(() => this.closed, 'the phone did not close the link after we did');
  }

  private receive(chunk: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    for (;;) {
      if (this.buffer.length < 4) break;
      const length = this.buffer.readUInt32BE(0);
      if (length === 0 || length > 64 * 1024) {
        this.frames.push({ invalid: `a frame prefix of ${length}` });
        this.buffer = Buffer.alloc(0);
        break;
      }
      if (this.buffer.length < 4 + length) break;
      const body = this.buffer.subarray(4, 4 + length);
      this.buffer = this.buffer.subarray(4 + length);
      try {
        this.frames.push({ message: dist.messages.decodeMessage(body) as Record<string, unknown> });
      } catch (error) {
        this.frames.push({ invalid: `${(error as Error).message}: ${body.toString('utf8').slice(0, 200)}` });
      }
    }
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Reads the resident set size of a process in KiB (Linux). */
function rssKiB(pid: number): number | undefined {
  const path = `/proc/${pid}/status`;
  if (!existsSync(path)) return undefined;
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(path, 'utf8'));
  return match ? Number(match[1]) : undefined;
}

async function pairWithCode(phone: Phone): Promise<void> {
  const store = await tempDir();
  const code = await phone.openPairing();
  const from = phone.mark();
  const result = await runBtoe(['pair', phone.address, '--code', code], { store });
  expect(result.code, show(result)).toBe(EXIT.ok);
  await phone.waitFor('paired', 10_000, from);
}

describe('a relaying man in the middle', () => {
  it('cannot pair even with the correct code, and the attempt only counts as a failure', async () => {
    const phone = await startPhone();
    const code = await phone.openPairing();
    const towardsBtoe = dist.identity.createIdentity('relay');
    const towardsPhone = dist.identity.createIdentity('relay');
    const relayed: string[] = [];
    const relayErrors: string[] = [];
    const relay = net.createServer((socket) => {
      disposers.push(() => socket.destroy());
      socket.on('error', () => {});
      void (async () => {
        try {
          const inner = await dist.tls.acceptSecure(socket, towardsBtoe);
          const outer = await dist.tls.connectSecure(
            await connectTcp(phone.port),
            towardsPhone,
            inner.purpose,
          );
          relayed.push(inner.purpose);
          for (const [from, to] of [
            [inner.socket, outer.socket],
            [outer.socket, inner.socket],
          ] as const) {
            from.on('error', () => to.destroy());
            from.on('close', () => setTimeout(() => to.destroy(), 200).unref());
            from.pipe(to);
          }
        } catch (error) {
          relayErrors.push((error as Error).message);
          socket.destroy();
        }
      })();
    });
    disposers.push(() => relay.close());
    await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
    const relayPort = (relay.address() as net.AddressInfo).port;

    const store = await tempDir();
    const from = phone.mark();
    const result = await runBtoe(['pair', `tcp://127.0.0.1:${relayPort}`, '--code', code], { store });
    expect(relayErrors).toEqual([]);
    expect(relayed).toEqual(['pairing']);
    expect(result.code, show(result)).toBe(EXIT['pairing-failed']);
    expect(result.stderr).toMatch(/code did not match/);
    await phone.waitFor(isFailure('wrong-code'), 10_000, from);
    await phone.barrier();
    expect(phone.list('paired')).toEqual([]);
    const status = await runBtoe(['status', '--json'], { store });
    expect(status.json).toMatchObject({ phones: [] });

    // Directly, the same code still pairs: the relayed attempt cost one of the five tries, nothing more.
    const before = phone.mark();
    const direct = await runBtoe(['pair', phone.address, '--code', code], { store });
    expect(direct.code, show(direct)).toBe(EXIT.ok);
    await phone.waitFor('paired', 10_000, before);
  });
});

describe('transport security', () => {
  it('drops a plaintext client without answering and keeps serving', async () => {
    const phone = await startPhone();
    const socket = await connectTcp(phone.port);
    const closed = drain(socket, 'the plaintext connection');
    socket.write(json({ type: 'hello', id: 1, protocol: 1, role: 'companion', name: 'x', app: 'y' }));
    const received = await closed;
    // Nothing, or at most a TLS alert record (content type 21): never a frame of the protocol.
    if (received.length > 0) expect(received[0]).toBe(0x15);
    await phone.waitForLog(/connection refused/);
    await pairWithCode(phone);
  });

  it('refuses TLS 1.2, an unknown ALPN and no ALPN at all', async () => {
    const phone = await startPhone();
    const identity = dist.identity.createIdentity('client');
    const attempt = (options: tls.ConnectionOptions) =>
      new Promise<{ secure: boolean; error?: string; received: number }>((resolve) => {
        const socket = tls.connect({
          host: '127.0.0.1',
          port: phone.port,
          rejectUnauthorized: false,
          key: identity.privateKeyPem,
          cert: identity.certificatePem,
          ...options,
        });
        disposers.push(() => socket.destroy());
        const outcome: { secure: boolean; error?: string; received: number } = { secure: false, received: 0 };
        socket.on('secureConnect', () => (outcome.secure = true));
        socket.on('data', (chunk: Buffer) => (outcome.received += chunk.length));
        socket.on('error', (error) => (outcome.error = error.message));
        socket.on('close', () => resolve(outcome));
      });

    const old = await attempt({ maxVersion: 'TLSv1.2', ALPNProtocols: ['btoe-pair/1'] });
    expect(old.secure).toBe(false);
    expect(old.error).toMatch(/protocol version|unsupported protocol/i);

    const unknown = await attempt({ ALPNProtocols: ['btoe/0'] });
    expect(unknown.secure).toBe(false);
    expect(unknown.error).toMatch(/application protocol/i);

    // Without ALPN the handshake may finish, but the phone hangs up before saying anything.
    const none = await attempt({});
    expect(none.received).toBe(0);

    await phone.waitForLog(/connection refused/, 3);
    await pairWithCode(phone);
  });

  it('answers an oversized length prefix with bad-frame and closes, without allocating for it', async () => {
    const phone = await startPhone();
    const identity = dist.identity.createIdentity('client');
    // Warm up the phone's TLS and framing paths so that the measurement sees only the attack.
    for (let i = 0; i < 3; i++) await (await FrameClient.open(phone.port, identity)).finish();
    const client = await FrameClient.open(phone.port, identity);
    const before = rssKiB(phone.pid);

    const start = client.frames.length;
    client.write(Buffer.from([0x7f, 0xff, 0xff, 0xff]));
    await client.until(() => client.closed, 'the phone did not close the link');
    const after = rssKiB(phone.pid);

    expect(client.frames.slice(start)).toEqual([
      { message: expect.objectContaining({ type: 'error', re: 0, code: 'bad-frame' }) },
    ]);
    if (before !== undefined && after !== undefined) expect(after - before).toBeLessThan(4 * 1024);
    expect(phone.alive).toBe(true);
    await (await FrameClient.open(phone.port, identity)).finish();
  });

  it('answers the complete messages in front of a bad length prefix in the same read', async () => {
    const phone = await startPhone();
    const client = await FrameClient.open(phone.port, dist.identity.createIdentity('client'));
    const start = client.frames.length;
    client.write(Buffer.concat([json({ type: 'no-such-type', id: 5 }), Buffer.from([0, 0, 0, 0])]));
    await client.until(() => client.closed, 'the phone did not close the link');
    expect(client.frames.slice(start)).toEqual([
      { message: expect.objectContaining({ type: 'error', re: 5, code: 'unknown-type' }) },
      { message: expect.objectContaining({ type: 'error', re: 0, code: 'bad-frame' }) },
    ]);
  });
});

describe('slots and deadlines before authentication', () => {
  /** A paired store and the phone; `btoe lock` through it must work whatever else holds the phone. */
  async function pairedStore(phone: Phone): Promise<string> {
    const store = await tempDir();
    const code = await phone.openPairing();
    const result = await runBtoe(['pair', phone.address, '--code', code], { store });
    expect(result.code, show(result)).toBe(EXIT.ok);
    return store;
  }

  it('four idle connections (and four stalled handshakes) no longer lock the paired PC out', async () => {
    const phone = await startPhone();
    const store = await pairedStore(phone);
    const identity = dist.identity.createIdentity('squatter');
    // Four connections past TLS that never start pairing, one of them stalled in the middle of a frame...
    const idle = await Promise.all(Array.from({ length: 4 }, () => FrameClient.open(phone.port, identity)));
    idle[0]!.write(Buffer.from([0, 0, 0, 40, 0x7b]));
    // ...and four more that never even start TLS.
    const silent = await Promise.all(Array.from({ length: 4 }, () => connectTcp(phone.port)));
    const from = phone.mark();
    const lock = await runBtoe(['lock'], { store });
    expect(lock.code, show(lock)).toBe(EXIT.ok);
    await phone.waitFor('locked', 5_000, from);
    // The squatters were not needed out of the way: the pinned PC took no place of theirs.
    expect(idle.map((c) => c.closed)).toEqual([false, false, false, false]);
    expect(silent).toHaveLength(4);
  });

  it('tells an unpaired PC the phone is busy, and btoe says so instead of blaming the address', async () => {
    const phone = await startPhone();
    const identity = dist.identity.createIdentity('squatter');
    const idle = await Promise.all(Array.from({ length: 4 }, () => FrameClient.open(phone.port, identity)));
    const fifth = await connectTcp(phone.port);
    const channel = await dist.tls.connectSecure(fifth, identity, 'pairing');
    const received = await drain(channel.socket, 'the fifth connection');
    const body = JSON.parse(received.subarray(4).toString('utf8')) as Record<string, unknown>;
    expect(body).toMatchObject({ type: 'error', re: 0, code: 'phone-busy' });
    await phone.waitForLog(/busy: too many unauthenticated connections/);

    const result = await runBtoe(['pair', phone.address, '--code', 'ABCD-2345', '--json'], {
      store: await tempDir(),
    });
    expect(result.code, show(result)).toBe(EXIT['no-answer']);
    expect(result.json).toMatchObject({ ok: false, error: { kind: 'phone-busy' } });
    expect(JSON.stringify(result.json)).toMatch(/the phone is busy/);
    expect(JSON.stringify(result.json)).not.toMatch(/check the phone's address/);
    for (const client of idle) expect(client.closed).toBe(false);
  });

  it('closes a pairing connection that never pairs, and one stalled mid-frame, at its deadline', async () => {
    const phone = await startPhone();
    const identity = dist.identity.createIdentity('staller');
    const idle = await FrameClient.open(phone.port, identity);
    const stalled = await FrameClient.open(phone.port, identity);
    stalled.write(Buffer.from([0, 0, 0, 40, 0x7b, 0x22]));
    await idle.until(() => idle.closed, 'the phone did not close the idle connection', 30_000);
    await stalled.until(() => stalled.closed, 'the phone did not close the stalled connection', 30_000);
    await phone.waitForLog(/no pairing within the deadline/, 2);
    await pairWithCode(phone);
  }, 40_000);

  it('closes a connection after 16 invalid requests', async () => {
    const phone = await startPhone();
    const client = await FrameClient.open(phone.port, dist.identity.createIdentity('noisy'));
    const start = client.frames.length;
    client.write(
      Buffer.concat(Array.from({ length: 20 }, (_, i) => json({ type: 'no-such-type', id: i + 1 }))),
    );
    await client.until(() => client.closed, 'the phone did not close the noisy connection');
    const got = client.frames.slice(start).map((f) => f.message);
    expect(got.filter((m) => m?.code === 'unknown-type')).toHaveLength(16);
    expect(got.at(-1)).toMatchObject({ type: 'error', re: 0, code: 'bad-message' });
    expect(phone.alive).toBe(true);
  });
});

// Property-based: hostile bytes against one long-running simulator.

/** Every message type of the protocol (docs/protocol.md): anything else is answered with unknown-type. */
const MESSAGE_TYPES = [
  'hello',
  'pair-start',
  'pair-confirm',
  'lock',
  'unlock',
  'dial',
  'answer',
  'reject',
  'hangup',
  'hold',
  'resume',
  'mute',
  'call',
  'lock-state',
  'sign-in-request',
  'sign-in-response',
  'sign-in-state',
  'unpair',
  'ping',
  'ack',
  'error',
  'pair-reply',
];

const MAX_ID = 0xffff_ffff;
/** Ids of our own hello probes: above any id the generators use, so responses to them are unambiguous. */
const PROBE_IDS_FROM = 0xf000_0000;
const PORT_MAC = '02:00:5e:10:99:01';

type Prediction =
  /** Every frame complete and answered with an error; the link stays open. */
  | { kind: 'open'; answered: Answer[] }
  /**
   * The link closes with an error re 0 carrying `code`, after the answers to the complete frames before it.
   */
  | { kind: 'closed'; answered: Answer[]; code: string }
  /** The phone waits for the rest of a frame. */
  | { kind: 'pending'; answered: Answer[] }
  /** A schema-valid message: the phone acts on it; `last` if nothing follows it. */
  | { kind: 'valid'; answered: Answer[]; last: boolean; id: number | undefined };

interface Answer {
  re: number;
  code: string;
}

/**
 * What the phone must do with these bytes, from the framing and envelope rules of docs/protocol.md: a bad
 * length prefix, an unreadable body or an invalid hello closes the link; any other readable envelope with an id
 * is answered with an error and the link goes on. Only schema validity is taken from the code (dist's messageSchema).
 */
function predict(bytes: Buffer): Prediction {
  const answered: Answer[] = [];
  let offset = 0;
  for (;;) {
    const rest = bytes.length - offset;
    if (rest === 0) return { kind: 'open', answered };
    if (rest < 4) return { kind: 'pending', answered };
    const length = bytes.readUInt32BE(offset);
    if (length === 0 || length > UNAUTHENTICATED_LIMIT)
      return { kind: 'closed', answered, code: 'bad-frame' };
    if (rest - 4 < length) return { kind: 'pending', answered };
    const body = bytes.subarray(offset + 4, offset + 4 + length);
    offset += 4 + length;
    const verdict = classify(body);
    if (verdict.kind === 'valid')
      return { kind: 'valid', answered, last: offset === bytes.length, id: verdict.id };
    if (verdict.kind === 'unreadable') return { kind: 'closed', answered, code: verdict.code };
    answered.push({ re: verdict.id, code: verdict.code });
  }
}

function classify(
  body: Buffer,
):
  | { kind: 'valid'; id: number | undefined }
  | { kind: 'unreadable'; code: string }
  | { kind: 'answered'; id: number; code: string } {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return { kind: 'unreadable', code: 'bad-message' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { kind: 'unreadable', code: 'bad-message' };
  const { type, id } = value as { type?: unknown; id?: unknown };
  const idOk = id === undefined || (Number.isInteger(id) && (id as number) >= 1 && (id as number) <= MAX_ID);
  if (typeof type !== 'string' || type.length > 64 || !idOk)
    return { kind: 'unreadable', code: 'bad-message' };
  const requestId = id as number | undefined;
  const code = MESSAGE_TYPES.includes(type) ? 'bad-message' : 'unknown-type';
  if (code === 'bad-message' && dist.messages.messageSchema.safeParse(value).success)
    return { kind: 'valid', id: requestId };
  // An invalid hello ends the link: nothing can follow it (docs/protocol.md, "Framing").
  if (type === 'hello') return { kind: 'unreadable', code };
  return requestId === undefined ? { kind: 'unreadable', code } : { kind: 'answered', id: requestId, code };
}

const hex = (n: number) =>
  fc.uint8Array({ minLength: n, maxLength: n }).map((b) => Buffer.from(b).toString('hex'));
const requestId = fc.integer({ min: 1, max: PROBE_IDS_FROM - 1 });
const mac = fc.oneof(
  fc.constant(PORT_MAC),
  fc
    .uint8Array({ minLength: 6, maxLength: 6 })
    .map((b) => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':')),
);
const shortText = (max: number) => fc.string({ maxLength: max });

/** Messages that pass (or nearly pass) the schemas, some mutated: the phone must act on them or answer. */
function validLooking(shares: string[]): fc.Arbitrary<Record<string, unknown>> {
  const share = fc.oneof(fc.constantFrom(...shares), hex(32));
  const bare = fc.record({
    type: fc.constantFrom('lock', 'unlock', 'answer', 'reject', 'hangup', 'hold', 'resume', 'unpair', 'ping'),
    id: requestId,
  });
  const message: fc.Arbitrary<Record<string, unknown>> = fc.oneof(
    fc.record({
      type: fc.constant('hello'),
      id: requestId,
      protocol: fc.constantFrom(1, 2),
      role: fc.constant('companion'),
      name: shortText(64),
      app: shortText(64),
    }),
    fc.record({
      type: fc.constant('hello'),
      id: requestId,
      protocol: fc.constant(1),
      role: fc.constant('phone'),
      vendor: shortText(16),
      family: shortText(16),
      model: shortText(16),
      firmware: shortText(16),
      serial: shortText(16),
      mac,
      lockType: fc.constantFrom('phone-lock', 'device-lock'),
      capabilities: fc.array(fc.constantFrom('lock', 'call-control', 'sign-in'), { maxLength: 3 }),
      pairing: fc.record({
        mode: fc.constantFrom('auto', 'manual'),
        window: fc.constantFrom('open', 'closed'),
        peerOnPcPort: fc.boolean(),
      }),
    }),
    fc.record({
      type: fc.constant('pair-start'),
      id: requestId,
      mode: fc.constantFrom('auto', 'manual'),
      sid: hex(16),
      share,
      macs: fc.array(mac, { maxLength: 4 }),
    }),
    fc.record({ type: fc.constant('pair-confirm'), id: requestId, tag: hex(64) }),
    bare,
    fc.record({ type: fc.constant('dial'), id: requestId, number: fc.stringMatching(/^\+?[0-9*#]{1,12}$/) }),
    fc.record({ type: fc.constant('mute'), id: requestId, muted: fc.boolean() }),
    fc.record({
      type: fc.constant('call'),
      id: requestId,
      callId: fc.integer({ min: 1, max: MAX_ID }),
      state: fc.constantFrom('dialing', 'ringback', 'offering', 'connected', 'held', 'ended', 'failed'),
      direction: fc.constantFrom('in', 'out'),
      number: shortText(20),
      muted: fc.boolean(),
    }),
    fc.record({ type: fc.constant('lock-state'), id: requestId, locked: fc.boolean() }),
    fc.record({ type: fc.constant('sign-in-request'), id: requestId, method: fc.constant('credentials') }),
    fc.record({
      type: fc.constant('sign-in-response'),
      id: requestId,
      method: fc.constant('credentials'),
      user: shortText(20),
      password: shortText(20),
    }),
    fc.record({ type: fc.constant('sign-in-state'), id: requestId, user: fc.option(shortText(20)) }),
    fc.record({ type: fc.constant('ack'), re: fc.integer({ min: 0, max: 8 }) }),
    fc.record({
      type: fc.constant('error'),
      re: fc.integer({ min: 0, max: 8 }),
      code: fc.constantFrom('bad-message', 'pairing-failed', 'internal'),
      message: shortText(40),
    }),
    fc.record({ type: fc.constant('pair-reply'), re: fc.integer({ min: 0, max: 8 }), share, tag: hex(64) }),
  );
  const mutation = fc.oneof(
    fc.constant((m: Record<string, unknown>) => m),
    fc.constant((m: Record<string, unknown>) => m),
    fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 1 })).map(([i, v]) => (m: Record<string, unknown>) => {
      const keys = Object.keys(m);
      return { ...m, [keys[i % keys.length]!]: v };
    }),
    fc.nat().map((i) => (m: Record<string, unknown>) => {
      const keys = Object.keys(m);
      const { [keys[i % keys.length]!]: _, ...rest } = m;
      return rest;
    }),
    fc
      .tuple(shortText(8), fc.jsonValue({ maxDepth: 1 }))
      .map(([k, v]) => (m: Record<string, unknown>) => ({ ...m, [`x-${k}`]: v })),
  );
  return fc.tuple(message, mutation).map(([m, mutate]) => mutate(m));
}

/** JSON bodies, most of them objects with a (maybe bad) type and id. */
const randomJson: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }),
  fc
    .tuple(
      fc.dictionary(shortText(8), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
      fc.record(
        {
          type: fc.oneof(fc.constantFrom(...MESSAGE_TYPES), fc.string({ maxLength: 70 })),
          id: fc.oneof(requestId, requestId, fc.constantFrom(0, -1, 1.5, MAX_ID + 1, null, '7', true)),
        },
        { requiredKeys: ['type'] },
      ),
    )
    .map(([extra, envelope]) => ({ ...extra, ...envelope })),
);

describe('hostile bytes (property-based)', () => {
  it('never brings the phone down: bad frames are answered or cut off, and pairing still works', async () => {
    const phone = await startPhone(['--test-peer-on-pc-port']);
    await phone.openPairing();
    const identity = dist.identity.createIdentity('fuzzer');
    const shares = Array.from({ length: 6 }, () => {
      const initiator = new dist.pairing.PairingInitiator({
        password: 'ABCD2345',
        channelId: randomBytes(32),
        companionSpkiHash: randomBytes(32),
        phoneSpkiHash: randomBytes(32),
      });
      return Buffer.from(initiator.share).toString('hex');
    });
    let client: FrameClient | undefined;
    let probeId = PROBE_IDS_FROM;
    let connections = 0;
    let cases = 0;

    /**
     * The open link, or a fresh one (whose hello proves the phone still serves new connections). A link is
     * retired, before a case could cross them, well ahead of the phone's per-connection limits: 16 invalid
     * requests (a case sends at most 5) and 10 s to start pairing.
     */
    let openedAt = 0;
    const invalidAnswers = (c: FrameClient) =>
      c.frames.filter((f) => f.message?.code === 'bad-message' || f.message?.code === 'unknown-type').length;
    const link = async (): Promise<FrameClient> => {
      if (client && !client.closed) {
        if (invalidAnswers(client) < 10 && Date.now() - openedAt < 3_000) return client;
        await client.finish();
      }
      client = await FrameClient.open(phone.port, identity);
      openedAt = Date.now();
      connections++;
      return client;
    };

    const check = async (bytes: Buffer): Promise<void> => {
      cases++;
      const prediction = predict(bytes);
      const c = await link();
      const start = c.frames.length;
      const context = () =>
        `bytes ${bytes.toString('hex').slice(0, 400)}\nprediction ${JSON.stringify(prediction)}\nframes ${JSON.stringify(c.frames.slice(start))}\n${phone.describe().slice(-2000)}`;
      const errors = (answers: Answer[]) =>
        answers.map((a) => ({ message: expect.objectContaining({ type: 'error', re: a.re, code: a.code }) }));
      const probe = async (): Promise<number> => {
        const id = probeId++;
        c.write(json({ type: 'hello', id, protocol: 1, role: 'companion', name: 'fuzzer', app: 'test' }));
        const acked = () => c.frames.some((f) => f.message?.type === 'ack' && f.message.re === id);
        await c.until(
          () => c.closed || acked(),
          `no ack for the probe and the link stayed open\n${context()}`,
        );
        return id;
      };
      c.write(bytes);
      switch (prediction.kind) {
        case 'open': {
          const id = await probe();
          expect(c.closed, context()).toBe(false);
          expect(c.frames.slice(start), context()).toEqual([
            ...errors(prediction.answered),
            { message: { type: 'ack', re: id } },
          ]);
          break;
        }
        case 'closed': {
          await c.until(() => c.closed, `the phone did not close the link\n${context()}`);
          const got = c.frames.slice(start);
          const code = got.at(-1)?.message?.code;
          expect(code, context()).toBe(prediction.code);
          const kept = prediction.answered;
          expect(got, context()).toEqual([
            ...errors(kept),
            { message: expect.objectContaining({ type: 'error', re: 0, code }) },
          ]);
          break;
        }
        case 'pending': {
          const count = prediction.answered.length;
          await c.until(() => c.closed || c.frames.length - start >= count, `missing answers\n${context()}`);
          expect(c.closed, context()).toBe(false);
          await c.finish();
          expect(c.frames.slice(start), context()).toEqual(errors(prediction.answered));
          break;
        }
        case 'valid': {
          if (prediction.last) {
            const id = await probe();
            const got = c.frames.slice(start);
            const answeredRe = got.map((f) => f.message?.re);
            // A request the phone acted on gets exactly one response before our probe's, besides the answers
            // to earlier frames of the case that reused its id (fast-check favours ids near the bounds).
            if (!c.closed && prediction.id !== undefined) {
              const earlier = prediction.answered.filter((a) => a.re === prediction.id).length;
              expect(answeredRe.filter((re) => re === prediction.id).length, context()).toBe(1 + earlier);
            }
            if (!c.closed) expect(answeredRe.at(-1), context()).toBe(id);
          } else {
            await c.finish();
          }
          break;
        }
      }
      for (const f of c.frames.slice(start)) expect(f.invalid, context()).toBeUndefined();
      expect(phone.alive, context()).toBe(true);
    };

    const runs = (numRuns: number) => ({ numRuns, endOnFailure: true });
    const send = (arb: fc.Arbitrary<Buffer>, numRuns: number) =>
      fc.assert(fc.asyncProperty(arb, check), runs(numRuns));

    const messageBody = validLooking(shares).map((m) => Buffer.from(JSON.stringify(m), 'utf8'));
    // Random bytes: almost always a length prefix beyond the cap.
    await send(
      fc.uint8Array({ minLength: 1, maxLength: 1100 }).map((b) => Buffer.from(b)),
      400,
    );
    // A plausible length prefix (right, short or long) followed by random bytes.
    await send(
      fc
        .tuple(fc.integer({ min: 0, max: 1100 }), fc.uint8Array({ maxLength: 1100 }))
        .map(([length, body]) => {
          const header = Buffer.alloc(4);
          header.writeUInt32BE(length, 0);
          return Buffer.concat([header, body]);
        }),
      400,
    );
    // Valid frames cut short.
    await send(
      messageBody.chain((body) => {
        const whole = frame(body);
        return fc.integer({ min: 1, max: whole.length - 1 }).map((n) => whole.subarray(0, n));
      }),
      400,
    );
    // Valid frames around random JSON.
    await send(
      randomJson.map((value) => frame(JSON.stringify(value))),
      800,
    );
    // Valid-looking messages, alone and several in one write.
    await send(messageBody.map(frame), 800);
    await send(
      fc
        .array(
          fc.oneof(
            messageBody,
            randomJson.map((v) => Buffer.from(JSON.stringify(v))),
          ),
          {
            minLength: 2,
            maxLength: 5,
          },
        )
        .map((bodies) => Buffer.concat(bodies.map(frame))),
      200,
    );

    expect(cases).toBe(3000);
    if (client) await client.finish();
    // A fresh connection still gets the phone's hello, and a real pairing works.
    await (await FrameClient.open(phone.port, identity)).finish();
    expect(phone.alive).toBe(true);
    await pairWithCode(phone);
    expect(connections).toBeGreaterThan(0);
    // Thousands of cases, and every invalid hello costs a new TLS connection (it ends the link): minutes on a
    // loaded two-core machine. A bound against hanging, not a timing claim.
  }, 300_000);
});
