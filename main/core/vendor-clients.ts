// Environment: Node (main process core).
import { X509Certificate } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect } from 'node:tls';
import { type ActionAnswer, YealinkClient } from '../../native-bridge/vendor/yealink/yealink-client.js';
import type {
  VendorKind,
  VendorPhoneClient,
  VendorPhoneOptions,
} from '../../native-bridge/vendor/vendor-phone.js';
import { VendorPhoneError } from '../../native-bridge/vendor/vendor-phone.js';
import { CompanionError } from './companion.js';

/** Makes the client of one phone's device API; the running companion and `btoe` use the vendors' own. */
export type VendorClientFactory = (
  kind: VendorKind,
  options: VendorPhoneOptions,
) => Promise<VendorPhoneClient>;

/** The vendors' clients (native-bridge/vendor/poly, native-bridge/vendor/yealink). */
export const vendorClients: VendorClientFactory = async (kind, options) => {
  switch (kind) {
    case 'yealink':
      return new YealinkClient(options, (url) => basicGet(url, options));
    default:
      throw new CompanionError('usage', `this build has no ${kind} client`);
  }
};

/** One GET with Basic credentials; an HTTPS phone must present the pinned certificate, nothing else. */
function basicGet(url: string, options: VendorPhoneOptions): Promise<ActionAnswer> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const { user, password } = options.credentials;
  const https = url.startsWith('https:');
  const pinned = options.pinnedCertificate ? new X509Certificate(options.pinnedCertificate) : undefined;
  return new Promise((resolve, reject) => {
    const request = (https ? httpsRequest : httpRequest)(
      url,
      {
        headers: { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` },
        timeout: timeoutMs,
        ...(https
          ? {
              rejectUnauthorized: false,
              // The certificate names the phone's MAC, not its IP: the pinned one is checked instead.
              checkServerIdentity: () => undefined,
            }
          : {}),
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= 256 * 1024) chunks.push(chunk);
        });
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
            localAddress: request.socket?.localAddress,
          }),
        );
        response.on('error', (error) => reject(unreachable(url, error)));
      },
    );
    request.on('socket', (socket) => {
      if (!https || !pinned) return;
      socket.once('secureConnect', () => {
        const raw = (socket as import('node:tls').TLSSocket).getPeerCertificate().raw;
        if (!raw || !pinned.raw.equals(raw)) {
          request.destroy(
            new VendorPhoneError(
              'certificate-changed',
              `the phone at ${new URL(url).origin} presented another certificate than the one pinned when it was added: if the phone was replaced or its certificate renewed, add it again and compare the fingerprint`,
            ),
          );
        }
      });
    });
    request.on('timeout', () =>
      request.destroy(new VendorPhoneError('timeout', `the phone did not answer within ${timeoutMs} ms`)),
    );
    request.on('error', (error) =>
      reject(error instanceof VendorPhoneError ? error : unreachable(url, error)),
    );
    request.end();
  });
}

function unreachable(url: string, error: Error): VendorPhoneError {
  return new VendorPhoneError(
    'unreachable',
    `the phone at ${new URL(url).origin} cannot be reached (${error.message}): check its address and that it is on`,
    { cause: error },
  );
}

/** A phone's HTTPS certificate as the user confirms it. */
export interface PhoneCertificate {
  pem: string;
  /** Colon-separated upper-case hex, as browsers show it. */
  sha256: string;
  subject: string;
  validTo: string;
}

/** Reads the certificate an HTTPS phone presents (not verified: the user confirms it, then it is pinned). */
export function readVendorCertificate(origin: string, timeoutMs = 5000): Promise<PhoneCertificate> {
  const url = new URL(origin);
  return new Promise((resolve, reject) => {
    const socket = connect({
      host: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || 443),
      rejectUnauthorized: false,
      timeout: timeoutMs,
    });
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate().raw;
      socket.destroy();
      if (!raw) return reject(new VendorPhoneError('bad-answer', `${origin} presented no certificate`));
      const x509 = new X509Certificate(raw);
      resolve({
        pem: x509.toString(),
        sha256: x509.fingerprint256,
        subject: x509.subject.replace(/\n/g, ', '),
        validTo: new Date(x509.validTo).toISOString(),
      });
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new VendorPhoneError('timeout', `${origin} did not answer within ${timeoutMs} ms`));
    });
    socket.once('error', (error) =>
      reject(
        new VendorPhoneError(
          'unreachable',
          `${origin} cannot be reached (${error.message}): check the phone's address`,
          {
            cause: error,
          },
        ),
      ),
    );
  });
}
