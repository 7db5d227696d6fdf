import { beforeEach, describe, expect, it, vi } from 'vitest';
import { registerIpcHandlers, type CompanionPort } from '../../../../main/electron/window-ipc.js';
import {
  requestSchemas,
  type AddPhoneRequest,
  type AddPhoneResult,
  type CompanionView,
  type SettingsView,
} from '../../../../contract/window.js';
import type { DoctorReport } from '../../../../contract/doctor-report.js';

type Handler = (event: unknown, payload?: unknown) => Promise<unknown>;

const electron = vi.hoisted(() => ({
  handlers: new Map<string, Handler>(),
  windows: [] as Array<{ webContents: { isDestroyed(): boolean; getURL(): string; send: unknown } }>,
}));

vi.mock('electron', () => ({
  ipcMain: {
    handle: vi.fn((channel: string, handler: Handler) => electron.handlers.set(channel, handler)),
    removeHandler: vi.fn((channel: string) => electron.handlers.delete(channel)),
  },
  BrowserWindow: { getAllWindows: () => electron.windows },
}));

const APP_URL = 'app://companion/index.html';
const FINGERPRINT = 'ab'.repeat(32);
const REPORT: DoctorReport = {
  version: 1,
  app: '1.2.3',
  generatedAt: '2026-12-04T17:00:00.000Z',
  status: 'warn',
  exitCode: 20,
  checks: [
    {
      id: 'mdns',
      title: 'Phones heard on this link',
      status: 'warn',
      summary: 'No phone announced itself.',
      fix: 'Check that the phone is on this PC’s port.',
    },
  ],
};
const VIEW: CompanionView = {
  version: '1.2.3',
  pairingMode: 'manual',
  policySource: 'defaults',
  pairingModeByPolicy: false,
  secretStore: 'Windows Credential Manager',
  pcLocked: false,
  phones: [
    {
      id: 'vvx450-1',
      name: 'Lab desk',
      vendor: 'Poly',
      model: 'VVX 450',
      firmware: '6.4.3',
      address: '169.254.10.2',
      transport: 'ethernet',
      paired: true,
      connected: true,
      onThisPcPort: true,
      verified: true,
      mode: 'manual',
      locked: false,
      lockSync: { on: true, reason: null },
      canAutoPair: false,
      needsPairingAgain: false,
      problem: null,
      call: null,
      signIn: { user: null, pending: null },
      driver: 'btoe',
      capabilities: ['dial', 'hangup', 'lock'],
      deviceFacts: null,
    },
  ],
};

const SETTINGS: SettingsView = {
  user: null,
  defaultRegion: null,
  lockSync: true,
  startAtLogin: true,
  language: null,
  pairingMode: null,
};

function fakePort() {
  let listener: ((view: CompanionView) => void) | undefined;
  const unsubscribe = vi.fn();
  const done = (message: string) => vi.fn(async () => ({ ok: true, message }));
  const port = {
    status: vi.fn(async () => VIEW),
    pair: vi.fn(async (device: string) => ({ ok: true, message: `Paired with ${device}.` })),
    lookUp: done('Found.'),
    unpair: done('Unpaired.'),
    dial: done('The phone is dialling.'),
    call: done('Answered the call.'),
    signIn: done('Sent the sign-in.'),
    openSignIn: done('Opened.'),
    addPhone: vi.fn(async (request: AddPhoneRequest): Promise<AddPhoneResult> => {
      if (request.url.startsWith('https:') && request.certificateSha256 === undefined) {
        return {
          confirmCertificate: { sha256: FINGERPRINT, subject: 'CN=0004f2e2e001', validTo: '2036-01-01' },
        };
      }
      if (request.password !== 'right') throw new Error('The phone refused the admin password.');
      return { id: 'poly-0004f2e2e001', name: 'Poly VVX 450' };
    }),
    settings: vi.fn(() => SETTINGS),
    setSettings: vi.fn(async (next: SettingsView) => next),
    diagnostics: vi.fn(async () => ({
      transports: [],
      policy: { source: 'defaults', rows: [], warnings: [] },
      secretStore: 'DPAPI',
      events: [],
    })),
    report: vi.fn(async () => ({ text: '{}' })),
    doctor: vi.fn(async () => REPORT),
    saveBundle: done('Support bundle saved to /store/support/btoe-support-1.zip'),
    onStatusChanged: vi.fn((cb: (view: CompanionView) => void) => {
      listener = cb;
      return unsubscribe;
    }),
  } satisfies CompanionPort;
  return { port, unsubscribe, push: (view: unknown) => listener?.(view as CompanionView) };
}

