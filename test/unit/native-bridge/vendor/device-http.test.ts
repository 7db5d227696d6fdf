// Environment: Node (vitest). The vendor clients' HTTP(S) client against loopback servers.
import { X509Certificate } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createIdentity } from '../../../../native-bridge/link/identity.js';
import {
  DeviceHttpClient,
  certificateFingerprint,
  parsePhoneUrl,
  readPhoneCertificate,
} from '../../../../native-bridge/vendor/device-http.js';
import { VendorPhoneError } from '../../../../native-bridge/vendor/vendor-phone.js';

const phone = createIdentity('0004f2aabbcc');
const impostor = createIdentity('0004f2aabbcc');
const closers: (() => void)[] = [];
afterEach(() => closers.splice(0).forEach((close) => close()));

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

async function serve(
  secure: boolean,
  handler: (req: http.IncomingMessage, res: http.ServerResponse) => void,
  identity = phone,
): Promise<{ url: string; seen: Seen[]; bytes: () => number }> {
  const seen: Seen[] = [];
  let bytes = 0;
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
      handler(req, res);
    });
  };
  const server = secure
    ? https.createServer({ key: identity.privateKeyPem, cert: identity.certificatePem }, listener)
    : http.createServer(listener);
  // Counts what arrives encrypted or not, to prove nothing was sent to an impostor.
  server.on(secure ? 'secureConnection' : 'connection', (socket: net.Socket) =>
    socket.on('data', (c: Buffer) => (bytes += c.length)),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => server.close());
  closers.push(() => server.closeAllConnections());
  const { port } = server.address() as AddressInfo;
  return { url: `${secure ? 'https' : 'http'}://127.0.0.1:${port}`, seen, bytes: () => bytes };
}

async function failure(work: Promise<unknown>): Promise<VendorPhoneError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VendorPhoneError);
  return error as VendorPhoneError;
}

const credentials = { user: 'Polycom', password: 's3cret:pw' };

