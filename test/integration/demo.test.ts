// `npm run demo` on a fresh clone: a simulated phone and the companion, every step confirmed by the phone.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { DIST, requireDist } from './helpers/processes.js';

it('the demo pairs with the Manual code, locks, unlocks, dials and hangs up', () => {
  requireDist();
  const run = spawnSync(process.execPath, [join(DIST, 'demo/demo.js'), '--json'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status, run.stdout + run.stderr).toBe(0);
  const steps = run.stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { step: string; message: string; code?: string });
  expect(steps.map((s) => s.step)).toEqual([
    'phone',
    'companion',
    'code',
    'paired',
    'session',
    'lock',
    'unlock',
    'dial',
    'connected',
    'hangup',
    'done',
  ]);
  expect(steps[2]!.code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  expect(steps[3]!.message).toContain('Manual mode');
});
