// Environment: Node (vitest). "Add a Poly or Yealink phone…" through the window's port (createCompanionPort), in
// this process against the Yealink simulator over HTTPS on loopback: the certificate is offered for confirmation
// first, then pinned; the phone shows up in the window's status, connected; a wrong
// fingerprint and a wrong password are refused with the vendor's message.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import { createCompanionPort } from '../../../main/composition/running-companion.js';
import { filePolicyReader } from '../../../main/core/policy.js';
import { certificateFingerprint } from '../../../native-bridge/vendor/device-http.js';
import { VendorPhoneError } from '../../../native-bridge/vendor/vendor-phone.js';
import { DIST, Phone, REPO, requireDist } from '../helpers/processes.js';

type Port = Awaited<ReturnType<typeof createCompanionPort>>;
let dir: string;
const ports: Port[] = [];
const simulators: Phone[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'btoe-add-'));
  vi.stubEnv('BTOE_SECRET_STORE', 'file');
  vi.stubEnv('BTOE_EVENT_PORT', '0');
});

afterEach(async () => {
  await Promise.all(ports.splice(0).map((port) => port.close()));
  await Promise.all(simulators.splice(0).map((p) => p.stop()));
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

async function httpsYealink(): Promise<{ url: string; certificate: string }> {
  requireDist();
  const argv = ['--api', 'yealink', '--https', '--listen', '127.0.0.1:0', '--password', 'secret'];
  const child = spawn(
    process.execPath,
    [join(DIST, 'simulator/cli.js'), ...argv, '--limit-ip', '127.0.0.1', '--no-prompt'],
    {
      cwd: REPO,
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  child.stdin.on('error', () => undefined);
  const phone = new Phone(child, argv, '');
  simulators.push(phone);
  const ready = await phone.waitFor('ready', 15_000);
  return { url: String(ready.url), certificate: String(ready.certificate) };
}

it('offers the certificate to confirm, then adds the phone pinned to it; the window lists it connected', async () => {
  const { url, certificate } = await httpsYealink();
  const port = await createCompanionPort([], {
    storeDir: join(dir, 'store'),
    usb: false,
    policyReader: filePolicyReader(join(dir, 'policy.json')),
  });
  ports.push(port);
  const request = { vendor: 'yealink' as const, url, user: 'admin', password: 'secret' };
  const sha256 = certificateFingerprint(certificate);

  const offered = await port.addPhone(request);
  expect(offered).toEqual({
    confirmCertificate: { sha256, subject: expect.any(String), validTo: expect.any(String) },
  });

  const wrongPrint = await port
    .addPhone({ ...request, certificateSha256: 'ab'.repeat(32) })
    .catch((e: unknown) => e);
  expect((wrongPrint as Error).message).toMatch(/not the one you gave/);

  const wrongPassword = await port
    .addPhone({ ...request, password: 'guess', certificateSha256: sha256 })
    .catch((e: unknown) => e);
  expect(wrongPassword).toBeInstanceOf(VendorPhoneError);
  expect((wrongPassword as VendorPhoneError).kind).toBe('wrong-password');

  const added = await port.addPhone({ ...request, certificateSha256: sha256 });
  expect(added).toEqual({
    id: expect.stringMatching(/^[a-z2-7]{26}$/),
    name: 'Yealink phone',
    certificateSha256: sha256,
  });
  const id = (added as { id: string }).id;
  await vi.waitFor(
    async () => {
      const view = await port.status();
      expect(view.phones.find((p) => p.id === id)).toMatchObject({ paired: true, connected: true });
    },
    { timeout: 15_000, interval: 200 },
  );
});
