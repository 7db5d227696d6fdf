// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { LinkError } from './errors.js';
import type { Identity } from './identity.js';

/**
 * TLS 1.3 over any Duplex (TCP today; serial and HID framers later), with mutual self-signed certificates.
 * Certificate chains mean nothing here: trust comes from pairing (CPace bound to the exporter) or from a pin,
 * checked by the caller on the peer's SPKI right after the handshake.
 */
export const ALPN_PAIRING = 'btoe-pair/1';
export const ALPN_SESSION = 'btoe/1';
export type Purpose = 'pairing' | 'session';
export const alpnFor = (purpose: Purpose) => (purpose === 'pairing' ? ALPN_PAIRING : ALPN_SESSION);

export const HANDSHAKE_TIMEOUT_MS = 10_000;

const COMMON = {
  minVersion: 'TLSv1.3',
  maxVersion: 'TLSv1.3',
  // AES-GCM only: Electron's BoringSSL has no ChaCha20-Poly1305 for us to rely on.
  ciphersuites: 'TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384',
  ecdhCurve: 'X25519:P-256',
} as const;

export interface SecureChannel {
  readonly socket: tls.TLSSocket;
  readonly purpose: Purpose;
  /** DER of the peer's certificate. */
  readonly peerCertificate: Buffer;
}

/** Companion side: we never offer a session ticket back (no resumption), so every connection is a full handshake. */
export function connectSecure(
  transport: Duplex,
  identity: Identity,
  purpose: Purpose,
  timeoutMs = HANDSHAKE_TIMEOUT_MS,
): Promise<SecureChannel> {
  const socket = tls.connect({
    ...COMMON,
    socket: transport,
    key: identity.privateKeyPem,
    cert: identity.certificatePem,
    ALPNProtocols: [alpnFor(purpose)],
    rejectUnauthorized: false,
    servername: '',
  });
  return settle(socket, purpose, timeoutMs);
}

/** Phone side of one connection. */
export function acceptSecure(
  transport: Duplex,
  identity: Identity,
  timeoutMs = HANDSHAKE_TIMEOUT_MS,
): Promise<SecureChannel> {
  const socket = new tls.TLSSocket(transport, {
    isServer: true,
    secureContext: tls.createSecureContext({
      ...COMMON,
      key: identity.privateKeyPem,
      cert: identity.certificatePem,
    }),
    requestCert: true,
    rejectUnauthorized: false,
    ALPNProtocols: [ALPN_SESSION, ALPN_PAIRING],
  });
  return settle(socket, undefined, timeoutMs);
}

function settle(
  socket: tls.TLSSocket,
  expected: Purpose | undefined,
  timeoutMs: number,
): Promise<SecureChannel> {
  return new Promise((resolve, reject) => {
    const fail = (error: LinkError) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    };
    const timer = setTimeout(
      () => fail(new LinkError('timeout', `the TLS handshake did not finish within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
    socket.once('error', (cause: Error) =>
      fail(new LinkError('tls', `the secure connection failed: ${cause.message}`, { cause })),
    );
    socket.once('close', () =>
      fail(new LinkError('closed', 'the peer closed the connection during the handshake')),
    );
    socket.once(expected ? 'secureConnect' : 'secure', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      const alpn = socket.alpnProtocol;
      const purpose = alpn === ALPN_PAIRING ? 'pairing' : alpn === ALPN_SESSION ? 'session' : undefined;
      const peer = socket.getPeerX509Certificate();
      if (socket.getProtocol() !== 'TLSv1.3')
        return fail(new LinkError('tls', 'the peer did not use TLS 1.3'));
      if (!purpose || (expected && purpose !== expected)) {
        return fail(
          new LinkError('alpn', `the peer does not speak ${expected ? alpnFor(expected) : 'this protocol'}`),
        );
      }
      if (!peer) return fail(new LinkError('tls', 'the peer presented no certificate'));
      resolve({ socket, purpose, peerCertificate: peer.raw });
    });
  });
}
