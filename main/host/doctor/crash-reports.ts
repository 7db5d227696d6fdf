// Environment: Node (OS adapter).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Under the store: Node's diagnostic reports here, Electron's minidumps where the app points them. */
export const CRASH_DUMP_DIR = 'crash-dumps';

/**
 * Keeps Node's diagnostic report (JSON: stack, versions, command line, environment) in `<store>/crash-dumps`
 * when the process dies of an uncaught exception or a fatal error, where the support bundle picks it up
 * (redacted: a report carries the environment and the command line).
 */
export function keepCrashReports(storeDir: string): void {
  const dir = join(storeDir, CRASH_DUMP_DIR);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    return; // no report rather than no companion
  }
  process.report.directory = dir;
  process.report.reportOnFatalError = true;
  process.report.reportOnUncaughtException = true;
}
