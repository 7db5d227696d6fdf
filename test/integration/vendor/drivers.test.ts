// Environment: Node (vitest). Vendor phones through the whole companion, over loopback only: `btoe add` against
// the Yealink simulator (a separate process), then the running daemon keeps it connected, takes its Action URLs
// on its event listener (a foreign address refused), and `btoe dial`, `answer`, `hangup` and `status` work on
// it as on any paired phone; lock is refused with the reason; unpair deletes its password.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { vendorDeviceId } from '../../../main/core/pairing-store.js';
import {
  DIST,
  Phone,
  REPO,
  cleanup,
  requireDist,
  runBtoe,
  show,
  startDaemon,
  tempDir,
} from '../helpers/processes.js';

const simulators: Phone[] = [];
afterEach(async () => {
  await Promise.all(simulators.splice(0).map((p) => p.stop()));
  await cleanup();
});

const NOT_AVAILABLE =
  'not available on this phone: their device APIs have no remote lock; pair a phone that speaks the open BToE protocol';

/** A free loopback port (the phone must be provisioned with the listener's URL before it starts). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startYealink(args: string[]): Promise<Phone> {
  requireDist();
  const argv = ['--api', 'yealink', '--answer-delay', '200', ...args];
  const child = spawn(process.execPath, [join(DIST, 'simulator/cli.js'), ...argv], {
    cwd: REPO,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.on('error', () => undefined);
  const phone = new Phone(child, argv, '');
  simulators.push(phone);
  await phone.waitFor('ready', 15_000);
  return phone;
}

/** A Yealink phone provisioned for this PC: Action URI allowed from loopback, Action URLs to the listener. */
async function provisionedYealink() {
  const [phonePort, eventPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${phonePort}`;
  const id = vendorDeviceId('yealink', '', url);
  const listener = `http://127.0.0.1:${eventPort}/btoe/phones/${id}`;
  const phone = await startYealink([
    ...[
      '--listen',
      `127.0.0.1:${phonePort}`,
      '--password',
      'secret',
      '--limit-ip',
      '127.0.0.1',
      '--no-prompt',
    ],
    ...['--mac', '805ec0aabbcc', '--action-url-base', listener],
  ]);
  return { phone, url, id, listener, env: { BTOE_EVENT_PORT: String(eventPort) } };
}

type Link = {
  id: string;
  connected: boolean;
  driver: string;
  capabilities: string[];
  call: { state: string; direction: string } | null;
  lockSync: { syncing: boolean; reason: string | null } | null;
  events: { listener: string | null; polling: boolean } | null;
  deviceFacts: { firmwareCheck: { ok: boolean } | null; lines: Array<{ registered: boolean }> } | null;
};

async function link(store: string): Promise<Link | undefined> {
  const status = await runBtoe(['status', '--json'], { store });
  expect(status.code, show(status)).toBe(0);
  return (status.json as { links: Link[] }).links[0];
}

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** One GET to the listener from `localAddress` (127.0.0.2 is another host as far as the listener knows). */
function getFrom(url: string, localAddress: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { localAddress }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('a Yealink phone through the companion (loopback)', () => {
  it('is added, kept connected by the daemon, dials and follows its calls through the listener', async () => {
    const { phone, url, id, listener, env } = await provisionedYealink();
    const store = await tempDir();
    await startDaemon(store, env);
    const added = await runBtoe(['add', 'yealink', url, '--user', 'admin', '--password-stdin', '--json'], {
      store,
      env,
      stdin: 'secret\n',
    });
    expect(added.code, show(added)).toBe(0);
    expect(added.json).toMatchObject({
      ok: true,
      phone: { id, driver: 'yealink', url },
      listener,
      provisioning: expect.arrayContaining([
        expect.objectContaining({ parameter: 'action_url.incoming_call' }),
      ]),
    });
    expect(added.stdout + added.stderr).not.toContain('secret');

    const up = await until(async () => {
      const l = await link(store);
      return l?.connected && l.events?.listener ? l : undefined;
    }, 'the daemon to reach the phone');
    expect(up).toMatchObject({ id, driver: 'yealink', events: { listener, polling: false } });
    expect(up.capabilities).toContain('dial');
    expect(up.capabilities).not.toContain('lock');
    expect(up.lockSync).toEqual({ syncing: false, reason: NOT_AVAILABLE });

    // Device facts in diagnostics: firmware against the minimums table, the line's registration.
    const doctor = await runBtoe(['doctor', '--json', '--timeout', '0'], { store });
    const checks = (doctor.json as { checks: Array<{ id: string; status: string; details?: string[] }> })
      .checks;
    const vendorCheck = checks.find((c) => c.id === 'vendor-phones');
    expect(vendorCheck, show(doctor)).toMatchObject({ status: 'pass' });
    expect(vendorCheck?.details?.join('\n')).toMatch(
      /firmware 96\.86\.0\.100 \(at or above the Yealink minimum X\.8\.1\.52\)/,
    );
    expect(vendorCheck?.details?.join('\n')).toMatch(/line 1: 1001@pbx\.example\.com registered/);

    const dial = await runBtoe(['dial', '+442079460018'], { store });
    expect(dial.code, show(dial)).toBe(0);
    await until(
      async () => ((await link(store))?.call?.state === 'connected' ? true : undefined),
      'connected',
    );

    const lock = await runBtoe(['lock', '--json'], { store });
    expect(lock.code, show(lock)).toBe(13);
    expect(lock.json).toMatchObject({ ok: false, error: { kind: 'not-available' } });
    expect((lock.json as { error: { message: string } }).error.message).toContain(NOT_AVAILABLE);

    expect((await runBtoe(['hangup'], { store })).code).toBe(0);
    await until(async () => ((await link(store))?.call === null ? true : undefined), 'the call to end');

    const from = phone.mark();
    phone.send('incoming-call 5550000');
    await until(
      async () => ((await link(store))?.call?.state === 'offering' ? true : undefined),
      'the incoming call',
    );
    expect((await runBtoe(['answer'], { store })).code).toBe(0);
    await phone.waitFor((e) => e.event === 'call' && e.state === 'connected', 10_000, from);
    await until(
      async () => ((await link(store))?.call?.state === 'connected' ? true : undefined),
      'answered',
    );

    // Another address on the listener's path is refused, and logged.
    expect(await getFrom(`${listener}/yealink/incoming_call?call_id=99`, '127.0.0.2')).toBe(403);
    expect((await link(store))?.call?.state).toBe('connected');

    const secret = join(store, 'secrets', `vendor-admin.${id}.key`);
    expect(existsSync(secret)).toBe(true);
    const unpair = await runBtoe(['unpair'], { store });
    expect(unpair.code, show(unpair)).toBe(0);
    expect(existsSync(secret)).toBe(false);
  });

  it('names each documented failure when adding: wrong password, and a phone that does not allow this PC', async () => {
    const store = await tempDir();
    const { url } = await provisionedYealink();
    const wrong = await runBtoe(['add', 'yealink', url, '--user', 'admin', '--password-stdin', '--json'], {
      store,
      stdin: 'guess\n',
    });
    expect(wrong.code, show(wrong)).toBe(9);
    expect(wrong.json).toMatchObject({ ok: false, error: { kind: 'wrong-password' } });

    const closed = await startYealink(['--listen', '127.0.0.1:0', '--password', 'secret', '--no-prompt']);
    const closedUrl = String(closed.list('ready')[0]!.url);
    const refused = await runBtoe(['add', 'yealink', closedUrl, '--user', 'admin', '--password-stdin'], {
      store,
      stdin: 'secret\n',
    });
    expect(refused.code, show(refused)).toBe(9);
    expect(refused.stderr).toMatch(/features\.action_uri_limit_ip/);
    const status = await runBtoe(['status', '--json'], { store });
    expect((status.json as { phones: unknown[] }).phones).toEqual([]);
  });
});
