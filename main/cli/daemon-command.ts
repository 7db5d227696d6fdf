// Environment: Node (the btoe command).
import { startRunningCompanion } from '../composition/running-companion.js';
import { EXIT } from '../core/exit-codes.js';
import { AlreadyRunningError } from '../host/companion-socket.js';
import { keepCrashReports } from '../host/doctor/crash-reports.js';
import { platformLockSources } from '../host/platform-lock-sources.js';
import { escapeForTerminal, jsonForTerminal } from '../../native-bridge/link/display-text.js';

/** `btoe daemon`: the companion without a window, until SIGINT or SIGTERM. */
export async function runDaemon(storeDir: string, json: boolean): Promise<number> {
  const say = (event: string, message: string, fields: Record<string, unknown> = {}) =>
    process.stdout.write(
      json ? `${jsonForTerminal({ event, message, ...fields })}\n` : `${escapeForTerminal(message)}\n`,
    );
  keepCrashReports(storeDir);
  const sources = await platformLockSources();
  let running;
  try {
    running = await startRunningCompanion({ storeDir, lockSources: sources });
  } catch (error) {
    if (!(error instanceof AlreadyRunningError)) throw error;
    const hello =
      (error.running as { hello?: { pid?: number; startedAt?: string; version?: string } }).hello ?? {};
    const message = `a companion is already running for this user (pid ${hello.pid ?? '?'}, since ${hello.startedAt ?? '?'}, version ${hello.version ?? 'unknown'}): use it ("btoe status"), or stop it before starting another`;
    if (json)
      process.stdout.write(
        `${jsonForTerminal({ ok: false, error: { kind: 'already-running', message } })}\n`,
      );
    else process.stderr.write(`btoe: ${escapeForTerminal(message)}\n`);
    return EXIT['already-running'];
  }
  const { companion, log, endpoint } = running;
  if (companion.settingsWarning) say('settings-warning', `Settings ignored: ${companion.settingsWarning}`);
  say(
    'ready',
    `Companion running for ${companion.pairings.list().length} paired phone(s); session lock from ${sources.map((s) => s.name).join(', ') || 'nothing on this system'}; log: ${log.path}`,
    {
      pid: process.pid,
      endpoint,
      log: log.path,
      auditLog: log.auditPath,
      lockSources: sources.map((s) => s.name),
    },
  );

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await running.stop();
  say('stopped', 'Companion stopped.');
  return EXIT.ok;
}
