// Environment: Node (vitest, real btoe processes). Issue 13 item 6: a damaged store is exit 11 naming the file to
// move aside, for btoe and for the daemon, never a stack trace; `--store DIR` never changes a folder of the user's.
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BtoeResult, cleanup, importDist, runBtoe, show, tempDir } from './helpers/processes.js';

type IdentityModule = typeof import('../../native-bridge/link/identity.js');
let identity: IdentityModule;

beforeAll(async () => {
  identity = await importDist<IdentityModule>('native-bridge/link/identity.js');
});
afterEach(cleanup);

/** A store with this PC's identity made (file secret store, as the helpers set it). */
async function madeStore(): Promise<{ store: string; cert: string; key: string }> {
  const store = await tempDir();
  const made = await runBtoe(['status'], { store });
  expect(made.code, show(made)).toBe(0);
  return { store, cert: join(store, 'identity-cert.pem'), key: join(store, 'secrets', 'identity-key.key') };
}

/** Exit 11, the file named, and no stack trace. */
function expectDamaged(result: BtoeResult, file: string): void {
  expect(result.code, show(result)).toBe(11);
  expect(result.stdout + result.stderr, show(result)).toContain(file);
  expect(result.stdout + result.stderr, show(result)).not.toMatch(/\n\s+at /);
}

const BAD_PEM = '-----BEGIN CERTIFICATE-----\nTUlJQnN6Q0NBVm1nQXdJQkFnSVFBUT09\n-----END CERTIFICATE-----\n';

describe("this PC's identity, damaged", () => {
  const cases: Array<[string, (s: Awaited<ReturnType<typeof madeStore>>) => Promise<string>]> = [
    ['a certificate that is PEM-shaped garbage', async ({ cert }) => (await writeFile(cert, BAD_PEM), cert)],
    ['a garbage private key', async ({ key }) => (await writeFile(key, 'not a key at all\n'), key)],
    [
      "another identity's private key",
      async ({ key, cert }) => (await writeFile(key, identity.createIdentity('other').privateKeyPem), cert),
    ],
    ['a missing private key', async ({ key, cert }) => (await rm(key), cert)],
    ['a missing certificate', async ({ key, cert }) => (await rm(cert), key)],
  ];
  for (const [what, damage] of cases) {
    it(`${what}: btoe and btoe daemon exit 11 and name the file to move aside`, async () => {
      const made = await madeStore();
      const file = await damage(made);
      expectDamaged(await runBtoe(['status'], { store: made.store }), file);
      const json = await runBtoe(['status', '--json'], { store: made.store });
      expectDamaged(json, file);
      expect(json.json).toMatchObject({ ok: false, error: { kind: 'store' } });
      expectDamaged(await runBtoe(['daemon'], { store: made.store }), file);
    });
  }

  it('moving the named file aside starts afresh', async () => {
    const made = await madeStore();
    await writeFile(made.key, 'not a key at all\n');
    const damaged = await runBtoe(['status'], { store: made.store });
    expect(damaged.code).toBe(11);
    await rm(made.key);
    const named = await runBtoe(['status'], { store: made.store });
    expectDamaged(named, made.cert);
    await rm(made.cert);
    const fresh = await runBtoe(['status'], { store: made.store });
    expect(fresh.code, show(fresh)).toBe(0);
  });
});

describe('a pairing whose certificate passes the shape check but does not parse', () => {
  it('is exit 11 naming pairings.json for commands that use it and for the daemon', async () => {
    const { store } = await madeStore();
    const phone = identity.createIdentity('phone');
    const file = join(store, 'pairings.json');
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        phones: [
          {
            id: phone.id,
            name: 'Polycom VVX 450',
            vendor: 'Polycom',
            family: 'VVX',
            model: 'VVX 450',
            firmware: '6.4.3',
            serial: '0004F2A1B2C3',
            mac: '00:04:f2:a1:b2:c3',
            lockType: 'phone-lock',
            transport: 'tcp',
            address: 'tcp://127.0.0.1:9',
            certificate: BAD_PEM,
            mode: 'manual',
            pairedAt: '2026-12-01T12:00:00.000Z',
          },
        ],
      }),
      { mode: 0o600 },
    );
    expectDamaged(await runBtoe(['lock'], { store }), file);
    expectDamaged(await runBtoe(['devices'], { store }), file);
    expectDamaged(await runBtoe(['daemon'], { store }), file);
    expect(await readFile(file, 'utf8')).toContain(BAD_PEM.split('\n')[1]);
  });
});

describe('--store DIR', () => {
  it("keeps a folder of the user's as it is and makes its own folder inside", async () => {
    const home = await tempDir();
    const dir = join(home, 'documents');
    await mkdir(dir);
    await chmod(dir, 0o755);
    await writeFile(join(dir, 'notes.txt'), 'mine\n');
    const result = await runBtoe(['status', '--json'], { store: dir });
    expect(result.code, show(result)).toBe(0);
    expect((await stat(dir)).mode & 0o777).toBe(0o755);
    expect((result.json as { store: string }).store).toBe(join(dir, 'btoe-companion'));
    expect((await stat(join(dir, 'btoe-companion'))).mode & 0o777).toBe(0o700);
    // The same DIR finds the same store again.
    const again = await runBtoe(['status', '--json'], { store: dir });
    expect((again.json as { id: string }).id).toBe((result.json as { id: string }).id);
  });

  it("leaves an empty shared folder's mode alone too", async () => {
    const home = await tempDir();
    const dir = join(home, 'empty');
    await mkdir(dir);
    await chmod(dir, 0o755);
    const result = await runBtoe(['status', '--json'], { store: dir });
    expect(result.code, show(result)).toBe(0);
    expect((await stat(dir)).mode & 0o777).toBe(0o755);
    expect((result.json as { store: string }).store).toBe(join(dir, 'btoe-companion'));
  });

  it('keeps using a store made by an earlier version directly in DIR, and a new DIR it creates', async () => {
    const { store } = await madeStore(); // an empty private temp folder: the store is DIR itself
    const result = await runBtoe(['status', '--json'], { store });
    expect((result.json as { store: string }).store).toBe(store);
    const created = join(await tempDir(), 'new', 'store');
    const fresh = await runBtoe(['status', '--json'], { store: created });
    expect((fresh.json as { store: string }).store).toBe(created);
    expect((await stat(created)).mode & 0o777).toBe(0o700);
  });
});
