import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Companion } from '../../../../main/core/companion.js';
import type { CommandContext } from '../../../../main/core/commands.js';
import type { PhoneSession } from '../../../../main/core/phone-session.js';
import type { CompanionView } from '../../../../contract/window.js';

// The whole desktop shell (main/electron/app.ts) with `electron` mocked and the companion core behind its port
// replaced by one whose dial runs the real `btoe dial` command against a recording phone session.

type Listener = (...args: unknown[]) => void;

interface FakeWindow {
  url: string;
  listeners: Map<string, Listener>;
  destroyed: boolean;
  show: ReturnType<typeof vi.fn>;
  loadURL: ReturnType<typeof vi.fn>;
  webContents: { listeners: Map<string, Listener>; reload: ReturnType<typeof vi.fn> };
}

const electron = vi.hoisted(() => ({
  appListeners: new Map<string, Listener>(),
  ready: undefined as undefined | (() => void),
  singleInstance: true,
  windows: [] as FakeWindow[],
  trays: [] as Array<{ menu: Array<{ label?: string; click?: () => void }>; destroyed: boolean }>,
  notifications: [] as Array<{ title: string; body: string }>,
  exit: undefined as undefined | ReturnType<typeof vi.fn>,
  quit: undefined as undefined | ReturnType<typeof vi.fn>,
  errorBoxes: [] as string[][],
  saveDialog: { canceled: true, filePath: '' },
}));

vi.mock('electron', () => {
  const on = (map: Map<string, Listener>) => (name: string, listener: Listener) => map.set(name, listener);
  let readyPromise: Promise<void> | undefined;
  const app = {
    isPackaged: false,
    requestSingleInstanceLock: () => electron.singleInstance,
    on: (name: string, listener: Listener) => electron.appListeners.set(name, listener),
    once: (name: string, listener: Listener) => electron.appListeners.set(name, listener),
    whenReady: () =>
      (readyPromise ??= new Promise<void>((resolve) => {
        electron.ready = resolve;
      })),
    isReady: () => false,
    quit: (electron.quit = vi.fn()),
    exit: (electron.exit = vi.fn()),
    setAppUserModelId: vi.fn(),
    getPreferredSystemLanguages: () => ['en-GB'],
    getLoginItemSettings: () => ({ wasOpenedAtLogin: false }),
    setLoginItemSettings: vi.fn(),
    setPath: vi.fn(),
  };
  const BrowserWindow = vi.fn(function (this: FakeWindow) {
    this.listeners = new Map();
    this.destroyed = false;
    this.webContents = { listeners: new Map(), reload: vi.fn() };
    Object.assign(this.webContents, {
      on: on(this.webContents.listeners),
      setWindowOpenHandler: vi.fn(),
      session: {
        setPermissionRequestHandler: vi.fn(),
        setPermissionCheckHandler: vi.fn(),
        setDevicePermissionHandler: vi.fn(),
      },
      isDestroyed: () => this.destroyed,
    });
    this.show = vi.fn();
    this.loadURL = vi.fn(async (url: string) => {
      this.url = url;
    });
    Object.assign(this, {
      on: on(this.listeners),
      once: on(this.listeners),
      isDestroyed: () => this.destroyed,
      isMinimized: () => false,
      restore: vi.fn(),
      focus: vi.fn(),
      // What Electron does when the user closes a window nobody keeps open: destroy it, then 'closed'.
      close: () => {
        this.destroyed = true;
        this.listeners.get('closed')?.();
      },
    });
    electron.windows.push(this);
  });
  return {
    app,
    BrowserWindow: Object.assign(BrowserWindow, {
      getAllWindows: () => electron.windows.filter((w) => !w.destroyed),
    }),
    crashReporter: { start: vi.fn() },
    dialog: {
      showErrorBox: (...args: string[]) => electron.errorBoxes.push(args),
      showSaveDialog: vi.fn(async () => electron.saveDialog),
    },
    ipcMain: { handle: vi.fn(), removeHandler: vi.fn() },
    Menu: { buildFromTemplate: (template: unknown) => template },
    nativeImage: { createFromBuffer: () => ({ addRepresentation: vi.fn() }) },
    net: { fetch: vi.fn() },
    Notification: Object.assign(
      vi.fn(function (
        this: { options: { title: string; body: string } },
        options: { title: string; body: string },
      ) {
        Object.assign(this, {
          on: vi.fn(),
          close: vi.fn(),
          show: () => electron.notifications.push(options),
        });
      }),
      { isSupported: () => true },
    ),
    powerMonitor: { on: vi.fn(), removeListener: vi.fn(), getSystemIdleState: () => 'active' },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    Tray: vi.fn(function (this: (typeof electron.trays)[number]) {
      this.destroyed = false;
      Object.assign(this, {
        setImage: vi.fn(),
        setToolTip: vi.fn(),
        setContextMenu: (menu: (typeof electron.trays)[number]['menu']) => (this.menu = menu),
        on: vi.fn(),
        destroy: () => (this.destroyed = true),
      });
      electron.trays.push(this);
    }),
  };
});

