// Environment: Node (vitest). The Poly client against the Poly REST API simulator on loopback: facts, call
// control, each failure an admin meets with its message, the pinned certificate, and the telephony notifications
// the phone POSTs to a receiver here, read back by the client.
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIdentity } from '../../native-bridge/link/identity.js';
import { readPhoneCertificate } from '../../native-bridge/vendor/device-http.js';
import { PolyClient } from '../../native-bridge/vendor/poly/poly-client.js';
import { type VendorEvent, VendorPhoneError } from '../../native-bridge/vendor/vendor-phone.js';
import { type PolySimEvent, PolyPhoneSimulator } from '../../simulator/poly/poly-phone.js';
import { DIST, Phone, REPO, requireDist } from './helpers/processes.js';

const PASSWORD = 'n0t-the-default';
let sim: PolyPhoneSimulator;
let url: string;
let pem: string;
const simEvents: PolySimEvent[] = [];

beforeEach(async () => {
  simEvents.length = 0;
  sim = new PolyPhoneSimulator({
    model: 'VVX 450',
    firmware: '6.4.3',
    mac: '00:04:f2:aa:bb:cc',
    password: PASSWORD,
    lineAddress: '1001@pbx.example.com',
    answerDelayMs: 50,
  });
  sim.on('event', (e) => simEvents.push(e));
  url = await sim.listen('https://127.0.0.1:0');
  pem = (await readPhoneCertificate(url)).pem;
});
afterEach(() => sim.close());

const client = (password = PASSWORD, pinned = pem) =>
  new PolyClient({ url, credentials: { user: 'Polycom', password }, pinnedCertificate: pinned });

async function failure(work: Promise<unknown>): Promise<VendorPhoneError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VendorPhoneError);
  return error as VendorPhoneError;
}

