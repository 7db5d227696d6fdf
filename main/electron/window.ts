// Environment: Electron main. The companion window and the rules every web page of the app runs under
// (electronjs.org security checklist): isolated, sandboxed, local content only, no navigation, no new
// windows, no permission but writing the clipboard.
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow, net, protocol, type WebContents } from 'electron';
import { CONTENT_SECURITY_POLICY } from './content-security-policy.js';

/** The built renderer is served from app://companion/ rather than file://, so it has a real origin. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'companion';
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** Must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** Serves files from `rendererDir`, and nothing outside it, at app://companion/. */
export function serveRenderer(rendererDir: string): void {
  const root = path.resolve(rendererDir);
  protocol.handle(APP_SCHEME, async (request) => {
    const file = rendererFile(root, request.url);
    if (file === null) return new Response('Not found', { status: 404 });
    let response: Response;
    try {
      response = await net.fetch(pathToFileURL(file).toString());
    } catch {
      return new Response('Not found', { status: 404 });
    }
    const headers = new Headers(response.headers);
    headers.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    headers.set('X-Content-Type-Options', 'nosniff');
    return new Response(response.body, { status: response.status, headers });
  });
}

/** The file an app:// URL names inside `root`, or null when it names anything else. */
export function rendererFile(root: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return null;
  let relative: string;
  try {
    relative = decodeURIComponent(parsed.pathname).replace(/^\/+/, '');
  } catch {
    return null;
  }
  const file = path.resolve(root, relative === '' ? 'index.html' : relative);
  return file.startsWith(root + path.sep) ? file : null;
}

/** Whether `url` has the same scheme, host and port as `trustedUrl` (the app's own pages). */
export function isSameOrigin(url: string, trustedUrl: string): boolean {
  try {
    const a = new URL(url);
    const b = new URL(trustedUrl);
    return a.protocol === b.protocol && a.host === b.host;
  } catch {
    return false;
  }
}

/** The one permission the window uses: putting text on the clipboard ("Copy code", "Copy report"). */
const CLIPBOARD_WRITE = 'clipboard-sanitized-write';

/**
 * Navigation, new windows, webviews and every permission but writing the clipboard are refused: the UI is
 * one page.
 */
export function hardenWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  contents.session.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(permission === CLIPBOARD_WRITE),
  );
  contents.session.setPermissionCheckHandler((_contents, permission) => permission === CLIPBOARD_WRITE);
  contents.session.setDevicePermissionHandler(() => false);
}

export interface MainWindowOptions {
  /** The bundled CommonJS preload (sandboxed preloads cannot be ES modules). */
  preloadPath: string;
  /** APP_INDEX_URL, or the electron-vite dev server during development. */
  startUrl: string;
}

export function createMainWindow({ preloadPath, startUrl }: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    title: 'BToE Companion',
    width: 760,
    height: 680,
    minWidth: 480,
    minHeight: 400,
    show: false,
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  hardenWebContents(win.webContents);
  win.once('ready-to-show', () => win.show());
  win.loadURL(startUrl).catch((error: unknown) => {
    console.error(`BToE Companion could not load its window from ${startUrl}:`, error);
  });
  return win;
}
