// Environment: any (plain TypeScript + zod). The one contract between `btoe` and the
// running companion (daemon or desktop app): every request and response on the local socket, their schemas
// (checked by the companion on what it receives and by `btoe` on what it gets back), and the version both
// sides name in every message, so an older `btoe` talking to a newer companion gets a clear error. The data
// they are built from (bounds, version, commands) is in companion-ipc-bounds.ts, with btoe's zod-free check.
import { z } from 'zod';
import {
  COMPANION_IPC_VERSION,
  EXIT_CODE_RANGE,
  IPC_ERROR_KINDS,
  REQUEST_BOUNDS,
  type TextBound,
} from './companion-ipc-bounds.js';
import { describeInvalid } from './describe-invalid.js';

export { COMMANDS, COMPANION_IPC_VERSION } from './companion-ipc-bounds.js';

const text = (bound: TextBound) => z.string().max(bound.max, bound.message);

/** One `btoe` command as the companion runs it; the bounds (REQUEST_BOUNDS) are those of a command line. */
export const commandRequestSchema = z.strictObject({
  command: text(REQUEST_BOUNDS.command),
  args: z.array(text(REQUEST_BOUNDS.arg)).max(REQUEST_BOUNDS.args.max, REQUEST_BOUNDS.args.message),
  device: text(REQUEST_BOUNDS.device).optional(),
  code: text(REQUEST_BOUNDS.code).optional(),
  /** sign-in: the UPN and password for the credential hand-off; never logged. */
  user: text(REQUEST_BOUNDS.user).optional(),
  password: text(REQUEST_BOUNDS.password).optional(),
  /** sign-in: open the browser at the phone's verification address. */
  open: z.boolean().optional(),
  /** devices, pair: how long to listen for phones on this PC's links (seconds, as typed). */
  timeout: text(REQUEST_BOUNDS.timeout).optional(),
  /** add: the SHA-256 fingerprint of the vendor phone's HTTPS certificate the user expects (hex, colons allowed). */
  certificate: text(REQUEST_BOUNDS.certificate).optional(),
});

export const commandResultSchema = z.object({
  /** The exit code (README, "Exit codes"). */
  code: z.number().int().min(EXIT_CODE_RANGE.min).max(EXIT_CODE_RANGE.max),
  /** What a person reads (stdout on success, stderr on failure). */
  human: z.string(),
  /** What --json prints. */
  data: z.unknown(),
});

export const helloSchema = z.object({
  running: z.literal(true),
  version: z.string().max(64),
  pid: z.number().int(),
  startedAt: z.string(),
  store: z.string(),
});

/** How the companion drives a phone: the open BToE protocol, or a vendor's device API (docs/vendor-phones.md). */
export const PHONE_DRIVERS = ['btoe', 'poly', 'yealink'] as const;

/** A vendor phone's device facts as it last answered them (model and firmware are the snapshot's own). */
export const deviceFactsSnapshotSchema = z.object({
  mac: z.string(),
  lines: z.array(z.object({ line: z.string(), address: z.string(), registered: z.boolean() })),
  /** The firmware against the minimums table: null when the table has no row for this model. */
  firmwareCheck: z.object({ ok: z.boolean(), minimum: z.string(), message: z.string() }).nullable(),
});

/** Where a vendor phone's events come from: the PC's listener (its URL), polling, or nothing live. */
export const phoneEventsSnapshotSchema = z.object({
  /** The URL the phone must be provisioned to send its events to; null when the listener could not be bound. */
  listener: z.string().nullable(),
  /** The phone's call state is polled (Poly callStatus): no event has come yet, or the listener is down. */
  polling: z.boolean(),
  /** Phone settings that make it send its events here (client.provisioning). */
  provisioning: z.array(z.object({ parameter: z.string(), value: z.string(), why: z.string() })),
  problem: z.string().nullable(),
});

/** One paired phone as the running companion knows it now (never probed to answer a status read). */
export const phoneSnapshotSchema = z.object({
  id: z.string(),
  name: z.string(),
  vendor: z.string(),
  model: z.string(),
  firmware: z.string(),
  mode: z.enum(['auto', 'manual']),
  /** Where the session runs, or where the phone answered last. */
  address: z.string(),
  connected: z.boolean(),
  onThisPcPort: z.boolean(),
  locked: z.boolean().nullable(),
  user: z.string().nullable(),
  call: z.object({ state: z.string(), direction: z.enum(['in', 'out']), muted: z.boolean() }).nullable(),
  /** Why the phone is not connected, in words for the user. */
  problem: z.string().nullable(),
  /** Null while not connected; with the reason when the phone's lock does not follow the PC's. */
  lockSync: z.object({ syncing: z.boolean(), reason: z.string().nullable() }).nullable(),
  driver: z.enum(PHONE_DRIVERS),
  /** What the phone can be asked or tells through its driver (DRIVER_CAPABILITIES names). */
  capabilities: z.array(z.string()),
  /** Vendor phones: their device facts (null until they answered, and for open-protocol phones). */
  deviceFacts: deviceFactsSnapshotSchema.nullable(),
  /** Vendor phones: how their events reach this PC (null for open-protocol phones). */
  events: phoneEventsSnapshotSchema.nullable(),
});

