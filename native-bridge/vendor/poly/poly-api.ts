// Environment: any (plain TypeScript). The Poly UC Software REST API as documented (VVX, Trio, CCX; UCS 5.4+):
// the paths, the answer envelope and its status codes, the shapes of the answers the client uses, and how Poly's
// call states read in the open protocol's terms. One source for the client (poly-client.ts) and the simulator.
import { z } from 'zod';
import { displayText } from '../../link/display-text.js';
import type { CallState } from '../../link/messages.js';
import type { VendorFailure } from '../vendor-phone.js';

/** The REST API's user name: fixed by Poly; the password is the phone's admin password. */
export const POLY_USER = 'Polycom';

export const POLY_PATHS = {
  deviceInfoV2: '/api/v2/mgmt/device/info',
  deviceInfoV1: '/api/v1/mgmt/device/info',
  networkInfo: '/api/v1/mgmt/network/info',
  lineInfo: '/api/v1/mgmt/lineInfo',
  callStatusV2: '/api/v2/webCallControl/callStatus',
  callStatusV1: '/api/v1/webCallControl/callStatus',
  dial: '/api/v1/callctrl/dial',
  answerCall: '/api/v1/callctrl/answerCall',
  endCall: '/api/v1/callctrl/endCall',
  holdCall: '/api/v1/callctrl/holdCall',
  resumeCall: '/api/v1/callctrl/resumeCall',
  ignoreCall: '/api/v1/callctrl/ignoreCall',
  rejectCall: '/api/v1/callctrl/rejectCall',
  mute: '/api/v1/callctrl/mute',
  sendDTMF: '/api/v1/callctrl/sendDTMF',
  configGet: '/api/v1/mgmt/config/get',
  configSet: '/api/v1/mgmt/config/set',
} as const;

export const POLY_STATUS = {
  success: '2000',
  invalidInput: '4000',
  busy: '4001',
  lineNotRegistered: '4002',
  notAllowed: '4003',
  notSupported: '4004',
  lineMissing: '4005',
  noCall: '4007',
  sizeLimit: '4009',
  defaultPassword: '4010',
  failure: '5000',
} as const;
export type PolyStatus = (typeof POLY_STATUS)[keyof typeof POLY_STATUS];

/** Every documented failure status: what it is in the contract's terms, and what the user should do. */
export const POLY_FAILURES: Record<Exclude<PolyStatus, '2000'>, { kind: VendorFailure; message: string }> = {
  '4000': {
    kind: 'invalid-input',
    message: 'the phone refused the request as invalid (Poly status 4000): check the number or call dialled',
  },
  '4001': {
    kind: 'busy',
    message: 'the phone is busy with another operation (Poly status 4001): try again in a moment',
  },
  '4002': {
    kind: 'line-not-registered',
    message:
      "the phone's line is not registered (Poly status 4002): check the SIP account on the phone (its Status > Lines menu, or the web UI's Home page) and the call server",
  },
  '4003': {
    kind: 'not-allowed',
    message:
      'the phone does not allow this now (Poly status 4003): it may be locked or in a menu; look at the phone',
  },
  '4004': {
    kind: 'not-supported',
    message:
      "the phone's firmware does not support this request (Poly status 4004): call control through the REST API needs UC Software 5.4 or later",
  },
  '4005': {
    kind: 'line-missing',
    message:
      'the phone has no such line (Poly status 4005): the companion dials on line 1; configure a line 1',
  },
  '4007': {
    kind: 'no-call',
    message: 'the phone has no such call (Poly status 4007): it has probably just ended',
  },
  '4009': {
    kind: 'too-large',
    message: 'the phone refused the request as too large (Poly status 4009)',
  },
  '4010': {
    kind: 'default-password',
    message:
      'the phone refuses its REST API while it still has the factory admin password (Poly status 4010): change the admin password (on the phone: Settings > Advanced > Administration Settings > Change Admin Password; or in its web UI), then give the companion the new password',
  },
  '5000': {
    kind: 'failed',
    message:
      'the phone failed to carry out the request (Poly status 5000): try again; restart the phone if it persists',
  },
};

/** What HTTP itself says before any envelope: the REST API switched off, or the credentials refused. */
export const POLY_API_DISABLED_MESSAGE =
  "the phone's REST API is off (HTTP 404): set apps.restapi.enabled=1 in the phone's provisioning, or in its web UI under Settings > Applications > REST API (UC Software 5.4 or later; the phone may restart)";

