// Environment: Node (talks to phones). The small HTTP(S) client the vendor API clients (Poly REST, Yealink Action
// URI) share: Basic auth, one deadline per request, a bounded answer, and HTTPS trusted by a pinned certificate.
import { createHash, X509Certificate } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { isDisplayText } from '../link/display-text.js';
import { type VendorCredentials, VendorPhoneError } from './vendor-phone.js';

export const DEFAULT_TIMEOUT_MS = 5000;
/** Every documented answer is a few KiB; a phone that sends more is refused rather than buffered. */
export const MAX_ANSWER_BYTES = 64 * 1024;

export interface DeviceHttpOptions {
  /** Where the phone's API answers: https://10.0.0.5, http://10.0.0.5:8080 (no path, no credentials). */
  url: string;
  /** Sent as HTTP Basic on every request; omitted: no Authorization header. */
  credentials?: VendorCredentials;
  /**
   * HTTPS: the certificate (PEM) the user confirmed. The connection is refused unless the phone presents exactly
   * this certificate. Omitted: the usual verification against the system's CAs and the host name.
   */
  pinnedCertificate?: string;
  /** The whole request (connect, TLS, answer) [DEFAULT_TIMEOUT_MS]. */
  timeoutMs?: number;
  /** [MAX_ANSWER_BYTES] */
  maxAnswerBytes?: number;
}

export interface DeviceRequest {
  method: 'GET' | 'POST';
  /** Path and query, sent exactly as given (already percent-encoded: Yealink needs its own order and escaping). */
  path: string;
  body?: string | Buffer;
  /** For a body [application/json]. */
  contentType?: string;
}

export interface DeviceAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  /** This PC's address on the connection (what an allow-list on the phone must name). */
  localAddress?: string | undefined;
}

/** What the user is shown to confirm a phone's certificate on first use. */
export interface PhoneCertificate {
  pem: string;
  /** SHA-256 over the DER, as upper-case hex pairs joined by colons (what browsers show). */
  sha256: string;
  /** The subject on one line (CN=..., O=...), unprintable characters replaced. */
  subject: string;
  /** When the certificate expires, ISO 8601. */
  validTo: string;
}

interface Target {
  url: URL;
  secure: boolean;
  host: string;
  port: number;
  /** What the messages call the phone: the origin the user typed. */
  address: string;
}

/** Parses a phone's base URL; throws VendorPhoneError('invalid-input') with what is wrong. */
export function parsePhoneUrl(text: string): Target {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new VendorPhoneError(
      'invalid-input',
      `"${printable(text)}" is not a URL: give one like https://10.0.0.5`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new VendorPhoneError('invalid-input', `the phone's URL must start with https:// or http://`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new VendorPhoneError(
      'invalid-input',
      `put no credentials in the phone's URL: they are asked for apart`,
    );
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') {
    throw new VendorPhoneError('invalid-input', `the phone's URL is its address only, like https://10.0.0.5`);
  }
  const secure = url.protocol === 'https:';
  // URL keeps IPv6 literals in brackets; sockets want them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return {
    url,
    secure,
    host,
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    address: url.origin,
  };
}

/** The certificate's SHA-256 fingerprint, AA:BB:...: what the user compares with the phone's web UI. */
export function certificateFingerprint(certificate: string | Buffer): string {
  const der = certificate instanceof Buffer ? certificate : new X509Certificate(certificate).raw;
  return createHash('sha256')
    .update(der)
    .digest('hex')
    .toUpperCase()
    .replace(/..(?!$)/g, '$&:');
}

/** One phone's HTTP(S) API. Every method rejects with VendorPhoneError only. */
export class DeviceHttpClient {
  private readonly target: Target;
  private readonly pinned: Buffer | undefined;
  private readonly authorization: string | undefined;
  private readonly timeoutMs: number;
  private readonly maxAnswerBytes: number;

  /** Throws VendorPhoneError('invalid-input') for a malformed URL or pinned certificate. */
  constructor(options: DeviceHttpOptions) {
    this.target = parsePhoneUrl(options.url);
    this.pinned = options.pinnedCertificate === undefined ? undefined : derOf(options.pinnedCertificate);
    this.authorization =
      options.credentials === undefined
        ? undefined
        : `Basic ${Buffer.from(`${options.credentials.user}:${options.credentials.password}`, 'utf8').toString('base64')}`;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxAnswerBytes = options.maxAnswerBytes ?? MAX_ANSWER_BYTES;
  }