/** A HID headset, handset or phone the running companion drives, or cannot drive (`problem` says why). */
export const headsetSnapshotSchema = z.object({
  path: z.string(),
  name: z.string(),
  vendorId: z.number().int(),
  productId: z.number().int(),
  usable: z.boolean(),
  problem: z.string().nullable(),
  /** What the device shows (null when it cannot be driven). */
  call: z.enum(['idle', 'ringing', 'active', 'held']).nullable(),
  muted: z.boolean().nullable(),
  /** What the user can do on it: answer, reject, mute, hold, keypad, redial. */
  can: z.array(z.string()),
});

/** The headsets found, or why HID devices cannot be used on this PC (no libudev or libusb, ...). */
export const headsetsSnapshotSchema = z.object({
  available: z.boolean(),
  reason: z.string().nullable(),
  devices: z.array(headsetSnapshotSchema),
});

/** The running companion's status: what `btoe status`, the tray and the window show. */
export const companionSnapshotSchema = z.object({
  companion: z.object({
    /** The running companion's version (the window shows it). */
    version: z.string(),
    pid: z.number().int(),
    startedAt: z.string(),
    store: z.string(),
    pcLocked: z.boolean(),
    lockSources: z.array(z.string()),
  }),
  policy: z.object({
    pairingMode: z.enum(['auto', 'manual', 'off']),
    unlockWithPc: z.boolean(),
    source: z.string(),
    warnings: z.array(z.string()),
    /** Every policy key's effective value and where it came from (main/core/policy.ts, effectivePolicy). */
    effective: z.array(
      z.object({
        key: z.string(),
        value: z.union([z.boolean(), z.string(), z.array(z.string())]),
        source: z.object({
          kind: z.enum(['machine', 'user', 'settings', 'default', 'candidate']),
          location: z.string(),
        }),
      }),
    ),
  }),
  secretStore: z.string(),
  phones: z.array(phoneSnapshotSchema),
  /** Null when this companion does not look for headsets. */
  headsets: headsetsSnapshotSchema.nullable(),
});

/** A request the companion could not take (bad shape, other version): what `btoe` prints, and its exit code. */
export const ipcErrorSchema = z.object({
  error: z.object({ kind: z.enum(IPC_ERROR_KINDS), message: z.string() }),
});

export const companionRequestSchema = z.discriminatedUnion('kind', [
  z.strictObject({ v: z.literal(COMPANION_IPC_VERSION), kind: z.literal('hello') }),
  z.strictObject({
    v: z.literal(COMPANION_IPC_VERSION),
    kind: z.literal('command'),
    request: commandRequestSchema,
  }),
]);

export const companionResponseSchemas = {
  hello: z.union([z.object({ v: z.literal(COMPANION_IPC_VERSION), hello: helloSchema }), ipcErrorSchema]),
  command: z.union([
    z.object({ v: z.literal(COMPANION_IPC_VERSION), result: commandResultSchema }),
    ipcErrorSchema,
  ]),
} as const;

export type PhoneSnapshot = z.infer<typeof phoneSnapshotSchema>;
export type PhoneDriverName = (typeof PHONE_DRIVERS)[number];
export type DeviceFactsSnapshot = z.infer<typeof deviceFactsSnapshotSchema>;
export type PhoneEventsSnapshot = z.infer<typeof phoneEventsSnapshotSchema>;
export type CompanionSnapshot = z.infer<typeof companionSnapshotSchema>;
export type HeadsetSnapshot = z.infer<typeof headsetSnapshotSchema>;
export type HeadsetsSnapshot = z.infer<typeof headsetsSnapshotSchema>;
export type CommandRequest = z.infer<typeof commandRequestSchema>;
export type CommandResult = z.infer<typeof commandResultSchema>;
export type CompanionHello = z.infer<typeof helloSchema>;
export type CompanionRequest = z.infer<typeof companionRequestSchema>;
export type IpcError = z.infer<typeof ipcErrorSchema>;
export type CompanionResponse<K extends CompanionRequest['kind']> = z.infer<
  (typeof companionResponseSchemas)[K]
>;

/** The companion's answer to anything it cannot parse: names the versions when that is the reason. */
export function rejectRequest(raw: unknown, error: z.ZodError): IpcError {
  const v = (raw as { v?: unknown } | null)?.v;
  if (typeof raw === 'object' && raw !== null && v !== COMPANION_IPC_VERSION) {
    return {
      error: {
        kind: 'version',
        message: `this btoe speaks companion protocol ${typeof v === 'number' ? `v${v}` : '(unversioned)'} and the running companion v${COMPANION_IPC_VERSION}: use the btoe installed with the running companion, or restart the companion from this installation`,
      },
    };
  }
  return { error: { kind: 'usage', message: describeInvalid('The command', error) } };
}
