// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { z } from 'zod';

/**
 * Persistence primitives shared by the companion and the phone simulator (so this imports nothing from the
 * app). A write goes to a temp sibling that is renamed over the target, so a crash or kill leaves either the
 * old or the new file, never a torn one.
 */

const TEMP_MARKER = '.tmp-';
/** A temp sibling this old was left by a killed writer: no live write takes a minute. */
const STALE_TEMP_MS = 60_000;
const POSIX = process.platform !== 'win32';

/** A store file that exists but cannot be used; the message says what is wrong and what the user can do. */
export class StoreFileError extends Error {
  override readonly name = 'StoreFileError';
  constructor(
    readonly path: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const temp = `${path}${TEMP_MARKER}${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    const file = await open(temp, 'wx', mode);
    try {
      // The umask may have narrowed the creation mode; the caller's mode is the contract.
      if (POSIX) await file.chmod(mode);
      await file.writeFile(data);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(path));
  await removeStaleTemps(path);
}

/** Makes the rename itself durable. Some platforms (Windows) cannot open or fsync a directory: skip there. */
async function syncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (!['EISDIR', 'EPERM', 'EACCES', 'EINVAL', 'ENOTSUP', 'EBADF'].includes(errorCode(error))) throw error;
  }
}

/**
 * A writer killed between creating and renaming its temp file leaves it behind. Each successful write sweeps
 * the target's temp siblings older than STALE_TEMP_MS, so leftovers never accumulate; best effort, since the
 * target is already safely written.
 */
async function removeStaleTemps(path: string): Promise<void> {
  const dir = dirname(path);
  const prefix = basename(path) + TEMP_MARKER;
  try {
    for (const entry of await readdir(dir)) {
      if (!entry.startsWith(prefix)) continue;
      const temp = join(dir, entry);
      const { mtimeMs } = await stat(temp);
      if (Date.now() - mtimeMs > STALE_TEMP_MS) await unlink(temp);
    }
  } catch {
    // Another writer may sweep the same temp concurrently; a leftover is retried on the next write.
  }
}

/** Reads and validates a JSON store file; undefined when it does not exist. Never modifies the file. */
export async function readJsonFile<T>(path: string, schema: z.ZodType<T>): Promise<T | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw new StoreFileError(
      path,
      `Cannot read ${path} (${errorCode(error) || String(error)}). Check that it is a file this user can read.`,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw invalidFile(path, `it is not valid JSON (${(error as Error).message})`, error);
  }
  const result = schema.safeParse(json);
  if (!result.success) throw invalidFile(path, `it has unexpected content (${summarize(result.error)})`);
  return result.data;
}

function invalidFile(path: string, problem: string, cause?: unknown): StoreFileError {
  return new StoreFileError(
    path,
    `${path} cannot be used: ${problem}. It was left unchanged. ` +
      `Move it aside (for example rename it to ${basename(path)}.bad) to start with an empty one, ` +
      `or restore it from a backup.`,
    { cause },
  );
}

/** The first few zod issues as `phones[0].mac: message`, enough to find the bad spot in the file. */
function summarize(error: z.ZodError): string {
  const shown = 3;
  const issues = error.issues.slice(0, shown).map((issue) => {
    const where = issue.path
      .map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`))
      .join('');
    return `${where.replace(/^\./, '') || 'top level'}: ${issue.message}`;
  });
  const more = error.issues.length - shown;
  return issues.join('; ') + (more > 0 ? `; and ${more} more` : '');
}

/** mkdir -p, and the leaf made 0700 even if it existed or the umask interfered: it holds secrets. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (POSIX && ((await stat(dir)).mode & 0o777) !== 0o700) await chmod(dir, 0o700);
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException | undefined)?.code ?? '';
}
