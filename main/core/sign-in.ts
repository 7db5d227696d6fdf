// Environment: Node (main process core).
import { CompanionError } from './companion.js';

/**
 * Sign-in via the PC: the web sign-in relay (the phone's verification address and code, RFC 8628) and the
 * credential hand-off (UPN and password typed on the PC, sent to the phone once, kept and logged nowhere).
 */
const UPN = /^[A-Za-z0-9._%+'-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$/;

export function validateUpn(text: string): string {
  const upn = text.trim();
  if (!UPN.test(upn) || upn.length > 256) {
    throw new CompanionError('usage', `"${printable(upn)}" is not a user name like amosm@contoso.com`);
  }
  return upn;
}

/** The address to open for web sign-in: https only, no credentials in it, nothing but printable ASCII. */
export function verificationAddress(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CompanionError(
      'refused',
      `the phone sent a sign-in address that is not a URL: "${printable(text)}"`,
    );
  }
  if (url.protocol !== 'https:' || url.username || url.password || !/^[\x21-\x7e]+$/.test(url.href)) {
    throw new CompanionError(
      'refused',
      `the phone sent a sign-in address that is not a plain https address: "${printable(text)}"`,
    );
  }
  return url.href;
}

export function printable(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 77)}...` : clean;
}
