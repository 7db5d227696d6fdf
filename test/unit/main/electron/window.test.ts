import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import {
  APP_INDEX_URL,
  createMainWindow,
  hardenWebContents,
  isSameOrigin,
  rendererFile,
} from '../../../../main/electron/window.js';

type Listener = (event: { preventDefault(): void }) => void;

function fakeContents() {
  const listeners = new Map<string, Listener>();
  return {
    listeners,
    on: vi.fn((name: string, listener: Listener) => listeners.set(name, listener)),
    setWindowOpenHandler: vi.fn(),
    loadURL: vi.fn(async () => {}),
    session: {
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
      setDevicePermissionHandler: vi.fn(),
    },
  };
}

const electron = vi.hoisted(() => ({ windows: [] as Array<{ options: unknown }> }));

vi.mock('electron', () => ({
  BrowserWindow: vi.fn(function (this: Record<string, unknown>, options: unknown) {
    const contents = fakeContents();
    Object.assign(this, { options, webContents: contents, once: vi.fn(), loadURL: contents.loadURL });
    electron.windows.push(this as { options: unknown });
  }),
  protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
  net: { fetch: vi.fn() },
}));

describe('rendererFile', () => {
  const root = path.resolve('/opt/btoe/out/renderer');

  it('maps app://companion/ URLs into the renderer folder', () => {
    expect(rendererFile(root, APP_INDEX_URL)).toBe(path.join(root, 'index.html'));
    expect(rendererFile(root, 'app://companion/')).toBe(path.join(root, 'index.html'));
    expect(rendererFile(root, 'app://companion/assets/index-1a2b.js?x=1')).toBe(
      path.join(root, 'assets', 'index-1a2b.js'),
    );
  });

  it('serves nothing outside it, nor for another host', () => {
    // The URL parser already resolves dot segments at the root; encoded slashes are caught after decoding.
    expect(rendererFile(root, 'app://companion/%2e%2e/%2e%2e/secret.txt')).toBe(
      path.join(root, 'secret.txt'),
    );
    expect(rendererFile(root, 'app://companion/..%2F..%2Fsecret.txt')).toBeNull();
    expect(rendererFile(root, 'app://companion/%E0%A4%A')).toBeNull();
    expect(rendererFile(root, 'app://elsewhere/index.html')).toBeNull();
    expect(rendererFile(root, 'file:///etc/passwd')).toBeNull();
  });
});

describe('isSameOrigin', () => {
  it('trusts the app pages and the dev server, nothing else', () => {
    expect(isSameOrigin('app://companion/index.html#x', APP_INDEX_URL)).toBe(true);
    expect(isSameOrigin('app://companion.evil/index.html', APP_INDEX_URL)).toBe(false);
    expect(isSameOrigin('https://companion/index.html', APP_INDEX_URL)).toBe(false);
    expect(isSameOrigin('http://localhost:5173/', 'http://localhost:5173/')).toBe(true);
    expect(isSameOrigin('http://localhost:5174/', 'http://localhost:5173/')).toBe(false);
    expect(isSameOrigin('not a url', APP_INDEX_URL)).toBe(false);
  });
});

describe('hardenWebContents', () => {
  it('refuses navigation, redirects, webviews, new windows and permissions but writing the clipboard', () => {
    const contents = fakeContents();
    hardenWebContents(contents as never);
    for (const name of ['will-navigate', 'will-redirect', 'will-attach-webview']) {
      const event = { preventDefault: vi.fn() };
      contents.listeners.get(name)?.(event);
      expect(event.preventDefault, name).toHaveBeenCalled();
    }
    const openHandler = contents.setWindowOpenHandler.mock.calls[0]?.[0] as () => unknown;
    expect(openHandler()).toEqual({ action: 'deny' });
    const requestHandler = contents.session.setPermissionRequestHandler.mock.calls[0]?.[0] as (
      ...args: unknown[]
    ) => void;
    const callback = vi.fn();
    requestHandler(contents, 'media', callback);
    expect(callback).toHaveBeenCalledWith(false);
    requestHandler(contents, 'clipboard-sanitized-write', callback);
    expect(callback).toHaveBeenLastCalledWith(true);
    requestHandler(contents, 'clipboard-read', callback);
    expect(callback).toHaveBeenLastCalledWith(false);
    const checkHandler = contents.session.setPermissionCheckHandler.mock.calls[0]?.[0] as (
      ...args: unknown[]
    ) => boolean;
    expect(checkHandler(contents, 'media')).toBe(false);
    expect(checkHandler(contents, 'clipboard-sanitized-write')).toBe(true);
  });
});

describe('createMainWindow', () => {
  it('opens an isolated, sandboxed window without Node on the local page', () => {
    const win = createMainWindow({ preloadPath: '/app/out/preload/index.cjs', startUrl: APP_INDEX_URL });
    expect(electron.windows[0]?.options).toMatchObject({
      webPreferences: {
        preload: '/app/out/preload/index.cjs',
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        webviewTag: false,
      },
    });
    const contents = win.webContents as unknown as ReturnType<typeof fakeContents>;
    expect(contents.listeners.has('will-navigate')).toBe(true);
    expect(contents.loadURL).toHaveBeenCalledWith(APP_INDEX_URL);
  });
});
