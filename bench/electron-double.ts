// Environment: Node (benchmarks). What `electron` is for the desktop shell bundled by bench/url-handler.ts, as
// the unit tests mock it (test/unit/main/electron/app.test.ts): no Electron binary exists here. The app's
// listeners are kept so the bench can hand the shell a second instance's argv; every other member is a no-op.
type Listener = (...args: unknown[]) => unknown;

export const appListeners = new Map<string, Listener>();

/** Any member: a function doing nothing and returning another such object (never a thenable). */
function inert(): unknown {
  const target = function () {} as unknown as object;
  return new Proxy(target, {
    get: (_t, key) => (key === 'then' ? undefined : key === Symbol.toPrimitive ? () => '' : inert()),
    apply: () => inert(),
    construct: () => inert() as object,
  });
}

const withDefaults = <T extends object>(members: T): T =>
  new Proxy(members, {
    get: (t, key) =>
      key in t ? (t as Record<PropertyKey, unknown>)[key] : key === 'then' ? undefined : inert(),
  });

export const app = withDefaults({
  isPackaged: false,
  requestSingleInstanceLock: () => true,
  on: (name: string, listener: Listener) => appListeners.set(name, listener),
  once: (name: string, listener: Listener) => appListeners.set(name, listener),
  whenReady: () => Promise.resolve(),
  isReady: () => true,
  getPreferredSystemLanguages: () => ['en-GB'],
  getLoginItemSettings: () => ({ wasOpenedAtLogin: false }),
});
export const BrowserWindow = Object.assign(inert() as object, { getAllWindows: () => [] });
export const crashReporter = inert();
export const dialog = inert();
export const ipcMain = inert();
export const Menu = inert();
export const nativeImage = inert();
export const net = inert();
export const Notification = Object.assign(inert() as object, { isSupported: () => false });
export const powerMonitor = withDefaults({ getSystemIdleState: () => 'active' });
export const protocol = inert();
export const session = inert();
export const shell = inert();
export const Tray = inert();
export const clipboard = inert();
export default { app, BrowserWindow, crashReporter, dialog, ipcMain, Menu, nativeImage, net, Notification };
