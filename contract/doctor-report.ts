// Environment: any (plain TypeScript + zod). The doctor's report as `btoe doctor --json` prints it, the support
// bundle keeps it and the app's Diagnostics page shows it: one schema for all three.
import { z } from 'zod';

/** The checks, in the order they run and are shown (docs/doctor.md describes each). */
export const CHECK_IDS = [
  'port-link',
  'link-address',
  'other-links',
  'mdns',
  'adjacency',
  'usb-serial',
  'hid',
  'pairing-store',
  'secret-store',
  'settings',
  'policy',
  'firmware',
  'vendor-phones',
  'phone-lock',
  'remote-session',
  'companion',
] as const;

export const checkSchema = z.object({
  id: z.enum(CHECK_IDS),
  title: z.string(),
  /** `skip`: does not apply, because a check it depends on failed or could not run. */
  status: z.enum(['pass', 'warn', 'fail', 'skip']),
  /** What was found, in one line. */
  summary: z.string(),
  /** What to do, in one sentence (absent when there is nothing to do). */
  fix: z.string().optional(),
  /** One line per phone, interface or warning where there are several. */
  details: z.array(z.string()).optional(),
});

export const doctorReportSchema = z.object({
  version: z.literal(1),
  app: z.string(),
  generatedAt: z.string(),
  /** The worst status of any check (skips do not count). */
  status: z.enum(['pass', 'warn', 'fail']),
  /** 0 all passed, 20 some warned, 21 some failed. */
  exitCode: z.number().int(),
  /** Set when the policy checked is a candidate file (btoe doctor --policy), not the policy in force. */
  candidatePolicy: z.string().optional(),
  checks: z.array(checkSchema),
});

export type CheckId = (typeof CHECK_IDS)[number];
export type Check = z.infer<typeof checkSchema>;
export type CheckStatus = Check['status'];
export type DoctorReport = z.infer<typeof doctorReportSchema>;