const fromPage = (url: string, parent: unknown = null) => ({ senderFrame: { url, parent } });
const invoke = (channel: string, event: unknown, payload?: unknown): Promise<unknown> => {
  const handler = electron.handlers.get(channel);
  if (handler === undefined) throw new Error(`no handler for ${channel}`);
  return handler(event, payload);
};
const isTrustedUrl = (url: string): boolean => url.startsWith('app://companion/');

beforeEach(() => {
  electron.handlers.clear();
  electron.windows = [];
});

describe('registerIpcHandlers', () => {
  it('runs the doctor checks and saves the support bundle without a payload from the page', async () => {
    const { port } = fakePort();
    registerIpcHandlers({ port, isTrustedUrl });
    await expect(invoke('companion:run-doctor', fromPage(APP_URL))).resolves.toEqual(REPORT);
    await expect(invoke('companion:save-bundle', fromPage(APP_URL))).resolves.toEqual({
      ok: true,
      message: 'Support bundle saved to /store/support/btoe-support-1.zip',
    });
    // The page may not choose where the bundle goes.
    await expect(invoke('companion:save-bundle', fromPage(APP_URL), { file: '/etc/passwd' })).rejects.toThrow(
      /takes no payload/,
    );
    expect(port.saveBundle).toHaveBeenCalledTimes(1);
  });

  it('refuses a doctor report that does not match the contract', async () => {
    const { port } = fakePort();
    port.doctor.mockResolvedValueOnce({ ...REPORT, status: 'maybe' } as unknown as DoctorReport);
    registerIpcHandlers({ port, isTrustedUrl });
    await expect(invoke('companion:run-doctor', fromPage(APP_URL))).rejects.toThrow(/companion:run-doctor/);
  });

  it('answers every request channel of the contract', () => {
    registerIpcHandlers({ port: fakePort().port, isTrustedUrl });
    expect([...electron.handlers.keys()].sort()).toEqual(Object.keys(requestSchemas).sort());
  });

  it('refuses a page from another origin', async () => {
    const { port } = fakePort();
    registerIpcHandlers({ port, isTrustedUrl });
    await expect(
      invoke('companion:pair', fromPage('https://evil.example/'), { device: 'vvx450-1' }),
    ).rejects.toThrow('Refused companion:pair from https://evil.example/');
    await expect(invoke('companion:get-status', fromPage('file:///C:/x.html'))).rejects.toThrow(/Refused/);
    expect(port.pair).not.toHaveBeenCalled();
    expect(port.status).not.toHaveBeenCalled();
  });

  it('refuses a frame inside the app page, and a page that has gone', async () => {
    const { port } = fakePort();
    registerIpcHandlers({ port, isTrustedUrl });
    await expect(invoke('companion:get-status', fromPage(APP_URL, { url: APP_URL }))).rejects.toThrow(
      /Refused/,
    );
    await expect(invoke('companion:get-status', { senderFrame: null })).rejects.toThrow(/has gone/);
    expect(port.status).not.toHaveBeenCalled();
  });

  it('refuses a malformed pair request and says what is wrong', async () => {
    const { port } = fakePort();
    registerIpcHandlers({ port, isTrustedUrl });
    const event = fromPage(APP_URL);
    await expect(invoke('companion:pair', event, { device: '  ' })).rejects.toThrow(
      'The companion:pair request is invalid: device: Name the phone (its name, ID or address).',
    );
    await expect(invoke('companion:pair', event, { device: 'vvx', code: 1234 })).rejects.toThrow(
      /companion:pair request is invalid: code:/,
    );
    await expect(invoke('companion:pair', event, { device: 'vvx', admin: true })).rejects.toThrow(
      /companion:pair request is invalid: .*admin/,
    );
    await expect(invoke('companion:pair', event, 'vvx')).rejects.toThrow(/companion:pair request is invalid/);
    await expect(invoke('companion:get-status', event, { all: true })).rejects.toThrow(
      'The companion:get-status request is invalid: This request takes no payload.',
    );
    expect(port.pair).not.toHaveBeenCalled();
  });

  it('adds a vendor phone: the vendor’s scheme before a bare address, the certificate to confirm, the phone’s refusal as said', async () => {
    const { port } = fakePort();
    registerIpcHandlers({ port, isTrustedUrl });
    const event = fromPage(APP_URL);
    const poly = { vendor: 'poly', url: ' 10.0.0.5 ', user: 'Polycom', password: 'right' };
    await expect(invoke('companion:add-phone', event, poly)).resolves.toEqual({
      confirmCertificate: { sha256: FINGERPRINT, subject: 'CN=0004f2e2e001', validTo: '2036-01-01' },
    });
    expect(port.addPhone).toHaveBeenLastCalledWith({ ...poly, url: 'https://10.0.0.5' });
    await expect(
      invoke('companion:add-phone', event, { ...poly, certificateSha256: FINGERPRINT }),
    ).resolves.toEqual({ id: 'poly-0004f2e2e001', name: 'Poly VVX 450' });
    // Yealink answers on HTTP by default; a typed scheme and port are kept as typed.
    const yealink = { vendor: 'yealink', url: '10.0.0.6', user: 'admin', password: 'wrong' };
    await expect(invoke('companion:add-phone', event, yealink)).rejects.toThrow(
      'The phone refused the admin password.',
    );
    expect(port.addPhone).toHaveBeenLastCalledWith({ ...yealink, url: 'http://10.0.0.6' });
    await invoke('companion:add-phone', event, {
      ...yealink,
      url: 'https://10.0.0.6:8443',
      password: 'right',
    });
    expect(port.addPhone).toHaveBeenLastCalledWith({
      ...yealink,
      url: 'https://10.0.0.6:8443',
      password: 'right',
    });
    const calls = port.addPhone.mock.calls.length;
    for (const bad of [
      { ...poly, vendor: 'cisco' },
      { ...poly, password: '' },
      { ...poly, url: '   ' },
      { ...poly, certificateSha256: 'not hex' },
      { ...poly, remember: true },
    ]) {
      await expect(invoke('companion:add-phone', event, bad)).rejects.toThrow(
        /companion:add-phone request is invalid/,
      );
    }
    expect(port.addPhone.mock.calls.length).toBe(calls);
  });

  it('forwards a good request to the companion and returns its answer', async () => {
    const { port } = fakePort();
    registerIpcHandlers({ port, isTrustedUrl });
    const event = fromPage(APP_URL);
    await expect(
      invoke('companion:pair', event, { device: 'vvx450-1', code: 'ab12 - Cd34' }),
    ).resolves.toEqual({
      ok: true,
      message: 'Paired with vvx450-1.',
    });
    expect(port.pair).toHaveBeenCalledWith('vvx450-1', 'ab12 - Cd34');
    await invoke('companion:pair', event, { device: ' vvx450-1 ' });
    expect(port.pair).toHaveBeenLastCalledWith('vvx450-1', undefined);
    await expect(invoke('companion:get-status', event)).resolves.toEqual(VIEW);
  });

  it('checks and normalises the settings before the companion saves them', async () => {
    const { port } = fakePort();
    registerIpcHandlers({ port, isTrustedUrl });
    const event = fromPage(APP_URL);
    await expect(
      invoke('companion:set-settings', event, { ...SETTINGS, defaultRegion: 'France' }),
    ).rejects.toThrow(/defaultRegion: The default region is a two-letter code/);
    await expect(
      invoke('companion:set-settings', event, {
        ...SETTINGS,
        user: ' ',
        defaultRegion: 'fr',
        language: 'fr',
      }),
    ).resolves.toEqual({ ...SETTINGS, defaultRegion: 'FR', language: 'fr' });
    expect(port.setSettings).toHaveBeenCalledWith({ ...SETTINGS, defaultRegion: 'FR', language: 'fr' });
  });

  it('passes call actions and dials through, and refuses what the contract does not name', async () => {
    const { port } = fakePort();
    registerIpcHandlers({ port, isTrustedUrl });
    const event = fromPage(APP_URL);
    await invoke('companion:call', event, { action: 'hold' });
    expect(port.call).toHaveBeenCalledWith('hold', undefined);
    await expect(invoke('companion:call', event, { action: 'transfer' })).rejects.toThrow(/action/);
    await invoke('companion:dial', event, { target: ' tel:+33142685300 ', device: 'vvx450-1' });
    expect(port.dial).toHaveBeenCalledWith('tel:+33142685300', 'vvx450-1');
    await expect(invoke('companion:dial', event, { target: '' })).rejects.toThrow(/target/);
    await expect(
      invoke('companion:sign-in', event, { device: 'vvx', user: 'a@b.c', password: '' }),
    ).rejects.toThrow(/password: Type your password/);
    expect(port.signIn).not.toHaveBeenCalled();
  });

  it('sends the renderer only what the contract names', async () => {
    const { port } = fakePort();
    port.status.mockResolvedValueOnce({ ...VIEW, internalKey: 'secret' } as CompanionView);
    registerIpcHandlers({ port, isTrustedUrl });
    await expect(invoke('companion:get-status', fromPage(APP_URL))).resolves.toEqual(VIEW);
  });

  it('reports a companion answer that breaks the contract', async () => {
    const { port } = fakePort();
    port.pair.mockResolvedValueOnce({ ok: 'yes' } as unknown as { ok: boolean; message: string });
    registerIpcHandlers({ port, isTrustedUrl });
    await expect(invoke('companion:pair', fromPage(APP_URL), { device: 'vvx' })).rejects.toThrow(
      /The companion's answer to companion:pair is invalid/,
    );
  });

  it('pushes status changes to the app pages only', () => {
    const { port, push } = fakePort();
    const appPage = { isDestroyed: () => false, getURL: () => APP_URL, send: vi.fn() };
    const foreign = { isDestroyed: () => false, getURL: () => 'https://evil.example/', send: vi.fn() };
    const closed = { isDestroyed: () => true, getURL: () => APP_URL, send: vi.fn() };
    electron.windows = [{ webContents: appPage }, { webContents: foreign }, { webContents: closed }];
    registerIpcHandlers({ port, isTrustedUrl });
    push(VIEW);
    expect(appPage.send).toHaveBeenCalledWith('companion:status-changed', VIEW);
    expect(foreign.send).not.toHaveBeenCalled();
    expect(closed.send).not.toHaveBeenCalled();
  });

  it('does not push a status that breaks the contract', () => {
    const { port, push } = fakePort();
    const appPage = { isDestroyed: () => false, getURL: () => APP_URL, send: vi.fn() };
    electron.windows = [{ webContents: appPage }];
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    registerIpcHandlers({ port, isTrustedUrl });
    push({ pairingMode: 'sometimes' });
    expect(appPage.send).not.toHaveBeenCalled();
    expect(error).toHaveBeenCalledWith(expect.stringContaining('companion:status-changed push is invalid'));
    error.mockRestore();
  });

  it('removes its handlers and its subscription when disposed', () => {
    const { port, unsubscribe } = fakePort();
    const dispose = registerIpcHandlers({ port, isTrustedUrl });
    dispose();
    expect(electron.handlers.size).toBe(0);
    expect(unsubscribe).toHaveBeenCalledOnce();
  });
});
