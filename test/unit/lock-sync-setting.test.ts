import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { LockSync } from '../../main/core/lock-sync.js';
import type { PhoneLinks } from '../../main/core/phone-links.js';
import type { PhoneSession } from '../../main/core/phone-session.js';

function setup(enabled: boolean) {
  const session = {
    phone: { id: 'vvx450-1', name: 'Lab desk' },
    hello: { lockType: 'phone-lock', firmware: '6.4.3' },
    lock: vi.fn(async () => undefined),
  } as unknown as PhoneSession;
  const links = Object.assign(new EventEmitter(), { sessions: () => [session] }) as unknown as PhoneLinks;
  const sync = new LockSync(links, {
    unlockAllowed: () => true,
    activated: () => true,
    enabled: () => enabled,
  });
  return { session, sync };
}

describe('lock sync turned off in Settings', () => {
  it('says why and leaves the phone alone when the PC locks', async () => {
    const { session, sync } = setup(false);
    expect(sync.stateOf(session)).toEqual({
      phone: 'vvx450-1',
      syncing: false,
      reason: 'lock sync is turned off in Settings',
    });
    await sync.pcLock();
    expect(session.lock).not.toHaveBeenCalled();
  });

  it('locks the phone with the PC when on', async () => {
    const { session, sync } = setup(true);
    expect(sync.stateOf(session)).toEqual({ phone: 'vvx450-1', syncing: true });
    await sync.pcLock();
    expect(session.lock).toHaveBeenCalledOnce();
  });
});
