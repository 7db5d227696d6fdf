import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadSettings } from '../../../../main/core/settings.js';
import { forcedByPolicy } from '../../../../main/electron/admin-policy.js';
import { ShellSettings } from '../../../../main/electron/shell-settings.js';
import {
  AUTOSTART_FILE,
  applyLoginItem,
  autostartEntry,
  machineStartsAtLogin,
  shouldRun,
  wantsStartAtLogin,
} from '../../../../main/electron/start-at-login.js';
import { loadedPolicy } from './loaded-policy.js';

const electron = vi.hoisted(() => ({ setLoginItemSettings: vi.fn() }));
vi.mock('electron', () => ({ app: { setLoginItemSettings: electron.setLoginItemSettings } }));

const policyWith = (startAtLogin?: boolean) =>
  startAtLogin === undefined ? loadedPolicy() : loadedPolicy({ StartAtLogin: startAtLogin });

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'btoe-login-'));
  electron.setLoginItemSettings.mockClear();
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('who decides', () => {
  it('starts at login unless the user turned it off; policy forces either way', () => {
    expect(wantsStartAtLogin(policyWith(), { version: 1 })).toBe(true);
    expect(wantsStartAtLogin(policyWith(), { version: 1, startAtLogin: false })).toBe(false);
    expect(wantsStartAtLogin(policyWith(true), { version: 1, startAtLogin: false })).toBe(true);
    expect(wantsStartAtLogin(policyWith(false), { version: 1, startAtLogin: true })).toBe(false);
  });

  it('is forced only by machine or user policy, not by a value from settings or the defaults', () => {
    expect(forcedByPolicy(loadedPolicy({ StartAtLogin: false }, 'user'), 'StartAtLogin')).toBe(false);
    expect(forcedByPolicy(loadedPolicy({ StartAtLogin: false }, 'settings'), 'StartAtLogin')).toBeUndefined();
    expect(forcedByPolicy(loadedPolicy({ StartAtLogin: true }, 'default'), 'StartAtLogin')).toBeUndefined();
    expect(forcedByPolicy(loadedPolicy({ StartAtLogin: true }), 'StartAtLogin')).toBe(true);
    expect(forcedByPolicy(loadedPolicy({ LockSync: false }, 'machine'), 'LockSync')).toBe(false);
  });

  it('exits at once on a machine-wide login start for a user who turned it off, and only then', () => {
    const off = { version: 1 as const, startAtLogin: false };
    expect(shouldRun({ hidden: true }, policyWith(), off)).toBe(false);
    expect(shouldRun({ hidden: true }, policyWith(), { version: 1 })).toBe(true);
    expect(shouldRun({ hidden: true }, policyWith(true), off)).toBe(true);
    expect(shouldRun({ hidden: true }, policyWith(false), { version: 1, startAtLogin: true })).toBe(false);
    // Started by the user (Start menu, a tel: link): always runs.
    expect(shouldRun({ hidden: false }, policyWith(false), off)).toBe(true);
  });
});

describe('applyLoginItem', () => {
  it('registers the login item with --hidden on Windows and macOS', async () => {
    const executable = 'C:\\Program Files\\BToE Companion\\BToE Companion.exe';
    await applyLoginItem(true, { platform: 'win32', executable });
    await applyLoginItem(false, { platform: 'darwin', executable: '/Applications/BToE Companion.app' });
    expect(electron.setLoginItemSettings.mock.calls).toEqual([
      [{ openAtLogin: true, path: executable, args: ['--hidden'] }],
      [{ openAtLogin: false, path: '/Applications/BToE Companion.app', args: ['--hidden'] }],
    ]);
  });

  it('leaves the start to a per-machine install (HKLM Run) rather than starting twice', async () => {
    const executable = 'C:\\Program Files\\BToE Companion\\BToE Companion.exe';
    await applyLoginItem(true, { platform: 'win32', executable, machineWide: true });
    expect(electron.setLoginItemSettings).toHaveBeenCalledWith({
      openAtLogin: false,
      path: executable,
      args: ['--hidden'],
    });
  });

  it("finds the installer's HKLM Run value with reg query, on Windows only", async () => {
    const reg = vi.fn(async () => 0);
    expect(await machineStartsAtLogin('win32', reg)).toBe(true);
    expect(reg).toHaveBeenCalledWith([
      'query',
      'HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run',
      '/v',
      'BToE Companion',
    ]);
    expect(await machineStartsAtLogin('win32', async () => 1)).toBe(false);
    expect(await machineStartsAtLogin('linux', reg)).toBe(false);
    expect(reg).toHaveBeenCalledOnce();
  });

  it('writes and removes an XDG autostart entry on Linux', async () => {
    const target = {
      platform: 'linux' as const,
      executable: '/opt/BToE Companion/btoe-companion',
      configHome: dir,
    };
    const file = join(dir, 'autostart', AUTOSTART_FILE);
    await applyLoginItem(true, target);
    const text = await readFile(file, 'utf8');
    expect(text).toContain('\nExec="/opt/BToE Companion/btoe-companion" --hidden\n');
    expect(text.startsWith('[Desktop Entry]\nType=Application\n')).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    await applyLoginItem(false, target);
    await expect(stat(file)).rejects.toThrow(/ENOENT/);
    // Removing what is not there is fine.
    await applyLoginItem(false, target);
    expect(electron.setLoginItemSettings).not.toHaveBeenCalled();
  });

  it('quotes an executable path with the characters the Exec key reserves', () => {
    expect(autostartEntry('/home/a "b"/$HOME/100%/x\\y')).toContain(
      'Exec="/home/a \\\\"b\\\\"/\\\\$HOME/100%%/x\\\\\\\\y" --hidden',
    );
    expect(() => autostartEntry('/tmp/a\nExec=evil')).toThrow(/control characters/);
  });
});

