// The desktop app's path to the companion (main/composition, what main/electron/app.ts starts), in this process
// against the simulator over loopback: the app's lock source locks the phone and the window's view follows;
// pairing obeys the same policy rule as btoe; one companion per user.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { CompanionView } from '../../../contract/window.js';
import { createCompanionPort } from '../../../main/composition/running-companion.js';
import { filePolicyReader } from '../../../main/core/policy.js';
import { TestLockSource } from '../../helpers/test-lock-source.js';
import { AlreadyRunningError } from '../../../main/host/companion-socket.js';
import { PhoneIdentityStore } from '../../../simulator/phone-identity.js';
import { type PhoneConfig, type PhoneEvent, PhoneSimulator } from '../../../simulator/phone.js';

const CONFIG: PhoneConfig = {
  vendor: 'Poly',
  family: 'VVX',
  model: 'VVX 450',
  firmware: '6.4.3',
  serial: '0004F2COMPO1',
  mac: '02:00:5e:10:00:31',
  lockType: 'phone-lock',
  pairingMode: 'manual',
  pairingWindowSeconds: 120,
  peerOnPcPort: () => Promise.resolve(false),
  pin: '135790',
  user: null,
  answerDelayMs: 50,
  webSignInSeconds: 900,
};

type Port = Awaited<ReturnType<typeof createCompanionPort>>;
let dir: string;
let phone: PhoneSimulator;
let server: net.Server;
let address: string;
const ports: Port[] = [];
const events: PhoneEvent[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'btoe-app-'));
  vi.stubEnv('BTOE_SECRET_STORE', 'file');
  phone = new PhoneSimulator(CONFIG, await PhoneIdentityStore.open(undefined));
  phone.on('event', (e) => events.push(e));
  server = net.createServer((socket) => void phone.accept(socket));
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  address = `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});

afterEach(async () => {
  await Promise.all(ports.splice(0).map((port) => port.close()));
  phone.stop();
  await new Promise((closed) => server.close(closed));
  vi.unstubAllEnvs();
  events.length = 0;
  await rm(dir, { recursive: true, force: true });
});

async function start(source = new TestLockSource()): Promise<Port> {
  // Machine policy from a file of this test's own, read the way the platform's file is.
  const port = await createCompanionPort([source], {
    storeDir: join(dir, 'store'),
    policyReader: filePolicyReader(join(dir, 'policy.json')),
  });
  ports.push(port);
  return port;
}

function viewWhere(port: Port, want: (view: CompanionView) => boolean): Promise<CompanionView> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the view never got there')), 10_000);
    const check = (view: CompanionView) => {
      if (!want(view)) return;
      clearTimeout(timer);
      stop();
      resolve(view);
    };
    const stop = port.onStatusChanged(check);
    void port.status().then(check);
  });
}

it('pairs from the window, then the PC lock locks the phone and the window shows it', async () => {
  const source = new TestLockSource();
  const port = await start(source);
  const code = new Promise<string>((resolve) =>
    phone.on('event', (e) => e.event === 'pairing-code' && resolve(e.code)),
  );
  phone.openPairing();
  const paired = await port.pair(address, await code);
  expect(paired, paired.message).toMatchObject({ ok: true });
  await viewWhere(port, (v) => v.phones[0]?.connected === true);
  source.set(true);
  const view = await viewWhere(port, (v) => v.phones[0]?.locked === true);
  expect(view.phones[0]).toMatchObject({ name: 'Poly VVX 450', paired: true, mode: 'manual', address });
  expect(events.map((e) => e.event)).toContain('locked');
});

it('refuses Auto pairing from the window where policy requires Manual, as btoe does', async () => {
  await writeFile(
    join(dir, 'policy.json'),
    JSON.stringify({ BetterTogetherOverEthernetPairingMode: 'Manual' }),
  );
  const port = await start();
  const result = await port.pair(address);
  expect(result).toEqual({ ok: false, message: expect.stringMatching(/requires Manual pairing/) });
  expect((await port.status()).pairingMode).toBe('manual');
});

it('is one per user: a second companion on the same store is refused', async () => {
  await start();
  await expect(
    createCompanionPort([new TestLockSource()], { storeDir: join(dir, 'store') }),
  ).rejects.toBeInstanceOf(AlreadyRunningError);
});
