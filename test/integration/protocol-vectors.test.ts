// The test vectors of docs/protocol.md, read from the document itself, checked against BOTH sides: the
// companion's and the phone's code paths in-process, and the simulator and `btoe` as separate processes.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import net from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { calculateGenerator, scalarFromBytesLE } from '../../native-bridge/link/cpace.js';
import { encodeFrame } from '../../native-bridge/link/frame.js';
import { createIdentity, identityFromPem, spkiHashOf } from '../../native-bridge/link/identity.js';
import { decodeMessage, encodeMessage, type Message } from '../../native-bridge/link/messages.js';
import { formatPairingCode, normalizePairingCode } from '../../native-bridge/link/pairing-code.js';
import {
  PairingInitiator,
  PairingResponder,
  associatedData,
  pairingChannelId,
} from '../../native-bridge/link/pairing.js';
import { acceptSecure, connectSecure } from '../../native-bridge/link/tls.js';
import { REPO, cleanup, runBtoe, show, startPhone, tempDir } from './helpers/processes.js';

type Vector = Record<string, string>;

function readVectors(): { vectors: Map<string, Vector>; pems: Map<string, string> } {
  const doc = readFileSync(join(REPO, 'docs/protocol.md'), 'utf8');
  const vectors = new Map<string, Vector>();
  for (const [, body = ''] of doc.matchAll(/^```vector\n([\s\S]*?)^```$/gm)) {
    const fields = Object.fromEntries(
      body
        .trim()
        .split('\n')
        .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
    );
    vectors.set(fields.name!, fields);
  }
  const pems = new Map<string, string>();
  for (const [, name = '', body = ''] of doc.matchAll(/^```pem ([a-z-]+)\n([\s\S]*?)^```$/gm))
    pems.set(name, body);
  return { vectors, pems };
}

const { vectors, pems } = readVectors();
const vector = (name: string): Vector => {
  const v = vectors.get(name);
  if (!v) throw new Error(`docs/protocol.md has no vector "${name}"`);
  return v;
};
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (h: string) => Buffer.from(h, 'hex');
const framed = [...vectors.values()].filter((v) => v.frame !== undefined);

describe('message encodings in docs/protocol.md', () => {
  it('has vectors for every message and error', () => {
    expect(framed.length).toBeGreaterThanOrEqual(45);
    const types = new Set(framed.map((v) => (JSON.parse(v.json!) as Message).type));
    for (const type of [
      'hello',
      'pair-start',
      'pair-reply',
      'pair-confirm',
      'lock',
      'unlock',
      'dial',
      'answer',
    ]) {
      expect(types).toContain(type);
    }
    for (const type of [
      'reject',
      'hangup',
      'hold',
      'resume',
      'mute',
      'call',
      'lock-state',
      'sign-in-request',
    ]) {
      expect(types).toContain(type);
    }
    for (const type of ['sign-in-response', 'sign-in-state', 'unpair', 'ping', 'ack', 'error'])
      expect(types).toContain(type);
  });

  it.each(framed.map((v) => [v.name!, v] as const))(
    '%s: encoder and decoder agree with the bytes',
    (_, v) => {
      const frame = bytes(v.frame!);
      expect(frame.readUInt32BE(0)).toBe(frame.length - 4);
      expect(frame.subarray(4).toString('utf8')).toBe(v.json);
      const message = decodeMessage(frame.subarray(4));
      expect(message).toEqual(JSON.parse(v.json!));
      expect(hex(encodeFrame(encodeMessage(message)))).toBe(v.frame);
    },
  );
});

