import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSecretStore, type SecretStore } from '../../../../main/core/secret-store.js';
import { StoreFileError } from '../../../../native-bridge/persist/atomic-file.js';

const KEY = new Uint8Array([0, 1, 2, 250, 255, 10, 13]);
const noSessionBus = process.platform === 'linux' && !process.env['DBUS_SESSION_BUS_ADDRESS'];

async function roundTrip(store: SecretStore): Promise<void> {
  expect(await store.get('companion')).toBeUndefined();
  await store.set('companion', KEY);
  expect(await store.get('companion')).toEqual(KEY);
  await store.delete('companion');
  expect(await store.get('companion')).toBeUndefined();
  await store.delete('companion');
}

describe('openSecretStore', () => {
  const savedEnv = { ...process.env };
  let storeDir: string;

  beforeEach(async () => {
    delete process.env['BTOE_SECRET_STORE'];
    storeDir = await mkdtemp(join(tmpdir(), 'btoe-secrets-'));
  });
  afterEach(async () => {
    process.env = { ...savedEnv };
    await rm(storeDir, { recursive: true, force: true });
  });

  it('keeps a file store secret in a 0600 file inside a 0700 directory', async () => {
    const store = await openSecretStore(storeDir, { preferFile: true });
    expect(store.kind).toBe('file');
    expect(store.description).toContain(join(storeDir, 'secrets'));
    await roundTrip(store);

    await store.set('companion', KEY);
    const file = join(storeDir, 'secrets', 'companion.key');
    expect(new Uint8Array(await readFile(file))).toEqual(KEY);
    expect(await (await openSecretStore(storeDir, { preferFile: true })).get('companion')).toEqual(KEY);
    if (process.platform !== 'win32') {
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      expect((await stat(join(storeDir, 'secrets'))).mode & 0o777).toBe(0o700);
    }
  });

  it('is forced to the file store by BTOE_SECRET_STORE=file', async () => {
    process.env['BTOE_SECRET_STORE'] = 'file';
    const store = await openSecretStore(storeDir);
    expect(store.kind).toBe('file');
    expect(store.description).toMatch(/BTOE_SECRET_STORE=file/);
  });

  it('rejects an unknown BTOE_SECRET_STORE value instead of guessing', async () => {
    process.env['BTOE_SECRET_STORE'] = 'fiel';
    await expect(openSecretStore(storeDir)).rejects.toThrow(/BTOE_SECRET_STORE must be "file"/);
  });

  it('refuses secret names that could escape the store', async () => {
    const store = await openSecretStore(storeDir, { preferFile: true });
    await expect(store.set('../companion', KEY)).rejects.toThrow(/invalid secret name/);
  });

  it('reports an unreadable secret file with its path', async () => {
    const store = await openSecretStore(storeDir, { preferFile: true });
    const file = join(storeDir, 'secrets', 'companion.key');
    await mkdir(file, { recursive: true });
    const error = await store.get('companion').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreFileError);
    expect((error as StoreFileError).message).toContain(file);
  });

  it('uses a working OS keyring or says within seconds why it fell back to the file store', async () => {
    const started = Date.now();
    const store = await openSecretStore(storeDir);
    expect(Date.now() - started).toBeLessThan(5000);
    if (store.kind === 'file') expect(store.description).toMatch(/\(no OS keyring available: .+\)$/);
    else expect(store.description).toMatch(/^OS keyring \(.+\)$/);
    await roundTrip(store);
  });

  it.runIf(noSessionBus)('falls back to the file store on Linux without a session bus', async () => {
    const store = await openSecretStore(storeDir);
    expect(store.kind).toBe('file');
    expect(store.description).toMatch(/no OS keyring available: .*DBUS_SESSION_BUS_ADDRESS/);
  });

  it.runIf(process.platform === 'linux')('gives up on a Secret Service that never answers', async () => {
    // A session bus that accepts the connection and then stays silent, as a wedged dbus-daemon does.
    const clients: Socket[] = [];
    const bus = createServer((socket) => clients.push(socket));
    const socketPath = join(storeDir, 'bus');
    await new Promise<void>((listening) => bus.listen(socketPath, listening));
    process.env['DBUS_SESSION_BUS_ADDRESS'] = `unix:path=${socketPath}`;
    try {
      // Long enough for the probe's child process to start and connect on a loaded machine.
      const store = await openSecretStore(storeDir, { probeTimeoutMs: 3000 });
      expect(store.kind).toBe('file');
      expect(store.description).toMatch(/Secret Service did not answer within 3000 ms/);
      expect(clients.length).toBeGreaterThan(0);
    } finally {
      clients.forEach((socket) => socket.destroy());
      await new Promise((closed) => bus.close(closed));
    }
  });
});
