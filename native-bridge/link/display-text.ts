// Environment: any (plain TypeScript).
import { z } from 'zod';

/**
 * Text a peer sends that people will read (a phone's vendor, model, name, firmware; the companion's name): it
 * ends up on terminals, in the window and in stored files, so it must be printable. Control characters would
 * let a phone set a terminal's title, clear the screen or overwrite a line (`\r ESC[K`); bidi controls reorder
 * what is shown (U+202E turns "exe.txt" around); line separators break one-line output.
 */
// C0/C1 controls and DEL (Cc), lone surrogates (Cs), the bidi embeddings, overrides and isolates, the implicit
// marks, and the Unicode line and paragraph separators.
const UNSAFE = /[\p{Cc}\p{Cs}\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

export const DISPLAY_TEXT_RULE = 'printable text: no control, bidi or line-separator characters';

export function isDisplayText(value: string): boolean {
  return !UNSAFE.test(value);
}

/** A zod string of `min`-`max` characters that passes isDisplayText. Its message never quotes the value. */
export function displayText(max: number, min = 0) {
  return z.string().min(min).max(max).refine(isDisplayText, DISPLAY_TEXT_RULE);
}

// What a terminal must never receive raw: every control (Cc) but the newline that separates output lines, every
// format character (Cf: the bidi controls among them, zero-width characters), line/paragraph separators and lone
// surrogates.
const TERMINAL_UNSAFE = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

/**
 * Text for a terminal: the one function every printer of `btoe` passes its output through, so that whatever a
 * phone managed to get into a message (old stores, error texts, a future field) is shown as `\u{1b}`, never
 * interpreted. Newlines stay: they are the printers' own.
 */
export function escapeForTerminal(text: string): string {
  return text.replace(TERMINAL_UNSAFE, (c) => `\\u{${c.codePointAt(0)!.toString(16)}}`);
}

/**
 * JSON for a terminal: JSON.stringify escapes C0 controls but leaves C1 controls (U+009B is a CSI to many
 * terminals), bidi and format characters raw. They are written as \uXXXX escapes instead: the same JSON value.
 */
export function jsonForTerminal(value: unknown): string {
  return JSON.stringify(value).replace(TERMINAL_UNSAFE, (c) =>
    [...Array(c.length).keys()].map((i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
}
