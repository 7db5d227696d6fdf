// Environment: any (plain TypeScript + zod). The one IPC contract between the main process and the
// renderer: every channel, its payload types and the schemas that check them on both ends.
import { z } from 'zod';

import { doctorReportSchema, type DoctorReport } from './doctor-report.js';

// Views going to the renderer drop unknown keys (nothing internal leaks through by accident);
// requests coming from the renderer reject them.

export const CALL_ACTIONS = ['answer', 'hangup', 'hold', 'resume', 'mute', 'unmute'] as const;
export const LANGUAGES = ['en', 'fr'] as const;
/** How the companion drives a phone: the open BToE protocol, or a vendor's device API (docs/vendor-phones.md). */
export const PHONE_DRIVERS = ['btoe', 'poly', 'yealink'] as const;
/** The phones the window can add through their vendor's device API. */
export const VENDOR_PHONES = ['poly', 'yealink'] as const;

export const callViewSchema = z.object({
  state: z.enum(['dialing', 'ringback', 'offering', 'connected', 'held']),
  direction: z.enum(['in', 'out']),
  /** The far end's number as the phone reports it. */
  remote: z.string(),
  muted: z.boolean(),
});

export const signInViewSchema = z.object({
  /** Who is signed in on the phone; null: nobody. */
  user: z.string().nullable(),
  /** What the phone asks of the PC right now, if anything (an expired web code is never shown). */
  pending: z
    .discriminatedUnion('method', [
      z.object({
        method: z.literal('web'),
        address: z.string(),
        userCode: z.string(),
        expiresAt: z.string(),
      }),
      z.object({ method: z.literal('credentials') }),
    ])
    .nullable(),
});

export const phoneViewSchema = z.object({
  id: z.string(),
  name: z.string(),
  vendor: z.string(),
  model: z.string(),
  firmware: z.string(),
  address: z.string(),
  transport: z.enum(['ethernet', 'usb', 'hid']),
  paired: z.boolean(),
  connected: z.boolean(),
  onThisPcPort: z.boolean(),
  /** Its TLS identity matched the id it announced (always true for a phone we reached ourselves). */
  verified: z.boolean(),
  mode: z.enum(['auto', 'manual']).nullable(),
  locked: z.boolean().nullable(),
  /** Whether the phone's lock follows the PC, and why not; null while the phone is not connected. */
  lockSync: z.object({ on: z.boolean(), reason: z.string().nullable() }).nullable(),
  /** Auto pairing is possible: policy allows it and the phone is on this PC's port. */
  canAutoPair: z.boolean(),
  /** The phone was reset (its identity changed): the pairing is void, it needs pairing again. */
  needsPairingAgain: z.boolean(),
  /** Why a paired phone is not connected, in words. */
  problem: z.string().nullable(),
  call: callViewSchema.nullable(),
  signIn: signInViewSchema.nullable(),
  driver: z.enum(PHONE_DRIVERS),
  /** What the phone can be asked or tells through its driver (native-bridge/vendor DRIVER_CAPABILITIES names). */
  capabilities: z.array(z.string()),
  /** A vendor phone's device facts as it last answered them; null for open-protocol phones and until then. */
  deviceFacts: z
    .object({
      mac: z.string(),
      lines: z.array(z.object({ line: z.string(), address: z.string(), registered: z.boolean() })),
      /** The firmware against the minimums table: null when the table has no row for this model. */
      firmwareCheck: z.object({ ok: z.boolean(), minimum: z.string(), message: z.string() }).nullable(),
    })
    .nullable(),
});

export const companionViewSchema = z.object({
  /** The app's version (the window shows it; support asks for it first). */
  version: z.string(),
  pairingMode: z.enum(['auto', 'manual', 'off']),
  /** Where the admin's policy comes from: "defaults" (none), or the policy source. */
  policySource: z.string(),
  /** The admin's policy decides the pairing mode: the window shows it read-only, with the source. */
  pairingModeByPolicy: z.boolean(),
  secretStore: z.string(),
  pcLocked: z.boolean(),
  phones: z.array(phoneViewSchema),
});

const deviceSchema = z
  .string()
  .trim()
  .min(1, { error: 'Name the phone (its name, ID or address).' })
  .max(256, { error: 'The phone name is too long (256 characters at most).' });

/** The pairing code is passed on as typed (spaces, hyphens, any case): the core normalises it. */
export const pairRequestSchema = z.strictObject({
  device: deviceSchema,
  code: z.string().max(64, { error: 'The pairing code is too long (64 characters at most).' }).optional(),
});

/** Every action's answer: whether it worked and the companion's sentence about it. */
export const resultSchema = z.object({ ok: z.boolean(), message: z.string() });

/** Requests without a payload. */
export const noPayloadSchema = z.undefined({ error: 'This request takes no payload.' });