describe('the Manual pairing transcript', () => {
  const v = vector('pairing/cpace');
  const companion = identityFromPem(pems.get('companion-key')!, pems.get('companion-certificate')!);
  const phone = identityFromPem(pems.get('phone-key')!, pems.get('phone-certificate')!);
  const inputs = {
    password: v.password!,
    channelId: bytes(v.exporter!),
    companionSpkiHash: companion.spkiHash,
    phoneSpkiHash: phone.spkiHash,
  };
  const sid = bytes(v.sid!);

  it('derives the identities and the password', () => {
    expect(hex(companion.spkiHash)).toBe(v.companionSpkiHash);
    expect(companion.id).toBe(v.companionId);
    expect(hex(phone.spkiHash)).toBe(v.phoneSpkiHash);
    expect(phone.id).toBe(v.phoneId);
    expect(normalizePairingCode(v['code-typed']!)).toBe(v.password);
    expect(formatPairingCode(v.password!)).toBe(v['code-shown']);
    expect(hex(calculateGenerator(Buffer.from(v.password!), inputs.channelId, sid))).toBe(v.generator);
    expect(hex(associatedData('companion', companion.spkiHash))).toBe(v.ADa);
    expect(hex(associatedData('phone', phone.spkiHash))).toBe(v.ADb);
  });

  it('is reproduced by the companion (initiator) and the phone (responder)', () => {
    const initiator = new PairingInitiator(inputs, { sid, scalar: scalarFromBytesLE(bytes(v.ya!)) });
    expect(hex(initiator.share)).toBe(v.Ya);
    const responder = new PairingResponder(inputs, sid, initiator.share, scalarFromBytesLE(bytes(v.yb!)));
    expect(hex(responder.share)).toBe(v.Yb);
    expect(hex(responder.tag)).toBe(v.Tb);
    const tag = initiator.finish(bytes(v.Yb!), bytes(v.Tb!));
    expect(tag && hex(tag)).toBe(v.Ta);
    expect(responder.confirms(bytes(v.Ta!))).toBe(true);

    const body = (name: string) => JSON.parse(vector(name).json!) as Record<string, unknown>;
    expect(body('pairing/5-pair-start')).toMatchObject({ mode: 'manual', sid: v.sid, share: v.Ya });
    expect(body('pairing/6-pair-reply')).toMatchObject({ share: v.Yb, tag: v.Tb });
    expect(body('pairing/7-pair-confirm')).toMatchObject({ tag: v.Ta });
  });

  it('fails with any other code or a relayed channel', () => {
    const initiator = new PairingInitiator({ ...inputs, password: '7XK2M9QE' }, { sid, scalar: 5n });
    const responder = new PairingResponder(inputs, sid, initiator.share, 7n);
    expect(initiator.finish(responder.share, responder.tag)).toBeUndefined();
    const relayed = new PairingInitiator(
      { ...inputs, channelId: bytes('00'.repeat(32)) },
      { sid, scalar: 5n },
    );
    const honest = new PairingResponder(inputs, sid, relayed.share, 7n);
    expect(relayed.finish(honest.share, honest.tag)).toBeUndefined();
  });
});

/** Reads whole frames off a TLS socket. */
function frameReader(socket: TLSSocket) {
  let buffer = Buffer.alloc(0);
  const waiting: Array<() => void> = [];
  socket.on('data', (chunk: Buffer) => {
    buffer = Buffer.concat([buffer, chunk]);
    waiting.splice(0).forEach((wake) => wake());
  });
  return async (): Promise<Buffer> => {
    for (;;) {
      if (buffer.length >= 4 && buffer.length >= 4 + buffer.readUInt32BE(0)) {
        const frame = buffer.subarray(0, 4 + buffer.readUInt32BE(0));
        buffer = buffer.subarray(frame.length);
        return frame;
      }
      await new Promise<void>((resolve, reject) => {
        waiting.push(resolve);
        socket.once('close', () => reject(new Error('the connection closed')));
      });
    }
  };
}

