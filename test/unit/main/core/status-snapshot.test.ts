// The status snapshot over real PhoneLinks and LockSync, a fake companion and fake links: it follows events,
// emits only on change, and reading it never asks the companion to connect.
import { describe, expect, it } from 'vitest';
import type { CompanionSnapshot } from '../../../../contract/companion-ipc.js';
import type { Companion } from '../../../../main/core/companion.js';
import { LockSync } from '../../../../main/core/lock-sync.js';
import { PhoneLinks } from '../../../../main/core/phone-links.js';
import { StatusSnapshot } from '../../../../main/core/status-snapshot.js';
import { resolvePolicy } from '../../../../main/core/policy.js';
import { FakeCompanion, ManualTimers, settle } from './fakes.js';

function setup() {
  const companion = new FakeCompanion();
  const links = new PhoneLinks(companion as unknown as Companion, { timers: new ManualTimers() });
  const lockSync = new LockSync(links, companion.rules);
  const snapshot = new StatusSnapshot({
    companion: companion as unknown as Companion,
    links,
    lockSync,
    startedAt: new Date('2026-12-04T09:00:00Z'),
    lockSources: () => ['logind'],
    onThisPcPort: () => true,
  });
  const seen: CompanionSnapshot[] = [];
  snapshot.on('changed', (s) => seen.push(s));
  return { companion, links, lockSync, snapshot, seen };
}

describe('StatusSnapshot', () => {
  it('follows the phone from events: connected, locked, call, signed in, disconnected', async () => {
    const { companion, links, snapshot } = setup();
    expect(snapshot.current.phones[0]).toMatchObject({ connected: false, locked: null, lockSync: null });
    links.refresh();
    await settle();
    const link = companion.links[0]!;
    expect(snapshot.current.phones[0]).toMatchObject({ connected: true, onThisPcPort: true });
    link.phoneSends({ type: 'lock-state', locked: true });
    expect(snapshot.current.phones[0]?.locked).toBe(true);
    link.phoneSends({
      type: 'call',
      callId: 7,
      state: 'offering',
      direction: 'in',
      number: '+14255550123',
      muted: false,
    });
    expect(snapshot.current.phones[0]?.call).toEqual({ state: 'offering', direction: 'in', muted: false });
    link.phoneSends({ type: 'sign-in-state', user: 'amosm@contoso.com' });
    expect(snapshot.current.phones[0]).toMatchObject({
      user: 'amosm@contoso.com',
      lockSync: { syncing: true, reason: null },
    });
    link.drop();
    expect(snapshot.current.phones[0]).toMatchObject({
      connected: false,
      problem: 'the peer closed the connection',
    });
  });

  it('says the PC is locked, and emits only when something changed', async () => {
    const { links, lockSync, snapshot, seen } = setup();
    links.refresh();
    await settle();
    const before = seen.length;
    snapshot.refresh();
    expect(seen).toHaveLength(before);
    await lockSync.pcLock();
    expect(snapshot.current.companion).toMatchObject({ pcLocked: true, lockSources: ['logind'] });
    expect(seen.at(-1)?.companion.pcLocked).toBe(true);
  });

  it('reading it never connects', async () => {
    const { companion, links, snapshot } = setup();
    links.refresh();
    await settle();
    const connects = companion.connects.length;
    const reads = Array.from({ length: 100 }, () => snapshot.current);
    snapshot.refresh();
    expect(new Set(reads).size).toBe(1);
    expect(companion.connects).toHaveLength(connects);
  });

  it('shows the policy as the window and btoe status name it', () => {
    const { companion, snapshot } = setup();
    companion.policy = resolvePolicy([
      {
        kind: 'machine',
        location: '/etc/btoe-companion/policy.json',
        values: { EnableBetterTogetherOverEthernet: false },
      },
    ]);
    snapshot.refresh();
    expect(snapshot.current.policy).toMatchObject({
      pairingMode: 'off',
      source: '/etc/btoe-companion/policy.json',
    });
  });
});
