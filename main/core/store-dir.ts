// Environment: Node (main process core).
// Callback fs, promisified: node:fs/promises would cost every `btoe` command about 1 MB.
import { mkdir as mkdirCallback, readdir as readdirCallback, stat as statCallback } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { CompanionError } from './companion-error.js';

/** The companion's own folder inside a `--store DIR` that is not its to change. */
export const STORE_SUBDIR = 'btoe-companion';
/** What makes a folder a companion store (the layout `--store DIR` used before STORE_SUBDIR existed). */
const STORE_MARKERS = ['identity-cert.pem', 'pairings.json', 'secrets'];
const mkdir = promisify(mkdirCallback);
const readdir = promisify(readdirCallback);
const stat = promisify(statCallback);

/**
 * Where `btoe --store DIR` keeps its files. The store holds secrets, so it is private (0700), but DIR may be a
 * folder of the user's whose permissions are not ours to change (an earlier version turned a 0755 folder into
 * 0700). So DIR itself is the store only when that changes nothing:
 * - DIR does not exist: it is created, private, and is the store;
 * - DIR is a store already (identity-cert.pem, pairings.json or secrets/ in it): it stays the store;
 * - DIR is empty and already private to this user: it is the store;
 * - otherwise the store is DIR/btoe-companion, created private; DIR is left as it is.
 */
export async function resolveStoreDir(requested: string): Promise<string> {
  const dir = resolve(requested);
  const info = await stat(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new CompanionError('usage', `--store ${dir}: cannot use it (${error.code})`, { cause: error });
  });
  if (info === undefined) {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }
  if (!info.isDirectory()) throw new CompanionError('usage', `--store ${dir} is not a folder`);
  const entries = await readdir(dir);
  if (entries.some((name) => STORE_MARKERS.includes(name))) return dir;
  if (entries.length === 0 && isPrivate(info)) return dir;
  const own = join(dir, STORE_SUBDIR);
  await mkdir(own, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  return own;
}

/** Readable by this user only. Windows folders have ACLs that a mode does not describe: taken as private. */
function isPrivate(info: { mode: number; uid: number }): boolean {
  if (process.platform === 'win32') return true;
  return (info.mode & 0o077) === 0 && info.uid === process.getuid?.();
}
