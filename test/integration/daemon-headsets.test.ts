// Environment: Node (vitest; starts simulator and btoe processes).
// The running companion looks for HID headsets and phones with the real node-hid on this machine, and `btoe
// status` shows what it found (here: none, or why HID cannot be used), in both forms. The headsets' behaviour
// is tested in test/unit/core/headsets.test.ts with real descriptors; this checks the daemon's wiring.
import { afterEach, describe, expect, it } from 'vitest';
import { cleanup, runBtoe, show, startDaemon, startPhone, tempDir } from './helpers/processes.js';

afterEach(cleanup);

describe('btoe daemon: headsets', () => {
  it('btoe status shows the headsets section from the running companion', async () => {
    const store = await tempDir();
    const phone = await startPhone(['--identity', await tempDir()]);
    const code = await phone.openPairing();
    expect((await runBtoe(['pair', phone.address, '--code', code], { store })).code).toBe(0);
    await startDaemon(store);

    const json = await runBtoe(['status', '--json'], { store });
    expect(json.code, show(json)).toBe(0);
    const { headsets } = json.json as {
      headsets: { available: boolean; reason?: string; devices: unknown[] };
    };
    if (headsets.available) expect(Array.isArray(headsets.devices)).toBe(true);
    else expect(headsets.reason).toMatch(/HID devices cannot be used|node-hid/);

    const human = await runBtoe(['status'], { store });
    expect(human.code, show(human)).toBe(0);
    expect(human.stdout).toMatch(
      headsets.available
        ? /^Headsets and HID phones:( none found)?$/m
        : /^Headsets and HID phones: not available \(/m,
    );
  });
});
