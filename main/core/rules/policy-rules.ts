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

/** May a PC unlock unlock the phone too? Locking always follows the PC. */
export function unlockFollowsPc(policy: CompanionPolicy): Verdict {
  return policy.UnlockPhoneWithPc
    ? ALLOWED
    : refused('your administrator keeps the phone locked when the PC unlocks (UnlockPhoneWithPc)');
}
