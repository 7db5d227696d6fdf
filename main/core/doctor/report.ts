// Environment: any (plain TypeScript).
import { EXIT } from '../exit-codes.js';
import { redactForSupport } from '../redact.js';
import type { Check, CheckStatus, DoctorReport } from '../../../contract/doctor-report.js';
import { runChecks } from './checks.js';
import type { DoctorFacts } from './facts.js';

/** The report of the checks over these facts: the verdict is the worst status, its exit code documented. */
export function buildReport(facts: DoctorFacts, now = new Date()): DoctorReport {
  const checks = runChecks(facts);
  const status = overall(checks);
  return {
    version: 1,
    app: `BToE Companion ${facts.appVersion}`,
    generatedAt: now.toISOString(),
    status,
    exitCode: exitCodeOf(status),
    ...(facts.policy.candidate ? { candidatePolicy: facts.policy.candidate } : {}),
    checks,
  };
}

function overall(checks: readonly Check[]): 'pass' | 'warn' | 'fail' {
  if (checks.some((c) => c.status === 'fail')) return 'fail';
  if (checks.some((c) => c.status === 'warn')) return 'warn';
  return 'pass';
}

function exitCodeOf(status: 'pass' | 'warn' | 'fail'): number {
  return status === 'fail' ? EXIT['doctor-failures'] : status === 'warn' ? EXIT['doctor-warnings'] : EXIT.ok;
}

const MARK: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL', skip: ' -- ' };

/** The report as a person reads it: one block per check, the fix after an arrow, then the verdict. */
export function formatReport(report: DoctorReport): string {
  const lines = [`${report.app}: doctor, ${report.generatedAt}`];
  if (report.candidatePolicy)
    lines.push(`Policy checked: the CANDIDATE file ${report.candidatePolicy} (not the policy in force)`);
  lines.push('');
  for (const c of report.checks) {
    lines.push(`[${MARK[c.status]}] ${c.title}: ${c.summary}`);
    for (const d of c.details ?? []) lines.push(`         ${d}`);
    if (c.fix) lines.push(`       → ${c.fix}`);
  }
  const count = (s: CheckStatus) => report.checks.filter((c) => c.status === s).length;
  lines.push(
    '',
    `${count('fail')} failed, ${count('warn')} warned, ${count('pass')} passed${count('skip') ? `, ${count('skip')} not applicable` : ''} (exit code ${report.exitCode}).`,
  );
  return lines.join('\n');
}

/** What leaves this PC as text (the app's "Copy report", the bundle's doctor.txt): the report, redacted. */
export function copyableReport(report: DoctorReport): string {
  return redactForSupport(formatReport(report));
}