async function until<T>(probe: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Poly client against the simulator', () => {
  it('shows a certificate named for the MAC, and reads the facts through its pin', async () => {
    const shown = await readPhoneCertificate(url);
    expect(shown.subject).toBe('CN=0004f2aabbcc');
    expect(await client().facts()).toEqual({
      vendor: 'Polycom',
      model: 'VVX 450',
      firmware: '6.4.3',
      mac: '00:04:f2:aa:bb:cc',
      lines: [{ line: '1', address: '1001@pbx.example.com', registered: true }],
    });
  });

  it('refuses a phone whose certificate is not the pinned one', async () => {
    const error = await failure(client(PASSWORD, createIdentity('0004f2aabbcc').certificatePem).facts());
    expect(error.kind).toBe('certificate-changed');
  });

  it('dials, and the call goes Setup → Ringback → Connected; hold, resume, mute, hang up', async () => {
    const phone = client();
    await phone.dial('+33123456789');
    const [call] = await until(async () => {
      const calls = await phone.callStatus();
      return calls[0]?.state === 'connected' ? calls : undefined;
    }, 'the call to connect');
    expect(call).toMatchObject({
      state: 'connected',
      direction: 'out',
      number: '+33123456789',
      muted: false,
    });
    expect(simEvents.filter((e) => e.event === 'call').map((e) => (e as { state: string }).state)).toEqual([
      'Setup',
      'Ringback',
      'Connected',
    ]);
    await phone.hold();
    expect((await phone.callStatus())[0]?.state).toBe('held');
    await phone.resume(call!.handle);
    await phone.mute(true);
    expect((await phone.callStatus())[0]).toMatchObject({ state: 'connected', muted: true });
    await phone.hangup();
    expect(await phone.callStatus()).toEqual([]);
  });

  it('answers and rejects incoming calls', async () => {
    const phone = client();
    sim.incomingCall('5551234');
    expect(await phone.callStatus()).toEqual([
      expect.objectContaining({ state: 'offering', direction: 'in', number: '5551234' }),
    ]);
    await phone.answer();
    expect((await phone.callStatus())[0]?.state).toBe('connected');
    await phone.hangup();
    sim.incomingCall('5559999');
    await phone.reject();
    expect(await phone.callStatus()).toEqual([]);
    expect((await failure(phone.answer())).kind).toBe('no-call');
    expect((await failure(phone.hangup('0xdead'))).kind).toBe('no-call');
  });

  it.each([
    ['restDisabled', 'api-disabled', /apps\.restapi\.enabled=1/],
    ['defaultPassword', 'default-password', /change the admin password/],
    ['busy', 'busy', /try again/],
    ['lineUnregistered', 'line-not-registered', /not registered/],
  ] as const)('fault %s fails dialling as %s, saying what to do', async (fault, kind, message) => {
    sim.faults[fault] = true;
    const error = await failure(client().dial('123'));
    expect(error.kind).toBe(kind);
    expect(error.message).toMatch(message);
  });

  it('says which user and password the REST API takes', async () => {
    const error = await failure(client('wrong').facts());
    expect(error.kind).toBe('wrong-password');
    expect(error.message).toContain('Polycom');
  });

  it('falls back to the v1 endpoints on firmware before 5.8', async () => {
    await sim.close();
    sim = new PolyPhoneSimulator({ ...sim.config, firmware: '5.4.1' });
    url = await sim.listen('http://127.0.0.1:0');
    const phone = new PolyClient({ url, credentials: { user: 'Polycom', password: PASSWORD } });
    expect(await phone.facts()).toMatchObject({
      model: 'VVX 450',
      firmware: '5.4.1',
      mac: '00:04:f2:aa:bb:cc',
    });
    sim.incomingCall('777');
    expect(await phone.callStatus()).toEqual([expect.objectContaining({ state: 'offering', number: '777' })]);
  });

  it('sends its telephony notifications as provisioned, and the client reads them', async () => {
    const received: VendorEvent[] = [];
    const phone = client();
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(
          ...phone.parseNotification({
            method: req.method!,
            path: req.url!.split('?')[0]!,
            query: new URLSearchParams(),
            body: Buffer.concat(chunks),
          }),
        );
        res.end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const listener = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/poly`;
      for (const { parameter, value } of phone.provisioning(listener)) sim.parameters.set(parameter, value);
      sim.incomingCall('5551234');
      await phone.answer();
      sim.lock(true);
      await until(
        () => (received.some((e) => e.kind === 'lock') ? true : undefined),
        'the lock notification',
      );
      expect(received).toEqual([
        {
          kind: 'call',
          call: expect.objectContaining({ state: 'offering', direction: 'in', number: '5551234' }),
        },
        { kind: 'call', call: expect.objectContaining({ state: 'connected', direction: 'in' }) },
        { kind: 'lock', locked: true },
      ]);
      const handles = received.flatMap((e) => (e.kind === 'call' ? [e.call.handle] : []));
      expect(new Set(handles).size).toBe(1);
      expect(handles[0]).toBe((await phone.callStatus())[0]?.handle);
    } finally {
      receiver.close();
    }
  });
});

describe('btoe-phone-sim --api poly', () => {
  let process_: Phone | undefined;
  afterAll(async () => process_?.stop());

  it('starts, reports its URL and fingerprint, and serves the API', async () => {
    requireDist();
    const args = ['--api', 'poly', '--password', PASSWORD, '--mac', '00:04:f2:01:02:03'];
    const child = spawn(process.execPath, [join(DIST, 'simulator/cli.js'), ...args], { cwd: REPO });
    process_ = new Phone(child, args, '');
    const ready = await process_.waitFor('ready', 15_000);
    const served = String(ready.url);
    const shown = await readPhoneCertificate(served);
    expect(shown.sha256).toBe(ready.sha256);
    const phone = new PolyClient({
      url: served,
      credentials: { user: 'Polycom', password: PASSWORD },
      pinnedCertificate: shown.pem,
    });
    expect((await phone.facts()).mac).toBe('00:04:f2:01:02:03');
    const from = process_.mark();
    process_.send('incoming-call 5551234');
    await process_.waitFor((e) => e.event === 'call' && e.state === 'Offering', 10_000, from);
    await phone.answer();
    await process_.waitFor((e) => e.event === 'call' && e.state === 'Connected', 10_000, from);
  });
});
