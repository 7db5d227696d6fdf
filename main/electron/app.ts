// Environment: Electron main. The desktop app's entry point: one instance per user, a tray icon, notifications and
// (when asked for) one window, all driven by the companion core through its CompanionPort. tel:/callto:/sip: launches
// dial; a login start (`--hidden`) stays in the tray, or exits at once for a user who turned start at login off.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app, dialog, type BrowserWindow } from 'electron';
import type { CompanionView } from '../../contract/window.js';
import { createCompanionPort, supportBundleName } from '../composition/running-companion.js';
import { defaultStoreDir } from '../core/companion.js';
import { CompanionLog } from '../core/companion-log.js';
import { type LaunchArgs, parseLaunchArgs } from '../core/launch-args.js';
import { loadPolicy, settingsChoices } from '../core/policy.js';
import { loadSettings } from '../core/settings.js';
import {
  crashDumpDir,
  guardMainProcess,
  reloadWhenRendererGone,
  startCrashReporter,
} from './crash-handling.js';
import { registerIpcHandlers } from './window-ipc.js';
import { type NoticePage, createNotifier } from './notifications.js';
import { PowerMonitorLockSource } from './power-monitor-lock-source.js';
import { createTranslate, shellLanguage } from './shell-i18n.js';
import { ShellSettings } from './shell-settings.js';
import { applyLoginItem, machineStartsAtLogin, shouldRun } from './start-at-login.js';
import { type CompanionTray, createCompanionTray, lockSyncControl } from './tray.js';
import { APP_INDEX_URL, createMainWindow, isSameOrigin, registerAppScheme, serveRenderer } from './window.js';

/** Also the installers' identity (electron-builder.yml): Windows groups notifications and shortcuts by it. */
const APP_USER_MODEL_ID = 'org.btoe.companion';

// electron-vite lays out out/main, out/preload and out/renderer side by side.
const rendererDir = fileURLToPath(new URL('../renderer', import.meta.url));
const preloadPath = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
// `electron-vite dev` serves the renderer itself and says where; a packaged app never trusts that.
const devServerUrl = app.isPackaged ? undefined : process.env['ELECTRON_RENDERER_URL'];
const startUrl = devServerUrl ?? APP_INDEX_URL;
const isTrustedUrl = (url: string): boolean => isSameOrigin(url, startUrl);

const storeDir = defaultStoreDir();
const log = new CompanionLog(join(storeDir, 'logs'));
// Node's own locale until the app is ready; then the OS's preferred languages (start()).
let t = createTranslate(shellLanguage([Intl.DateTimeFormat().resolvedOptions().locale]));
// Before anything else, so that a crash at start-up leaves a dump too; without it the companion still runs.
try {
  startCrashReporter(storeDir);
} catch (error) {
  log.write('crash-reporter-failed', { error: (error as Error).message });
}
guardMainProcess(
  (event, fields) => log.write(event, fields),
  (message) => ({
    title: t('error.unexpectedTitle'),
    body: t('error.unexpectedBody', { message, logs: log.dir, crashes: crashDumpDir(storeDir) }),
  }),
);

/** The companion's parts once started; launches that arrive before are kept until then. */
interface Running {
  port: Awaited<ReturnType<typeof createCompanionPort>>;
  notifier: ReturnType<typeof createNotifier>;
  tray: CompanionTray;
}
let running: Running | undefined;
const earlyLaunches: LaunchArgs[] = [];
/** Launches kept while starting: a few are real clicks; more would only be a flood. */
const MAX_EARLY_LAUNCHES = 8;
function launched(launch: LaunchArgs): void {
  if (running !== undefined) handleLaunch(launch, running);
  else if (earlyLaunches.length < MAX_EARLY_LAUNCHES) earlyLaunches.push(launch);
}
let mainWindow: BrowserWindow | null = null;

/** Shows the window (created anew if it was closed), on `page` if given: the renderer reads the URL's fragment. */
function showWindow(page?: NoticePage | 'diagnostics'): void {
  const url = page === undefined ? startUrl : `${startUrl}#${page}`;
  if (mainWindow !== null && !mainWindow.isDestroyed()) {
    if (page !== undefined) void mainWindow.loadURL(url);
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
    return;
  }
  const win = createMainWindow({ preloadPath, startUrl: url });
  reloadWhenRendererGone(win.webContents, (event, fields) => log.write(event, fields));
  // Closing destroys the window (and its renderer); the companion goes on in the tray.
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  mainWindow = win;
}

/** A launch: a call URL is dialled (a refusal says why in a notification); a plain start shows the window. */
function handleLaunch(launch: LaunchArgs, { port, notifier }: Running): void {
  if (launch.callUrl === undefined) {
    if (!launch.hidden) showWindow();
    return;
  }
  port.dial(launch.callUrl).then(
    (result) => {
      log.write('launch-dial', { ok: result.ok });
      if (!result.ok) notifier.failed('dialRefused', result.message);
    },
    (error: unknown) =>
      notifier.failed('dialRefused', error instanceof Error ? error.message : String(error)),
  );
}

