import { join } from 'node:path';
import { discoverySetting } from '../core/nearby.js';
import { Companion } from '../core/companion.js';
import { CompanionService } from '../core/daemon.js';
import { CompanionLog } from '../core/companion-log.js';
import { EXIT } from '../core/exit-codes.js';
import { loadPolicy } from '../core/policy.js';
import { loadSettings } from '../core/settings.js';
import { AlreadyRunningError, IpcServer, ipcEndpoint } from '../host/ipc.js';
import { platformLockSources } from '../host/platform-lock-sources.js';
import { escapeForTerminal, jsonForTerminal } from '../../native-bridge/link/display-text.js';

/** `btoe daemon`: the companion without a window, until SIGINT or SIGTERM. */
export async function runDaemon(storeDir: string, json: boolean): Promise<number> {
  const say = (event: string, message: string, fields: Record<string, unknown> = {}) =>
    process.stdout.write(
      json ? `${jsonForTerminal({ event, message, ...fields })}\n` : `${escapeForTerminal(message)}\n`,
    );
  const policy = await loadPolicy();
  const { settings, warning } = await loadSettings(storeDir);
  const companion = await Companion.open({ storeDir, policy });
  const log = new CompanionLog(join(storeDir, 'logs'));
  if (warning) say('settings-warning', `Settings ignored: ${warning}`);
  const service = new CompanionService(companion, settings, log);

  let server: IpcServer;
  try {
    server = await IpcServer.listen(
      ipcEndpoint(storeDir),
      (body) => service.handleIpc(body),
      () => service.hello(),
    );
  } catch (error) {
    if (!(error instanceof AlreadyRunningError)) throw error;
    const running = error.running as { pid?: number; startedAt?: string };
    const message = `a companion is already running for this user (pid ${running.pid ?? '?'}, since ${running.startedAt ?? '?'}): use it ("btoe status"), or stop it before starting another`;
    if (json)
      process.stdout.write(
        `${jsonForTerminal({ ok: false, error: { kind: 'already-running', message } })}\n`,
      );
    else process.stderr.write(`btoe: ${escapeForTerminal(message)}\n`);
    return EXIT['already-running'];
  }

  const sources = await platformLockSources();
  for (const source of sources) await service.follow(source);
  await service.start(discoverySetting(), true);
  say(
    'ready',
    `Companion running for ${companion.pairings.list().length} paired phone(s); session lock from ${sources.map((s) => s.name).join(', ') || 'nothing on this system'}; log: ${log.path}`,
    {
      pid: process.pid,
      endpoint: ipcEndpoint(storeDir),
      log: log.path,
      auditLog: log.auditPath,
      lockSources: sources.map((s) => s.name),
    },
  );

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await service.stop();
  await server.close();
  await log.flush();
  say('stopped', 'Companion stopped.');
  return EXIT.ok;
}
