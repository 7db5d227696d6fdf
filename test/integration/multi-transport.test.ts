// One phone over Ethernet and USB at once is one device: the running companion prefers Ethernet, fails over to
// the USB serial link when the Ethernet goes away, and moves back when it returns, without losing the lock state
// or the call in progress. The phone simulator serves both from one identity; socat gives the real pty pair.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, runBtoe, show, startDaemon, startPhone, tempDir } from './helpers/processes.js';
import { needs } from '../helpers/needs.js';
import { socatMissing, startPtyPair, stopPtyPairs } from './helpers/socat.js';

const noSocat = needs('the Ethernet + USB tests', socatMissing());

afterEach(async () => {
  await cleanup();
  await stopPtyPairs();
});

type Link = { connected: boolean; address?: string; locked?: boolean; call?: { state: string } };

async function linkWhere(store: string, want: (link: Link) => boolean, what: string): Promise<Link> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const status = await runBtoe(['status', '--json'], { store });
    const link = (status.json as { links?: Link[] }).links?.[0];
    if (link && want(link)) return link;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(link)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe.skipIf(noSocat !== undefined)('a phone over Ethernet and USB', () => {
  it('is one device, fails over to USB and back, and keeps the lock and the call', async () => {
    const dir = await tempDir();
    const line = await startPtyPair(dir, 'usb');
    const store = await tempDir();
    const phone = await startPhone([
      '--listen',
      `serial:${line.phone}`,
      '--identity',
      await tempDir(),
      '--answer-delay',
      '100',
    ]);
    const ready = await phone.waitForCount('ready', 2, 10_000);
    const ethernet = String(ready.find((e) => String(e.address).startsWith('tcp://'))!.address);
    const code = await phone.openPairing();
    const paired = await runBtoe(['pair', ethernet, '--code', code], { store });
    expect(paired.code, show(paired)).toBe(0);

    // Asked over USB, the phone proves the pinned identity: one device with both addresses.
    const usb = `serial:${line.pc}`;
    const devices = await runBtoe(['devices', usb, '--json'], { store });
    expect(devices.code, show(devices)).toBe(0);
    const list = devices.json as Array<{ id: string; address: string; addresses: string[]; paired: boolean }>;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: phone.id, paired: true, address: ethernet });
    expect(list[0]!.addresses.sort()).toEqual([ethernet, usb].sort());

    await startDaemon(store);
    await linkWhere(store, (l) => l.connected && l.address === ethernet, 'the Ethernet session');
    let from = phone.mark();
    expect((await runBtoe(['lock'], { store })).code).toBe(0);
    expect((await runBtoe(['dial', '+12015550123'], { store })).code).toBe(0);
    await phone.waitFor((e) => e.event === 'call' && e.state === 'connected', 10_000, from);

    // The Ethernet cable is pulled: the session moves to USB with the lock and the call intact.
    phone.send('unplug tcp');
    const overUsb = await linkWhere(store, (l) => l.connected && l.address === usb, 'the USB session');
    expect(overUsb).toMatchObject({ locked: true, call: { state: 'connected' } });

    // Back on Ethernet when the cable returns; the call is still there to hang up.
    phone.send('plug tcp');
    await linkWhere(store, (l) => l.connected && l.address === ethernet, 'the move back to Ethernet');
    from = phone.mark();
    const hangup = await runBtoe(['hangup'], { store });
    expect(hangup.code, show(hangup)).toBe(0);
    await phone.waitFor((e) => e.event === 'call' && e.state === 'ended', 5_000, from);
    expect(phone.list('unlocked')).toEqual([]);
  });
});
