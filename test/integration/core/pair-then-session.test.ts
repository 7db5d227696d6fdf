// Session after pairing (docs/protocol.md, section 6), in this process over loopback TCP: against the real
// simulator an Auto pairing that asks for the session gets it on the pairing connection, one TLS connection in
// all; against a phone of before this addition (a scripted one that does not list pair-then-session) the
// companion asks nothing new and pairs as before.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Companion } from '../../../main/core/companion.js';
import { resolvePolicy } from '../../../main/core/policy.js';
import { createIdentity, spkiHashOf } from '../../../native-bridge/link/identity.js';
import { MessageLink } from '../../../native-bridge/link/link.js';
import { PROTOCOL_VERSION, type Request } from '../../../native-bridge/link/messages.js';
import { PairingResponder, pairingChannelId } from '../../../native-bridge/link/pairing.js';
import { acceptSecure } from '../../../native-bridge/link/tls.js';
import { PhoneIdentityStore } from '../../../simulator/phone-identity.js';
import { type PhoneConfig, type PhoneEvent, PhoneSimulator } from '../../../simulator/phone.js';

const CONFIG: PhoneConfig = {
  vendor: 'Polycom',
  family: 'VVX',
  model: 'VVX 450',
  firmware: '6.4.3',
  serial: '0004F2PAIRS1',
  mac: '00:04:f2:00:00:51',
  lockType: 'phone-lock',
  pairingMode: 'auto',
  pairingWindowSeconds: 120,
  peerOnPcPort: () => Promise.resolve(true),
  pin: '135790',
  user: null,
  answerDelayMs: 50,
  webSignInSeconds: 900,
};

let dir: string;
let server: net.Server;
let connections = 0;
const stops: Array<() => void> = [];

beforeEach(async () => {
  vi.stubEnv('BTOE_SECRET_STORE', 'file');
  dir = await mkdtemp(join(tmpdir(), 'btoe-pair-session-'));
  connections = 0;
});

afterEach(async () => {
  for (const stop of stops.splice(0)) stop();
  await new Promise((closed) => server.close(closed));
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

async function listen(onSocket: (socket: net.Socket) => void): Promise<string> {
  server = net.createServer((socket) => {
    connections++;
    socket.on('error', () => undefined);
    onSocket(socket);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

const openCompanion = () => Companion.open({ storeDir: join(dir, 'store'), policy: resolvePolicy([]) });

describe('session after pairing', () => {
  it('an Auto pairing that asks for it carries on as the session: one TLS connection, commands acknowledged', async () => {
    const phone = new PhoneSimulator(CONFIG, await PhoneIdentityStore.open(undefined));
    stops.push(() => phone.stop());
    const events: PhoneEvent[] = [];
    phone.on('event', (e) => events.push(e));
    const address = await listen((socket) => void phone.accept(socket));
    const companion = await openCompanion();

    const { phone: paired, session } = await companion.pair(address, undefined, {
      confirmedByUser: false,
      session: true,
    });
    expect(session).toBeDefined();
    stops.push(() => session!.close());
    expect(paired).toMatchObject({ id: phone.id, mode: 'auto', confirmedByUser: false });
    await session!.lock();
    await session!.ping(); // the phone's state events (sent before this answer) have been handled
    expect(session!.locked).toBe(true);
    expect(session!.user).toBeNull();
    expect(events.map((e) => e.event)).toEqual(['paired', 'locked']);
    expect(connections).toBe(1);
  });

  it('without asking, the pairing connection closes after pairing as before', async () => {
    const phone = new PhoneSimulator(CONFIG, await PhoneIdentityStore.open(undefined));
    stops.push(() => phone.stop());
    const address = await listen((socket) => void phone.accept(socket));
    const companion = await openCompanion();
    const result = await companion.pair(address, undefined);
    expect(result.session).toBeUndefined();
    const session = await companion.connect(result.phone.id);
    stops.push(() => session.close());
    await session.lock();
    expect(connections).toBe(2);
  });

  it('a phone of before this addition is asked nothing new: pair-start without session, a session opened after', async () => {
    const identity = createIdentity('BToE phone (older)');
    const seen: Request[] = [];
    const address = await listen((socket) => {
      void acceptSecure(socket, identity).then((channel) => {
        const link = new MessageLink(channel.socket);
        stops.push(() => link.close());
        let responder: PairingResponder | undefined;
        link.handle((request) => {
          seen.push(request);
          if (request.type === 'pair-start') {
            responder = new PairingResponder(
              {
                password: '',
                channelId: pairingChannelId(channel.socket),
                companionSpkiHash: spkiHashOf(channel.peerCertificate),
                phoneSpkiHash: identity.spkiHash,
              },
              Buffer.from(request.sid, 'hex'),
              Buffer.from(request.share, 'hex'),
            );
            link.respond({
              type: 'pair-reply',
              re: request.id,
              share: Buffer.from(responder.share).toString('hex'),
              tag: Buffer.from(responder.tag).toString('hex'),
            });
          } else link.ack(request.id);
        });
        void link
          .request({
            type: 'hello',
            protocol: PROTOCOL_VERSION,
            role: 'phone',
            vendor: 'Polycom',
            family: 'VVX',
            model: 'VVX 450',
            firmware: '6.4.3',
            serial: '0004F2OLDER1',
            mac: '00:04:f2:00:00:52',
            lockType: 'phone-lock',
            capabilities: ['lock', 'call-control', 'sign-in'],
            pairing: { mode: 'auto', window: 'closed', peerOnPcPort: true },
          })
          .catch(() => undefined);
      });
    });
    const companion = await openCompanion();
    const result = await companion.pair(address, undefined, { confirmedByUser: false, session: true });
    expect(result.session).toBeUndefined();
    expect(result.phone.mode).toBe('auto');
    const start = seen.find((r) => r.type === 'pair-start');
    expect(start && Object.keys(start)).toEqual(['type', 'id', 'mode', 'sid', 'share']);
    expect(seen.map((r) => r.type)).toEqual(['hello', 'pair-start', 'pair-confirm']);
  });
});
