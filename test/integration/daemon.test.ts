// The headless companion (`btoe daemon`) as a separate process, against the phone simulator: one per user,
// commands routed through it, links kept up across drops and reboots, bad situations that lose nothing.
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, runBtoe, show, startDaemon, startPhone, tempDir } from './helpers/processes.js';

afterEach(cleanup);

async function pairedSetup(phoneArgs: string[] = []) {
  const store = await tempDir();
  const identity = await tempDir();
  const phone = await startPhone(['--identity', identity, '--answer-delay', '200', ...phoneArgs]);
  const code = await phone.openPairing();
  const paired = await runBtoe(['pair', phone.address, '--code', code], { store });
  expect(paired.code, show(paired)).toBe(0);
  return { store, identity, phone };
}

type LinkState = { name: string; connected: boolean; locked?: boolean; call?: { state: string } };

async function links(store: string): Promise<LinkState[]> {
  const status = await runBtoe(['status', '--json'], { store });
  expect(status.code, show(status)).toBe(0);
  return (status.json as { links: LinkState[] }).links;
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

const connected = (store: string) =>
  until(
    async () => ((await links(store))[0]?.connected ? true : undefined),
    'the daemon to connect to the phone',
  );

describe('btoe daemon', () => {
  it('is one per user: a second one refuses and points at the first', async () => {
    const { store } = await pairedSetup();
    const daemon = await startDaemon(store);
    const second = await runBtoe(['daemon'], { store });
    expect(second.code, show(second)).toBe(12);
    expect(second.stderr).toMatch(/already running for this user \(pid \d+, since [^,]+, version 0\.1\.0\)/);
    expect(daemon.alive).toBe(true);
  });

  it('routes btoe commands through its live session, and keeps it across a drop and a reboot', async () => {
    const { store, identity, phone } = await pairedSetup();
    const daemon = await startDaemon(store);
    await connected(store);

    let from = phone.mark();
    const lock = await runBtoe(['lock'], { store });
    expect(lock.code, show(lock)).toBe(0);
    await phone.waitFor('locked', 5_000, from);
    const log = await readFile(join(store, 'logs/companion.log'), 'utf8');
    expect(log).toMatch(/"event":"command","command":"lock"/);

    phone.send('drop-links');
    await connected(store);
    from = phone.mark();
    expect((await runBtoe(['unlock'], { store })).code).toBe(0);
    await phone.waitFor('unlocked', 5_000, from);

    // Reboot: same identity, same port.
    await phone.stop();
    await until(async () => ((await links(store))[0]?.connected ? undefined : true), 'the daemon to notice');
    const rebooted = await startPhone(['--identity', identity], { listen: phone.address });
    await connected(store);
    from = rebooted.mark();
    expect((await runBtoe(['lock'], { store })).code).toBe(0);
    await rebooted.waitFor('locked', 5_000, from);

    daemon.child.kill('SIGTERM');
    await daemon.waitFor('stopped', 5_000);
    expect(existsSync(join(store, 'companion.sock'))).toBe(false);
  });

  it('reports a phone that never acknowledges, and lives on', async () => {
    const { store, phone } = await pairedSetup();
    const daemon = await startDaemon(store);
    await connected(store);
    phone.send('silent on');
    const lock = await runBtoe(['lock'], { store });
    expect(lock.code, show(lock)).toBe(6);
    expect(lock.stderr).toMatch(/did not answer "lock"/);
    phone.send('silent off');
    const from = phone.mark();
    expect((await runBtoe(['lock'], { store })).code).toBe(0);
    await phone.waitFor('locked', 5_000, from);
    expect(daemon.alive).toBe(true);
  });

  it('gets the call back after the phone disconnects mid-call', async () => {
    const { store, phone } = await pairedSetup();
    await startDaemon(store);
    await connected(store);
    expect((await runBtoe(['dial', 'tel:+1-201-555-0123'], { store })).code).toBe(0);
    await phone.waitFor((e) => e.event === 'call' && e.state === 'connected');
    phone.send('drop-links');
    const call = await until(async () => {
      const [link] = await links(store);
      return link?.connected && link.call?.state === 'connected' ? link.call : undefined;
    }, 'the call state after the reconnect');
    expect(call.state).toBe('connected');
    const from = phone.mark();
    expect((await runBtoe(['hangup'], { store })).code).toBe(0);
    await phone.waitFor((e) => e.event === 'call' && e.state === 'ended', 5_000, from);
  });

  it('starts with a corrupt settings file, says so, and leaves the file as it was', async () => {
    const { store } = await pairedSetup();
    const corrupt = '{"version": 1, "user": ';
    await writeFile(join(store, 'settings.json'), corrupt);
    const daemon = await startDaemon(store);
    const warning = daemon.list('settings-warning')[0];
    expect(String(warning?.message)).toMatch(/settings\.json/);
    expect(await readFile(join(store, 'settings.json'), 'utf8')).toBe(corrupt);
  });

  it('paired but not activated: a phone signed in as someone else gets no click-to-call', async () => {
    const { store } = await pairedSetup(['--user', 'meganb@contoso.com']);
    await writeFile(join(store, 'settings.json'), JSON.stringify({ version: 1, user: 'amosm@contoso.com' }));
    await startDaemon(store);
    await connected(store);
    const dial = await runBtoe(['dial', '+12015550123'], { store });
    expect(dial.code, show(dial)).toBe(9);
    expect(dial.stderr).toMatch(/paired but not activated/);
  });

  it('relays web sign-in and hands credentials over once', async () => {
    const { store, phone } = await pairedSetup(['--web-sign-in-seconds', '2']);
    await startDaemon(store);
    await connected(store);
    phone.send('sign-in-request web');
    const web = await until(async () => {
      const r = await runBtoe(['sign-in', '--json'], { store });
      const pending = (r.json as { pending?: { address: string; userCode: string } | null }).pending;
      return pending ?? undefined;
    }, 'the web sign-in request');
    expect(web.address).toMatch(/^https:\/\/microsoft\.com\/devicelogin\?otc=/);
    expect(web.address).toContain(web.userCode);
    // The code expires: it is never offered afterwards.
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    const expired = await runBtoe(['sign-in', '--json'], { store });
    expect((expired.json as { pending: unknown }).pending).toBeNull();

    phone.send('sign-in-request credentials');
    const from = phone.mark();
    const handOff = await runBtoe(['sign-in', '--user', 'amosm@contoso.com'], {
      store,
      stdin: 'correct horse\n',
    });
    expect(handOff.code, show(handOff)).toBe(0);
    await phone.waitFor((e) => e.event === 'sign-in' && e.user === 'amosm@contoso.com', 5_000, from);
    const logs = await readFile(join(store, 'logs/companion.log'), 'utf8');
    expect(logs).not.toContain('correct horse');
  });
});
