// Environment: Node (CLI).
import { resolve } from 'node:path';
import { EXIT } from '../core/exit-codes.js';
import { formatReport } from '../core/doctor/report.js';
import { DEFAULT_LISTEN_SECONDS, runDoctor } from '../host/doctor/gather.js';

export interface DoctorCommandOptions {
  storeDir: string;
  json: boolean;
  /** --timeout S: how long to listen for phones. */
  timeout?: string | undefined;
  /** --policy FILE: a candidate policy to evaluate instead of the one in force. */
  policy?: string | undefined;
  /** --bundle FILE.zip: also write the support bundle there. */
  bundle?: string | undefined;
}

/**
 * `btoe doctor [--json] [--timeout S] [--policy FILE] [--bundle FILE.zip]`: every check, each pass, warn or fail
 * with its fix; exit 0 when all pass, 20 when some warn, 21 when some fail (docs/doctor.md).
 */
export async function runDoctorCommand(options: DoctorCommandOptions): Promise<number> {
  const say = (text: string) => process.stderr.write(`btoe: ${text}\n`);
  const seconds = Number(options.timeout ?? DEFAULT_LISTEN_SECONDS);
  if (!Number.isFinite(seconds) || seconds < 0 || seconds > 60) {
    say('--timeout must be 0-60 seconds');
    return EXIT.usage;
  }
  if (options.bundle !== undefined && !/\.zip$/i.test(options.bundle)) {
    say(`--bundle needs a file name ending in .zip, not "${options.bundle.slice(0, 200)}"`);
    return EXIT.usage;
  }
  const { facts, report } = await runDoctor({
    storeDir: options.storeDir,
    listenSeconds: seconds,
    policyFile: options.policy === undefined ? undefined : resolve(options.policy),
  });
  if (options.json) process.stdout.write(`${JSON.stringify(report)}\n`);
  else process.stdout.write(`${formatReport(report)}\n`);
  if (options.bundle !== undefined) {
    const file = resolve(options.bundle);
    try {
      // Loaded only for a bundle: the zip library is not needed to run the checks.
      const { writeSupportBundle } = await import('../host/doctor/bundle.js');
      const names = await writeSupportBundle(file, { storeDir: options.storeDir, facts, report });
      process.stderr.write(`Support bundle: ${file} (${names.length} files, secrets removed)\n`);
    } catch (error) {
      say(`cannot write the support bundle to ${file}: ${(error as Error).message}`);
      return EXIT.internal;
    }
  }
  return report.exitCode;
}
