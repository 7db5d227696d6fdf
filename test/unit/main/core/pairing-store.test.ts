import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PairingStore, type PairedPhone } from '../../../../main/core/pairing-store.js';
import { createIdentity } from '../../../../native-bridge/link/identity.js';
import { StoreFileError } from '../../../../native-bridge/persist/atomic-file.js';

const CERTIFICATE = createIdentity('phone').certificatePem;

function phone(n: number, overrides: Partial<PairedPhone> = {}): PairedPhone {
  return {
    id: String.fromCharCode(97 + n).repeat(26),
    name: `Desk phone ${n}`,
    vendor: 'Polycom',
    family: 'VVX',
    model: 'VVX 450',
    firmware: '6.4.3',
    serial: `64167F00000${n}`,
    mac: `00:04:f2:aa:bb:0${n}`,
    lockType: 'phone-lock',
    transport: 'tcp',
    address: `192.0.2.${10 + n}:24800`,
    certificate: CERTIFICATE,
    mode: 'auto',
    pairedAt: '2024-05-01T12:00:00.000Z',
    ...overrides,
  };
}

describe('PairingStore', () => {
  let root: string;
  let storeDir: string;
  let file: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'btoe-pairing-'));
    storeDir = join(root, 'store');
    file = join(storeDir, 'pairings.json');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('starts empty and round-trips a phone through the file', async () => {
    const store = await PairingStore.open(storeDir);
    expect(store.list()).toEqual([]);
    await store.upsert(phone(1));

    const reopened = await PairingStore.open(storeDir);
    expect(reopened.list()).toEqual([phone(1)]);
    expect(reopened.get(phone(1).id)).toEqual(phone(1));
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ version: 1, phones: [phone(1)] });
  });

  it('keeps several phones, one per id, across concurrent mutations', async () => {
    const store = await PairingStore.open(storeDir);
    await Promise.all([
      store.upsert(phone(1)),
      store.upsert(phone(2)),
      store.upsert(phone(3)),
      store.upsert(phone(2, { name: 'Renamed' })),
      store.updateAddress(phone(1).id, '192.0.2.99:24800'),
    ]);

    const reopened = await PairingStore.open(storeDir);
    expect(reopened.list()).toHaveLength(3);
    expect(reopened.get(phone(2).id)?.name).toBe('Renamed');
    expect(reopened.get(phone(1).id)?.address).toBe('192.0.2.99:24800');
  });

  it('removes a phone and reports whether it was there', async () => {
    const store = await PairingStore.open(storeDir);
    await store.upsert(phone(1));
    await store.upsert(phone(2));

    expect(await store.remove(phone(1).id)).toBe(true);
    expect(await store.remove(phone(1).id)).toBe(false);
    expect((await PairingStore.open(storeDir)).list()).toEqual([phone(2)]);
  });

  it('stores only the known fields and rejects invalid phones', async () => {
    const store = await PairingStore.open(storeDir);
    await store.upsert({ ...phone(1), capabilities: ['lock'] } as PairedPhone);
    expect((await PairingStore.open(storeDir)).get(phone(1).id)).toEqual(phone(1));

    await expect(store.upsert(phone(2, { mac: '00:04:F2:AA:BB:02' }))).rejects.toThrow(/MAC address/);
    expect(store.get(phone(2).id)).toBeUndefined();
  });

  it('keeps working after a failed mutation', async () => {
    const store = await PairingStore.open(storeDir);
    await expect(store.updateAddress(phone(9).id, 'x')).rejects.toThrow(/no paired phone/);
    await store.upsert(phone(1));
    expect((await PairingStore.open(storeDir)).list()).toEqual([phone(1)]);
  });

  it('recognises a factory-reset phone by serial or MAC under a new id', async () => {
    const store = await PairingStore.open(storeDir);
    await store.upsert(phone(1));
    await store.upsert(phone(2));
    const newId = 'z'.repeat(26);

    expect(store.findReset({ id: newId, serial: phone(1).serial, mac: '00:04:f2:00:00:00' })?.id).toBe(
      phone(1).id,
    );
    expect(store.findReset({ id: newId, serial: 'other', mac: phone(2).mac.toUpperCase() })?.id).toBe(
      phone(2).id,
    );
    expect(store.findReset({ id: phone(1).id, serial: phone(1).serial, mac: phone(1).mac })).toBeUndefined();
    expect(store.findReset({ id: newId, serial: 'other', mac: '00:04:f2:00:00:00' })).toBeUndefined();
  });

  it.each([
    ['corrupt JSON', '{"version": 1, "phones": [', /not valid JSON/],
    [
      'a schema mismatch',
      JSON.stringify({ version: 1, phones: [{ ...phone(1), mac: 'not-a-mac' }] }),
      /phones\[0\]\.mac: a MAC address/,
    ],
    [
      'a duplicate id',
      JSON.stringify({ version: 1, phones: [phone(1), phone(1)] }),
      /phones\[1\]\.id: duplicate/,
    ],
    ['an unknown field', JSON.stringify({ version: 1, phones: [{ ...phone(1), extra: 1 }] }), /phones\[0\]/],
    ['another version', JSON.stringify({ version: 2, phones: [] }), /version/],
  ])('refuses %s with an error naming the file, and leaves it untouched', async (_, content, detail) => {
    await PairingStore.open(storeDir);
    await writeFile(file, content);
    const before = await stat(file);

    const error = await PairingStore.open(storeDir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreFileError);
    expect((error as StoreFileError).path).toBe(file);
    expect((error as StoreFileError).message).toContain(file);
    expect((error as StoreFileError).message).toMatch(detail);
    expect((error as StoreFileError).message).toMatch(/Move it aside/);
    expect(await readFile(file, 'utf8')).toBe(content);
    expect((await stat(file)).mtimeMs).toBe(before.mtimeMs);
  });

  it.skipIf(process.platform === 'win32')('keeps the file 0600 in a 0700 directory', async () => {
    const store = await PairingStore.open(storeDir);
    await store.upsert(phone(1));
    expect((await stat(storeDir)).mode & 0o777).toBe(0o700);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });
});
