// Environment: any (plain TypeScript).
import type { LockType } from '../link/messages.js';

/**
 * Phone firmware against the minimums Microsoft publishes for Online (the "Minimum firmware" table in the
 * vendors' documentation), and which lock a firmware has. One table for `btoe doctor`, the simulator and the
 * vendor-phone adapters: a phone is matched by its vendor, family and model as its hello reports them.
 */
export interface FirmwareMinimum {
  /** The phone family as admins know it (the table's first column). */
  readonly family: string;
  /** The oldest firmware that works with Online. */
  readonly minimum: string;
  /** Yealink's versions begin with the model's own number (28.8.1.52 on one model, 35.8.1.52 on another). */
  readonly modelPrefix: boolean;
  readonly matches: (phone: PhoneModel) => boolean;
}

export interface PhoneModel {
  readonly vendor: string;
  readonly family?: string | undefined;
  readonly model?: string | undefined;
}

const has = (pattern: RegExp) => (p: PhoneModel) =>
  pattern.test(`${p.vendor} ${p.family ?? ''} ${p.model ?? ''}`);

export const FIRMWARE_MINIMUMS: readonly FirmwareMinimum[] = [
  {
    family: 'Lync Phone Edition',
    minimum: '4.0.7577.4463',
    modelPrefix: false,
    matches: has(/lync phone edition|\bLPE\b/i),
  },
  { family: 'Polycom VVX', minimum: '5.4.0A', modelPrefix: false, matches: has(/^(polycom|poly)\b.*\bVVX/i) },
  { family: 'Yealink', minimum: 'X.8.1.52', modelPrefix: true, matches: has(/^yealink\b/i) },
  { family: 'AudioCodes', minimum: '3.0.0.459.1', modelPrefix: false, matches: has(/^audiocodes\b/i) },
];

/** Polycom's Phone-Lock replaced its own Device-Lock in UC Software 5.5.1. */
export const PHONE_LOCK_SINCE = { family: 'Polycom', firmware: '5.5.1' } as const;

type Part = number | string;

/**
 * A vendor's dotted version as comparable parts: "5.4.0A" → [5, 4, 0, "a"], "3.0.0.459.1" → [3, 0, 0, 459, 1].
 * Undefined when the text has no digit at all.
 */
export function versionParts(version: string): Part[] | undefined {
  const parts: Part[] = [];
  for (const segment of version.trim().split(/[.\-_ ]+/)) {
    for (const [piece] of segment.matchAll(/\d+|[A-Za-z]+/g)) {
      parts.push(/^\d/.test(piece) ? Number(piece) : piece.toLowerCase());
    }
  }
  return parts.some((p) => typeof p === 'number') ? parts : undefined;
}

/**
 * Orders two vendor versions: negative when `a` is older. Numbers compare as numbers; a letter after a number is
 * a later build of it (5.4.0A is after 5.4.0); missing parts count as nothing ("5.4" equals "5.4.0").
 */
export function compareVersions(a: string, b: string): number {
  const pa = versionParts(a) ?? [];
  const pb = versionParts(b) ?? [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? 0;
    const y = pb[i] ?? 0;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'string' && typeof y === 'string') return x < y ? -1 : 1;
    // A letter against a number at the same place: the lettered one is the later build of the version before it,
    // unless the number is past zero (5.4.0A < 5.4.1).
    if (typeof x === 'string') return y === 0 ? 1 : -1;
    return x === 0 ? -1 : 1;
  }
  return 0;
}

export type FirmwareVerdict =
  | { readonly kind: 'ok'; readonly family: string; readonly minimum: string }
  | { readonly kind: 'too-old'; readonly family: string; readonly minimum: string }
  | { readonly kind: 'unreadable'; readonly family: string; readonly minimum: string }
  | { readonly kind: 'unknown-family' };

/** The phone's firmware against its family's minimum (the model's own prefix dropped for Yealink). */
export function checkFirmware(phone: PhoneModel, firmware: string): FirmwareVerdict {
  const row = FIRMWARE_MINIMUMS.find((r) => r.matches(phone));
  if (!row) return { kind: 'unknown-family' };
  const { family } = row;
  let version = firmware.trim();
  let minimum = row.minimum;
  if (row.modelPrefix) {
    const dot = version.indexOf('.');
    if (dot < 1) return { kind: 'unreadable', family, minimum: row.minimum };
    version = version.slice(dot + 1);
    minimum = minimum.slice(minimum.indexOf('.') + 1);
  }
  if (versionParts(version) === undefined) return { kind: 'unreadable', family, minimum: row.minimum };
  return {
    kind: compareVersions(version, minimum) < 0 ? 'too-old' : 'ok',
    family,
    minimum: row.minimum,
  };
}

/** The lock a phone has: Device-Lock on Polycom firmware before 5.5.1, Phone-Lock everywhere else. */
export function lockTypeFor(vendor: string, firmware: string): LockType {
  if (!/^(polycom|poly)\b/i.test(vendor.trim())) return 'phone-lock';
  return compareVersions(firmware, PHONE_LOCK_SINCE.firmware) < 0 ? 'device-lock' : 'phone-lock';
}
