// Environment: Electron main. The desktop app's entry point: one instance, one window, one tray icon,
// all driven by the companion core through its CompanionPort.
import { fileURLToPath } from 'node:url';
import { app, dialog, type BrowserWindow } from 'electron';
import { createCompanionPort } from '../composition/running-companion.js';
import { registerIpcHandlers, type CompanionPort } from './window-ipc.js';
import { PowerMonitorLockSource } from './power-monitor-lock-source.js';
import { createCompanionTray } from './tray.js';
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

let mainWindow: BrowserWindow | null = null;

function showWindow(): void {
  if (mainWindow !== null && !mainWindow.isDestroyed()) {
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
    return;
  }
  const win = createMainWindow({ preloadPath, startUrl });
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  mainWindow = win;
}

async function start(): Promise<void> {
  app.setAppUserModelId(APP_USER_MODEL_ID);
  if (devServerUrl === undefined) serveRenderer(rendererDir);
  const port: CompanionPort = await createCompanionPort([new PowerMonitorLockSource()]);
  const tray = createCompanionTray({ pairWithPhone: showWindow, quit: () => app.quit() });
  const disposeIpc = registerIpcHandlers({ port, isTrustedUrl });
  const stopTray = port.onStatusChanged((view) => tray.update(view));
  app.once('will-quit', () => {
    stopTray();
    disposeIpc();
    tray.destroy();
  });
  showWindow();
  tray.update(await port.status());
}

if (!app.requestSingleInstanceLock()) {
  // Another instance runs already: it gets our argv through 'second-instance' and shows its window.
  app.quit();
} else {
  registerAppScheme();
  app.on('second-instance', () => {
    if (app.isReady()) showWindow();
  });
  // Closing the window leaves the companion running in the tray: pairing and lock sync need no window.
  app.on('window-all-closed', () => {});
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      dialog.showErrorBox('BToE Companion could not start', message);
      app.exit(1);
    });
}
