// Environment: Node (vitest). Vendor phones beside paired phones: the store's schema grows compatibly (files
// written before still load), a vendor phone has its driver instead of a pinned certificate, its id comes from
// vendor and MAC, and its admin password is never in pairings.json.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type PairedPhone,
  PairingStore,
  vendorDeviceId,
  vendorSecretName,
} from '../../../../main/core/pairing-store.js';
import { createIdentity, DEVICE_ID_PATTERN } from '../../../../native-bridge/link/identity.js';
import { StoreFileError } from '../../../../native-bridge/persist/atomic-file.js';

const CERTIFICATE = createIdentity('phone').certificatePem;

/** A pairings.json as the version before vendor phones wrote it. */
const OLD_FILE = {
  version: 1,
  phones: [
    {
      id: 'a'.repeat(26),
      name: 'Poly CCX 500',
      vendor: 'Poly',
      family: 'CCX',
      model: 'CCX 500',
      firmware: '8.1.3',
      serial: '64167F000001',
      mac: '00:04:f2:aa:bb:01',
      lockType: 'phone-lock',
      transport: 'tcp',
      address: 'tcp://192.0.2.10:24801',
      certificate: CERTIFICATE,
      mode: 'manual',
      pairedAt: '2024-05-01T12:00:00.000Z',
    },
  ],
};

function vendorPhone(overrides: Partial<PairedPhone> = {}): PairedPhone {
  const url = 'https://192.0.2.20';
  return {
    id: vendorDeviceId('poly', '00:04:f2:cc:dd:ee', url),
    name: 'Poly VVX 450',
    vendor: 'Poly',
    family: 'Poly',
    model: 'VVX 450',
    firmware: '6.4.3.1234',
    serial: '',
    mac: '00:04:f2:cc:dd:ee',
    lockType: 'phone-lock',
    transport: 'tcp',
    address: url,
    mode: 'manual',
    confirmedByUser: true,
    pairedAt: '2026-12-04T18:00:00.000Z',
    driver: { kind: 'poly', url, user: 'Polycom', certificate: CERTIFICATE },
    ...overrides,
  };
}

describe('vendor phones in the pairing store', () => {
  let root: string;
  let file: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'btoe-vendor-store-'));
    file = join(root, 'pairings.json');
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('loads a file written before vendor phones, and keeps it as it was when a vendor phone joins', async () => {
    await writeFile(file, JSON.stringify(OLD_FILE));
    const store = await PairingStore.open(root);
    expect(store.list()).toEqual(OLD_FILE.phones);
    await store.upsert(vendorPhone());
    const reopened = await PairingStore.open(root);
    expect(reopened.list()).toEqual([...OLD_FILE.phones, vendorPhone()]);
  });

  it('stores the driver (kind, URL, user, pinned certificate) and never a password', async () => {
    const store = await PairingStore.open(root);
    await store.upsert(vendorPhone());
    const text = await readFile(file, 'utf8');
    expect(JSON.parse(text).phones[0].driver).toEqual({
      kind: 'poly',
      url: 'https://192.0.2.20',
      user: 'Polycom',
      certificate: CERTIFICATE,
    });
    expect(text).not.toMatch(/password/i);
  });

  it('refuses a record with neither a pinned certificate nor a driver, or a vendor URL that is not http(s)', async () => {
    const { certificate: _, ...uncertified } = OLD_FILE.phones[0]!;
    await writeFile(file, JSON.stringify({ version: 1, phones: [uncertified] }));
    await expect(PairingStore.open(root)).rejects.toBeInstanceOf(StoreFileError);
    const bad = { ...vendorPhone(), driver: { kind: 'poly', url: 'ftp://192.0.2.20', user: 'Polycom' } };
    await writeFile(file, JSON.stringify({ version: 1, phones: [bad] }));
    await expect(PairingStore.open(root)).rejects.toBeInstanceOf(StoreFileError);
    const unknownVendor = { ...vendorPhone(), driver: { kind: 'cisco', url: 'https://x', user: 'admin' } };
    await writeFile(file, JSON.stringify({ version: 1, phones: [unknownVendor] }));
    await expect(PairingStore.open(root)).rejects.toBeInstanceOf(StoreFileError);
  });

  it('allows an unknown MAC only for a vendor phone (Yealink tells it in its events only)', async () => {
    const store = await PairingStore.open(root);
    const url = 'http://192.0.2.30';
    const yealink = vendorPhone({
      id: vendorDeviceId('yealink', '', url),
      mac: '',
      address: url,
      driver: { kind: 'yealink', url, user: 'admin' },
    });
    await store.upsert(yealink);
    expect((await PairingStore.open(root)).get(yealink.id)).toEqual(yealink);
    await expect(store.upsert({ ...OLD_FILE.phones[0]!, mac: '' } as PairedPhone)).rejects.toThrow();
  });

  it('derives a device id from vendor and MAC in the open protocol id form, stable and distinct', () => {
    const id = vendorDeviceId('poly', '00:04:F2:CC:DD:EE', 'https://192.0.2.20');
    expect(id).toMatch(DEVICE_ID_PATTERN);
    expect(vendorDeviceId('poly', '00:04:f2:cc:dd:ee', 'https://10.0.0.9')).toBe(id);
    expect(vendorDeviceId('yealink', '00:04:f2:cc:dd:ee', 'https://192.0.2.20')).not.toBe(id);
    expect(vendorDeviceId('yealink', '', 'http://192.0.2.30')).not.toBe(
      vendorDeviceId('yealink', '', 'http://192.0.2.31'),
    );
    expect(vendorSecretName(id)).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);
  });
});