export const lookUpRequestSchema = z.strictObject({
  address: z
    .string()
    .trim()
    .min(1, { error: 'Type the phone’s address.' })
    .max(256, { error: 'The address is too long (256 characters at most).' }),
});
export const unpairRequestSchema = z.strictObject({ device: deviceSchema });
export const dialRequestSchema = z.strictObject({
  target: z
    .string()
    .trim()
    .min(1, { error: 'Type a number or a tel:, callto: or sip: address.' })
    .max(4096, { error: 'The number is too long.' }),
  device: deviceSchema.optional(),
});
export const callRequestSchema = z.strictObject({
  action: z.enum(CALL_ACTIONS),
  device: deviceSchema.optional(),
});
export const signInRequestSchema = z.strictObject({
  device: deviceSchema,
  user: z.string().trim().min(1, { error: 'Type your account (you@example.com).' }).max(256),
  password: z.string().min(1, { error: 'Type your password.' }).max(256),
});
export const openSignInRequestSchema = z.strictObject({ device: deviceSchema });

/** What a vendor's API answers on when the user types only an address (README, "Poly and Yealink phones"). */
const DEFAULT_SCHEME = { poly: 'https', yealink: 'http' } as const satisfies Record<VendorPhone, string>;
/** The admin user each vendor documents: Poly's REST API always uses `Polycom`; Yealink's web user `admin`. */
export const DEFAULT_ADMIN_USER = { poly: 'Polycom', yealink: 'admin' } as const satisfies Record<
  VendorPhone,
  string
>;

/** The URL the companion reaches a vendor phone at: as typed, or the vendor's default scheme before an address. */
export function vendorPhoneUrl(vendor: VendorPhone, typed: string): string {
  const address = typed.trim();
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `${DEFAULT_SCHEME[vendor]}://${address}`;
}

/** "Add a Poly or Yealink phone…": the admin credentials go to the companion's secret store, nowhere else. */
export const addPhoneRequestSchema = z
  .strictObject({
    vendor: z.enum(VENDOR_PHONES),
    url: z
      .string()
      .trim()
      .min(1, { error: 'Type the phone’s address or URL (192.168.1.30, or https://192.168.1.30).' })
      .max(256, { error: 'The address is too long (256 characters at most).' }),
    user: z.string().trim().min(1, { error: 'Type the phone’s admin user.' }).max(256),
    password: z.string().min(1, { error: 'Type the phone’s admin password.' }).max(256),
    /** The SHA-256 fingerprint of the phone's certificate the user confirmed (HTTPS). */
    certificateSha256: z
      .string()
      .regex(/^[0-9A-Fa-f]{2}(:?[0-9A-Fa-f]{2}){31}$/, {
        error: 'A certificate fingerprint is 32 bytes in hexadecimal.',
      })
      .optional(),
  })
  .transform((request) => ({ ...request, url: vendorPhoneUrl(request.vendor, request.url) }));

/** The phone added, or (HTTPS, first time) its certificate for the user to confirm: then ask again with it. */
export const addPhoneResultSchema = z.union([
  z.object({ id: z.string(), name: z.string(), certificateSha256: z.string().optional() }),
  z.object({
    confirmCertificate: z.object({ sha256: z.string(), subject: z.string(), validTo: z.string() }),
  }),
]);

export const settingsViewSchema = z.object({
  /** The PC user's account (UPN); a phone signed in as someone else is paired but not activated. */
  user: z.string().max(256).nullable(),
  defaultRegion: z.string().max(2).nullable(),
  lockSync: z.boolean(),
  startAtLogin: z.boolean(),
  /** null: follow the OS locale. */
  language: z.enum(LANGUAGES).nullable(),
  /** The user's pairing mode, used where no policy decides it; null: the default (Auto). */
  pairingMode: z.enum(['auto', 'manual']).nullable(),
});
export const settingsRequestSchema = z.strictObject({
  user: z
    .string()
    .trim()
    .max(256)
    .nullable()
    .transform((user) => (user === '' ? null : user)),
  defaultRegion: z
    .string()
    .trim()
    .nullable()
    .transform((region) => (region === '' ? null : region))
    .refine((region) => region === null || /^[A-Za-z]{2}$/.test(region), {
      error: 'The default region is a two-letter code like US, GB or FR.',
    })
    .transform((region) => region?.toUpperCase() ?? null),
  lockSync: z.boolean(),
  startAtLogin: z.boolean(),
  language: z.enum(LANGUAGES).nullable(),
  pairingMode: z.enum(['auto', 'manual']).nullable(),
});

export const diagnosticsViewSchema = z.object({
  /** Every way each paired phone was reached or is known at. */
  transports: z.array(
    z.object({ phone: z.string(), address: z.string(), transport: z.string(), inUse: z.boolean() }),
  ),
  policy: z.object({
    source: z.string(),
    /** Every key: its effective value (as text) and where it came from (machine, user, settings, defaults). */
    rows: z.array(z.object({ key: z.string(), value: z.string(), from: z.string() })),
    warnings: z.array(z.string()),
  }),
  secretStore: z.string(),
  /** The last events of the companion's log, oldest first. */
  events: z.array(z.object({ time: z.string(), event: z.string(), details: z.string() })).max(200),
});
export const reportSchema = z.object({ text: z.string() });