describe('the lock vector against the real processes', () => {
  afterEach(cleanup);

  async function pairedSimulatorAndStore() {
    const identityDir = await tempDir();
    const store = await tempDir();
    const phone = await startPhone(['--identity', identityDir]);
    const code = await phone.openPairing();
    const paired = await runBtoe(['pair', phone.address, '--code', code], { store });
    expect(paired.code, show(paired)).toBe(0);
    return { phone, store, identityDir };
  }

  /** A session with the simulator as the paired companion, speaking raw frames; the hellos are exchanged. */
  async function rawSession(port: number, store: string) {
    const companion = identityFromPem(
      await readFile(join(store, 'secrets/identity-key.key'), 'utf8'),
      await readFile(join(store, 'identity-cert.pem'), 'utf8'),
    );
    const channel = await connectSecure(net.connect(port, '127.0.0.1'), companion, 'session');
    const read = frameReader(channel.socket);
    const write = (frame: Buffer) => channel.socket.write(frame);
    const hello = decodeMessage((await read()).subarray(4));
    expect(hello).toMatchObject({ type: 'hello', id: 1, role: 'phone' });
    write(bytes(vector('pairing/2-companion-ack-hello').frame!));
    write(bytes(vector('message/hello-companion').frame!));
    expect(hex(await read())).toBe(vector('pairing/4-phone-ack-hello').frame);
    /** The next response; the phone's events (requests) that come first are acknowledged on the way. */
    const response = async (events: Message[] = []): Promise<Buffer> => {
      for (;;) {
        const frame = await read();
        const message = decodeMessage(frame.subarray(4));
        if ('re' in message) return frame;
        events.push(message);
        write(encodeFrame(encodeMessage({ type: 'ack', re: message.id })));
      }
    };
    /** The next event matching `want`, acknowledging it and any others on the way. */
    const event = async (want: (m: Message) => boolean): Promise<Message> => {
      for (;;) {
        const message = decodeMessage((await read()).subarray(4));
        if ('re' in message) throw new Error(`unexpected response ${JSON.stringify(message)}`);
        write(encodeFrame(encodeMessage({ type: 'ack', re: message.id })));
        if (want(message)) return message;
      }
    };
    return { write, response, event, close: () => channel.socket.destroy() };
  }

  it('the simulator answers the lock frame with the ack frame, byte for byte', async () => {
    const { phone, store } = await pairedSimulatorAndStore();
    const session = await rawSession(phone.port, store);
    const from = phone.mark();
    session.write(bytes(vector('session/lock').frame!));
    expect(hex(await session.response())).toBe(vector('session/lock-ack').frame);
    // The lock-state event the lock caused follows its ack.
    expect(await session.event((m) => m.type === 'lock-state' && m.locked)).toBeDefined();
    await phone.waitFor('locked', 5_000, from);
    session.close();
  });

  it('the simulator answers with the documented error frames', async () => {
    const { phone, store } = await pairedSimulatorAndStore();
    const session = await rawSession(phone.port, store);
    const send = async (frame: Buffer) => {
      session.write(frame);
      return hex(await session.response());
    };
    expect(await send(bytes(vector('message/hangup').frame!))).toBe(vector('error/invalid-state').frame);
    const unknown = encodeFrame(Buffer.from('{"type":"fax","id":5}'));
    expect(await send(unknown)).toBe(vector('error/unknown-type').frame);
    const letters = encodeFrame(Buffer.from('{"type":"dial","id":4,"number":"CALL-ME"}'));
    expect(await send(letters)).toBe(vector('error/bad-message').frame);
    phone.send('incoming-call +15550199');
    await phone.waitFor((e) => e.event === 'call' && e.state === 'offering');
    expect(await send(bytes(vector('message/dial').frame!))).toBe(vector('error/busy').frame);
    session.close();
  });

  it('btoe sends the lock frame, byte for byte, and accepts the ack frame', async () => {
    const { phone, store, identityDir } = await pairedSimulatorAndStore();
    const phoneIdentity = identityFromPem(
      await readFile(join(identityDir, 'phone-key.pem'), 'utf8'),
      await readFile(join(identityDir, 'phone-cert.pem'), 'utf8'),
    );
    const port = phone.port;
    await phone.stop();
    // A scripted phone with the simulator's identity, on its port: it speaks only the documented bytes.
    const seen: string[] = [];
    const server = net.createServer(async (socket) => {
      const channel = await acceptSecure(socket, phoneIdentity);
      const next = frameReader(channel.socket);
      channel.socket.write(bytes(vector('message/hello-phone').frame!));
      seen.push(hex(await next()));
      const companionFrame = await next();
      const companionHello = decodeMessage(companionFrame.subarray(4));
      expect(companionHello).toMatchObject({ type: 'hello', id: 1, role: 'companion', protocol: 1 });
      expect(Object.keys(JSON.parse(companionFrame.subarray(4).toString('utf8')) as object)).toEqual([
        'type',
        'id',
        'protocol',
        'role',
        'app',
      ]);
      channel.socket.write(bytes(vector('pairing/4-phone-ack-hello').frame!));
      seen.push(hex(await next()));
      channel.socket.write(bytes(vector('session/lock-ack').frame!));
    });
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const result = await runBtoe(['lock'], { store });
      expect(result.code, show(result)).toBe(0);
      expect(seen).toEqual([vector('pairing/2-companion-ack-hello').frame, vector('session/lock').frame]);
    } finally {
      server.close();
    }
  });

  it('btoe tells a phone nothing about the PC before authentication: no host name, no MACs', async () => {
    const phoneIdentity = identityFromPem(pems.get('phone-key')!, pems.get('phone-certificate')!);
    const received: Array<Record<string, unknown>> = [];
    const server = net.createServer(async (socket) => {
      socket.on('error', () => undefined);
      const channel = await acceptSecure(socket, phoneIdentity);
      const next = frameReader(channel.socket);
      const raw = async () =>
        JSON.parse((await next()).subarray(4).toString('utf8')) as Record<string, unknown>;
      channel.socket.write(bytes(vector('message/hello-phone').frame!)); // Auto, "you are on my PC port"
      await next(); // its ack
      received.push(await raw()); // its hello
      channel.socket.write(bytes(vector('pairing/4-phone-ack-hello').frame!));
      received.push(await raw()); // pair-start
      channel.socket.write(bytes(vector('error/not-on-pc-port').frame!));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    const store = await tempDir();
    try {
      const result = await runBtoe(['pair', `tcp://127.0.0.1:${port}`], { store });
      expect(result.code, show(result)).toBe(7);
    } finally {
      server.close();
    }
    const [hello, pairStart] = received;
    expect(Object.keys(hello!)).toEqual(['type', 'id', 'protocol', 'role', 'app']);
    expect(Object.keys(pairStart!)).toEqual(['type', 'id', 'mode', 'sid', 'share']);
    expect(pairStart).toMatchObject({ type: 'pair-start', mode: 'auto' });
    const certificate = new X509Certificate(await readFile(join(store, 'identity-cert.pem'), 'utf8'));
    expect(certificate.subject).toBe('CN=BToE Companion');
    expect(certificate.subject.toLowerCase()).not.toContain(hostname().toLowerCase());
  });
});

describe('session after pairing against the real simulator', () => {
  afterEach(cleanup);

  it('the simulator lists pair-then-session, and once paired carries the connection on as a session, byte for byte', async () => {
    const phone = await startPhone(['--test-peer-on-pc-port']);
    const companion = createIdentity('BToE Companion');
    const channel = await connectSecure(net.connect(phone.port, '127.0.0.1'), companion, 'pairing');
    const read = frameReader(channel.socket);
    const write = (frame: Buffer) => channel.socket.write(frame);
    const hello = decodeMessage((await read()).subarray(4));
    const expected = JSON.parse(vector('pair-session/1-phone-hello').json!) as Record<string, unknown>;
    expect(hello).toMatchObject({ capabilities: expected.capabilities, pairing: expected.pairing });
    write(bytes(vector('pairing/2-companion-ack-hello').frame!));
    write(bytes(vector('message/hello-companion').frame!));
    expect(hex(await read())).toBe(vector('pairing/4-phone-ack-hello').frame);

    const initiator = new PairingInitiator({
      password: '',
      channelId: pairingChannelId(channel.socket),
      companionSpkiHash: companion.spkiHash,
      phoneSpkiHash: spkiHashOf(channel.peerCertificate),
    });
    const start = JSON.parse(vector('pair-session/2-pair-start').json!) as Record<string, unknown>;
    write(
      encodeFrame(
        encodeMessage({ ...start, sid: hex(initiator.sid), share: hex(initiator.share) } as Message),
      ),
    );
    const reply = decodeMessage((await read()).subarray(4));
    if (reply.type !== 'pair-reply') throw new Error(`expected pair-reply, got ${JSON.stringify(reply)}`);
    const tag = initiator.finish(bytes(reply.share), bytes(reply.tag));
    expect(tag).toBeDefined();
    write(encodeFrame(encodeMessage({ type: 'pair-confirm', id: 3, tag: hex(tag!) })));
    expect(hex(await read())).toBe(vector('pair-session/3-paired-ack').frame);
    // The same connection is now a session: the phone's state, then commands.
    expect(hex(await read())).toBe(vector('pair-session/4-lock-state').frame);
    expect(hex(await read())).toBe(vector('pair-session/5-sign-in-state').frame);
    write(encodeFrame(encodeMessage({ type: 'ack', re: 2 })));
    write(encodeFrame(encodeMessage({ type: 'ack', re: 3 })));
    const from = phone.mark();
    write(bytes(vector('pair-session/6-lock').frame!));
    expect(decodeMessage((await read()).subarray(4))).toEqual({ type: 'ack', re: 4 });
    await phone.waitFor('locked', 5_000, from);
    channel.socket.destroy();
  });
});
