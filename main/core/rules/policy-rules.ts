// Environment: any (plain TypeScript).
import type { CompanionPolicy } from '../policy.js';
import { ALLOWED, type Verdict, refused } from './verdict.js';

/**
 * What the administrator's policy allows, one function per decision. Every path (one-shot `btoe`, the daemon,
 * the desktop app, the Ethernet keeper) asks here; none reads the policy fields itself.
 */

/** Pairing at all, and Auto pairing (no code) only where policy leaves the choice to Auto. */
export function pairingAllowed(policy: CompanionPolicy, mode: 'auto' | 'manual'): Verdict {
  if (!policy.EnableBetterTogetherOverEthernet) {
    return refused('pairing is turned off by your administrator (EnableBetterTogetherOverEthernet)');
  }
  if (mode === 'auto' && policy.BetterTogetherOverEthernetPairingMode === 'Manual') {
    return refused(
      'your administrator requires Manual pairing: open pairing on the phone and run "btoe pair ADDRESS --code CODE" with the code it shows',
    );
  }
  return ALLOWED;
}

/** The policy's name for each way of reaching a phone (a phone address's transport). */
const TRANSPORT_NAMES = { tcp: 'Ethernet', serial: 'USB', hid: 'HID' } as const;

/** May the companion reach a phone over this transport (AllowedTransports)? */
export function transportAllowed(policy: CompanionPolicy, transport: keyof typeof TRANSPORT_NAMES): Verdict {
  const name = TRANSPORT_NAMES[transport];
  if (policy.AllowedTransports.includes(name)) return ALLOWED;
  return refused(
    `your administrator does not allow ${name} connections to phones (AllowedTransports: ${policy.AllowedTransports.join(', ') || 'none'})`,
  );
}

/** May the companion use a USB device of this vendor (AllowedUsbVendorIds; "*": the phone makers it knows)? */
export function usbVendorAllowed(policy: CompanionPolicy, vendorId: string): Verdict {
  const allowed = policy.AllowedUsbVendorIds;
  if (allowed.includes('*') || allowed.includes(vendorId.toUpperCase())) return ALLOWED;
  return refused(
    `your administrator does not allow USB devices of vendor ${vendorId.toUpperCase()} (AllowedUsbVendorIds: ${allowed.join(', ') || 'none'})`,
  );
}

/** May tel:/callto:/sip: links dial (AllowClickToCall, EnableBetterTogetherOverEthernet)? */
export function clickToCallAllowed(policy: CompanionPolicy): Verdict {
  if (!policy.EnableBetterTogetherOverEthernet)
    return refused('BToE is turned off by your administrator (EnableBetterTogetherOverEthernet)');
  return policy.AllowClickToCall
    ? ALLOWED
    : refused('click-to-call is turned off by your administrator (AllowClickToCall)');
}

/**
 * Does the phone's lock follow the PC's at all (EnableBetterTogetherOverEthernet, LockSync)? `userTurnedOff`:
 * the user's own setting is off, so a LockSync that policy leaves to the user is the user's choice.
 */
export function lockSyncOn(policy: CompanionPolicy, userTurnedOff: boolean): Verdict {
  if (!policy.EnableBetterTogetherOverEthernet)
    return refused('BToE is turned off by your administrator (EnableBetterTogetherOverEthernet)');
  if (policy.LockSync) return ALLOWED;
  return refused(
    userTurnedOff
      ? 'lock sync is turned off in your settings'
      : 'lock sync is turned off by your administrator (LockSync)',
  );
}

/** May a PC unlock unlock the phone too? Locking always follows the PC. */
export function unlockFollowsPc(policy: CompanionPolicy): Verdict {
  return policy.UnlockPhoneWithPc
    ? ALLOWED
    : refused('your administrator keeps the phone locked when the PC unlocks (UnlockPhoneWithPc)');
}
