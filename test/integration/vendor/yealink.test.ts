// Environment: Node (vitest). The Yealink client against the Yealink simulator as a separate process, over loopback
// only: commands through Action URI, each documented failure with its message, and the phone's Action URLs
// received by a listener in this test and parsed by the client.
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { VendorEvent } from '../../../native-bridge/vendor/vendor-phone.js';
import { VendorPhoneError } from '../../../native-bridge/vendor/vendor-phone.js';
import { YealinkClient } from '../../../native-bridge/vendor/yealink/yealink-client.js';
import { DIST, Phone, REPO, requireDist } from '../helpers/processes.js';

const phones: Phone[] = [];
const servers: http.Server[] = [];

afterEach(async () => {
  await Promise.all(phones.splice(0).map((p) => p.stop()));
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

/** `btoe-phone-sim --api yealink ...args`, once it listens; its URL. */
async function startYealink(args: string[]): Promise<{ phone: Phone; url: string; certificate?: string }> {
  requireDist();
  const argv = ['--api', 'yealink', '--listen', '127.0.0.1:0', '--answer-delay', '200', ...args];
  const child = spawn(process.execPath, [join(DIST, 'simulator/cli.js'), ...argv], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.on('error', () => undefined);
  const phone = new Phone(child, argv, '');
  phones.push(phone);
  const ready = await phone.waitFor('ready', 15_000);
  return {
    phone,
    url: String(ready.url),
    ...(typeof ready.certificate === 'string' && { certificate: ready.certificate }),
  };
}

/** The PC's listener for the phone's Action URLs: hands every request to the client, keeps the events. */
async function listenForPhone(): Promise<{ url: string; events: VendorEvent[]; client?: YealinkClient }> {
  const events: VendorEvent[] = [];
  const listener: { url: string; events: VendorEvent[]; client?: YealinkClient } = { url: '', events };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://listener');
    try {
      events.push(
        ...listener.client!.parseNotification({
          method: req.method ?? '',
          path: url.pathname,
          query: url.searchParams,
          body: Buffer.alloc(0),
        }),
      );
      res.writeHead(200).end();
    } catch {
      res.writeHead(400).end();
    }
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  listener.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return listener;
}

function client(url: string, password = 'secret', account?: string): YealinkClient {
  return new YealinkClient({ url, credentials: { user: 'admin', password }, timeoutMs: 3000, account });
}

async function failure(promise: Promise<unknown>): Promise<VendorPhoneError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VendorPhoneError);
  return error as VendorPhoneError;
}

const ALLOWED = ['--password', 'secret', '--limit-ip', '127.0.0.1', '--no-prompt'];

describe('Yealink client against the simulator (loopback)', () => {
  it('reads facts, dials, holds, resumes, mutes once per change and hangs up, following the events', async () => {
    const listener = await listenForPhone();
    const { phone, url } = await startYealink([
      ...ALLOWED,
      '--action-url-base',
      listener.url,
      '--mac',
      '001565AABBCC',
    ]);
    const yealink = client(url, 'secret', '1001@pbx.example.com');
    listener.client = yealink;
    expect(yealink.capabilities.has('lock')).toBe(false);
    expect(await yealink.callStatus()).toBeUndefined();

    await yealink.dial('+33123456789');
    const dialled = await phone.waitFor((e) => e.event === 'call' && e.state === 'dialing');
    expect(dialled.number).toBe('+33123456789'); // the + survived: escaped as %2B
    await phone.waitFor((e) => e.event === 'action-url' && e.name === 'call_established');
    expect(
      listener.events.filter((e) => e.kind === 'call').map((e) => e.kind === 'call' && e.call.state),
    ).toEqual(['dialing', 'connected']);

    const facts = await yealink.facts();
    expect(facts).toEqual({
      vendor: 'Yealink',
      model: 'SIP-T54W',
      firmware: '96.86.0.100',
      mac: '00:15:65:aa:bb:cc',
      lines: [{ line: '1', address: '1001@pbx.example.com', registered: true }],
    });

    await yealink.hold();
    await phone.waitFor((e) => e.event === 'call' && e.state === 'held');
    await yealink.resume();
    await phone.waitFor((e) => e.event === 'action-url' && e.name === 'unhold');

    const before = phone.list((e) => e.event === 'request' && String(e.query) === 'key=MUTE').length;
    await yealink.mute(true);
    await yealink.mute(true); // already muted: MUTE toggles, so nothing is sent
    await phone.waitFor((e) => e.event === 'action-url' && e.name === 'mute');
    await yealink.mute(false);
    await phone.waitFor((e) => e.event === 'action-url' && e.name === 'unmute');
    expect(phone.list((e) => e.event === 'request' && String(e.query) === 'key=MUTE').length - before).toBe(
      2,
    );
    expect(listener.events).toContainEqual({ kind: 'muted', muted: true });

    await yealink.hangup();
    await phone.waitFor((e) => e.event === 'action-url' && e.name === 'busy_to_idle');
    expect(listener.events.at(-1)).toMatchObject({
      kind: 'call',
      call: { state: 'ended', direction: 'out' },
    });
  });

  it('answers and rejects incoming calls by their call_id', async () => {
    const listener = await listenForPhone();
    const { phone, url } = await startYealink([...ALLOWED, '--action-url-base', listener.url]);
    const yealink = client(url);
    listener.client = yealink;

    phone.send('incoming-call 5551234');
    await phone.waitFor((e) => e.event === 'action-url' && e.name === 'incoming_call');
    expect(listener.events.at(-1)).toMatchObject({
      call: { state: 'offering', direction: 'in', number: '5551234' },
    });
    await yealink.answer();
    await phone.waitFor((e) => e.event === 'call' && e.state === 'connected');
    const id = String(phone.list('call')[0]!.id);
    await phone.waitFor((e) => e.event === 'request' && e.query === `key=ASW:${id}` && e.status === 200);
    await yealink.hangup();
    await phone.waitFor((e) => e.event === 'action-url' && e.name === 'busy_to_idle');

    const from = phone.mark();
    phone.send('incoming-call 5550000');
    await phone.waitFor((e) => e.event === 'action-url' && e.name === 'incoming_call', 10_000, from);
    await yealink.reject();
    await phone.waitFor((e) => e.event === 'action-url' && e.name === 'busy_to_idle', 10_000, from);
    expect(listener.events.at(-1)).toMatchObject({ call: { state: 'ended', number: '5550000' } });
    expect(phone.list('ignored')).toEqual([]);
  });

  it('names a wrong password and then sends nothing more, so it cannot lock the account', async () => {
    const { phone, url } = await startYealink([...ALLOWED, '--lockout-attempts', '2']);
    const yealink = client(url, 'wrong');
    const first = await failure(yealink.facts());
    expect(first.kind).toBe('wrong-password');
    expect(first.message).toMatch(/password/);
    for (const attempt of [yealink.facts(), yealink.dial('123'), yealink.hangup()]) {
      expect((await failure(attempt)).kind).toBe('wrong-password');
    }
    // The right password still works (the phone's account was never locked), and its request is the second.
    await client(url).facts();
    await phone.waitForCount('request', 2);
    expect(phone.list('request').map((e) => e.status)).toEqual([401, 200]);
    expect(phone.list('locked-out')).toEqual([]);
  });

  it('names a locked-out account with how long to wait, and does not retry before then', async () => {
    const { phone, url } = await startYealink([
      ...ALLOWED,
      '--lockout-attempts',
      '2',
      '--lockout-seconds',
      '120',
    ]);
    for (let i = 0; i < 2; i++) await failure(client(url, `wrong${i}`).facts());
    await phone.waitFor('locked-out');
    const yealink = client(url);
    const error = await failure(yealink.facts());
    expect(error.kind).toBe('locked-out');
    expect(error.message).toMatch(/Wait 2 minutes/);
    expect((await failure(yealink.dial('123'))).kind).toBe('locked-out');
    // A fresh client's request (refused as locked too) comes right after the first one's: the dial sent nothing.
    await failure(client(url).facts());
    await phone.waitForCount('request', 4);
    expect(phone.list('request').map((e) => e.status)).toEqual([401, 401, 403, 403]);
  });

  it('names the allow-list with this PC address, and the remote-control prompt until it is accepted', async () => {
    const blank = await startYealink(['--password', 'secret', '--no-prompt']);
    const refused = await failure(client(blank.url).facts());
    expect(refused.kind).toBe('not-allowed-from-this-pc');
    expect(refused.message).toMatch(/Add 127\.0\.0\.1 to features\.action_uri_limit_ip/);

    const prompting = await startYealink(['--password', 'secret', '--limit-ip', '127.0.0.*']);
    const asked = await failure(client(prompting.url).facts());
    expect(asked.kind).toBe('remote-control-prompt');
    expect(asked.message).toMatch(
      /Press OK on the phone once, or provision features\.show_action_uri_option = 0/,
    );
    await prompting.phone.waitFor('remote-control-prompt');
    prompting.phone.send('accept-remote-control');
    await prompting.phone.waitFor('remote-control-accepted');
    await expect(client(prompting.url).facts()).resolves.toMatchObject({ firmware: '96.86.0.100' });
  });

  it('talks HTTPS to the certificate the user confirmed, and to no other', async () => {
    const first = await startYealink([...ALLOWED, '--https']);
    const other = await startYealink([...ALLOWED, '--https']);
    const options = { credentials: { user: 'admin', password: 'secret' }, timeoutMs: 3000 };
    const pinned = new YealinkClient({ ...options, url: first.url, pinnedCertificate: first.certificate! });
    await expect(pinned.facts()).resolves.toMatchObject({ firmware: '96.86.0.100' });
    const impostor = new YealinkClient({ ...options, url: other.url, pinnedCertificate: first.certificate! });
    expect((await failure(impostor.facts())).kind).toBe('certificate-changed');
    expect(other.phone.list('request')).toEqual([]);
  });

  it('names an unreachable phone', async () => {
    const { phone, url } = await startYealink(ALLOWED);
    await phone.stop();
    const error = await failure(client(url).facts());
    expect(['unreachable', 'timeout']).toContain(error.kind);
  });
});

describe('Yealink simulator quirks (as the documentation describes the phone)', () => {
  const get = (url: string) =>
    new Promise<number>((resolve, reject) => {
      http
        .get(
          url,
          { headers: { authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        )
        .on('error', reject);
    });

  it('ignores a request whose key is not first or that ends in &, and reads an unescaped + as a space', async () => {
    const { phone, url } = await startYealink(ALLOWED);
    await get(`${url}/servlet?outgoing_uri=x&key=number=123`);
    await phone.waitFor((e) => e.event === 'ignored' && /first/.test(String(e.reason)));
    await get(`${url}/servlet?key=number=123&`);
    await phone.waitFor((e) => e.event === 'ignored' && /trailing/.test(String(e.reason)));
    expect(phone.list('call')).toEqual([]);
    await get(`${url}/servlet?key=number=+33123`);
    expect((await phone.waitFor('call')).number).toBe(' 33123');
  });
});
