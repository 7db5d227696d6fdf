// Each rule alone, as the paths that ask them see it.
import { describe, expect, it } from 'vitest';
import { activation } from '../../../../../main/core/rules/activation.js';
import { lockSyncSupported } from '../../../../../main/core/rules/device-lock.js';
import {
  clickToCallAllowed,
  lockSyncOn,
  pairingAllowed,
  transportAllowed,
  unlockFollowsPc,
  usbVendorAllowed,
} from '../../../../../main/core/rules/policy-rules.js';
import { resolvePolicy } from '../../../../../main/core/policy.js';
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

  it('refuses every dial where policy turns click-to-call off (AllowClickToCall false)', () => {
    const ruleSet = rules({ AllowClickToCall: false });
    const { session } = fakeSession({ rules: ruleSet });
    expect(() => ruleSet.assertMayDial(session)).toThrow(
      expect.objectContaining({
        name: 'RuleError',
        kind: 'policy',
        message: expect.stringMatching(/AllowClickToCall/),
      }),
    );
  });

  it('reads the policy when asked, so a changed policy applies at once', () => {
    let policy: typeof DEFAULT_POLICY = DEFAULT_POLICY;
    const live = new Rules(
      () => policy,
      () => ({ version: 1 }),
    );
    expect(live.pairing('auto').allowed).toBe(true);
    policy = { ...DEFAULT_POLICY, EnableBetterTogetherOverEthernet: false };
    expect(live.pairing('auto').allowed).toBe(false);
  });
});

describe('policy: transports, USB vendors, click-to-call, lock sync', () => {
  const machine = (values: Record<string, unknown>) =>
    resolvePolicy([{ kind: 'machine', location: 'test', values }]).policy;

  it('allows a transport only when AllowedTransports names it', () => {
    const usbOnly = machine({ AllowedTransports: ['USB'] });
    expect(transportAllowed(usbOnly, 'serial').allowed).toBe(true);
    expect(transportAllowed(usbOnly, 'tcp')).toEqual({
      allowed: false,
      reason: 'your administrator does not allow Ethernet connections to phones (AllowedTransports: USB)',
    });
    expect(transportAllowed(machine({ AllowedTransports: [] }), 'hid')).toMatchObject({
      reason: expect.stringContaining('AllowedTransports: none'),
    });
    expect(transportAllowed(DEFAULT_POLICY, 'hid').allowed).toBe(true);
  });

  it('allows the known phone makers with *, else exactly the listed USB vendors', () => {
    expect(usbVendorAllowed(DEFAULT_POLICY, '047f').allowed).toBe(true);
    const listed = machine({ AllowedUsbVendorIds: ['095d', '0x1234'] });
    expect(usbVendorAllowed(listed, '1234').allowed).toBe(true);
    expect(usbVendorAllowed(listed, '047f')).toEqual({
      allowed: false,
      reason:
        'your administrator does not allow USB devices of vendor 047F (AllowedUsbVendorIds: 095D, 1234)',
    });
  });

  it('refuses click-to-call when policy turns it or BToE off', () => {
    expect(clickToCallAllowed(DEFAULT_POLICY).allowed).toBe(true);
    expect(clickToCallAllowed(machine({ AllowClickToCall: false }))).toMatchObject({
      reason: 'click-to-call is turned off by your administrator (AllowClickToCall)',
    });
    expect(clickToCallAllowed(machine({ EnableBetterTogetherOverEthernet: false }))).toMatchObject({
      reason: expect.stringContaining('EnableBetterTogetherOverEthernet'),
    });
  });

  it('says why lock sync is off: BToE off, the admin, or the user', () => {
    expect(lockSyncOn(DEFAULT_POLICY, false).allowed).toBe(true);
    expect(lockSyncOn(machine({ EnableBetterTogetherOverEthernet: false }), false)).toMatchObject({
      reason: expect.stringContaining('EnableBetterTogetherOverEthernet'),
    });
    expect(lockSyncOn(machine({ LockSync: false }), false)).toMatchObject({
      reason: 'lock sync is turned off by your administrator (LockSync)',
    });
    const userOff = resolvePolicy([], { LockSync: false }).policy;
    expect(lockSyncOn(userOff, true)).toMatchObject({ reason: 'lock sync is turned off in your settings' });
  });
});
