// Environment: Node (vitest). The client's decisions without a phone: which request each method sends, how each
// answer is named, and when it sends nothing at all. The phone is a scripted answer per request.
import { describe, expect, it } from 'vitest';
import { VendorPhoneError } from '../../../../../native-bridge/vendor/vendor-phone.js';
import type { DeviceAnswer, DeviceRequest } from '../../../../../native-bridge/vendor/device-http.js';
import { YealinkClient } from '../../../../../native-bridge/vendor/yealink/yealink-client.js';

interface Answer {
  status?: number;
  headers?: DeviceAnswer['headers'];
  body?: string;
}

function scripted(answers: Answer[] = []) {
  const sent: string[] = [];
  const request = (request: DeviceRequest) => {
    expect(request.method).toBe('GET');
    sent.push(request.path.replace('/servlet?', ''));
    const next = answers.shift() ?? {};
    return Promise.resolve({
      status: next.status ?? 200,
      headers: next.headers ?? {},
      body: Buffer.from(next.body ?? 'OK'),
      localAddress: '10.0.0.2',
    });
  };
  const client = new YealinkClient(
    { url: 'http://10.0.0.5', credentials: { user: 'admin', password: 'x' }, account: '1001@pbx' },
    { request },
  );
  const event = (name: string, values: Record<string, string> = {}) =>
    client.parseNotification({
      method: 'GET',
      path: `/yealink/${name}`,
      query: new URLSearchParams(values),
      body: Buffer.alloc(0),
    });
  return { client, sent, event };
}

const kindOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) =>
      error instanceof VendorPhoneError ? error.kind : `not a VendorPhoneError: ${String(error)}`,
  );

describe('YealinkClient', () => {
  it('declares what Yealink can do and nothing else', () => {
    const { client } = scripted();
    expect([...client.capabilities].sort()).toEqual(
      ['answer', 'call-state', 'device-facts', 'dial', 'hangup', 'hold', 'mute', 'reject', 'resume'].sort(),
    );
  });

  it('names calls by the call_id from the events, and presses OK/CALLEND only when it has none', async () => {
    const { client, sent, event } = scripted();
    await client.answer();
    await client.hangup();
    event('incoming_call', { call_id: '41', remote: '555' });
    await client.answer();
    await client.hold();
    await client.resume();
    await client.hangup('41');
    await client.dial('+1555');
    expect(sent).toEqual([
      'key=OK',
      'key=CALLEND',
      'key=ASW:41',
      'key=HOLD:41',
      'key=UNHOLD:41',
      'key=CANCEL:41',
      'key=number=%2B1555&outgoing_uri=1001%40pbx',
    ]);
  });

  it('sends MUTE (a toggle) only when the mute state must change, and only during a call', async () => {
    const { client, sent, event } = scripted();
    expect(await kindOf(client.mute(true))).toBe('no-call');
    event('outgoing_call', { call_id: '7', remote: '1002' });
    await client.mute(false);
    await client.mute(true);
    await client.mute(true);
    event('unmute'); // muted on the phone itself
    await client.mute(false);
    await client.mute(true);
    expect(sent).toEqual(['key=MUTE', 'key=MUTE']);
  });

  it('refuses to reject, hold or resume a call it does not know, without sending anything', async () => {
    const { client, sent } = scripted();
    for (const p of [client.reject(), client.hold(), client.resume()])
      expect(await kindOf(p)).toBe('no-call');
    expect(await kindOf(client.dial('12;3'))).toBe('invalid-input');
    expect(sent).toEqual([]);
  });

  it('names each refusal and stops after a 401 so that it cannot lock the account', async () => {
    const cases: [Answer, string, RegExp][] = [
      [
        { status: 403, body: 'Forbidden' },
        'not-allowed-from-this-pc',
        /Add 10\.0\.0\.2 to features\.action_uri_limit_ip/,
      ],
      [{ status: 403, body: 'Allow remote control?' }, 'remote-control-prompt', /Press OK on the phone/],
      [{ status: 404 }, 'api-disabled', /features\.action_uri\.enable = 1/],
      [{ status: 500 }, 'failed', /HTTP 500/],
      [{ status: 200, body: '<html></html>' }, 'bad-answer', /firmware/],
    ];
    for (const [answer, kind, message] of cases) {
      const { client } = scripted([answer]);
      const error = await client.facts().catch((e: VendorPhoneError) => e);
      expect(error).toMatchObject({ kind, message: expect.stringMatching(message) });
    }
    const { client, sent } = scripted([{ status: 401 }]);
    expect(await kindOf(client.dial('1'))).toBe('wrong-password');
    expect(await kindOf(client.dial('2'))).toBe('wrong-password');
    expect(sent).toEqual(['key=number=1&outgoing_uri=1001%40pbx']);
  });

  it('waits out a lockout for the time the phone gave', async () => {
    const { client, sent } = scripted([
      { status: 403, body: 'account locked', headers: { 'retry-after': '90' } },
    ]);
    const error = await client.hangup().catch((e: VendorPhoneError) => e);
    expect(error).toMatchObject({ kind: 'locked-out', message: expect.stringMatching(/Wait 2 minutes/) });
    expect(await kindOf(client.hangup())).toBe('locked-out');
    expect(sent).toHaveLength(1);
  });

  it('provisions every Action URL in the layout it parses, and refuses a listener URL that is too long', () => {
    const { client } = scripted();
    const parameters = client.provisioning('http://10.0.0.2:8789');
    expect(parameters.map((p) => p.parameter)).toContain('features.action_uri_limit_ip');
    expect(parameters.find((p) => p.parameter === 'features.show_action_uri_option')?.value).toBe('0');
    const incoming = parameters.find((p) => p.parameter === 'action_url.incoming_call')!.value;
    const filled = new URL(incoming.replace('$call_id', '5').replace('$remote', '555'));
    expect(
      client.parseNotification({
        method: 'GET',
        path: filled.pathname,
        query: filled.searchParams,
        body: Buffer.alloc(0),
      }),
    ).toEqual([
      {
        kind: 'call',
        call: { handle: '5', state: 'offering', direction: 'in', number: '555', muted: false },
      },
    ]);
    expect(() => client.provisioning(`http://10.0.0.2/${'x'.repeat(400)}`)).toThrow(VendorPhoneError);
  });
});
