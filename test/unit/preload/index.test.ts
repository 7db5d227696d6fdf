import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { BtoeApi, CompanionView } from '../../../contract/window.js';
import '../../../preload/index.js';

type Listener = (event: unknown, payload: unknown) => void;

const electron = vi.hoisted(() => ({
  exposed: new Map<string, unknown>(),
  listeners: new Map<string, Set<Listener>>(),
  invoke: undefined as unknown as ReturnType<typeof vi.fn>,
}));

vi.mock('electron', () => {
  electron.invoke = vi.fn();
  return {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => electron.exposed.set(key, api) },
    ipcRenderer: {
      invoke: electron.invoke,
      on: (channel: string, listener: Listener) => {
        const set = electron.listeners.get(channel) ?? new Set<Listener>();
        set.add(listener);
        electron.listeners.set(channel, set);
      },
      removeListener: (channel: string, listener: Listener) =>
        electron.listeners.get(channel)?.delete(listener),
    },
  };
});

const btoe = electron.exposed.get('btoe') as BtoeApi;

const VIEW: CompanionView = {
  version: '1.2.3',
  pairingMode: 'auto',
  policySource: 'defaults',
  pairingModeByPolicy: false,
  secretStore: 'DPAPI',
  pcLocked: false,
  phones: [],
};
const push = (payload: unknown): void =>
  electron.listeners.get('companion:status-changed')?.forEach((listener) => listener({}, payload));

beforeEach(() => {
  electron.invoke.mockReset();
});

describe('preload bridge', () => {
  it('exposes only the contract API as window.btoe', () => {
    expect([...electron.exposed.keys()]).toEqual(['btoe']);
    expect(Object.keys(btoe).sort()).toEqual(['invoke', 'onStatusChanged']);
  });

  it('asks the main process and checks its answers', async () => {
    electron.invoke.mockResolvedValueOnce(VIEW);
    await expect(btoe.invoke('companion:get-status', undefined)).resolves.toEqual(VIEW);
    expect(electron.invoke).toHaveBeenCalledWith('companion:get-status', undefined);

    electron.invoke.mockResolvedValueOnce({ ok: true, message: 'Paired.' });
    await expect(btoe.invoke('companion:pair', { device: 'vvx', code: 'ab-12 cd' })).resolves.toEqual({
      ok: true,
      message: 'Paired.',
    });
    expect(electron.invoke).toHaveBeenLastCalledWith('companion:pair', { device: 'vvx', code: 'ab-12 cd' });

    electron.invoke.mockResolvedValueOnce({ pairingMode: 'sometimes' });
    await expect(btoe.invoke('companion:get-status', undefined)).rejects.toThrow(
      /companion:get-status response is invalid/,
    );
  });

  it('refuses a malformed request before it leaves the page', async () => {
    await expect(btoe.invoke('companion:pair', { device: '' })).rejects.toThrow(
      /companion:pair request is invalid: device:/,
    );
    expect(electron.invoke).not.toHaveBeenCalled();
  });

  it('refuses a channel the contract does not name', async () => {
    await expect(btoe.invoke('companion:shell' as 'companion:pair', { device: 'x' })).rejects.toThrow(
      /not a request/,
    );
    expect(electron.invoke).not.toHaveBeenCalled();
  });

  it("passes on the main process's refusal without Electron's prefix", async () => {
    electron.invoke.mockRejectedValueOnce(
      new Error("Error invoking remote method 'companion:pair': Error: Refused companion:pair from x"),
    );
    await expect(btoe.invoke('companion:pair', { device: 'vvx' })).rejects.toThrow(
      /^Refused companion:pair from x$/,
    );
  });

  it('delivers valid status pushes until unsubscribed', () => {
    const listener = vi.fn();
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const unsubscribe = btoe.onStatusChanged(listener);
    push(VIEW);
    push({ phones: 'none' });
    unsubscribe();
    push(VIEW);
    expect(listener.mock.calls).toEqual([[VIEW]]);
    expect(error).toHaveBeenCalledOnce();
    error.mockRestore();
  });
});
