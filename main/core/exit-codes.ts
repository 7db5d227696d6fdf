// Environment: any (plain TypeScript; main process core).
import type { CompanionError } from './companion-error.js';

/** `btoe` exit codes (README, "Exit codes"): one per kind of failure, so scripts and support can tell them apart. */
export const EXIT = {
  ok: 0,
  internal: 1,
  usage: 2,
  'not-paired': 3,
  ambiguous: 4,
  unreachable: 5,
  'no-answer': 6,
  'pairing-failed': 7,
  'identity-changed': 8,
  refused: 9,
  policy: 10,
  store: 11,
  'already-running': 12,
  /** The phone cannot do this through its driver (lock on a Poly or Yealink phone): docs/vendor-phones.md. */
  'not-available': 13,
  /** `btoe doctor`: every check passed is 0; some warned (none failed); some failed (docs/doctor.md). */
  'doctor-warnings': 20,
  'doctor-failures': 21,
} as const satisfies Record<
  | CompanionError['kind']
  | 'ok'
  | 'internal'
  | 'store'
  | 'already-running'
  | 'doctor-warnings'
  | 'doctor-failures',
  number
>;
