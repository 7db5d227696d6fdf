// Environment: Node (main process core).
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Identity, createIdentity, identityFromPem } from '../../native-bridge/link/identity.js';
import { StoreFileError, writeFileAtomic } from '../../native-bridge/persist/atomic-file.js';
import type { SecretStore } from './secret-store.js';

export const IDENTITY_KEY = 'identity-key';
export const IDENTITY_CERT_FILE = 'identity-cert.pem';

/**
 * This PC's identity: the certificate in `<store>/identity-cert.pem`, its private key in the secret store.
 * Created on first use. Anything unusable (a missing half, a file that is not PEM, a key that is not this
 * certificate's) is a StoreFileError naming what to move aside (exit 11), never a crash: the user decides, since
 * a new identity means pairing every phone again.
 */
export async function loadOrCreateIdentity(
  storeDir: string,
  secrets: SecretStore,
  commonName: string,
): Promise<Identity> {
  const certPath = join(storeDir, IDENTITY_CERT_FILE);
  const keyPlace = secrets.where(IDENTITY_KEY);
  let certificatePem: string | undefined;
  try {
    certificatePem = await readFile(certPath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new StoreFileError(
        certPath,
        `Cannot read ${certPath} (${(error as NodeJS.ErrnoException).code}). Check that it is a file this user can read.`,
        { cause: error },
      );
    }
  }
  const key = await secrets.get(IDENTITY_KEY);
  const fresh = 'a new identity is made on the next start, and every phone must be paired again';
  if (certificatePem === undefined && key === undefined) {
    const identity = createIdentity(commonName);
    await secrets.set(IDENTITY_KEY, Buffer.from(identity.privateKeyPem, 'utf8'));
    await writeFileAtomic(certPath, identity.certificatePem, 0o644);
    return identity;
  }
  if (certificatePem === undefined) {
    throw new StoreFileError(
      keyPlace,
      `this PC's private key is in ${keyPlace} but its certificate ${certPath} is missing: restore ${IDENTITY_CERT_FILE} from a backup, or move the key aside (${fresh})`,
    );
  }
  if (key === undefined) {
    throw new StoreFileError(
      certPath,
      `${certPath} has no private key (${keyPlace} is missing): restore the key from a backup, or move ${certPath} aside (${fresh})`,
    );
  }
  try {
    new X509Certificate(certificatePem);
  } catch (cause) {
    throw new StoreFileError(
      certPath,
      `${certPath} cannot be used: it is not a PEM certificate. It was left unchanged. Restore it from a backup, or move it and ${keyPlace} aside (${fresh})`,
      { cause },
    );
  }
  const keyPem = Buffer.from(key).toString('utf8');
  try {
    createPrivateKey(keyPem);
  } catch (cause) {
    throw new StoreFileError(
      keyPlace,
      `${keyPlace} cannot be used: it is not a PEM private key. It was left unchanged. Restore it from a backup, or move it and ${certPath} aside (${fresh})`,
      { cause },
    );
  }
  try {
    return identityFromPem(keyPem, certificatePem);
  } catch (cause) {
    throw new StoreFileError(
      certPath,
      `the private key in ${keyPlace} does not belong to the certificate ${certPath}: restore the matching pair from a backup, or move both aside (${fresh})`,
      { cause },
    );
  }
}