  get address(): string {
    return this.target.address;
  }

  async request(request: DeviceRequest): Promise<DeviceAnswer> {
    const deadline = new Deadline(this.timeoutMs, this.target.address);
    try {
      const socket = await deadline.race(connect(this.target, this.pinned, deadline));
      return await deadline.race(this.exchange(socket, request));
    } finally {
      deadline.clear();
    }
  }

  private exchange(socket: net.Socket, request: DeviceRequest): Promise<DeviceAnswer> {
    const { target, maxAnswerBytes } = this;
    return new Promise((resolve, reject) => {
      const body = request.body === undefined ? undefined : Buffer.from(request.body);
      const headers: http.OutgoingHttpHeaders = { host: target.url.host, accept: '*/*' };
      if (this.authorization !== undefined) headers['authorization'] = this.authorization;
      if (body !== undefined) {
        headers['content-type'] = request.contentType ?? 'application/json';
        headers['content-length'] = body.length;
      }
      let req: http.ClientRequest;
      try {
        // The socket is connected (and, for HTTPS, its certificate checked) before the request is written.
        req = http.request({
          method: request.method,
          path: request.path,
          headers,
          // With no agent, the request uses this socket and no pool (an `agent: false` would ignore it).
          createConnection: () => socket,
        });
      } catch (error) {
        socket.destroy();
        reject(
          new VendorPhoneError('invalid-input', `the request to ${target.address} is malformed`, {
            cause: error,
          }),
        );
        return;
      }
      const fail = (error: VendorPhoneError) => {
        req.destroy();
        socket.destroy();
        reject(error);
      };
      req.on('error', (error) => fail(connectionError(error, target.address)));
      req.on('response', (res) => {
        const declared = Number(res.headers['content-length'] ?? 0);
        if (declared > maxAnswerBytes) {
          fail(tooLarge(target.address, maxAnswerBytes));
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxAnswerBytes) fail(tooLarge(target.address, maxAnswerBytes));
          else chunks.push(chunk);
        });
        res.on('error', (error) => fail(connectionError(error, target.address)));
        res.on('end', () => {
          const localAddress = socket.localAddress;
          socket.destroy();
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks),
            localAddress,
          });
        });
      });
      req.end(body);
    });
  }
}

/**
 * The certificate a phone presents on `url` (https), for the user to confirm before it is pinned. Completes the
 * TLS handshake and closes: no request, no credentials are sent.
 */
export async function readPhoneCertificate(
  url: string,
  timeoutMs = DEFAULT_TIMEOUT_MS,
): Promise<PhoneCertificate> {
  const target = parsePhoneUrl(url);
  if (!target.secure) {
    throw new VendorPhoneError(
      'invalid-input',
      `${target.address} is plain HTTP: only an https:// phone has a certificate`,
    );
  }
  const deadline = new Deadline(timeoutMs, target.address);
  try {
    const socket = (await deadline.race(openTls(target, deadline))) as tls.TLSSocket;
    const der = socket.getPeerCertificate(true).raw as Buffer | undefined;
    socket.destroy();
    if (der === undefined) {
      throw new VendorPhoneError('bad-answer', `${target.address} presented no certificate`);
    }
    const cert = new X509Certificate(der);
    return {
      pem: cert.toString(),
      sha256: certificateFingerprint(der),
      subject: printable(cert.subject.split('\n').join(', ')),
      validTo: new Date(cert.validTo).toISOString(),
    };
  } finally {
    deadline.clear();
  }
}

function derOf(pem: string): Buffer {
  try {
    return new X509Certificate(pem).raw;
  } catch (error) {
    throw new VendorPhoneError(
      'invalid-input',
      'the pinned certificate is not a PEM certificate: confirm it again',
      {
        cause: error,
      },
    );
  }
}

/** One timer for a whole request; sockets register so that expiry tears them down. */
class Deadline {
  private readonly timer: NodeJS.Timeout;
  private readonly expired: Promise<never>;
  private readonly sockets = new Set<net.Socket>();

