// Environment: any (plain TypeScript). What the desktop app was launched for, read from its command line: a
// click-to-call URL (cold start, or a second instance's argv) and the `--hidden` login start.

/** The schemes Windows' Default Apps, macOS and XDG hand to the app; the dial parser accepts exactly these. */
export const CALL_URL_SCHEMES = ['tel', 'callto', 'sip', 'sips'] as const;

/** Start at login: tray only, no window (written by the app's login item and the installer's HKLM Run value). */
export const HIDDEN_FLAG = '--hidden';

/**
 * An argument that names a call scheme, possibly behind invisible or control characters that someone hoped would
 * hide it: those are found too, so that the dial parser refuses them with a reason instead of the launch being
 * silently ignored.
 */
const CALL_URL = /^[\s\p{Cc}\p{Cf}]*(?:tel|callto|sips?):/iu;

export interface LaunchArgs {
  /** The first argument with a call scheme, exactly as received: the dial parser judges it, nothing else. */
  callUrl: string | undefined;
  /** Started at login: stay in the tray. */
  hidden: boolean;
}

/**
 * Reads an argv (process.argv on a cold start, or what 'second-instance' passes). The URL is found by its scheme
 * wherever it sits: Windows passes `"<exe>" "%1"`, but Chromium may put its own switches before or after it, and
 * `electron .` puts the app path first. Switches (`--x`, `--x=tel:…`) are never taken for a URL.
 */
export function parseLaunchArgs(argv: readonly string[]): LaunchArgs {
  let callUrl: string | undefined;
  let hidden = false;
  // argv[0] is the executable (its path may contain anything, even "tel:").
  for (const arg of argv.slice(1)) {
    if (arg === HIDDEN_FLAG) hidden = true;
    else if (callUrl === undefined && !arg.startsWith('-') && CALL_URL.test(arg)) callUrl = arg;
  }
  return { callUrl, hidden };
}