export function wrongPasswordMessage(user: string): string {
  return user === POLY_USER
    ? "the phone refused the password (HTTP 401): the REST API takes the user Polycom and the phone's admin password"
    : `the phone refused the credentials (HTTP 401): the REST API's user is always "${POLY_USER}" (not "${user.slice(0, 64)}"), with the phone's admin password`;
}

/** Every answer: `{"Status": "2000", "data": ...}`; firmware adds members, which are ignored. */
export const EnvelopeSchema = z.looseObject({ Status: z.string().max(8), data: z.unknown().optional() });

/**
 * Poly's call states, as callStatus and CallStateChangeEvent name them. Hold is this phone's own hold, Held the
 * far end's: either way the call is not talking, so both read as held. Ncas ("unknown") has no equivalent and is
 * left out by the callers.
 */
const CALL_STATES: Record<string, CallState> = {
  Dialtone: 'dialing',
  Setup: 'dialing',
  // Some firmware report the outgoing call's progress as Proceeding before Ringback.
  Proceeding: 'dialing',
  Ringback: 'ringback',
  Offering: 'offering',
  Connected: 'connected',
  Hold: 'held',
  Held: 'held',
  Free: 'ended',
  Disconnected: 'ended',
};

export function callStateOf(polyState: string): CallState | undefined {
  return Object.hasOwn(CALL_STATES, polyState) ? CALL_STATES[polyState] : undefined;
}

/** The Poly states the simulator moves through (one name per open-protocol state it needs). */
export type PolyCallState =
  'Dialtone' | 'Setup' | 'Ringback' | 'Offering' | 'Connected' | 'Hold' | 'Held' | 'Free' | 'Disconnected';

const text = z.string().max(512);

/** v2 device/info (UCS 5.8+); lenient: only what the facts need is required. */
export const DeviceInfoV2Schema = z.looseObject({
  ModelNumber: text,
  MACAddress: text,
  Firmware: z.looseObject({ Application: text }),
  DeviceVendor: text.optional(),
});

/** v1 device/info (older firmware). */
export const DeviceInfoV1Schema = z.looseObject({
  ModelNumber: text,
  FirmwareRelease: text,
  MACAddress: text.optional(),
});

export const NetworkInfoSchema = z.looseObject({ MACAddress: text.optional(), IPV4Address: text.optional() });

/** lineInfo: one entry per line; UCS 5.7 names the address Username, later ones SIPAddress. */
export const LineInfoSchema = z
  .array(
    z.looseObject({
      LineNumber: z.union([text, z.number()]),
      RegistrationStatus: text,
      SIPAddress: text.optional(),
      Username: text.optional(),
    }),
  )
  .max(64);

export const PolyCallSchema = z.looseObject({
  CallHandle: text,
  CallState: text,
  Type: text.optional(),
  LineId: z.union([text, z.number()]).optional(),
  RemotePartyNumber: text.optional(),
  RemotePartyName: text.optional(),
  Ringing: text.optional(),
  Muted: text.optional(),
});
export type PolyCall = z.infer<typeof PolyCallSchema>;

/** v2 callStatus lists every call; v1 answers one call object, or nothing when the phone is idle. */
export const CallStatusSchema = z.union([
  z.array(PolyCallSchema).max(64),
  PolyCallSchema.transform((call) => [call]),
  z.strictObject({}).transform(() => []),
  z.undefined().transform(() => []),
  z.literal('').transform(() => []),
]);

/** Bodies the phone accepts. */
export const DialBodySchema = z.object({
  data: z.object({ Dest: z.string().min(1).max(256), Line: z.string().max(4), Type: z.enum(['TEL', 'SIP']) }),
});
export const RefBodySchema = z.object({ data: z.object({ Ref: z.string().min(1).max(64) }) });
export const MuteBodySchema = z.object({ data: z.object({ state: z.enum(['0', '1']) }) });
export const ConfigGetBodySchema = z.object({ data: z.array(z.string().max(128)).max(64) });
export const ConfigSetBodySchema = z.object({ data: z.record(z.string().max(128), z.string().max(1024)) });

/**
 * The far end as VendorCall carries it: the phone's text without a sip: scheme, 64 characters at most; undefined
 * when it is not printable text (a hostile or broken phone), which callers refuse.
 */
export function farEndNumber(raw: string | undefined): string | undefined {
  const number = (raw ?? '').trim().replace(/^sips?:/i, '');
  const short = [...number].slice(0, 64).join('');
  return displayText(64).safeParse(short).success ? short : undefined;
}
