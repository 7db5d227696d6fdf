// Environment: Node (vitest). The one way a test says it needs a tool this machine may lack.
import { it } from 'vitest';

/**
 * `missing` says why `what` cannot run here (a tool not installed, not root...), or is undefined when it can.
 * Where something is missing the tests are skipped with the reason on stderr, except under CI (CI=true), where
 * a failing test is registered instead: a green CI always means they ran. Returns the reason to skip, for
 * `describe.skipIf(why !== undefined)`.
 */
export function needs(what: string, missing: string | undefined): string | undefined {
  if (missing === undefined) return undefined;
  if (process.env['CI'] === 'true') {
    it(`${what} can run under CI`, () => {
      throw new Error(`CI=true: ${what} must run, but ${missing}`);
    });
  } else {
    process.stderr.write(`${what} SKIPPED: ${missing} (under CI=true this is a failure)\n`);
  }
  return missing;
}
