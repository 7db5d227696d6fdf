import { EventEmitter } from 'node:events';
import { BTOE_CAPABILITIES } from '../../../../main/core/phone-driver.js';
import { describe, expect, it, vi } from 'vitest';
import type { CallEvent } from '../../../../native-bridge/link/messages.js';
import { type CompanionNotice, watchNotices } from '../../../../main/core/companion-notices.js';
import type { CompanionService } from '../../../../main/core/companion-service.js';
import { type Companion, CompanionError } from '../../../../main/core/companion.js';
import { LockSync } from '../../../../main/core/lock-sync.js';
import { PhoneLinks } from '../../../../main/core/phone-links.js';
import { Rules } from '../../../../main/core/rules/rules.js';
import type { Settings } from '../../../../main/core/settings.js';
import { DEFAULT_POLICY, resolvePolicy, settingsChoices } from '../../../../main/core/policy.js';
import type { PhoneSession } from '../../../../main/core/phone-session.js';

function fakeService(mode: 'Auto' | 'Manual' = 'Auto') {
  const links = new EventEmitter();
  const ethernet = new EventEmitter();
  const names: Record<string, string> = { 'vvx-1': 'Lab desk' };
  const policy = { ...DEFAULT_POLICY, BetterTogetherOverEthernetPairingMode: mode };
  const companion = {
    policy: { policy },
    pairings: { get: (id: string) => names[id] && { name: names[id] } },
  };
  const service = { links, ethernet, companion };
  const notices: CompanionNotice[] = [];
  const stop = watchNotices(service as unknown as CompanionService, (notice) => notices.push(notice));
  return { links, ethernet, notices, stop };
}

const call = (state: CallEvent['state'], direction: CallEvent['direction'] = 'in', callId = 3): CallEvent =>
  ({ type: 'call', id: 1, callId, state, direction, number: '+12015550123' }) as CallEvent;

describe('watchNotices', () => {
  it('raises one incoming-call notice per ringing call, and settles it when it stops ringing', () => {
    const { links, notices } = fakeService();
    links.emit('call', 'vvx-1', call('offering'));
    links.emit('call', 'vvx-1', call('offering'));
    links.emit('call', 'vvx-1', call('connected'));
    links.emit('call', 'vvx-1', call('ended'));
    links.emit('call', 'vvx-1', call('dialing', 'out', 4));
    expect(notices).toEqual([
      { kind: 'incoming-call', phoneId: 'vvx-1', phoneName: 'Lab desk', callId: 3, number: '+12015550123' },
      { kind: 'call-settled', phoneId: 'vvx-1', callId: 3 },
    ]);
  });

  it('tells of sign-in requests, reset phones and several claimants', () => {
    const { links, ethernet, notices } = fakeService();
    links.emit('signInRequest', 'vvx-1', { type: 'sign-in-request', method: 'credentials' });
    links.emit('pairAgain', 'vvx-1', 'it has a new identity');
    ethernet.emit('event', { event: 'pair-again', id: 'ccx-9', message: 'reset' });
    ethernet.emit('event', { event: 'manual-offered', claimants: ['A (a)', 'B (b)'], message: '' });
    ethernet.emit('event', { event: 'ready', id: 'vvx-1', address: 'tcp://x', ms: 3 });
    expect(notices).toEqual([
      { kind: 'sign-in-request', phoneId: 'vvx-1', phoneName: 'Lab desk' },
      { kind: 'pair-again', phoneId: 'vvx-1', phoneName: 'Lab desk' },
      { kind: 'pair-again', phoneId: 'ccx-9', phoneName: 'ccx-9' },
      { kind: 'pair-request', phoneNames: ['A (a)', 'B (b)'] },
    ]);
  });

  it("tells once of a phone on this PC's port that waits for the user's click to pair", () => {
    const waiting = (id: string) => ({
      event: 'confirm-pairing',
      id,
      name: 'Poly CCX 400',
      address: 'tcp://[fe80::1%eth1]:24801',
      message: "Pair with the phone on this PC's port?",
    });
    const { ethernet, notices } = fakeService('Auto');
    ethernet.emit('event', waiting('ccx-1'));
    ethernet.emit('event', waiting('ccx-1'));
    // Announcements alone say nothing of the PC port: anyone on the link can make them.
    ethernet.emit('event', {
      event: 'listed',
      id: 'ccx-2',
      name: 'Poly CCX 500',
      address: 'tcp://x',
      verified: false,
    });
    expect(notices).toEqual([{ kind: 'pair-request', phoneNames: ['Poly CCX 400'] }]);
  });

  it('stops listening when asked', () => {
    const { links, ethernet, notices, stop } = fakeService();
    stop();
    links.emit('call', 'vvx-1', call('offering'));
    ethernet.emit('event', { event: 'manual-offered', claimants: ['A'], message: '' });
    expect(notices).toEqual([]);
    expect(links.listenerCount('call') + ethernet.listenerCount('event')).toBe(0);
  });
});

describe("Rules and the user's lock sync switch", () => {
  const session = {
    phone: { id: 'vvx-1', name: 'Lab desk' },
    hello: { lockType: 'phone-lock', firmware: '6.4' },
    user: null,
    driver: 'btoe',
    capabilities: BTOE_CAPABILITIES,
  } as unknown as PhoneSession;

  it('stop syncing, and say so, when the user turns lock sync off while the companion runs', () => {
    let settings: Settings = { version: 1 };
    // As the running companion has it: the policy resolved again with the user's choices after each change.
    const rules = new Rules(
      () => resolvePolicy([], settingsChoices(settings)).policy,
      () => settings,
    );
    const sync = new LockSync(new EventEmitter() as unknown as PhoneLinks, rules);
    expect(sync.stateOf(session)).toEqual({ phone: 'vvx-1', syncing: true });
    settings = { version: 1, lockSync: false };
    expect(sync.stateOf(session)).toEqual({
      phone: 'vvx-1',
      syncing: false,
      reason: 'lock sync is turned off in your settings',
    });
  });
});

describe('PhoneLinks and a reset phone', () => {
  it('says "pair again" once when a paired phone answers with another identity, and stops retrying', async () => {
    const connect = vi.fn(async () => {
      throw new CompanionError(
        'identity-changed',
        'the phone Lab desk (vvx-1) has a new identity: it was reset',
      );
    });
    const companion = {
      pairings: { list: () => [{ id: 'vvx-1' }] },
      reach: connect,
    } as unknown as Companion;
    const links = new PhoneLinks(companion);
    const pairAgain = vi.fn();
    links.on('pairAgain', pairAgain);
    links.refresh();
    await vi.waitFor(() => expect(pairAgain).toHaveBeenCalledOnce());
    expect(pairAgain).toHaveBeenCalledWith(
      'vvx-1',
      'the phone Lab desk (vvx-1) has a new identity: it was reset',
    );
    links.retryNow();
    expect(connect).toHaveBeenCalledOnce();
    links.stop();
  });

  it('does not say it for a phone that is only unreachable', async () => {
    const connect = vi.fn(async () => {
      throw new CompanionError('unreachable', 'no answer');
    });
    const companion = {
      pairings: { list: () => [{ id: 'vvx-1' }] },
      reach: connect,
    } as unknown as Companion;
    const links = new PhoneLinks(companion);
    const pairAgain = vi.fn();
    links.on('pairAgain', pairAgain);
    links.refresh();
    await vi.waitFor(() => expect(connect).toHaveBeenCalled());
    links.stop();
    expect(pairAgain).not.toHaveBeenCalled();
  });
});
