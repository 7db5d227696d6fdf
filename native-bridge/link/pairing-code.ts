// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { randomInt } from 'node:crypto';

/**
 * Manual-pairing codes: 8 symbols of Crockford's base32 (40 bits), shown as XXXX-XXXX. Users may type them in
 * any case, with spaces or hyphens, and with the letters Crockford reads as digits (I, L → 1; O → 0).
 */
export const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const CODE_LENGTH = 8;

export class PairingCodeError extends Error {
  override readonly name = 'PairingCodeError';
}

/** A fresh random code that is never trivial (see isTrivialCode). */
export function generatePairingCode(): string {
  for (;;) {
    let code = '';
    for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
    if (!isTrivialCode(code)) return code;
  }
}

/** Trivial: fewer than 4 distinct symbols, 3 equal in a row, or 4 consecutive symbols in alphabet order. */
export function isTrivialCode(code: string): boolean {
  if (new Set(code).size < 4) return true;
  const index = [...code].map((c) => CODE_ALPHABET.indexOf(c));
  for (let i = 0; i + 2 < index.length; i++) {
    if (index[i] === index[i + 1] && index[i] === index[i + 2]) return true;
  }
  for (let i = 0; i + 3 < index.length; i++) {
    const step = index[i + 1]! - index[i]!;
    if (
      Math.abs(step) === 1 &&
      index[i + 2]! - index[i + 1]! === step &&
      index[i + 3]! - index[i + 2]! === step
    ) {
      return true;
    }
  }
  return false;
}

export function formatPairingCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** What the user typed → the canonical code that becomes the CPace password; throws PairingCodeError. */
export function normalizePairingCode(typed: string): string {
  // Checked before upper-casing: toUpperCase maps some non-ASCII letters (ſ, ı) onto ASCII ones.
  const foreign = [...typed].find((c) => !/[0-9A-Za-z\s-]/.test(c));
  if (foreign !== undefined) {
    throw new PairingCodeError(
      `"${foreign}" cannot appear in a pairing code: codes use the digits 0-9 and the letters A-Z except I, L, O and U`,
    );
  }
  const compact = typed.replace(/[\s-]/g, '').toUpperCase().replace(/[IL]/g, '1').replace(/O/g, '0');
  const bad = [...compact].find((c) => !CODE_ALPHABET.includes(c));
  if (bad !== undefined) {
    throw new PairingCodeError(
      `"${bad}" cannot appear in a pairing code: codes use the digits 0-9 and the letters A-Z except I, L, O and U`,
    );
  }
  if (compact.length !== CODE_LENGTH) {
    throw new PairingCodeError(
      `a pairing code has ${CODE_LENGTH} characters (like ABCD-2345); you typed ${compact.length}`,
    );
  }
  return compact;
}
