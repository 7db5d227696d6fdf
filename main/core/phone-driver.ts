// Environment: Node (main process core).
import type { EventEmitter } from 'node:events';
import type { CallEvent, PhoneHello, Request } from '../../native-bridge/link/messages.js';
import {
  DRIVER_CAPABILITIES,
  type DriverCapability,
  type VendorKind,
} from '../../native-bridge/vendor/vendor-phone.js';
import type { PhoneDriverName } from '../../contract/companion-ipc.js';
import { CompanionError } from './companion.js';
import type { PairedPhone } from './pairing-store.js';

export type SignInRequest = Extract<Request, { type: 'sign-in-request' }>;

export interface PhoneDriverEvents {
  call: [CallEvent];
  lock: [boolean];
  signIn: [string | null];
  /** The phone asks to be signed in via the PC (the desktop app tells its user; the window shows it). */
  signInRequest: [SignInRequest];
  /** The phone is no longer reachable (the session dropped, the API stopped answering). */
  close: [Error | undefined];
}

/**
 * A connected phone, whichever way the companion drives it: the open protocol's PhoneSession (every capability)
 * or a VendorPhone around a vendor's device-API client (what that API can do). Commands, PhoneLinks, lock sync,
 * the status snapshot and the headsets use only this, and only what `capabilities` holds; a command the driver
 * lacks is refused with NotAvailableError, naming the phone and what would enable it.
 */
export interface PhoneDriver extends EventEmitter<PhoneDriverEvents> {
  readonly driver: PhoneDriverName;
  readonly phone: PairedPhone;
  /** Where the phone is reached (tcp://…, serial:…, https://…). */
  readonly address: string;
  readonly capabilities: ReadonlySet<DriverCapability>;
  /** The open protocol's hello (lock type and firmware as the phone reports them now); vendor phones have none. */
  readonly hello: Pick<PhoneHello, 'lockType' | 'firmware'> | undefined;
  /** Undefined until the phone said (vendor APIs without lock events never say). */
  readonly locked: boolean | undefined;
  /** Who is signed in: null nobody, undefined not known (a vendor API cannot say: see rules/activation.ts). */
  readonly user: string | null | undefined;
  readonly call: CallEvent | undefined;
  lock(): Promise<void>;
  unlock(): Promise<void>;
  /** Asks the rules first (AllowClickToCall, activation): no path can skip them. */
  dial(number: string): Promise<void>;
  answer(): Promise<void>;
  reject(): Promise<void>;
  hangup(): Promise<void>;
  hold(): Promise<void>;
  resume(): Promise<void>;
  mute(muted: boolean): Promise<void>;
  /** Brings the phone's state up to date (the open protocol: a ping; a vendor API: its call status). */
  ping(): Promise<void>;
  signIn(user: string, password: string): Promise<void>;
  pendingSignIn(now?: number): { request: SignInRequest; expiresAt: number } | undefined;
  close(): void;
  /** Closed already: its 'close' event may have gone out before a listener was added (check after adding one). */
  readonly isClosed: boolean;
}

/** The open protocol has every capability. */
export const BTOE_CAPABILITIES: ReadonlySet<DriverCapability> = new Set(DRIVER_CAPABILITIES);

/** What a vendor's device API cannot do, and what would enable it, in words for the user. */
const WHY_NOT: Partial<Record<DriverCapability, string>> = {
  lock: 'their device APIs have no remote lock',
  'sign-in': 'their device APIs cannot sign the phone in (sign in on the phone itself)',
};

/** The reason a capability is missing, as lock sync and `btoe` give it. */
export function notAvailableReason(capability: DriverCapability, kind: VendorKind | 'btoe'): string {
  const why = WHY_NOT[capability] ?? `the ${vendorName(kind)} device API does not offer it`;
  return `not available on this phone: ${why}; pair a phone that speaks the open BToE protocol`;
}

export function vendorName(kind: VendorKind | 'btoe'): string {
  return kind === 'poly' ? 'Poly' : kind === 'yealink' ? 'Yealink' : 'BToE';
}

/** Throws NotAvailableError unless the driver has `capability` (`what`: the command, as the user typed it). */
export function requireCapability(driver: PhoneDriver, capability: DriverCapability, what: string): void {
  if (driver.capabilities.has(capability)) return;
  throw new CompanionError(
    'not-available',
    `${what} on ${driver.phone.name} (${driver.phone.id}): ${notAvailableReason(capability, driver.driver)}`,
  );
}
