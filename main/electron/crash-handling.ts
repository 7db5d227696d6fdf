// Environment: Electron main. Crashes never end the companion silently: native crashes leave a minidump on this PC
// (never uploaded) for the support bundle, a crashed window is reloaded, and an uncaught error in the main process
// is logged and shown once while the companion (lock sync, click-to-call) keeps running.
import { join } from 'node:path';
import { app, crashReporter, dialog, type WebContents } from 'electron';
import { CRASH_DUMP_DIR } from '../host/doctor/crash-reports.js';

/** Where Crashpad writes minidumps: `<store>/crash-dumps`, the folder the support bundle collects. */
export function crashDumpDir(storeDir: string): string {
  return join(storeDir, CRASH_DUMP_DIR);
}

/** Must run before the app is ready, so that every process's crashes are caught. Uploads stay off. */
export function startCrashReporter(storeDir: string): void {
  app.setPath('crashDumps', crashDumpDir(storeDir));
  crashReporter.start({ uploadToServer: false, compress: true });
}

export type ShellLog = (event: string, fields?: Record<string, unknown>) => void;

/** A window whose page crashed this often within a minute is left as it is: reloading would only loop. */
const MAX_RELOADS_PER_MINUTE = 3;

/** Reloads the page when its renderer process dies (crash, out of memory, killed), and logs why. */
export function reloadWhenRendererGone(contents: WebContents, log: ShellLog, now = () => Date.now()): void {
  const reloads: number[] = [];
  contents.on('render-process-gone', (_event, details) => {
    const fields = { reason: details.reason, exitCode: details.exitCode };
    if (details.reason === 'clean-exit' || contents.isDestroyed()) {
      log('renderer-gone', fields);
      return;
    }
    const time = now();
    while (reloads.length > 0 && time - reloads[0]! > 60_000) reloads.shift();
    if (reloads.length >= MAX_RELOADS_PER_MINUTE) {
      log('renderer-gone', { ...fields, reloaded: false });
      return;
    }
    reloads.push(time);
    log('renderer-gone', { ...fields, reloaded: true });
    contents.reload();
  });
}

/** The error box for one error's message, in the user's language. */
export type ErrorBoxText = (message: string) => { title: string; body: string };

/**
 * Uncaught exceptions and unhandled rejections in the main process: each is logged, the first is shown in an error
 * box; the process keeps running (Node would otherwise exit on the first one). Returns the function that stops.
 */
export function guardMainProcess(log: ShellLog, text: ErrorBoxText): () => void {
  let shown = false;
  const report = (kind: string, error: unknown): void => {
    const message = error instanceof Error ? error.message : String(error);
    log('main-process-error', { kind, message, stack: error instanceof Error ? error.stack : undefined });
    if (shown) return;
    shown = true;
    const { title, body } = text(message);
    dialog.showErrorBox(title, body);
  };
  const onException = (error: Error): void => report('uncaught-exception', error);
  const onRejection = (reason: unknown): void => report('unhandled-rejection', reason);
  process.on('uncaughtException', onException);
  process.on('unhandledRejection', onRejection);
  return () => {
    process.off('uncaughtException', onException);
    process.off('unhandledRejection', onRejection);
  };
}