describe('ShellSettings', () => {
  const targets = () => ({ applySettings: vi.fn(), applyLoginItem: vi.fn(async () => {}) });

  it("persists the user's start at login and lock sync in settings.json and applies them", async () => {
    const to = targets();
    await writeFile(join(dir, 'settings.json'), '{ "version": 1, "defaultRegion": "GB" }');
    const settings = new ShellSettings(dir, policyWith(), (await loadSettings(dir)).settings, to);
    await settings.setStartAtLogin(false);
    expect(to.applyLoginItem).toHaveBeenLastCalledWith(false);
    await settings.setLockSync(false);
    expect(to.applySettings).toHaveBeenLastCalledWith({
      version: 1,
      defaultRegion: 'GB',
      startAtLogin: false,
      lockSync: false,
    });
    expect((await loadSettings(dir)).settings).toEqual({
      version: 1,
      defaultRegion: 'GB',
      startAtLogin: false,
      lockSync: false,
    });
    expect(settings.startAtLogin).toEqual({ on: false, forcedByPolicy: false });
    await settings.syncLoginItem();
    expect(to.applyLoginItem).toHaveBeenLastCalledWith(false);
  });

  it('follows settings the window saved: the login item changes only when start at login did', async () => {
    const to = targets();
    const settings = new ShellSettings(dir, policyWith(), { version: 1 }, to);
    await writeFile(join(dir, 'settings.json'), '{ "version": 1, "defaultRegion": "GB" }');
    await settings.followSaved();
    expect(to.applyLoginItem).not.toHaveBeenCalled();
    await writeFile(join(dir, 'settings.json'), '{ "version": 1, "startAtLogin": false }');
    await settings.followSaved();
    expect(to.applyLoginItem).toHaveBeenLastCalledWith(false);
    expect(settings.startAtLogin).toEqual({ on: false, forcedByPolicy: false });
  });

  it('refuses a change that policy decides, saying so', async () => {
    const to = targets();
    const forced = new ShellSettings(dir, policyWith(true), { version: 1 }, to);
    await expect(forced.setStartAtLogin(false)).rejects.toThrow(
      /administrator has turned it on \(policy StartAtLogin\)/,
    );
    expect(forced.startAtLogin).toEqual({ on: true, forcedByPolicy: true });
    const off = new ShellSettings(
      dir,
      loadedPolicy({ EnableBetterTogetherOverEthernet: false }),
      { version: 1 },
      to,
    );
    await expect(off.setLockSync(true)).rejects.toThrow(/turned off by your administrator/);
    const lockSyncForced = new ShellSettings(
      dir,
      loadedPolicy({ LockSync: true }, 'user'),
      { version: 1 },
      to,
    );
    await expect(lockSyncForced.setLockSync(false)).rejects.toThrow(/turned it on \(policy LockSync\)/);
    expect(to.applyLoginItem).not.toHaveBeenCalled();
    expect(to.applySettings).not.toHaveBeenCalled();
  });

  it('leaves a damaged settings file as it is and says what is wrong', async () => {
    await writeFile(join(dir, 'settings.json'), '{ not json');
    const settings = new ShellSettings(dir, policyWith(), { version: 1 }, targets());
    await expect(settings.setLockSync(false)).rejects.toThrow(/not valid JSON/);
    expect(await readFile(join(dir, 'settings.json'), 'utf8')).toBe('{ not json');
  });
});
