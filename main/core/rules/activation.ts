// Environment: any (plain TypeScript).
import { ALLOWED, type Verdict, refused } from './verdict.js';

/**
 * "Paired but not activated": a paired phone signed in as someone other than the PC's user (settings.user) does
 * not follow the PC's lock and does not dial for it. A PC without a user set, or a phone nobody is signed in to,
 * is activated: there is nobody to tell apart.
 */
export function activation(
  pcUser: string | undefined,
  phone: { readonly name: string; readonly user: string | null | undefined },
): Verdict {
  const mine = pcUser?.toLowerCase();
  const theirs = phone.user?.toLowerCase();
  if (!mine || !theirs || mine === theirs) return ALLOWED;
  return refused(
    `paired but not activated: ${phone.name} is signed in as ${phone.user}, not as this PC's user (${pcUser})`,
  );
}
