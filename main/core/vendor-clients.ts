// Environment: Node (main process core).
import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
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

/** The vendors' clients (native-bridge/vendor/poly, native-bridge/vendor/yealink), loaded on first use. */
export const vendorClients: VendorClientFactory = async (kind) => {
  throw new CompanionError('usage', `this build has no ${kind} client`);
};

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
