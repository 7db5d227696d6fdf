// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import {
  createHash,
  createPrivateKey,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';

/**
 * A long-term identity: an ECDSA P-256 key and a self-signed certificate (P-256 because Electron's BoringSSL
 * lacks Ed25519 certificates in TLS). Peers recognise each other by the device id, a hash of the SPKI.
 */
export interface Identity {
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
  readonly certificatePem: string;
  readonly id: string;
  /** SHA-256 over the certificate's SubjectPublicKeyInfo (DER): bound into pairing. */
  readonly spkiHash: Uint8Array;
}

export function createIdentity(commonName: string): Identity {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const now = Date.now();
  const tbs = der(
    0x30,
    der(0xa0, derInteger(Buffer.from([2]))), // v3
    derInteger(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])),
    ECDSA_WITH_SHA256,
    name(commonName),
    // Pinning, not validity periods, decides trust; a long window avoids spurious expiry on phones without clocks.
    der(
      0x30,
      derTime(new Date(now - 24 * 3600 * 1000)),
      derTime(new Date(now + 30 * 365 * 24 * 3600 * 1000)),
    ),
    name(commonName),
    publicKey.export({ type: 'spki', format: 'der' }),
  );
  const signature = sign('sha256', tbs, privateKey);
  const certificate = der(0x30, tbs, ECDSA_WITH_SHA256, der(0x03, Buffer.from([0]), signature));
  return identityFromPem(
    privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    toPem('CERTIFICATE', certificate),
  );
}

/** Rebuilds an identity from stored PEMs, checking that the key and certificate belong together. */
export function identityFromPem(privateKeyPem: string, certificatePem: string): Identity {
  const cert = new X509Certificate(certificatePem);
  if (!cert.checkPrivateKey(createPrivateKey(privateKeyPem))) {
    throw new Error('the stored private key does not match the stored certificate');
  }
  const spkiHash = spkiHashOf(cert);
  return { privateKeyPem, certificatePem, spkiHash, id: deviceIdFromSpkiHash(spkiHash) };
}

export function spkiHashOf(certificate: string | Buffer | X509Certificate): Uint8Array {
  const cert = certificate instanceof X509Certificate ? certificate : new X509Certificate(certificate);
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return new Uint8Array(createHash('sha256').update(spki).digest());
}

/** Device id: lowercase RFC 4648 base32, no padding, of the first 16 bytes of SHA-256(SPKI). 26 characters. */
export function deviceIdFromSpkiHash(spkiHash: Uint8Array): string {
  return base32Lower(spkiHash.subarray(0, 16));
}

export const DEVICE_ID_PATTERN = /^[a-z2-7]{26}$/;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function base32Lower(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

// The few DER encodings a self-signed certificate needs (X.690); no ASN.1 library for ~30 lines.
function der(tag: number, ...contents: Buffer[]): Buffer {
  const body = Buffer.concat(contents);
  const n = body.length;
  const length =
    n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), length, body]);
}

function derInteger(bytes: Buffer): Buffer {
  return der(0x02, bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

function derTime(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14) + 'Z'; // YYYYMMDDHHMMSSZ
  // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050.
  return date.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(iso.slice(2))) : der(0x18, Buffer.from(iso));
}

function name(commonName: string): Buffer {
  const cn = Buffer.from(commonName.slice(0, 64), 'utf8');
  return der(0x30, der(0x31, der(0x30, OID_COMMON_NAME, der(0x0c, cn))));
}

const ECDSA_WITH_SHA256 = der(0x30, Buffer.from('06082a8648ce3d040302', 'hex'));
const OID_COMMON_NAME = Buffer.from('0603550403', 'hex');

function toPem(label: string, body: Buffer): string {
  return `-----BEGIN ${label}-----\n${body.toString('base64').replace(/.{1,64}/g, '$&\n')}-----END ${label}-----\n`;
}
