// Environment: Node (vitest). The phone → PC event listener on loopback: it binds the address that faces the
// phone, serves only the phone's own address on the phone's own path, bounds bodies, answers anything malformed
// with 400 (never a crash) and hands what it accepts to that phone's client to parse.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EVENT_PATH_PREFIX,
  PhoneEventListener,
  eventUrl,
  facingAddress,
} from '../../../../native-bridge/vendor/event-listener.js';
import type { VendorEvent } from '../../../../native-bridge/vendor/vendor-phone.js';
import { VendorPhoneError } from '../../../../native-bridge/vendor/vendor-phone.js';
import { YealinkClient } from '../../../../native-bridge/vendor/yealink/yealink-client.js';

const ID = 'a'.repeat(26);
const listeners: PhoneEventListener[] = [];
afterEach(async () => Promise.all(listeners.splice(0).map((l) => l.close())));

/** A Yealink client (its Action URL parser is the one under the listener); it is never asked to send. */
function yealink(): YealinkClient {
  return new YealinkClient(
    { url: 'http://127.0.0.2', credentials: { user: 'admin', password: 'x' } },
    { request: () => Promise.reject(new VendorPhoneError('unreachable', 'not in this test')) },
  );
}

/** One request to `url`, from `localAddress`: the status and body the listener answered. */
function send(
  url: string,
  options: { localAddress?: string; method?: string; body?: Buffer } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: options.method ?? 'GET', localAddress: options.localAddress },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

async function listening(host = '127.0.0.2') {
  const listener = new PhoneEventListener({ port: 0, bodyLimit: 1024 });
  listeners.push(listener);
  const refused: Array<{ from: string; status: number; reason: string }> = [];
  listener.on('refused', (r) => refused.push(r));
  const events: VendorEvent[] = [];
  const url = await listener.add({ id: ID, host, client: yealink(), deliver: (e) => events.push(...e) });
  return { listener, url, events, refused };
}

const INCOMING = '/yealink/incoming_call?call_id=7&remote=sip:1002@pbx&mac=805ec0aabbcc&model=T54W';

describe('PhoneEventListener', () => {
  it('finds the address facing a phone without sending anything, and names the phone in its URL', async () => {
    expect(await facingAddress('127.0.0.1')).toBe('127.0.0.1');
    expect(eventUrl('10.0.0.2', 24802, ID)).toBe(`http://10.0.0.2:24802${EVENT_PATH_PREFIX}${ID}`);
    expect(eventUrl('fe80::1', 24802, ID)).toBe(`http://[fe80::1]:24802${EVENT_PATH_PREFIX}${ID}`);
  });

  it("hands the phone's own requests to its client and delivers the events", async () => {
    const { url, events } = await listening();
    expect(url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+${EVENT_PATH_PREFIX}${ID}$`));
    expect(await send(`${url}${INCOMING}`, { localAddress: '127.0.0.2' })).toEqual({
      status: 200,
      body: 'OK',
    });
    expect(events).toEqual([
      { kind: 'call', call: expect.objectContaining({ handle: '7', state: 'offering', direction: 'in' }) },
    ]);
  });

  it('refuses every other address with 403 and says why, without telling which phones exist', async () => {
    const { url, events, refused } = await listening();
    expect((await send(`${url}${INCOMING}`, { localAddress: '127.0.0.1' })).status).toBe(403);
    const other = url.replace(ID, 'b'.repeat(26));
    expect((await send(`${other}${INCOMING}`, { localAddress: '127.0.0.2' })).status).toBe(403);
    expect(events).toEqual([]);
    expect(refused).toEqual([
      { from: '127.0.0.1', status: 403, reason: `not the address of phone ${ID}` },
      { from: '127.0.0.2', status: 403, reason: 'no phone listens at this path' },
    ]);
  });

  it('answers malformed requests with 400 and bodies over the limit with 413, and keeps serving', async () => {
    const { url, events } = await listening();
    const from = { localAddress: '127.0.0.2' };
    expect((await send(`${url}/yealink/not_an_event`, from)).status).toBe(400);
    expect((await send(`${url}${INCOMING}`, { ...from, method: 'POST' })).status).toBe(400);
    expect(
      (await send(`${url}${INCOMING}`, { ...from, method: 'POST', body: Buffer.alloc(4096, 0x41) })).status,
    ).toBe(413);
    expect((await send(`${url}${INCOMING}`, from)).status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it('stops delivering to a phone once it is removed', async () => {
    const { listener, url, events } = await listening();
    listener.remove(ID);
    expect((await send(`${url}${INCOMING}`, { localAddress: '127.0.0.2' })).status).toBe(403);
    expect(events).toEqual([]);
  });
});
