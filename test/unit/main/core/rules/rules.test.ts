// Each rule alone, as the paths that ask them see it.
import { describe, expect, it } from 'vitest';
import { activation } from '../../../../../main/core/rules/activation.js';
import { lockSyncSupported } from '../../../../../main/core/rules/device-lock.js';
import { pairingAllowed, unlockFollowsPc } from '../../../../../main/core/rules/policy-rules.js';
import { RuleError, Rules } from '../../../../../main/core/rules/rules.js';
import { DEFAULT_POLICY } from '../../../../../main/core/policy.js';
import { fakeSession, rules } from '../fakes.js';

describe('activation (paired but not activated)', () => {
  it('is activated when the users match (any case), or either side has none', () => {
    expect(activation('amosm@contoso.com', { name: 'VVX', user: 'AmosM@Contoso.com' }).allowed).toBe(true);
    expect(activation(undefined, { name: 'VVX', user: 'meganb@contoso.com' }).allowed).toBe(true);
    expect(activation('amosm@contoso.com', { name: 'VVX', user: null }).allowed).toBe(true);
  });

  it('is not activated for a phone signed in as someone else, and names both users', () => {
    expect(activation('amosm@contoso.com', { name: 'VVX', user: 'meganb@contoso.com' })).toEqual({
      allowed: false,
      reason:
        "paired but not activated: VVX is signed in as meganb@contoso.com, not as this PC's user (amosm@contoso.com)",
    });
  });
});

describe('Device-Lock', () => {
  it('allows lock sync on Phone-Lock firmware only', () => {
    expect(lockSyncSupported('VVX', { lockType: 'phone-lock', firmware: '6.4.3' }).allowed).toBe(true);
    expect(lockSyncSupported('VVX', { lockType: 'device-lock', firmware: '5.4.0' })).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/Device-Lock \(firmware 5\.4\.0\)/),
    });
  });
});

describe('policy', () => {
  it('pairing: off turns both modes off; Manual turns Auto off', () => {
    const off = { ...DEFAULT_POLICY, EnableBetterTogetherOverEthernet: false };
    expect(pairingAllowed(off, 'manual')).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/EnableBetterTogetherOverEthernet/),
    });
    const manual = { ...DEFAULT_POLICY, BetterTogetherOverEthernetPairingMode: 'Manual' as const };
    expect(pairingAllowed(manual, 'auto')).toMatchObject({
      allowed: false,
      reason: expect.stringMatching(/requires Manual/),
    });
    expect(pairingAllowed(manual, 'manual').allowed).toBe(true);
    expect(pairingAllowed(DEFAULT_POLICY, 'auto').allowed).toBe(true);
  });

  it('unlock follows the PC only where UnlockPhoneWithPc allows it', () => {
    expect(unlockFollowsPc(DEFAULT_POLICY).allowed).toBe(true);
    expect(unlockFollowsPc({ ...DEFAULT_POLICY, UnlockPhoneWithPc: false }).allowed).toBe(false);
  });
});

describe('Rules', () => {
  it('throws a RuleError with the exit kind: policy for pairing, refused for a dial', () => {
    expect(() => rules({ BetterTogetherOverEthernetPairingMode: 'Manual' }).assertMayPair('auto')).toThrow(
      expect.objectContaining({ name: 'RuleError', kind: 'policy' }),
    );
    const ruleSet = rules({}, { user: 'amosm@contoso.com' });
    const { session, link } = fakeSession({ rules: ruleSet });
    link.phoneSends({ type: 'sign-in-state', user: 'meganb@contoso.com' });
    expect(() => ruleSet.assertMayDial(session)).toThrow(RuleError);
  });

  it('reads the policy when asked, so a changed policy applies at once', () => {
    let policy: typeof DEFAULT_POLICY = DEFAULT_POLICY;
    const live = new Rules(() => policy, { version: 1 });
    expect(live.pairing('auto').allowed).toBe(true);
    policy = { ...DEFAULT_POLICY, EnableBetterTogetherOverEthernet: false };
    expect(live.pairing('auto').allowed).toBe(false);
  });
});

describe('lock sync turned off in Settings', () => {
  it('is off with the reason before any other rule, and on again once the setting is saved', () => {
    const bound = rules({}, { lockSync: false });
    const { session } = fakeSession({ rules: bound });
    expect(bound.lockSync(session)).toEqual({
      allowed: false,
      reason: 'lock sync is turned off in Settings',
    });
    bound.settings = { version: 1 };
    expect(bound.lockSync(session).allowed).toBe(true);
  });
});
