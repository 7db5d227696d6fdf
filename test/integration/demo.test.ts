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

it.each(['poly', 'yealink'] as const)(
  'the %s demo adds the phone, dials and hangs up with the call state from its events, and says what is not available',
  (vendor) => {
    requireDist();
    const run = spawnSync(process.execPath, [join(DIST, 'demo/demo.js'), '--phone', vendor, '--json'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    const steps = run.stdout
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as {
            step: string;
            message: string;
            state?: string;
            missing?: string[];
            lockExit?: number;
          },
      );
    // Each step once, in order, the call's states (as many as the phone reported) between dial and abilities.
    const order = steps.map((s) => s.step).filter((step, i, all) => step !== all[i - 1]);
    expect(order).toEqual([
      'phone',
      'companion',
      'added',
      'provisioned',
      'dial',
      'call-state',
      'hangup',
      'call-state',
      'abilities',
      'done',
    ]);
    // The call's states as the phone's events brought them to the companion.
    const states = steps.filter((s) => s.step === 'call-state').map((s) => s.state);
    expect(states[0]).toBe('dialing');
    expect(states).toContain('connected');
    expect(states.at(-1)).toBe('ended');
    const abilities = steps.find((s) => s.step === 'abilities')!;
    expect(abilities.missing).toContain('lock');
    expect(abilities.lockExit).toBe(13);
    expect(abilities.message).toContain('not available on this phone');
  },
);
