// Environment: Node (talks to phones). The one contract between the companion's core and the clients of the
// vendors' documented device APIs (Poly REST, Yealink Action URI/URL): what a client can do, the facts and call
// state it reports in the companion's own terms, and the failures it names. The core's phone drivers
// (main/core) wrap a client; the listener for phone → PC events hands a client the requests from its phone.
import type { CallState } from '../link/messages.js';

export const VENDOR_KINDS = ['poly', 'yealink'] as const;
export type VendorKind = (typeof VENDOR_KINDS)[number];

/**
 * What a phone can be asked or can tell through its API. A driver declares these; the UI, `btoe` and lock sync
 * use only what a driver has.
 */
export const DRIVER_CAPABILITIES = [
  'dial',
  'answer',
  'reject',
  'hangup',
  'hold',
  'resume',
  'mute',
  /** Live call state (events from the phone, or polling). */
  'call-state',
  /** The phone tells the PC when it is locked or unlocked (Poly's PhoneLocked/PhoneUnlocked events). */
  'lock-state',
  /** The PC can lock and unlock the phone (lock sync): the open protocol only. */
  'lock',
  /** Signing the phone in via the PC: the open protocol only. */
  'sign-in',
  /** Model, firmware, MAC and line registration. */
  'device-facts',
] as const;
export type DriverCapability = (typeof DRIVER_CAPABILITIES)[number];

/** One call on the phone, in the open protocol's states (native-bridge/link/messages.ts CALL_STATES). */
export interface VendorCall {
  /** The vendor's handle for the call (Poly CallHandle, Yealink call_id): what answer/hold/... refer to. */
  handle: string;
  state: CallState;
  direction: 'in' | 'out';
  /** The far end as the phone shows it (already checked as printable text, 64 characters at most). */
  number: string;
  muted: boolean;
}

export interface LineFacts {
  /** The line's number on the phone ("1"). */
  line: string;
  /** The account: a SIP URI or extension. */
  address: string;
  registered: boolean;
}

export interface DeviceFacts {
  vendor: string;
  model: string;
  firmware: string;
  /** Lower case, colon separated. */
  mac: string;
  lines: LineFacts[];
}

/** Something the phone said happened, from one request it sent the PC's listener. */
export type VendorEvent =
  | { kind: 'call'; call: VendorCall }
  | { kind: 'lock'; locked: boolean }
  /** Yealink mute/unmute, Poly OffHook/OnHook: what changed on the current call, without a whole call. */
  | { kind: 'muted'; muted: boolean };

/** One HTTP request the listener accepted from this client's phone (source address already checked). */
export interface PhoneNotification {
  method: string;
  /** The path without the query. */
  path: string;
  query: URLSearchParams;
  /** At most the listener's body limit. */
  body: Buffer;
}

/** A phone setting an admin provisions so the phone works with the companion (docs/vendor-phones.md). */
export interface ProvisioningParameter {
  parameter: string;
  value: string;
  why: string;
}

export interface VendorCredentials {
  user: string;
  password: string;
}

export interface VendorPhoneOptions {
  /** Where the phone's API answers: https://10.0.0.5, http://10.0.0.5:8080 (a base URL, no path). */
  url: string;
  credentials: VendorCredentials;
  /** HTTPS: the phone's certificate (PEM) the user confirmed; the connection is refused if it differs. */
  pinnedCertificate?: string;
  /** How long one request may take before it fails as 'timeout' [5000]. */
  timeoutMs?: number;
}

/**
 * Every failure the vendors document, and ours. `message` says what happened and what to do, in words for the
 * user (the admin setting to change, the phone menu to open); the core passes it on as is.
 */
export type VendorFailure =
  | 'api-disabled'
  | 'wrong-password'
  | 'default-password'
  | 'locked-out'
  | 'not-allowed-from-this-pc'
  | 'remote-control-prompt'
  | 'busy'
  | 'line-not-registered'
  | 'line-missing'
  | 'no-call'
  | 'not-allowed'
  | 'not-supported'
  | 'invalid-input'
  | 'too-large'
  | 'certificate-changed'
  | 'unreachable'
  | 'timeout'
  | 'bad-answer'
  | 'failed';

export class VendorPhoneError extends Error {
  override readonly name = 'VendorPhoneError';
  constructor(
    readonly kind: VendorFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A request from the phone that is not one this client understands; the listener answers 400 and logs it. */
export class VendorEventError extends Error {
  override readonly name = 'VendorEventError';
}

/** A client of one phone's device API. Every method rejects with VendorPhoneError only. */
export interface VendorPhoneClient {
  readonly kind: VendorKind;
  readonly capabilities: ReadonlySet<DriverCapability>;
  facts(): Promise<DeviceFacts>;
  /** `destination`: a dial string (digits, +, *, #) or a sip: URI, already checked by the core's rules. */
  dial(destination: string): Promise<void>;
  /** `handle` omitted: the call the phone has (the only one, or the ringing one for answer/reject). */
  answer(handle?: string): Promise<void>;
  reject(handle?: string): Promise<void>;
  hangup(handle?: string): Promise<void>;
  hold(handle?: string): Promise<void>;
  resume(handle?: string): Promise<void>;
  mute(muted: boolean): Promise<void>;
  /** The calls the phone has now, when its API can say (Poly callStatus); undefined when it cannot (Yealink). */
  callStatus(): Promise<VendorCall[] | undefined>;
  /** The events one request from the phone carries; throws VendorEventError for anything malformed. */
  parseNotification(request: PhoneNotification): VendorEvent[];
  /** The phone settings that make it send its events to `listenerUrl` (and allow this PC), for the admin. */
  provisioning(listenerUrl: string): ProvisioningParameter[];
}
