// LockSync with real sessions over fake links: what is sent to each phone when the PC locks and unlocks.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../../../native-bridge/link/errors.js';
import { LockSync } from '../../../../main/core/lock-sync.js';
import type { PhoneLinks } from '../../../../main/core/phone-links.js';
import type { PhoneSession } from '../../../../main/core/phone-session.js';
import { fakeSession, pairedPhone, rules, settle } from './fakes.js';

/** The part of PhoneLinks LockSync uses: the live sessions and 'connected'. */
class Links extends EventEmitter<{ connected: [PhoneSession] }> {
  live: PhoneSession[] = [];
  sessions = () => this.live;
  connect(session: PhoneSession): void {
    this.live.push(session);
    this.emit('connected', session);
  }
}

function setup(ruleSet = rules()) {
  const links = new Links();
  const sync = new LockSync(links as unknown as PhoneLinks, ruleSet);
  const log: string[] = [];
  sync.on('log', (event) => log.push(event));
  return { links, sync, log };
}

describe('LockSync', () => {
  it('locks every connected phone when the PC locks, and unlocks them when it unlocks', async () => {
    const { links, sync, log } = setup();
    const a = fakeSession();
    const b = fakeSession({ phone: pairedPhone({ id: 'bbbbbbbbbbbbbbbbbbbbbbbbbb', name: 'Yealink T58W' }) });
    links.live = [a.session, b.session];
    await sync.pcLock();
    expect(a.link.sentTypes()).toEqual(['lock']);
    expect(b.link.sentTypes()).toEqual(['lock']);
    expect(sync.isPcLocked).toBe(true);
    await sync.pcUnlock();
    expect(a.link.sentTypes()).toEqual(['lock', 'unlock']);
    expect(log).toEqual([
      'pc-locked',
      'phone-locked',
      'phone-locked',
      'pc-unlocked',
      'phone-unlocked',
      'phone-unlocked',
    ]);
  });

  it('locks a phone that connects while the PC is locked', async () => {
    const { links, sync } = setup();
    await sync.pcLock();
    const late = fakeSession();
    links.connect(late.session);
    await settle();
    expect(late.link.sentTypes()).toEqual(['lock']);
  });

  it('never replays an unlock: a phone that connects after the PC unlocked gets nothing', async () => {
    const { links, sync } = setup();
    await sync.pcLock();
    await sync.pcUnlock();
    const late = fakeSession();
    links.connect(late.session);
    await settle();
    expect(late.link.sent).toEqual([]);
  });

  it('retries a lock the phone refuses, then drops the link so the reconnect locks again', async () => {
    const { links, sync, log } = setup();
    const { session, link } = fakeSession();
    link.answer = () => new ProtocolError('busy', 'try later');
    links.live = [session];
    await sync.pcLock();
    expect(link.sentTypes()).toEqual(['lock', 'lock', 'lock']);
    expect(log.filter((e) => e === 'phone-lock-failed')).toHaveLength(3);
    expect(link.closed).toBe(true);
  });

  it('leaves the phone locked when policy keeps it locked after a PC unlock (UnlockPhoneWithPc)', async () => {
    const { links, sync, log } = setup(rules({ UnlockPhoneWithPc: false }));
    const { session, link } = fakeSession();
    links.live = [session];
    await sync.pcLock();
    await sync.pcUnlock();
    expect(link.sentTypes()).toEqual(['lock']);
    expect(log).toContain('phone-unlock-not-allowed');
  });

  it('does not follow a Device-Lock phone, and says why', async () => {
    const { links, sync } = setup();
    const { session, link } = fakeSession({ hello: { lockType: 'device-lock', firmware: '5.4.0' } });
    links.live = [session];
    await sync.pcLock();
    expect(link.sent).toEqual([]);
    expect(sync.stateOf(session)).toMatchObject({
      syncing: false,
      reason: expect.stringMatching(/Device-Lock \(firmware 5\.4\.0\)/),
    });
  });

  it('does not follow a phone signed in as someone else (paired but not activated), and follows it once it is', async () => {
    const { links, sync } = setup(rules({}, { user: 'amosm@contoso.com' }));
    const { session, link } = fakeSession();
    link.phoneSends({ type: 'sign-in-state', user: 'meganb@contoso.com' });
    links.live = [session];
    await sync.pcLock();
    expect(link.sent).toEqual([]);
    expect(sync.stateOf(session)).toMatchObject({
      syncing: false,
      reason: expect.stringMatching(/paired but not activated/),
    });
    link.phoneSends({ type: 'sign-in-state', user: 'AmosM@contoso.com' });
    await sync.pcLock();
    expect(link.sentTypes()).toEqual(['lock']);
  });
});
