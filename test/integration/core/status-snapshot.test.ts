// The running companion's status snapshot against the real simulator in this process, over loopback TCP: every
// TLS connection the phone accepts is counted, and no status read (btoe status, the window's view) opens one,
// not even while the phone's lock, calls and sign-in change. The window used to re-probe every paired phone
// over a new TLS connection on each change.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { CompanionSnapshot } from '../../../contract/companion-ipc.js';
import { companionView } from '../../../main/composition/running-companion.js';
import { Companion } from '../../../main/core/companion.js';
import { CompanionService } from '../../../main/core/companion-service.js';
import { EventLog } from '../../../main/core/event-log.js';
import { resolvePolicy } from '../../../main/core/policy.js';
import { PhoneIdentityStore } from '../../../simulator/phone-identity.js';
import { type PhoneConfig, PhoneSimulator } from '../../../simulator/phone.js';

const CONFIG: PhoneConfig = {
  vendor: 'Yealink',
  family: 'T5',
  model: 'T58W',
  firmware: '96.86.0.30',
  serial: '0015655SNAP01',
  mac: '02:00:5e:10:00:21',
  lockType: 'phone-lock',
  pairingMode: 'manual',
  pairingWindowSeconds: 120,
  pcPortMacs: () => [],
  pin: '135790',
  user: null,
  answerDelayMs: 50,
  webSignInSeconds: 900,
};

let dir: string;
let phone: PhoneSimulator;
let server: net.Server;
let service: CompanionService | undefined;
let log: EventLog | undefined;
let connections = 0;

beforeEach(async () => {
  vi.stubEnv('BTOE_SECRET_STORE', 'file');
  dir = await mkdtemp(join(tmpdir(), 'btoe-snapshot-'));
  phone = new PhoneSimulator(CONFIG, await PhoneIdentityStore.open(undefined));
  connections = 0;
  server = net.createServer((socket) => {
    connections++;
    void phone.accept(socket);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
});

afterEach(async () => {
  await service?.stop();
  await log?.flush();
  phone.stop();
  await new Promise((closed) => server.close(closed));
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

/** Resolves with the first snapshot `want` accepts (the current one, or a later 'changed'). */
function snapshotWhere(want: (s: CompanionSnapshot) => boolean, what: string): Promise<CompanionSnapshot> {
  const { snapshot } = service!;
  if (want(snapshot.current)) return Promise.resolve(snapshot.current);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      snapshot.off('changed', check);
      reject(new Error(`no snapshot with ${what}: ${JSON.stringify(snapshot.current)}`));
    }, 10_000);
    const check = (s: CompanionSnapshot) => {
      if (!want(s)) return;
      clearTimeout(timer);
      snapshot.off('changed', check);
      resolve(s);
    };
    snapshot.on('changed', check);
  });
}

it('status reads open no TLS connection, and the snapshot follows the phone from its events', async () => {
  const companion = await Companion.open({
    storeDir: join(dir, 'store'),
    policy: resolvePolicy([]),
    hostMacs: () => [],
  });
  const code = new Promise<string>((resolve) =>
    phone.on('event', (e) => e.event === 'pairing-code' && resolve(e.code)),
  );
  phone.openPairing();
  const address = `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  await companion.pair(address, await code);

  log = new EventLog(join(dir, 'logs'));
  const desktop = { openBrowser: vi.fn(), copyToClipboard: vi.fn() };
  service = new CompanionService(companion, log, desktop);
  await service.start();
  await snapshotWhere((s) => s.phones[0]?.connected === true, 'the phone connected');
  const opened = connections;

  const read = async () => {
    const status = await service!.run({ command: 'status', args: [] });
    expect(status.code).toBe(0);
    companionView(service!.snapshot.current);
    return status;
  };
  for (let i = 0; i < 20; i++) await read();

  phone.lockByUser();
  const locked = await snapshotWhere((s) => s.phones[0]?.locked === true, 'the phone locked');
  expect(locked.phones[0]).toMatchObject({ name: 'Yealink T58W', connected: true, address });
  phone.incomingCall('+14255550123');
  await snapshotWhere((s) => s.phones[0]?.call?.state === 'offering', 'a call offered');
  phone.requestSignIn('web');
  phone.completeWebSignIn('meganb@contoso.com');
  const signedIn = await snapshotWhere(
    (s) => s.phones[0]?.user === 'meganb@contoso.com',
    'the user signed in',
  );
  expect(signedIn.phones[0]?.lockSync).toEqual({ syncing: true, reason: null });
  const status = await read();
  expect(status.human).toMatch(/Yealink T58W: connected at tcp:\/\/127\.0\.0\.1:\d+, locked, call offering/);

  expect(connections).toBe(opened);
});