const core = vi.hoisted(() => ({
  dialled: [] as string[],
  created: 0,
  settingsApplied: [] as unknown[],
  bundles: [] as Array<string | undefined>,
}));

vi.mock('../../../../main/composition/running-companion.js', () => ({
  supportBundleName: () => 'btoe-support-now.zip',
  createCompanionPort: async () => {
    core.created++;
    const session = {
      phone: { id: 'vvx-1', name: 'Lab desk' },
      dial: async (n: string) => void core.dialled.push(n),
    };
    const context: CommandContext = {
      companion: { policy: { policy: { DefaultRegion: 'US' } } } as unknown as Companion,
      desktop: {} as CommandContext['desktop'],
      withSession: async (_device, use) => use(session as unknown as PhoneSession),
    };
    const view: CompanionView = {
      version: '1.2.3',
      pairingMode: 'auto',
      policySource: 'defaults',
      pairingModeByPolicy: false,
      secretStore: 'file',
      pcLocked: false,
      phones: [],
    };
    return {
      status: async () => view,
      pair: async () => ({ ok: false, message: 'not here' }),
      onStatusChanged: () => () => {},
      dial: async (url: string) => {
        // Imported here, after vi.resetModules, so its error classes are the ones the dial parser throws.
        const { executeCommand } = await import('../../../../main/core/commands.js');
        const result = await executeCommand(context, { command: 'dial', args: [url] });
        return { ok: result.code === 0, message: result.human };
      },
      lockPhonesNow: async () => ({ ok: true, message: 'locked' }),
      callAction: async () => ({ ok: true, message: 'done' }),
      applySettings: (settings: unknown) => core.settingsApplied.push(settings),
      onNotice: () => () => {},
      saveBundle: async (file?: string) => {
        core.bundles.push(file);
        return { ok: true, message: `Support bundle saved to ${file}` };
      },
    };
  },
}));

let store: string;
const argv = process.argv;
const guards = {
  exception: [] as NodeJS.UncaughtExceptionListener[],
  rejection: [] as NodeJS.UnhandledRejectionListener[],
};

async function launch(args: string[]): Promise<void> {
  process.argv = ['/opt/BToE Companion/btoe-companion', ...args];
  guards.exception = process.listeners('uncaughtException');
  guards.rejection = process.listeners('unhandledRejection');
  await import('../../../../main/electron/app.js');
  electron.ready?.();
}

/** The first dial loads libphonenumber's metadata, which takes a while on a loaded machine. */
const eventually = <T>(check: () => T | Promise<T>) => vi.waitFor(check, { timeout: 20_000 });
const settled = () => new Promise((resolve) => setTimeout(resolve, 20));
const secondInstance = (...args: string[]) =>
  electron.appListeners.get('second-instance')?.({}, ['/opt/BToE Companion/btoe-companion', ...args], '/');