  constructor(ms: number, address: string) {
    let fire!: (error: VendorPhoneError) => void;
    this.expired = new Promise<never>((_, reject) => (fire = reject));
    // Callers race against it; an unobserved rejection must not be reported when nobody is waiting any more.
    this.expired.catch(() => {});
    this.timer = setTimeout(() => {
      for (const socket of this.sockets) socket.destroy();
      fire(
        new VendorPhoneError(
          'timeout',
          `${address} did not answer within ${ms} ms: is the phone on and reachable?`,
        ),
      );
    }, ms);
  }

  track(socket: net.Socket): void {
    this.sockets.add(socket);
  }

  race<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.expired]);
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** A connected socket, for HTTPS one whose peer certificate has passed the pin (or the usual verification). */
async function connect(target: Target, pinned: Buffer | undefined, deadline: Deadline): Promise<net.Socket> {
  if (!target.secure) {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: target.host, port: target.port });
      deadline.track(socket);
      socket.once('connect', () => {
        socket.removeAllListeners('error');
        resolve(socket);
      });
      socket.once('error', (error) => reject(connectionError(error, target.address)));
    });
  }
  const socket = await openTls(target, deadline, pinned === undefined);
  if (pinned !== undefined) {
    const presented = socket.getPeerCertificate(true).raw;
    if (presented === undefined || !presented.equals(pinned)) {
      socket.destroy();
      throw new VendorPhoneError(
        'certificate-changed',
        `${target.address} presented a different certificate (SHA-256 ${presented === undefined ? 'none' : certificateFingerprint(presented)}) from the one confirmed (${certificateFingerprint(pinned)}). Nothing was sent. If the phone was replaced or its certificate renewed, confirm the new one; otherwise something else answers at this address.`,
      );
    }
  }
  return socket;
}

/**
 * A TLS socket after its handshake, nothing written. `verify`: the usual CA and host name verification (without a
 * pin); otherwise the caller decides on the raw certificate, on 'secureConnect' before any byte of a request.
 */
function openTls(target: Target, deadline: Deadline, verify = false): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: target.host,
      port: target.port,
      // SNI carries host names only, never an address.
      ...(net.isIP(target.host) === 0 ? { servername: target.host } : {}),
      rejectUnauthorized: verify,
      ALPNProtocols: ['http/1.1'],
    });
    deadline.track(socket);
    socket.once('secureConnect', () => {
      socket.removeAllListeners('error');
      // Errors after this point belong to the request that uses the socket.
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      if (verify && isVerificationError(error)) {
        reject(
          new VendorPhoneError(
            'certificate-changed',
            `${target.address}'s certificate cannot be verified (${error.code ?? error.message}): phones' certificates name the phone, not its address. Confirm the certificate the phone shows (add the phone again) so that it is pinned.`,
            { cause: error },
          ),
        );
      } else reject(connectionError(error, target.address));
    });
  });
}

function isVerificationError(error: NodeJS.ErrnoException): boolean {
  return (
    error.code === 'ERR_TLS_CERT_ALTNAME_INVALID' ||
    /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|LEAF_SIGNATURE/.test(error.code ?? '')
  );
}

const CONNECTION_REASONS: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused (nothing listens there: is the API enabled, is the port right?)',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ENOTFOUND: 'the name does not resolve',
  EAI_AGAIN: 'the name does not resolve right now',
  ETIMEDOUT: 'the connection timed out',
  EPIPE: 'the connection was closed',
};

function connectionError(error: unknown, address: string): VendorPhoneError {
  if (error instanceof VendorPhoneError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const reason =
    (code !== undefined ? CONNECTION_REASONS[code] : undefined) ??
    (code?.startsWith('ERR_SSL') || code?.startsWith('ERR_TLS')
      ? `the TLS handshake failed (${code}): is it an https:// port?`
      : `${printable((error as Error).message ?? String(error))}${code === undefined ? '' : ` (${code})`}`);
  return new VendorPhoneError('unreachable', `could not reach the phone at ${address}: ${reason}`, {
    cause: error,
  });
}

function tooLarge(address: string, limit: number): VendorPhoneError {
  return new VendorPhoneError('too-large', `${address} sent an answer larger than ${limit} bytes; refused`);
}

/** Peer-supplied text for messages: every character that is not display text becomes U+FFFD. */
function printable(text: string): string {
  return [...text.slice(0, 200)].map((c) => (isDisplayText(c) ? c : '\uFFFD')).join('');
}
