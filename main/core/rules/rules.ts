// Environment: Node (main process core).
import { notAvailableReason, type PhoneDriver } from '../phone-driver.js';
import type { CompanionPolicy } from '../policy.js';
import type { Settings } from '../settings.js';
import { activation } from './activation.js';
import { lockSyncSupported } from './device-lock.js';
import type { PairedPhone } from '../pairing-store.js';
import {
  clickToCallAllowed,
  lockSyncOn,
  pairingAllowed,
  transportAllowed,
  unlockFollowsPc,
  usbVendorAllowed,
} from './policy-rules.js';
import { credentialHandOff } from './sign-in-rules.js';
import { type Verdict, refused } from './verdict.js';

/** A rule said no; `kind` picks the exit code (policy: the admin's, refused: this phone's state). */
export class RuleError extends Error {
  override readonly name = 'RuleError';
  constructor(
    readonly kind: 'policy' | 'refused',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Every rule the companion applies, bound to this companion's policy and settings. The Companion owns one, so
 * whatever can reach a phone (the one-shot `btoe`, the daemon, the desktop app, a vendor driver) holds the same
 * rules: there is no context in which a rule is an optional callback.
 */
export class Rules {
  constructor(
    private readonly policy: () => CompanionPolicy,
    /** The user's settings as they are now: the desktop app changes them while the companion runs. */
    private readonly settings: () => Settings,
  ) {}

  activation(session: Pick<PhoneDriver, 'phone' | 'user'>): Verdict {
    return activation(this.settings().user, { name: session.phone.name, user: session.user });
  }

  /**
   * Does this phone's lock follow the PC's? Policy and the user's choice, a driver that can lock at all (not a
   * Poly or Yealink API), Device-Lock firmware, activation.
   */
  lockSync(session: Pick<PhoneDriver, 'phone' | 'user' | 'hello' | 'capabilities' | 'driver'>): Verdict {
    const on = lockSyncOn(this.policy(), this.settings().lockSync === false);
    if (!on.allowed) return on;
    if (!session.capabilities.has('lock') || session.hello === undefined)
      return refused(notAvailableReason('lock', session.driver));
    const firmware = lockSyncSupported(session.phone.name, session.hello);
    return firmware.allowed ? this.activation(session) : firmware;
  }

  /** Throws when policy forbids reaching a phone over this transport (AllowedTransports). */
  assertTransport(transport: 'tcp' | 'serial' | 'hid'): void {
    const verdict = transportAllowed(this.policy(), transport);
    if (!verdict.allowed) throw new RuleError('policy', verdict.reason);
  }

  usbVendor(vendorId: string): Verdict {
    return usbVendorAllowed(this.policy(), vendorId);
  }

  /** May the companion drive this HID headset or phone (AllowedTransports, AllowedUsbVendorIds)? */
  hidDevice(vendorId: string): Verdict {
    const transport = transportAllowed(this.policy(), 'hid');
    return transport.allowed ? this.usbVendor(vendorId) : transport;
  }

  /** For the tel:/callto:/sip: link handler: may a link dial at all? */
  clickToCall(): Verdict {
    return clickToCallAllowed(this.policy());
  }

  unlockFollowsPc(): Verdict {
    return unlockFollowsPc(this.policy());
  }

  /** Throws when this phone may not dial for this PC (click-to-call is off while not activated). */
  assertMayDial(session: Pick<PhoneDriver, 'phone' | 'user'>): void {
    const policy = this.clickToCall();
    if (!policy.allowed) throw new RuleError('policy', policy.reason);
    const verdict = this.activation(session);
    if (!verdict.allowed) throw new RuleError('refused', `click-to-call is off: ${verdict.reason}`);
  }

  pairing(mode: 'auto' | 'manual'): Verdict {
    return pairingAllowed(this.policy(), mode);
  }

  assertMayPair(mode: 'auto' | 'manual'): void {
    const verdict = this.pairing(mode);
    if (!verdict.allowed) throw new RuleError('policy', verdict.reason);
  }

  /** Throws unless the user's password may go to this phone (Manual, or an Auto pairing the user confirmed). */
  assertMayHandOffCredentials(phone: PairedPhone): void {
    const verdict = credentialHandOff(phone);
    if (!verdict.allowed) throw new RuleError('refused', verdict.reason);
  }

  /** The identity provider's sign-in pages a phone may send the user to (policy WebSignInAllowedAddresses). */
  webSignInPages(): readonly string[] {
    return this.policy().WebSignInAllowedAddresses;
  }
}