async function start(launch: LaunchArgs): Promise<void> {
  app.setAppUserModelId(APP_USER_MODEL_ID);
  t = createTranslate(shellLanguage(app.getPreferredSystemLanguages()));
  const { settings, warning } = await loadSettings(storeDir);
  const policy = await loadPolicy({ choices: settingsChoices(settings) });
  if (warning !== undefined) log.write('settings-unreadable', { warning });
  const atLogin =
    launch.hidden || (process.platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin);
  if (!shouldRun({ hidden: atLogin }, policy, settings)) {
    // A machine-wide login start for a user who turned it off: gone before any window, tray or phone link.
    log.write('login-start-declined', {});
    await log.flush();
    app.exit(0);
    return;
  }
  if (devServerUrl === undefined) serveRenderer(rendererDir);

  const port = await createCompanionPort([new PowerMonitorLockSource()], { storeDir, log });
  const shellSettings = new ShellSettings(storeDir, policy, settings, {
    applySettings: (next) => port.applySettings(next),
    applyLoginItem: async (enabled) => {
      // A development build would register the bare Electron binary.
      if (!app.isPackaged) return;
      const executable = process.env['APPIMAGE'] ?? process.execPath;
      await applyLoginItem(enabled, {
        platform: process.platform,
        executable,
        machineWide: await machineStartsAtLogin(process.platform),
        configHome: process.env['XDG_CONFIG_HOME'],
      });
    },
  });
  shellSettings
    .syncLoginItem()
    .catch((error: Error) => log.write('login-item-failed', { error: error.message }));

  const notifier = createNotifier(t, {
    open: (page) => showWindow(page),
    answer: (phoneId) => void callAction(phoneId, 'answer'),
    decline: (phoneId) => void callAction(phoneId, 'decline'),
  });
  const reportFailure = (error: unknown): void =>
    notifier.failed('actionFailed', error instanceof Error ? error.message : String(error));
  const callAction = async (phoneId: string, action: 'answer' | 'decline'): Promise<void> => {
    const result = await port
      .callAction(phoneId, action)
      .catch((error: Error) => ({ ok: false, message: error.message }));
    if (!result.ok) notifier.failed('actionFailed', result.message);
  };

  // The tray says "Starting…" until the first status (which probes every paired phone) is in.
  let view: CompanionView | null = null;
  const model = () => ({ view, lockSync: lockSyncControl(policy, shellSettings.current, t) });
  const tray = createCompanionTray(
    {
      open: () => showWindow(),
      pairWithPhone: () => showWindow('pair'),
      lockNow: () =>
        void port.lockPhonesNow().then((result) => {
          if (!result.ok) notifier.failed('actionFailed', result.message);
        }, reportFailure),
      setLockSync: (on) => void shellSettings.setLockSync(on).then(() => tray.update(model()), reportFailure),
      diagnostics: () => showWindow('diagnostics'),
      quit: () => app.quit(),
    },
    t,
    model(),
  );
  const stopStatus = port.onStatusChanged((next) => {
    view = next;
    tray.update(model());
  });
  port.status().then(
    (first) => {
      view ??= first;
      tray.update(model());
    },
    (error: Error) => log.write('status-failed', { error: error.message }),
  );
  const stopNotices = port.onNotice((notice) => notifier.notice(notice));
  // The window's Settings page saves through the core; the login item and the tray's lock sync switch follow.
  const windowPort: typeof port = {
    ...port,
    async setSettings(next) {
      const saved = await port.setSettings(next);
      await shellSettings.followSaved();
      tray.update(model());
      return saved;
    },
    // The user picks where the bundle goes in the main process's own dialog: the page never sees a path.
    async saveBundle() {
      const { canceled, filePath } = await dialog.showSaveDialog({
        defaultPath: supportBundleName(),
        filters: [{ name: 'Zip', extensions: ['zip'] }],
      });
      if (canceled || !filePath) return { ok: false, message: 'The support bundle was not saved.' };
      return port.saveBundle(filePath);
    },
  };
  const disposeIpc = registerIpcHandlers({ port: windowPort, isTrustedUrl });
  app.once('will-quit', () => {
    stopStatus();
    stopNotices();
    disposeIpc();
    tray.destroy();
  });

  running = { port, notifier, tray };
  handleLaunch({ ...launch, hidden: atLogin }, running);
  for (const early of earlyLaunches.splice(0)) handleLaunch(early, running);
}

if (!app.requestSingleInstanceLock()) {
  // Another instance runs already: it gets our argv through 'second-instance' (and dials our URL, if any).
  app.quit();
} else {
  registerAppScheme();
  app.on('second-instance', (_event, argv) => launched(parseLaunchArgs(argv)));
  // macOS hands URLs to the running app instead of a second instance.
  app.on('open-url', (event, url) => {
    event.preventDefault();
    const launch = parseLaunchArgs(['', url]);
    if (launch.callUrl !== undefined) launched(launch);
  });
  // macOS: a click on the Dock icon opens the window.
  app.on('activate', () => {
    if (running !== undefined) showWindow();
  });
  // Closing the window leaves the companion running in the tray: pairing, calls and lock sync need no window.
  app.on('window-all-closed', () => {});
  app
    .whenReady()
    .then(() => start(parseLaunchArgs(process.argv)))
    .catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      log.write('start-failed', { message });
      dialog.showErrorBox(t('error.startTitle'), message);
      app.exit(1);
    });
}
