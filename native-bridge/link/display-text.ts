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

// The terminal escapes live in terminal-text.ts, which `btoe` loads without zod.
export { escapeForTerminal, jsonForTerminal } from './terminal-text.js';
