// Environment: Node (vitest; starts btoe processes).
// `btoe hid describe` is given a path by the user and must not be turned against them (issue 13 item 3): a
// device that never ends (/dev/zero), a FIFO nobody writes to. Each runs as a real btoe process under a 1 GiB
// data limit and a deadline, so code that reads without a bound fails here quickly instead of eating the machine.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BTOE, requireDist } from './helpers/processes.js';

const dir = mkdtempSync(join(tmpdir(), 'btoe-hid-bounds-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `btoe hid describe PATH --json` with RLIMIT_DATA at 1 GiB, killed after 15 s. */
function describeBounded(path: string): Promise<Run> {
  requireDist();
  return new Promise((resolve) => {
    const child = spawn(
      'bash',
      [
        '-c',
        'ulimit -d 1048576 && exec "$0" "$@"',
        process.execPath,
        BTOE,
        'hid',
        'describe',
        path,
        '--json',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const refusal = (run: Run) => {
  expect(run, 'btoe must exit by itself with a usage error').toMatchObject({ code: 2, signal: null });
  return (JSON.parse(run.stdout) as { ok: boolean; error: { message: string } }).error.message;
};

describe('btoe hid describe: bounded reads', () => {
  it('/dev/zero is refused as a character device, without reading it', async () => {
    expect(refusal(await describeBounded('/dev/zero'))).toMatch(
      /\/dev\/zero is a character device: give a FILE\.hex, a FILE\.bin or a \/dev\/hidrawN device/,
    );
  });

  it('a FIFO nobody writes to is refused, not waited on', async () => {
    const fifo = join(dir, 'descriptor.hex');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    expect(refusal(await describeBounded(fifo))).toMatch(/descriptor\.hex is a FIFO/);
  });
});
