// Environment: Node (vitest). How the Poly client reads each documented answer: the status codes, HTTP 401/404,
// callStatus v1 and v2, and the shapes it refuses. A loopback server plays back one answer per test.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  POLY_FAILURES,
  POLY_STATUS,
  callStateOf,
} from '../../../../../native-bridge/vendor/poly/poly-api.js';
import { PolyClient } from '../../../../../native-bridge/vendor/poly/poly-client.js';
import { VendorPhoneError } from '../../../../../native-bridge/vendor/vendor-phone.js';

let answers: Record<string, { status?: number; body: string }> = {};
const requests: { method: string; url: string; body: string }[] = [];
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ method: req.method!, url: req.url!, body });
      const answer = answers[req.url!] ?? { status: 404, body: 'Not Found' };
      res.writeHead(answer.status ?? 200).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

const client = (user = 'Polycom') => new PolyClient({ url, credentials: { user, password: 'pw' } });
const envelope = (Status: string, data?: unknown) => ({ body: JSON.stringify({ Status, data }) });

async function failure(work: Promise<unknown>): Promise<VendorPhoneError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VendorPhoneError);
  return error as VendorPhoneError;
}

describe('PolyClient answers', () => {
  it.each(Object.entries(POLY_FAILURES))(
    'maps status %s to its failure, with what to do',
    async (status, expected) => {
      answers = { '/api/v1/callctrl/mute': { status: status === '5000' ? 500 : 400, ...envelope(status) } };
      const error = await failure(client().mute(true));
      expect(error.kind).toBe(expected.kind);
      expect(error.message).toBe(expected.message);
      expect(error.message).toContain(status);
    },
  );

  it('covers every documented status', () => {
    expect(Object.keys(POLY_FAILURES).sort()).toEqual(
      Object.values(POLY_STATUS)
        .filter((s) => s !== '2000')
        .sort(),
    );
    expect(POLY_FAILURES['4010'].message).toMatch(/change the admin password/);
    expect(POLY_FAILURES['4002'].kind).toBe('line-not-registered');
  });

  it('says how to turn the REST API on when the phone answers 404', async () => {
    answers = {};
    const error = await failure(client().dial('123'));
    expect(error.kind).toBe('api-disabled');
    expect(error.message).toContain('apps.restapi.enabled=1');
    expect(error.message).toContain('Settings > Applications > REST API');
  });

  it('names the Polycom user on 401', async () => {
    answers = { '/api/v1/callctrl/dial': { status: 401, body: 'Unauthorized' } };
    expect((await failure(client().dial('123'))).message).toMatch(
      /user Polycom and the phone's admin password/,
    );
    const other = await failure(client('admin').dial('123'));
    expect(other.kind).toBe('wrong-password');
    expect(other.message).toContain('always "Polycom" (not "admin")');
  });

  it('refuses an undocumented status and an answer without one', async () => {
    answers = { '/api/v1/callctrl/mute': envelope('4242') };
    expect((await failure(client().mute(false))).kind).toBe('bad-answer');
    answers = { '/api/v1/callctrl/mute': { body: '<html>ok</html>' } };
    expect((await failure(client().mute(false))).kind).toBe('bad-answer');
  });

  it('dials digits as TEL and sip: URIs as SIP without the scheme (the phone adds it)', async () => {
    answers = { '/api/v1/callctrl/dial': envelope('2000') };
    requests.length = 0;
    await client().dial('+33123456789');
    await client().dial('sip:alice@example.com');
    expect(requests.map((r) => JSON.parse(r.body) as unknown)).toEqual([
      { data: { Dest: '+33123456789', Line: '1', Type: 'TEL' } },
      { data: { Dest: 'alice@example.com', Line: '1', Type: 'SIP' } },
    ]);
  });

  it('reads v2 callStatus lists, mapping each Poly state and skipping Ncas', async () => {
    const call = (CallHandle: string, CallState: string, Type = 'Outgoing') => ({
      CallHandle,
      CallState,
      Type,
      RemotePartyNumber: 'sip:+33123@pbx',
      Muted: '1',
      Extra: 'ignored',
    });
    answers = {
      '/api/v2/webCallControl/callStatus': envelope('2000', [
        call('0x1', 'Ringback'),
        call('0x2', 'Offering', 'Incoming'),
        call('0x3', 'Ncas'),
      ]),
    };
    expect(await client().callStatus()).toEqual([
      { handle: '0x1', state: 'ringback', direction: 'out', number: '+33123@pbx', muted: true },
      { handle: '0x2', state: 'offering', direction: 'in', number: '+33123@pbx', muted: true },
    ]);
  });

  it('falls back to v1 callStatus (one call, or none) on firmware before 5.8', async () => {
    answers = {
      '/api/v1/webCallControl/callStatus': envelope('2000', {
        CallHandle: '0x9',
        CallState: 'Hold',
        Type: 'Incoming',
      }),
    };
    const phone = client();
    expect(await phone.callStatus()).toEqual([
      { handle: '0x9', state: 'held', direction: 'in', number: '', muted: false },
    ]);
    answers = { '/api/v1/webCallControl/callStatus': envelope('2000') };
    requests.length = 0;
    expect(await phone.callStatus()).toEqual([]);
    // Remembered: no second try of v2.
    expect(requests.map((r) => r.url)).toEqual(['/api/v1/webCallControl/callStatus']);
  });

  it('refuses a callStatus that names a party in unprintable text', async () => {
    answers = {
      '/api/v2/webCallControl/callStatus': envelope('2000', [
        { CallHandle: '0x1', CallState: 'Connected', RemotePartyNumber: '\u001b]0;pwned\u0007' },
      ]),
    };
    expect((await failure(client().callStatus())).kind).toBe('bad-answer');
  });

  it('answers the ringing call when no handle is given, and says so when there is none', async () => {
    answers = {
      '/api/v2/webCallControl/callStatus': envelope('2000', [
        { CallHandle: '0x1', CallState: 'Connected' },
        { CallHandle: '0x2', CallState: 'Offering' },
      ]),
      '/api/v1/callctrl/answerCall': envelope('2000'),
    };
    requests.length = 0;
    await client().answer();
    expect(requests.at(-1)).toMatchObject({
      url: '/api/v1/callctrl/answerCall',
      body: '{"data":{"Ref":"0x2"}}',
    });
    answers['/api/v2/webCallControl/callStatus'] = envelope('2000', []);
    const error = await failure(client().resume());
    expect(error.kind).toBe('no-call');
  });

  it('reads device facts from v2 device/info and lineInfo', async () => {
    answers = {
      '/api/v2/mgmt/device/info': envelope('2000', {
        ModelNumber: 'VVX 350',
        MACAddress: '64167f3959ca',
        DeviceVendor: 'Polycom',
        Firmware: { Application: '5.9.3.2857 02-Jul-19 06:14', Updater: '5.9.7' },
        UpTime: { Days: '0' },
      }),
      '/api/v1/mgmt/lineInfo': envelope('2000', [
        { LineNumber: '1', SIPAddress: '1001@pbx', RegistrationStatus: 'registered' },
        { LineNumber: '2', Username: '1002@pbx', RegistrationStatus: 'unregistered' },
      ]),
    };
    expect(await client().facts()).toEqual({
      vendor: 'Polycom',
      model: 'VVX 350',
      firmware: '5.9.3.2857',
      mac: '64:16:7f:39:59:ca',
      lines: [
        { line: '1', address: '1001@pbx', registered: true },
        { line: '2', address: '1002@pbx', registered: false },
      ],
    });
  });

  it('refuses facts that are not printable or not a MAC', async () => {
    answers['/api/v2/mgmt/device/info'] = envelope('2000', {
      ModelNumber: 'VVX\u202e 350',
      MACAddress: '64167f3959ca',
      Firmware: { Application: '6.4.3' },
    });
    expect((await failure(client().facts())).message).toMatch(/ModelNumber is not printable/);
    answers['/api/v2/mgmt/device/info'] = envelope('2000', {
      ModelNumber: 'VVX 350',
      MACAddress: 'nope',
      Firmware: { Application: '6.4.3' },
    });
    expect((await failure(client().facts())).kind).toBe('bad-answer');
  });
});

describe('callStateOf', () => {
  it('maps every Poly call state the guide lists, and nothing else', () => {
    expect(
      ['Dialtone', 'Setup', 'Ringback', 'Offering', 'Connected', 'Hold', 'Held', 'Free', 'Disconnected'].map(
        callStateOf,
      ),
    ).toEqual(['dialing', 'dialing', 'ringback', 'offering', 'connected', 'held', 'held', 'ended', 'ended']);
    expect(callStateOf('Ncas')).toBeUndefined();
    expect(callStateOf('toString')).toBeUndefined();
  });
});