beforeEach(async () => {
  vi.resetModules();
  store = await mkdtemp(join(tmpdir(), 'btoe-app-'));
  vi.stubEnv('XDG_CONFIG_HOME', store);
  vi.stubEnv('APPDATA', store);
  vi.stubEnv('BTOE_POLICY_FILE', join(store, 'policy.json'));
  Object.assign(electron, { appListeners: new Map(), ready: undefined, singleInstance: true });
  Object.assign(electron, { windows: [], trays: [], notifications: [], errorBoxes: [] });
  Object.assign(core, { dialled: [], created: 0, settingsApplied: [], bundles: [] });
  electron.exit?.mockClear();
  electron.quit?.mockClear();
});

afterEach(async () => {
  process.argv = argv;
  // The shell's guards would swallow the test runner's own errors.
  for (const listener of process.listeners('uncaughtException'))
    if (!guards.exception.includes(listener)) process.off('uncaughtException', listener);
  for (const listener of process.listeners('unhandledRejection'))
    if (!guards.rejection.includes(listener)) process.off('unhandledRejection', listener);
  vi.unstubAllEnvs();
  await rm(store, { recursive: true, force: true });
});

describe('a plain start', () => {
  it('opens the window and the tray; closing the window destroys it and leaves the tray', async () => {
    await launch([]);
    await eventually(() => expect(electron.windows).toHaveLength(1));
    expect(electron.trays).toHaveLength(1);
    expect(electron.windows[0]?.url).toBe('app://companion/index.html');
    // Windows shows notifications only for an app with an AppUserModelID (the installers' appId).
    const { app } = await import('electron');
    expect(app.setAppUserModelId).toHaveBeenCalledWith('org.btoe.companion');

    (electron.windows[0] as unknown as { close(): void }).close();
    expect(electron.windows[0]?.destroyed).toBe(true);
    expect(electron.trays[0]?.destroyed).toBe(false);
    // The app stays: nothing quits when the last window closes.
    electron.appListeners.get('window-all-closed')?.();
    expect(electron.quit).not.toHaveBeenCalled();

    // "Open" from the tray makes a new window; "Diagnostics" shows it on that page.
    electron.trays[0]?.menu.find((item) => item.label === 'Open')?.click?.();
    expect(electron.windows).toHaveLength(2);
    electron.trays[0]?.menu.find((item) => item.label === 'Diagnostics')?.click?.();
    expect(electron.windows).toHaveLength(2);
    expect(electron.windows[1]?.loadURL).toHaveBeenLastCalledWith('app://companion/index.html#diagnostics');
  });

  it('saves the support bundle where the user chose in the save dialog, and nowhere when cancelled', async () => {
    await launch([]);
    const { dialog, ipcMain } = await import('electron');
    const saveBundle = await eventually(() => {
      const call = vi
        .mocked(ipcMain.handle)
        .mock.calls.findLast(([channel]) => channel === 'companion:save-bundle');
      expect(call).toBeDefined();
      return call![1] as (event: unknown, payload?: unknown) => Promise<unknown>;
    });
    const fromWindow = { senderFrame: { url: 'app://companion/index.html', parent: null } };

    await expect(saveBundle(fromWindow)).resolves.toEqual({
      ok: false,
      message: 'The support bundle was not saved.',
    });
    expect(core.bundles).toEqual([]);

    electron.saveDialog = { canceled: false, filePath: '/home/amos/Desktop/ticket-42.zip' };
    await expect(saveBundle(fromWindow)).resolves.toEqual({
      ok: true,
      message: 'Support bundle saved to /home/amos/Desktop/ticket-42.zip',
    });
    expect(core.bundles).toEqual(['/home/amos/Desktop/ticket-42.zip']);
    expect(dialog.showSaveDialog).toHaveBeenLastCalledWith(
      expect.objectContaining({ defaultPath: 'btoe-support-now.zip' }),
    );
    electron.saveDialog = { canceled: true, filePath: '' };
  });

  it('opens the window from the Dock on macOS', async () => {
    await launch(['--hidden']);
    await eventually(() => expect(electron.trays).toHaveLength(1));
    electron.appListeners.get('activate')?.();
    expect(electron.windows).toHaveLength(1);
  });

  it('reloads the window when its renderer crashes', async () => {
    await launch([]);
    await eventually(() => expect(electron.windows).toHaveLength(1));
    electron.windows[0]?.webContents.listeners.get('render-process-gone')?.(
      {},
      { reason: 'crashed', exitCode: 1 },
    );
    expect(electron.windows[0]?.webContents.reload).toHaveBeenCalledOnce();
  });

  it('stops at once as a second instance, leaving the URL to the first', async () => {
    electron.singleInstance = false;
    await launch(['tel:+12015550123']);
    expect(electron.quit).toHaveBeenCalledOnce();
    await settled();
    expect(core.created).toBe(0);
    expect(electron.appListeners.has('second-instance')).toBe(false);
  });
});

