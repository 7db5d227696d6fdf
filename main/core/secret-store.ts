// Environment: Node (main process core).
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFile, unlink } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import {
  ensurePrivateDir,
  StoreFileError,
  writeFileAtomic,
} from '../../native-bridge/persist/atomic-file.js';

/** Where the companion keeps its private key: the OS keyring when one works, else a user-only file. */
export interface SecretStore {
  readonly kind: 'os-keyring' | 'file';
  /** One sentence for `btoe status`. */
  readonly description: string;
  /** Where the secret `name` is kept, for a message that tells the user what to move aside. */
  where(name: string): string;
  get(name: string): Promise<Uint8Array | undefined>;
  set(name: string, value: Uint8Array): Promise<void>;
  delete(name: string): Promise<void>;
}

export interface SecretStoreOptions {
  preferFile?: boolean;
  /** How long the keyring probe may take; a Linux session without a Secret Service can hang instead of failing. */
  probeTimeoutMs?: number;
}

const SERVICE = 'org.btoe.companion';
const SECRET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
// keyring-rs falls back to the kernel keyring on Linux, which forgets keys at logout or after days: a key
// there would silently change the companion's identity, so only the Secret Service counts.
const LINUX_STORE = process.platform === 'linux' ? 'secret-service' : '';
const KEYRING_NAME =
  process.platform === 'darwin'
    ? 'macOS Keychain'
    : process.platform === 'win32'
      ? 'Windows Credential Manager'
      : 'Secret Service';

/**
 * Opens the OS keyring if it demonstrably works, otherwise the file store under `<storeDir>/secrets`.
 * `BTOE_SECRET_STORE=file` forces the file store: for tests, and for admins who want keys on disk.
 */
export async function openSecretStore(
  storeDir: string,
  options: SecretStoreOptions = {},
): Promise<SecretStore> {
  const dir = resolve(storeDir);
  const secretsDir = join(dir, 'secrets');
  const forced = process.env['BTOE_SECRET_STORE'];
  if (forced !== undefined && forced !== '' && forced !== 'file') {
    throw new Error(`BTOE_SECRET_STORE must be "file" or unset, not "${forced}".`);
  }
  if (forced === 'file') return new FileSecretStore(secretsDir, 'forced by BTOE_SECRET_STORE=file');
  if (options.preferFile) return new FileSecretStore(secretsDir, 'file store requested');

  // Entries of different store directories must not collide in the one per-user keyring.
  const scope = createHash('sha256').update(dir).digest('hex').slice(0, 16);
  const failure = await probeKeyring(scope, options.probeTimeoutMs ?? 3000);
  if (failure !== undefined) return new FileSecretStore(secretsDir, `no OS keyring available: ${failure}`);
  try {
    const { AsyncEntry } = await import('@napi-rs/keyring');
    const entry = (name: string) =>
      new AsyncEntry(
        SERVICE,
        `${checkName(name)}@${scope}`,
        LINUX_STORE ? { linux: { store: LINUX_STORE } } : {},
      );
    return new KeyringSecretStore(
      entry,
      new FileSecretStore(secretsDir, 'earlier keys, moved into the keyring'),
    );
  } catch (error) {
    return new FileSecretStore(secretsDir, `no OS keyring available: ${firstLine(error)}`);
  }
}

/**
 * Stores, reads back and deletes a random entry, in a child process: on Linux the keyring connects to D-Bus
 * synchronously, so a hanging Secret Service would freeze this process where no timer can fire.
 * Resolves undefined when the keyring works, else the reason it does not.
 */
async function probeKeyring(scope: string, timeoutMs: number): Promise<string | undefined> {
  let modulePath: string;
  try {
    modulePath = createRequire(import.meta.url).resolve('@napi-rs/keyring');
  } catch {
    return '@napi-rs/keyring is not installed';
  }
  const account = `probe-${process.pid}-${Date.now()}@${scope}`;
  return new Promise((done) => {
    execFile(
      process.execPath,
      ['-e', PROBE_SCRIPT, modulePath, SERVICE, account, LINUX_STORE],
      // ELECTRON_RUN_AS_NODE lets the Electron binary run the probe as plain Node.
      { timeout: timeoutMs, killSignal: 'SIGKILL', env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } },
      (error, stdout) => {
        if (!error) done(undefined);
        else if (error.killed) done(`the ${KEYRING_NAME} did not answer within ${timeoutMs} ms`);
        else done(stdout.trim() || firstLine(error));
      },
    );
  });
}

const PROBE_SCRIPT = `
const [modulePath, service, account, store] = process.argv.slice(1);
(async () => {
  const { AsyncEntry } = require(modulePath);
  const entry = new AsyncEntry(service, account, store ? { linux: { store } } : {});
  const probe = require('node:crypto').randomBytes(16);
  await entry.setSecret(probe);
  const back = await entry.getSecret();
  await entry.deleteCredential();
  if (!back || !probe.equals(Buffer.from(back))) throw new Error('the keyring returned a different value');
})().catch((error) => {
  process.stdout.write(String(error?.message ?? error).split('\\n')[0]);
  process.exitCode = 1;
});
`;

interface KeyringEntry {
  getSecret(): Promise<number[] | null>;
  setSecret(secret: Uint8Array): Promise<void>;
  deleteCredential(): Promise<boolean>;
}

class KeyringSecretStore implements SecretStore {
  readonly kind = 'os-keyring';
  readonly description = `OS keyring (${KEYRING_NAME})`;

  constructor(
    private readonly entry: (name: string) => KeyringEntry,
    private readonly files: FileSecretStore,
  ) {}

  where(name: string): string {
    return `the ${KEYRING_NAME} entry for "${checkName(name)}" (service ${SERVICE})`;
  }

  async get(name: string): Promise<Uint8Array | undefined> {
    const secret = await this.entry(name).getSecret();
    if (secret) return Uint8Array.from(secret);
    // A key saved while no keyring was available moves into it, so the companion keeps its identity.
    const stored = await this.files.get(name);
    if (stored) await this.set(name, stored);
    return stored;
  }

  async set(name: string, value: Uint8Array): Promise<void> {
    await this.entry(name).setSecret(value);
    await this.files.delete(name);
  }

  async delete(name: string): Promise<void> {
    await this.entry(name).deleteCredential();
    await this.files.delete(name);
  }
}

/** One file per secret, 0600 in a 0700 directory. */
class FileSecretStore implements SecretStore {
  readonly kind = 'file';
  readonly description: string;

  constructor(
    private readonly dir: string,
    reason: string,
  ) {
    this.description = `file readable only by this user: ${dir} (${reason})`;
  }

  where(name: string): string {
    return this.path(name);
  }

  async get(name: string): Promise<Uint8Array | undefined> {
    const path = this.path(name);
    try {
      return new Uint8Array(await readFile(path));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      throw new StoreFileError(
        path,
        `Cannot read ${path} (${code}). Check that it is a file this user can read.`,
        {
          cause: error,
        },
      );
    }
  }

  async set(name: string, value: Uint8Array): Promise<void> {
    await ensurePrivateDir(this.dir);
    await writeFileAtomic(this.path(name), value, 0o600);
  }

  async delete(name: string): Promise<void> {
    await unlink(this.path(name)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }

  private path(name: string): string {
    return join(this.dir, `${checkName(name)}.key`);
  }
}

function checkName(name: string): string {
  if (!SECRET_NAME.test(name)) throw new Error(`invalid secret name ${JSON.stringify(name)}`);
  return name;
}

function firstLine(error: unknown): string {
  return String((error as Error | undefined)?.message ?? error).split('\n')[0] ?? '';
}
