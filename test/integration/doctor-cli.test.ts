// `btoe doctor` as a command in the machine's own namespace (discovery off: nothing is sent): the candidate policy
// labelled as such, the human and JSON forms agreeing on the exit code, bad arguments refused, and the version in
// `btoe status`. The checks that need a network run in the PC-port lab (netlab/doctor.test.ts).
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { doctorReportSchema } from '../../contract/doctor-report.js';
import { APP_VERSION } from '../../main/core/companion.js';
import { DIST, cleanup, requireDist, tempDir } from './helpers/processes.js';

const exec = promisify(execFile);

async function btoe(
  args: string[],
  store: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  requireDist();
  const env = {
    ...process.env,
    BTOE_DISCOVERY: 'off',
    BTOE_SECRET_STORE: 'file',
  };
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      [join(DIST, 'btoe/btoe.cjs'), ...args, '--store', store],
      { env },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

afterAll(cleanup);

describe('btoe doctor (no network)', () => {
  it('evaluates a candidate policy, labelled as a candidate, each bad value reported', async () => {
    const store = await tempDir();
    const candidate = join(store, 'candidate.json');
    await writeFile(
      candidate,
      '\uFEFF{"BetterTogetherOverEthernetPairingMode": "Sometimes", "Colour": "blue"}',
    );
    const json = await btoe(['doctor', '--json', '--timeout', '0', '--policy', candidate], store);
    // The JSON is the contract the app's Diagnostics page reads.
    const report = doctorReportSchema.parse(JSON.parse(json.stdout));
    expect(json.code).toBe(report.exitCode);
    expect(report.candidatePolicy).toBe(candidate);
    const policy = report.checks.find((c) => c.id === 'policy')!;
    expect(policy).toMatchObject({
      status: 'warn',
      title: `Policy: CANDIDATE file ${candidate} (evaluated, not in force)`,
    });
    expect(policy.details).toEqual(
      expect.arrayContaining([
        `BetterTogetherOverEthernetPairingMode = "Manual" (candidate: ${candidate})`,
        'UnlockPhoneWithPc = true (default: defaults)',
        expect.stringMatching(/must be "Auto" or "Manual", not "Sometimes"; using "Manual"/),
        expect.stringMatching(/unknown policy setting "Colour" is ignored/),
      ]),
    );
    const human = await btoe(['doctor', '--timeout', '0', '--policy', candidate], store);
    expect(human.code).toBe(report.exitCode);
    expect(human.stdout).toContain(
      `Policy checked: the CANDIDATE file ${candidate} (not the policy in force)`,
    );
    expect(human.stdout).toMatch(/\[WARN\] Policy: CANDIDATE file/);
    expect(human.stdout).toMatch(/\(exit code 2[01]\)\.\n$/);
  });

  it('refuses bad arguments with exit code 2', async () => {
    const store = await tempDir();
    expect(await btoe(['doctor', '--timeout', '99'], store)).toMatchObject({
      code: 2,
      stderr: 'btoe: --timeout must be 0-60 seconds\n',
    });
    const tar = await btoe(['doctor', '--bundle', join(store, 'x.tar')], store);
    expect(tar.code).toBe(2);
    expect(tar.stderr).toMatch(/--bundle needs a file name ending in \.zip/);
  });

  it('btoe status carries the version', async () => {
    const store = await tempDir();
    const status = await btoe(['status', '--json'], store);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ ok: true, version: APP_VERSION });
    expect((await btoe(['status'], store)).stdout.split('\n')[0]).toBe(`BToE Companion ${APP_VERSION}`);
  });
});
