import { createHash, generateKeyPairSync, X509Certificate } from 'node:crypto';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createIdentity,
  DEVICE_ID_PATTERN,
  deviceIdFromSpkiHash,
  identityFromPem,
  spkiHashOf,
  type Identity,
} from '../../../../native-bridge/link/identity.js';

/** RFC 4648 section 6 base32 written out bit by bit, lowercase, no padding: an independent reference. */
function referenceBase32(bytes: Uint8Array): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  const bits = [...bytes].map((b) => b.toString(2).padStart(8, '0')).join('');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return out;
}

function expectedId(certificatePem: string): string {
  const spki = new X509Certificate(certificatePem).publicKey.export({ type: 'spki', format: 'der' });
  return referenceBase32(createHash('sha256').update(spki).digest().subarray(0, 16));
}

describe('the reference base32', () => {
  it.each([
    ['', ''],
    ['f', 'my'],
    ['fo', 'mzxq'],
    ['foo', 'mzxw6'],
    ['foob', 'mzxw6yq'],
    ['fooba', 'mzxw6ytb'],
    ['foobar', 'mzxw6ytboi'],
  ])('matches the RFC 4648 vector %j → %j', (input, output) => {
    expect(referenceBase32(Buffer.from(input))).toBe(output);
  });
});

describe('deviceIdFromSpkiHash', () => {
  it('encodes 16 zero bytes as 26 "a"', () => {
    expect(deviceIdFromSpkiHash(new Uint8Array(16))).toBe('a'.repeat(26));
  });

  it('encodes 16 0xff bytes', () => {
    // 128 one bits: 25 full groups (31 → "7") and a last group 11100 (28 → "4").
    expect(deviceIdFromSpkiHash(new Uint8Array(16).fill(0xff))).toBe('7'.repeat(25) + '4');
  });

  it('encodes the RFC 4648 "foobar" vector at the start of a 16-byte input', () => {
    const input = new Uint8Array(16);
    input.set(Buffer.from('foobar'));
    // "foobar" is 48 bits: 9 full groups "mzxw6ytbo", then "i" carries 3 bits of "r" and 2 zero bits.
    expect(deviceIdFromSpkiHash(input)).toBe('mzxw6ytboi' + 'a'.repeat(16));
    expect(deviceIdFromSpkiHash(input)).toBe(referenceBase32(input));
  });

  it('uses only the first 16 bytes of a full SHA-256', () => {
    const hash = createHash('sha256').update('btoe').digest();
    expect(deviceIdFromSpkiHash(hash)).toBe(referenceBase32(hash.subarray(0, 16)));
    expect(deviceIdFromSpkiHash(hash)).toHaveLength(26);
  });

  it('matches the reference for any 16 or 32 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 32 }), (bytes) => {
        const id = deviceIdFromSpkiHash(bytes);
        expect(id).toBe(referenceBase32(bytes.subarray(0, 16)));
        expect(id).toMatch(DEVICE_ID_PATTERN);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('createIdentity', () => {
  let identity: Identity;
  beforeAll(() => {
    identity = createIdentity('BToE test companion');
  });

  it('gives a 26-character id', () => {
    expect(identity.id).toHaveLength(26);
    expect(identity.id).toMatch(DEVICE_ID_PATTERN);
  });

  it('derives the id from SHA-256 of the SPKI, computed independently', () => {
    expect(identity.id).toBe(expectedId(identity.certificatePem));
    const spki = new X509Certificate(identity.certificatePem).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    expect(Buffer.from(identity.spkiHash)).toEqual(createHash('sha256').update(spki).digest());
    expect(Buffer.from(spkiHashOf(identity.certificatePem))).toEqual(Buffer.from(identity.spkiHash));
    expect(Buffer.from(spkiHashOf(new X509Certificate(identity.certificatePem)))).toEqual(
      Buffer.from(identity.spkiHash),
    );
  });

  it('makes a self-signed P-256 certificate that matches the key', () => {
    const cert = new X509Certificate(identity.certificatePem);
    expect(cert.subject).toBe('CN=BToE test companion');
    expect(cert.issuer).toBe('CN=BToE test companion');
    expect(cert.publicKey.asymmetricKeyType).toBe('ec');
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(identity.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(identity.certificatePem).toMatch(
      /^-----BEGIN CERTIFICATE-----\n[A-Za-z0-9+/=\n]+-----END CERTIFICATE-----\n$/,
    );
    expect(new Date(cert.validFrom).getTime()).toBeLessThan(Date.now());
    expect(new Date(cert.validTo).getTime()).toBeGreaterThan(Date.now() + 20 * 365 * 24 * 3600 * 1000);
  });

  it('gives a new key and id every time', () => {
    const other = createIdentity('BToE test companion');
    expect(other.id).not.toBe(identity.id);
    expect(other.privateKeyPem).not.toBe(identity.privateKeyPem);
    expect(new X509Certificate(other.certificatePem).serialNumber).not.toBe(
      new X509Certificate(identity.certificatePem).serialNumber,
    );
  });

  it('accepts long and non-ASCII common names', () => {
    const long = createIdentity('x'.repeat(500));
    expect(new X509Certificate(long.certificatePem).subject).toBe(`CN=${'x'.repeat(64)}`);
    const utf8 = createIdentity('Zoë’s PC');
    expect(utf8.id).toMatch(DEVICE_ID_PATTERN);
    expect(new X509Certificate(utf8.certificatePem).subject).toContain('Zo');
  });
});

describe('identityFromPem', () => {
  it('round trips a created identity', () => {
    const identity = createIdentity('round trip');
    const again = identityFromPem(identity.privateKeyPem, identity.certificatePem);
    expect(again.id).toBe(identity.id);
    expect(Buffer.from(again.spkiHash)).toEqual(Buffer.from(identity.spkiHash));
    expect(again.privateKeyPem).toBe(identity.privateKeyPem);
    expect(again.certificatePem).toBe(identity.certificatePem);
  });

  it('throws when the key does not belong to the certificate', () => {
    const a = createIdentity('a');
    const b = createIdentity('b');
    expect(() => identityFromPem(a.privateKeyPem, b.certificatePem)).toThrow(
      'the stored private key does not match the stored certificate',
    );
    const stranger = generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    expect(() => identityFromPem(stranger, a.certificatePem)).toThrow(/does not match/);
  });

  it('throws on PEM that is not a key or a certificate', () => {
    const a = createIdentity('a');
    expect(() => identityFromPem(a.privateKeyPem, 'not a certificate')).toThrow();
    expect(() => identityFromPem('not a key', a.certificatePem)).toThrow();
    expect(() => identityFromPem(a.certificatePem, a.privateKeyPem)).toThrow();
  });
});
