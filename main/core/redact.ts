// Environment: Node (main process core).
import { homedir, userInfo } from 'node:os';

/**
 * The one redaction for anything a user hands to support (the window's "Copy report", the doctor's bundle):
 * accounts (UPNs and e-mail addresses), the user's home folder and name, and the values of members whose
 * name says they hold a secret. Phone ids, addresses and firmware stay: support needs them.
 */
export function redactForSupport(text: string): string {
  let out = text.replace(
    /"((?:[a-z]*_)?(?:password|secret|token|code|usercode|key|pin))"\s*:\s*"(?:[^"\\]|\\.)*"/gi,
    '"$1":"[redacted]"',
  );
  out = out.replace(/[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g, '[account]');
  const home = homedir();
  if (home.length > 1) out = out.split(home).join('~');
  const user = safeUserName();
  if (user !== undefined && user.length > 2) {
    out = out.replace(new RegExp(`\\b${user.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\b`, 'g'), '[user]');
  }
  return out;
}

function safeUserName(): string | undefined {
  try {
    return userInfo().username;
  } catch {
    return undefined;
  }
}