export type CallView = z.infer<typeof callViewSchema>;
export type CallAction = (typeof CALL_ACTIONS)[number];
export type Language = (typeof LANGUAGES)[number];
export type PhoneView = z.infer<typeof phoneViewSchema>;
export type CompanionView = z.infer<typeof companionViewSchema>;
/** What policy lets the user do: pair in Auto or Manual mode, or not at all (not the protocol's PairingMode). */
export type PolicyPairingMode = CompanionView['pairingMode'];
export type PairRequest = z.infer<typeof pairRequestSchema>;
export type Result = z.infer<typeof resultSchema>;
export type LookUpRequest = z.infer<typeof lookUpRequestSchema>;
export type UnpairRequest = z.infer<typeof unpairRequestSchema>;
export type DialRequest = z.infer<typeof dialRequestSchema>;
export type CallRequest = z.infer<typeof callRequestSchema>;
export type SignInRequest = z.infer<typeof signInRequestSchema>;
export type OpenSignInRequest = z.infer<typeof openSignInRequestSchema>;
export type PhoneDriverName = (typeof PHONE_DRIVERS)[number];
export type VendorPhone = (typeof VENDOR_PHONES)[number];
export type AddPhoneRequest = z.input<typeof addPhoneRequestSchema>;
export type AddPhoneResult = z.infer<typeof addPhoneResultSchema>;
export type SettingsView = z.infer<typeof settingsViewSchema>;
export type SettingsRequest = z.infer<typeof settingsRequestSchema>;
export type DiagnosticsView = z.infer<typeof diagnosticsViewSchema>;
export type Report = z.infer<typeof reportSchema>;

/** Renderer → main requests (`ipcRenderer.invoke` / `ipcMain.handle`): channel → request and response. */
export interface RequestChannels {
  'companion:get-status': { request: undefined; response: CompanionView };
  'companion:pair': { request: PairRequest; response: Result };
  'companion:look-up': { request: LookUpRequest; response: Result };
  'companion:unpair': { request: UnpairRequest; response: Result };
  'companion:dial': { request: DialRequest; response: Result };
  'companion:call': { request: CallRequest; response: Result };
  'companion:sign-in': { request: SignInRequest; response: Result };
  'companion:open-sign-in': { request: OpenSignInRequest; response: Result };
  'companion:add-phone': { request: AddPhoneRequest; response: AddPhoneResult };
  'companion:get-settings': { request: undefined; response: SettingsView };
  'companion:set-settings': { request: SettingsRequest; response: SettingsView };
  'companion:get-diagnostics': { request: undefined; response: DiagnosticsView };
  'companion:get-report': { request: undefined; response: Report };
  'companion:run-doctor': { request: undefined; response: DoctorReport };
  'companion:save-bundle': { request: undefined; response: Result };
}

/** Main → renderer pushes (`webContents.send` / `ipcRenderer.on`): channel → payload. */
export interface PushChannels {
  'companion:status-changed': CompanionView;
}

export type RequestChannel = keyof RequestChannels;
export type PushChannel = keyof PushChannels;

export const requestSchemas: {
  [C in RequestChannel]: {
    request: z.ZodType<RequestChannels[C]['request']>;
    response: z.ZodType<RequestChannels[C]['response']>;
  };
} = {
  'companion:get-status': { request: noPayloadSchema, response: companionViewSchema },
  'companion:pair': { request: pairRequestSchema, response: resultSchema },
  'companion:look-up': { request: lookUpRequestSchema, response: resultSchema },
  'companion:unpair': { request: unpairRequestSchema, response: resultSchema },
  'companion:dial': { request: dialRequestSchema, response: resultSchema },
  'companion:call': { request: callRequestSchema, response: resultSchema },
  'companion:sign-in': { request: signInRequestSchema, response: resultSchema },
  'companion:open-sign-in': { request: openSignInRequestSchema, response: resultSchema },
  'companion:add-phone': { request: addPhoneRequestSchema, response: addPhoneResultSchema },
  'companion:get-settings': { request: noPayloadSchema, response: settingsViewSchema },
  'companion:set-settings': { request: settingsRequestSchema, response: settingsViewSchema },
  'companion:get-diagnostics': { request: noPayloadSchema, response: diagnosticsViewSchema },
  'companion:get-report': { request: noPayloadSchema, response: reportSchema },
  'companion:run-doctor': { request: noPayloadSchema, response: doctorReportSchema },
  // The main process picks the file; the renderer only learns the outcome's sentence.
  'companion:save-bundle': { request: noPayloadSchema, response: resultSchema },
};

export const pushSchemas: { [C in PushChannel]: z.ZodType<PushChannels[C]> } = {
  'companion:status-changed': companionViewSchema,
};

/** What the preload exposes to the renderer as `window.btoe`: the contract's requests, and its push. */
export interface BtoeApi {
  invoke<C extends RequestChannel>(
    channel: C,
    request: RequestChannels[C]['request'],
  ): Promise<RequestChannels[C]['response']>;
  /** Calls `listener` with every status the main process pushes; returns the unsubscribe function. */
  onStatusChanged(listener: (view: CompanionView) => void): () => void;
}

export { describeInvalid } from './describe-invalid.js';