describe('click-to-call launches', () => {
  it('dials the URL of a cold start without opening a window', async () => {
    await launch(['--allow-file-access-from-files', 'tel:+1-201-555-0123']);
    await eventually(() => expect(core.dialled).toEqual(['+12015550123']));
    expect(electron.windows).toHaveLength(0);
    expect(electron.notifications).toHaveLength(0);
  });

  it("dials a second instance's URL, spaces and all; a second instance without one shows the window", async () => {
    await launch(['--hidden']);
    await eventually(() => expect(electron.trays).toHaveLength(1));
    expect(electron.windows).toHaveLength(0);
    secondInstance('--some-chromium-switch', 'tel:+1 (201) 555-0124');
    await eventually(() => expect(core.dialled).toEqual(['+12015550124']));
    expect(electron.windows).toHaveLength(0);
    secondInstance('--hidden');
    expect(electron.windows).toHaveLength(0);
    secondInstance();
    expect(electron.windows).toHaveLength(1);
  });

  it('keeps URLs that arrive before the companion is up, and dials them once it is', async () => {
    process.argv = ['/opt/BToE Companion/btoe-companion', '--hidden'];
    await import('../../../../main/electron/app.js');
    secondInstance('callto:+12015550125');
    // A flood of launches while starting keeps only the first few.
    for (let i = 0; i < 20; i++) secondInstance(`tel:+1201555${String(1000 + i)}`);
    expect(core.dialled).toEqual([]);
    electron.ready?.();
    await eventually(() => expect(core.dialled).toHaveLength(8));
    expect(core.dialled.slice(0, 2)).toEqual(['+12015550125', '+12015551000']);
  });

  it.each([
    [
      'control characters',
      'tel:+1201\u0007555\u00000126',
      '"tel:+1201\\x07555\\x000126" contains a control character (\\x07): phone numbers and tel:, callto: and sip: addresses are plain ASCII',
    ],
    [
      'a 10 KB string',
      `tel:+1${'2'.repeat(10_240)}`,
      `"tel:+1${'2'.repeat(51)}..." is too long (10246 characters; at most 256)`,
    ],
    [
      'bidi marks',
      'tel:\u202E+12015550127',
      '"tel:\\u202e+12015550127" contains a non-ASCII character (\\u202e): phone numbers and tel:, callto: and sip: addresses are plain ASCII',
    ],
    [
      'its scheme hidden behind a bidi mark',
      '\u202Etel:+12015550128',
      '"\\u202etel:+12015550128" contains a non-ASCII character (\\u202e): phone numbers and tel:, callto: and sip: addresses are plain ASCII',
    ],
    [
      'a name instead of a number',
      'sip:alice@example.com',
      '"sip:alice@example.com" is the SIP address of a name, not of a phone number (use ;user=phone for numbers)',
    ],
  ])('refuses a URL with %s and says why in a notification', async (_what, url, reason) => {
    await launch(['--hidden']);
    await eventually(() => expect(electron.trays).toHaveLength(1));
    secondInstance(url);
    await eventually(() => expect(electron.notifications).toHaveLength(1));
    const [notice] = electron.notifications;
    expect(notice?.title).toBe('Call not placed');
    expect(notice?.body).toBe(reason);
    // Nothing the user could be fooled by reaches the screen.
    expect(notice?.body).not.toMatch(/[\p{Cc}\p{Cf}]/u);
    expect(core.dialled).toEqual([]);
  });
});

