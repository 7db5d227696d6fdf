// Environment: any (plain TypeScript, no zod: loaded by every `btoe` command).
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