describe('DeviceHttpClient', () => {
  it('sends Basic auth and a JSON body over HTTPS to the pinned certificate', async () => {
    const server = await serve(true, (_req, res) => res.end('{"Status":"2000"}'));
    const client = new DeviceHttpClient({
      url: server.url,
      credentials,
      pinnedCertificate: phone.certificatePem,
    });
    const answer = await client.request({
      method: 'POST',
      path: '/api/v1/callctrl/dial',
      body: '{"data":{}}',
    });
    expect(answer.status).toBe(200);
    expect(answer.body.toString()).toBe('{"Status":"2000"}');
    expect(server.seen).toEqual([
      {
        method: 'POST',
        url: '/api/v1/callctrl/dial',
        authorization: `Basic ${Buffer.from('Polycom:s3cret:pw').toString('base64')}`,
        body: '{"data":{}}',
      },
    ]);
  });

  it('sends the path exactly as given (the order and escaping Yealink needs)', async () => {
    const server = await serve(false, (_req, res) => res.end('ok'));
    const client = new DeviceHttpClient({ url: server.url, credentials });
    await client.request({ method: 'GET', path: '/servlet?key=number=%2B33123&outgoing_uri=1' });
    expect(server.seen[0]!.url).toBe('/servlet?key=number=%2B33123&outgoing_uri=1');
  });

  it('returns error statuses to the caller, which knows what they mean', async () => {
    const server = await serve(false, (_req, res) => {
      res.statusCode = 404;
      res.end('not found');
    });
    const answer = await new DeviceHttpClient({ url: server.url }).request({ method: 'GET', path: '/x' });
    expect(answer.status).toBe(404);
    expect(server.seen[0]!.authorization).toBeUndefined();
  });

  it('refuses a certificate other than the pinned one before sending a byte', async () => {
    const server = await serve(true, (_req, res) => res.end('{}'), impostor);
    const client = new DeviceHttpClient({
      url: server.url,
      credentials,
      pinnedCertificate: phone.certificatePem,
    });
    const error = await failure(client.request({ method: 'GET', path: '/api/v1/mgmt/device/info' }));
    expect(error.kind).toBe('certificate-changed');
    expect(error.message).toContain(certificateFingerprint(impostor.certificatePem));
    expect(error.message).toContain(certificateFingerprint(phone.certificatePem));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.seen).toEqual([]);
    expect(server.bytes()).toBe(0);
  });

  it('never turns verification off without a pin: a self-signed phone is not trusted', async () => {
    const server = await serve(true, (_req, res) => res.end('{}'));
    const error = await failure(
      new DeviceHttpClient({ url: server.url, credentials }).request({ method: 'GET', path: '/' }),
    );
    expect(error.kind).toBe('certificate-changed');
    expect(error.message).toMatch(/cannot be verified.*Confirm the certificate/);
    expect(server.seen).toEqual([]);
  });

  it('fails as timeout when the phone does not answer in time', async () => {
    const server = await serve(false, () => {
      /* never answers */
    });
    const client = new DeviceHttpClient({ url: server.url, timeoutMs: 200 });
    const error = await failure(client.request({ method: 'GET', path: '/' }));
    expect(error.kind).toBe('timeout');
    expect(error.message).toContain(server.url);
  });

  it('fails as timeout when the TLS handshake never completes', async () => {
    const silent = net.createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const sockets: net.Socket[] = [];
    silent.on('connection', (s) => sockets.push(s));
    closers.push(() => silent.close());
    closers.push(() => sockets.forEach((s) => s.destroy()));
    const url = `https://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const client = new DeviceHttpClient({ url, pinnedCertificate: phone.certificatePem, timeoutMs: 200 });
    expect((await failure(client.request({ method: 'GET', path: '/' }))).kind).toBe('timeout');
  });

  it('refuses an answer larger than the limit, declared or streamed', async () => {
    const big = Buffer.alloc(65 * 1024, 'a');
    const declared = await serve(false, (_req, res) => res.end(big));
    const streamed = await serve(false, (_req, res) => {
      res.write(big.subarray(0, 40_000));
      res.end(big.subarray(40_000));
    });
    for (const server of [declared, streamed]) {
      const error = await failure(
        new DeviceHttpClient({ url: server.url }).request({ method: 'GET', path: '/' }),
      );
      expect(error.kind).toBe('too-large');
    }
    const fits = await serve(false, (_req, res) => res.end(Buffer.alloc(64 * 1024, 'a')));
    expect(
      (await new DeviceHttpClient({ url: fits.url }).request({ method: 'GET', path: '/' })).body.length,
    ).toBe(64 * 1024);
  });

  it('names the address when nothing listens', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    for (const scheme of ['http', 'https']) {
      const url = `${scheme}://127.0.0.1:${port}`;
      const error = await failure(
        new DeviceHttpClient({ url, pinnedCertificate: phone.certificatePem }).request({
          method: 'GET',
          path: '/',
        }),
      );
      expect(error.kind).toBe('unreachable');
      expect(error.message).toContain(url);
      expect(error.message).toContain('refused');
    }
  });

  it('says so when an https:// URL reaches a plain HTTP port', async () => {
    const server = await serve(false, (_req, res) => res.end('{}'));
    const url = server.url.replace('http:', 'https:');
    const error = await failure(
      new DeviceHttpClient({ url, pinnedCertificate: phone.certificatePem }).request({
        method: 'GET',
        path: '/',
      }),
    );
    expect(error.kind).toBe('unreachable');
    expect(error.message).toContain('TLS');
  });

  it('rejects malformed URLs and pins with invalid-input', () => {
    for (const url of [
      '10.0.0.5',
      'ftp://10.0.0.5',
      'https://a:b@10.0.0.5',
      'https://10.0.0.5/api',
      'http://x/?a',
    ]) {
      expect(() => parsePhoneUrl(url)).toThrow(VendorPhoneError);
    }
    expect(parsePhoneUrl('https://[::1]')).toMatchObject({ host: '::1', port: 443, secure: true });
    expect(parsePhoneUrl('http://10.0.0.5:8080/')).toMatchObject({
      host: '10.0.0.5',
      port: 8080,
      secure: false,
    });
    expect(() => new DeviceHttpClient({ url: 'https://10.0.0.5', pinnedCertificate: 'nope' })).toThrow(
      /pinned certificate/,
    );
  });
});

describe('readPhoneCertificate', () => {
  it('shows the certificate to confirm, sending nothing', async () => {
    const server = await serve(true, (_req, res) => res.end('{}'));
    const shown = await readPhoneCertificate(server.url);
    expect(shown.pem).toBe(new X509Certificate(phone.certificatePem).toString());
    expect(shown.sha256).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
    expect(shown.sha256).toBe(certificateFingerprint(phone.certificatePem));
    expect(shown.subject).toBe('CN=0004f2aabbcc');
    expect(Date.parse(shown.validTo)).toBeGreaterThan(Date.now());
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(server.seen).toEqual([]);
    expect(server.bytes()).toBe(0);
    // What was shown pins: the next request goes through.
    const client = new DeviceHttpClient({ url: server.url, pinnedCertificate: shown.pem });
    expect((await client.request({ method: 'GET', path: '/' })).status).toBe(200);
  });

  it('refuses plain HTTP', async () => {
    expect((await failure(readPhoneCertificate('http://127.0.0.1:1'))).kind).toBe('invalid-input');
  });
});