describe('start at login', () => {
  it('stays in the tray when started with --hidden', async () => {
    await launch(['--hidden']);
    await eventually(() => expect(electron.trays).toHaveLength(1));
    expect(electron.windows).toHaveLength(0);
  });

  it('exits at once, before any phone link, for a user who turned it off', async () => {
    await mkdir(join(store, 'btoe-companion'), { recursive: true });
    await writeFile(join(store, 'btoe-companion', 'settings.json'), '{"version":1,"startAtLogin":false}');
    await launch(['--hidden']);
    await eventually(() => expect(electron.exit).toHaveBeenCalledWith(0));
    expect(core.created).toBe(0);
    expect(electron.trays).toHaveLength(0);
    const log = await readFile(join(store, 'btoe-companion', 'logs', 'companion.log'), 'utf8');
    expect(log).toContain('"event":"login-start-declined"');
  });

  it('runs for that user all the same when policy StartAtLogin forces it on', async () => {
    await mkdir(join(store, 'btoe-companion'), { recursive: true });
    await writeFile(join(store, 'btoe-companion', 'settings.json'), '{"version":1,"startAtLogin":false}');
    // The policy object as the admin's policy table loads it, machine policy forcing StartAtLogin on.
    const policy = await import('../../../../main/core/policy.js');
    const { loadedPolicy } = await import('./loaded-policy.js');
    vi.spyOn(policy, 'loadPolicy').mockResolvedValue(loadedPolicy({ StartAtLogin: true }, 'machine'));
    await launch(['--hidden']);
    await eventually(() => expect(electron.trays).toHaveLength(1));
    expect(electron.exit).not.toHaveBeenCalled();
  });
});

describe('the tray', () => {
  it('turns lock sync off in settings.json and in the running companion', async () => {
    await launch(['--hidden']);
    await eventually(() => expect(electron.trays).toHaveLength(1));
    electron.trays[0]?.menu.find((item) => item.label === 'Lock sync')?.click?.();
    await eventually(() => expect(core.settingsApplied).toEqual([{ version: 1, lockSync: false }]));
    const saved = JSON.parse(
      await readFile(join(store, 'btoe-companion', 'settings.json'), 'utf8'),
    ) as unknown;
    expect(saved).toEqual({ version: 1, lockSync: false });
    electron.trays[0]?.menu.find((item) => item.label === 'Quit')?.click?.();
    expect(electron.quit).toHaveBeenCalledOnce();
    electron.appListeners.get('will-quit')?.();
    expect(electron.trays[0]?.destroyed).toBe(true);
  });
});

describe('an unexpected error in the main process', () => {
  it('is logged and shown once, and the app goes on', async () => {
    await launch(['--hidden']);
    await eventually(() => expect(electron.trays).toHaveLength(1));
    process.emit('uncaughtException', new Error('first'));
    process.emit('uncaughtException', new Error('second'));
    expect(electron.errorBoxes).toHaveLength(1);
    expect(electron.errorBoxes[0]?.[0]).toBe('BToE Companion hit an unexpected error');
    expect(electron.errorBoxes[0]?.[1]).toContain('first');
    expect(electron.errorBoxes[0]?.[1]).toContain(join(store, 'btoe-companion', 'crash-dumps'));
    expect(electron.exit).not.toHaveBeenCalled();
    await eventually(async () =>
      expect(await readFile(join(store, 'btoe-companion', 'logs', 'companion.log'), 'utf8')).toContain(
        '"second"',
      ),
    );
  });
});
