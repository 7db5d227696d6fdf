// Environment: any (plain TypeScript).

/** What a rule decides: allowed, or not with the reason in words a user can act on. */
export type Verdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

export const ALLOWED: Verdict = { allowed: true };

export function refused(reason: string): Verdict {
  return { allowed: false, reason };
}
