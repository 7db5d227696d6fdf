import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  crashDumpDir,
  guardMainProcess,
  reloadWhenRendererGone,
  startCrashReporter,
} from '../../../../main/electron/crash-handling.js';

const electron = vi.hoisted(() => ({
  setPath: vi.fn(),
  start: vi.fn(),
  showErrorBox: vi.fn(),
}));
vi.mock('electron', () => ({
  app: { setPath: electron.setPath },
  crashReporter: { start: electron.start },
  dialog: { showErrorBox: electron.showErrorBox },
}));

beforeEach(() => {
  vi.clearAllMocks();
});

describe('startCrashReporter', () => {
  it('keeps minidumps in <store>/crash-dumps and never uploads them', () => {
    const store = join('/home/ann/.config', 'btoe-companion');
    startCrashReporter(store);
    expect(electron.setPath).toHaveBeenCalledWith('crashDumps', join(store, 'crash-dumps'));
    expect(crashDumpDir(store)).toBe(join(store, 'crash-dumps'));
    expect(electron.start).toHaveBeenCalledWith(expect.objectContaining({ uploadToServer: false }));
    // The dump folder is set before Crashpad starts, or it would write to the default one.
    expect(electron.setPath.mock.invocationCallOrder[0]).toBeLessThan(
      electron.start.mock.invocationCallOrder[0]!,
    );
  });
});

describe('reloadWhenRendererGone', () => {
  type Gone = (event: unknown, details: { reason: string; exitCode: number }) => void;
  const contents = () => {
    let gone: Gone | undefined;
    return {
      fire: (reason: string) => gone?.({}, { reason, exitCode: 9 }),
      on: vi.fn((_name: string, listener: Gone) => (gone = listener)),
      reload: vi.fn(),
      isDestroyed: vi.fn(() => false),
    };
  };

  it('reloads a crashed window and logs why', () => {
    const page = contents();
    const log = vi.fn();
    reloadWhenRendererGone(page as never, log);
    expect(page.on).toHaveBeenCalledWith('render-process-gone', expect.any(Function));
    page.fire('crashed');
    expect(page.reload).toHaveBeenCalledOnce();
    expect(log).toHaveBeenCalledWith('renderer-gone', { reason: 'crashed', exitCode: 9, reloaded: true });
  });

  it('does not reload a clean exit or a destroyed window', () => {
    const page = contents();
    const log = vi.fn();
    reloadWhenRendererGone(page as never, log);
    page.fire('clean-exit');
    page.isDestroyed.mockReturnValue(true);
    page.fire('oom');
    expect(page.reload).not.toHaveBeenCalled();
    expect(log).toHaveBeenCalledTimes(2);
  });

  it('stops reloading a page that keeps crashing, and starts again a minute later', () => {
    const page = contents();
    const log = vi.fn();
    let now = 0;
    reloadWhenRendererGone(page as never, log, () => now);
    for (let i = 0; i < 5; i++) page.fire('crashed');
    expect(page.reload).toHaveBeenCalledTimes(3);
    expect(log).toHaveBeenLastCalledWith('renderer-gone', {
      reason: 'crashed',
      exitCode: 9,
      reloaded: false,
    });
    now = 61_000;
    page.fire('crashed');
    expect(page.reload).toHaveBeenCalledTimes(4);
  });
});

describe('guardMainProcess', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('logs every uncaught error and shows the first one, without exiting', () => {
    const log = vi.fn();
    stop = guardMainProcess(log, (message) => ({
      title: 'Unexpected error',
      body: `${message}; still running`,
    }));
    process.emit('uncaughtException', new Error('tray exploded'));
    process.emit('unhandledRejection', 'a promise said no', Promise.resolve());
    expect(log.mock.calls.map(([event, fields]) => [event, fields.kind, fields.message])).toEqual([
      ['main-process-error', 'uncaught-exception', 'tray exploded'],
      ['main-process-error', 'unhandled-rejection', 'a promise said no'],
    ]);
    expect(electron.showErrorBox).toHaveBeenCalledOnce();
    expect(electron.showErrorBox).toHaveBeenCalledWith('Unexpected error', 'tray exploded; still running');
  });

  it('stops listening when asked', () => {
    const log = vi.fn();
    const before = process.listenerCount('uncaughtException');
    guardMainProcess(log, () => ({ title: '', body: '' }))();
    expect(process.listenerCount('uncaughtException')).toBe(before);
  });
});
