// Environment: Electron main. Start at login: the app starts with `--hidden` (tray only) when the user logs in,
// unless the user turned it off; admin policy StartAtLogin forces either way. Windows and macOS register a login
// item (HKCU Run on Windows); Linux desktops read ~/.config/autostart/*.desktop (XDG Autostart).
import { execFile } from 'node:child_process';
import { mkdir, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { app } from 'electron';
import { writeFileAtomic } from '../../native-bridge/persist/atomic-file.js';
import { HIDDEN_FLAG } from '../core/launch-args.js';
import type { LoadedPolicy } from '../core/policy.js';
import type { Settings } from '../core/settings.js';
import { APP_NAME, RUN_KEY } from '../core/windows-registration.js';
import { forcedByPolicy } from './admin-policy.js';

/** Whether the app should start at login: policy StartAtLogin where set, else the user's setting (on unless off). */
export function wantsStartAtLogin(policy: LoadedPolicy, settings: Settings): boolean {
  return forcedByPolicy(policy, 'StartAtLogin') ?? settings.startAtLogin !== false;
}

/**
 * A login start (`--hidden`) of a user who does not want one exits at once: a per-machine install starts the app
 * for every user (HKLM Run), and only the app can honour each user's own choice. Anything else runs.
 */
export function shouldRun(launch: { hidden: boolean }, policy: LoadedPolicy, settings: Settings): boolean {
  return !launch.hidden || wantsStartAtLogin(policy, settings);
}

export const AUTOSTART_FILE = 'btoe-companion.desktop';

/** The per-machine login start the installers write (main/core/windows-registration.ts), tray only. */
export const MACHINE_RUN_KEY = `HKLM\\${RUN_KEY}`;

/** Runs `reg.exe` with arguments and resolves with its exit code (tests pass their own). */
export type RegQuery = (args: readonly string[]) => Promise<number>;

const regExe: RegQuery = (args) =>
  new Promise((resolve) => {
    execFile('reg', [...args], { windowsHide: true, timeout: 5_000 }, (error) =>
      resolve(error === null ? 0 : typeof error.code === 'number' ? error.code : 1),
    );
  });

/** Whether a per-machine install starts the app for every user (Windows; elsewhere never). */
export async function machineStartsAtLogin(
  platform: NodeJS.Platform,
  reg: RegQuery = regExe,
): Promise<boolean> {
  if (platform !== 'win32') return false;
  return (await reg(['query', MACHINE_RUN_KEY, '/v', APP_NAME])) === 0;
}

export interface LoginItemTarget {
  platform: NodeJS.Platform;
  /**
   * A per-machine install already starts the app at login (HKLM Run): the user's own login item would start it a
   * second time, so it is removed; the app then honours the user's choice when it starts (shouldRun).
   */
  machineWide?: boolean;
  /** The program to start: the installed executable (on Linux the AppImage itself when run from one). */
  executable: string;
  /** Linux: $XDG_CONFIG_HOME, else ~/.config. */
  configHome?: string | undefined;
}

/** Registers or removes the login start. Only a packaged app does this: a dev build would register Electron. */
export async function applyLoginItem(enabled: boolean, target: LoginItemTarget): Promise<void> {
  if (target.platform === 'win32' || target.platform === 'darwin') {
    const openAtLogin = enabled && target.machineWide !== true;
    app.setLoginItemSettings({ openAtLogin, path: target.executable, args: [HIDDEN_FLAG] });
    return;
  }
  const dir = join(target.configHome || join(homedir(), '.config'), 'autostart');
  const file = join(dir, AUTOSTART_FILE);
  if (!enabled) {
    await rm(file, { force: true });
    return;
  }
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(file, autostartEntry(target.executable), 0o644);
}

/** An XDG desktop entry that starts `executable --hidden`. */
export function autostartEntry(executable: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=BToE Companion',
    'Comment=Pairs your desk phone with this PC',
    `Exec=${desktopExecArgument(executable)} ${HIDDEN_FLAG}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

/**
 * One Exec argument (Desktop Entry Specification, "The Exec key"): quoted, with `"`, `` ` ``, `$` and `\`
 * backslash-escaped; then, as for any string value, every backslash doubled again.
 */
function desktopExecArgument(value: string): string {
  if (/[\p{Cc}]/u.test(value)) throw new Error('The executable path contains control characters.');
  const quoted = `"${value.replace(/["`$\\]/g, (c) => `\\${c}`)}"`;
  return quoted.replace(/\\/g, '\\\\').replace(/%/g, '%%');
}
