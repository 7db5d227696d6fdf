// Lock sync end to end: a real dbus-daemon (the PC's session bus), `btoe daemon` following the ScreenSaver's
// ActiveChanged signal, and the phone simulator, all separate processes.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { needs } from '../helpers/needs.js';
import { DBUS_MISSING, TestBus } from './helpers/dbus.js';
import {
  type Phone,
  cleanup,
  machinePolicyUnavailable,
  runBtoe,
  show,
  startDaemon,
  startPhone,
  tempDir,
} from './helpers/processes.js';

const noDbus = needs('the lock-sync tests', DBUS_MISSING);
// Machine policy reaches the daemon only through /etc/btoe-companion/policy.json (see processes.ts).
const noMachinePolicy = needs('the lock-sync machine-policy test', machinePolicyUnavailable());

const buses: TestBus[] = [];
afterEach(async () => {
  await cleanup();
  await Promise.all(buses.splice(0).map((bus) => bus.dispose()));
});

async function setup(phoneArgs: string[] = [], files: Record<string, string> = {}) {
  const bus = new TestBus();
  buses.push(bus);
  const address = await bus.start();
  const store = await tempDir();
  const phone = await startPhone(['--identity', await tempDir(), ...phoneArgs]);
  const code = await phone.openPairing();
  const paired = await runBtoe(['pair', phone.address, '--code', code], { store });
  expect(paired.code, show(paired)).toBe(0);
  const env: Record<string, string> = { DBUS_SESSION_BUS_ADDRESS: address, DBUS_SYSTEM_BUS_ADDRESS: '' };
  // policy.json is the machine policy the daemon sees (/etc/btoe-companion, in its own mount namespace).
  let machinePolicy: string | undefined;
  for (const [name, content] of Object.entries(files)) {
    if (name === 'policy.json') machinePolicy = content;
    else await writeFile(join(store, name), content);
  }
  const daemon = await startDaemon(store, env, machinePolicy);
  expect(daemon.list('ready')[0]?.lockSources).toEqual(['screensaver']);
  await connected(store);
  const screen = (active: boolean) =>
    bus.send('/org/freedesktop/ScreenSaver', 'org.freedesktop.ScreenSaver.ActiveChanged', [
      `boolean:${active}`,
    ]);
  return { store, phone, screen };
}

async function connected(store: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const status = await runBtoe(['status', '--json'], { store });
    if ((status.json as { links?: Array<{ connected: boolean }> }).links?.[0]?.connected) return;
    if (Date.now() > deadline) throw new Error(`the daemon did not connect: ${show(status)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The phone does not report `event` within `ms` (after `from`). */
async function stays(phone: Phone, event: string, from: number, ms = 1_500): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms));
  expect(phone.list(event, from)).toEqual([]);
}

describe.skipIf(noDbus !== undefined)('lock sync through the daemon', () => {
  it('locks the phone when the PC locks and unlocks it when the PC unlocks', async () => {
    const { phone, screen } = await setup();
    let from = phone.mark();
    await screen(true);
    await phone.waitFor('locked', 5_000, from);
    from = phone.mark();
    await screen(false);
    await phone.waitFor('unlocked', 5_000, from);
  });

  it('locks the phone as soon as the link is back when the PC locked while it was down', async () => {
    const { store, phone, screen } = await setup();
    phone.send('refuse-connections on');
    phone.send('drop-links');
    const from = phone.mark();
    await screen(true);
    await stays(phone, 'locked', from, 500);
    phone.send('refuse-connections off');
    await phone.waitFor('locked', 15_000, from);
    await connected(store);
  });

  it('never replays a stale unlock after a reconnect', async () => {
    const { store, phone, screen } = await setup();
    let from = phone.mark();
    await screen(true);
    await phone.waitFor('locked', 5_000, from);
    phone.send('refuse-connections on');
    phone.send('drop-links');
    from = phone.mark();
    await screen(false);
    phone.send('refuse-connections off');
    await connected(store);
    await stays(phone, 'unlocked', from);
    // Live events still work after that.
    await screen(true);
    await screen(false);
    await phone.waitFor('unlocked', 5_000, from);
  });

  it.skipIf(noMachinePolicy !== undefined)(
    'keeps the phone locked on a PC unlock when policy says so (UnlockPhoneWithPc false)',
    async () => {
      const { phone, screen } = await setup([], { 'policy.json': '{"UnlockPhoneWithPc": false}' });
      const from = phone.mark();
      await screen(true);
      await phone.waitFor('locked', 5_000, from);
      await screen(false);
      await stays(phone, 'unlocked', from);
    },
  );

  it('turns lock sync off for Device-Lock firmware and says why', async () => {
    const { store, phone, screen } = await setup(['--firmware', '5.4.0']);
    const from = phone.mark();
    await screen(true);
    await stays(phone, 'locked', from, 1_000);
    const status = await runBtoe(['status'], { store });
    expect(status.stdout).toMatch(/lock sync off: .*Device-Lock \(firmware 5\.4\.0\)/);
  });

  it('turns lock sync off for a phone signed in as someone else (paired but not activated)', async () => {
    const { store, phone, screen } = await setup(['--user', 'meganb@contoso.com'], {
      'settings.json': JSON.stringify({ version: 1, user: 'amosm@contoso.com' }),
    });
    const from = phone.mark();
    await screen(true);
    await stays(phone, 'locked', from, 1_000);
    const status = await runBtoe(['status'], { store });
    expect(status.stdout).toMatch(/lock sync off: paired but not activated/);
  });
});
