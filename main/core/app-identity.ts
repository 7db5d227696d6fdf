// Environment: Node (main process core).
// Who the companion is and where it keeps its files by default: what `btoe` needs before it knows whether a
// companion runs, without loading the core.
import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_NAME = 'BToE Companion';
export const APP_VERSION = '0.1.0';

/** The store's default folder: the platform's per-user application data. */
export function defaultStoreDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32')
    return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME);
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'btoe-companion');
}
