// The daemon's V8 settings are flags this Node knows: V8 ignores an unknown flag set at run time, so a renamed
// one would silently stop saving memory.
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { DAEMON_V8_FLAGS } from '../../../../main/cli/daemon-heap.js';

it.each(DAEMON_V8_FLAGS)('%s is a flag this Node accepts', (flag) => {
  const run = spawnSync(process.execPath, [flag, '-e', '0'], { encoding: 'utf8' });
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
});

it('keeps the young generation small when set at run time', () => {
  const script = `
    const v8 = require('node:v8');
    if (process.argv[1] === 'set') for (const f of ${JSON.stringify(DAEMON_V8_FLAGS)}) v8.setFlagsFromString(f);
    let keep = [];
    for (let i = 0; i < 3e5; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 5000) keep = []; }
    const young = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    process.stdout.write(String(young));`;
  const young = (mode: string) =>
    Number(spawnSync(process.execPath, ['-e', script, mode], { encoding: 'utf8' }).stdout);
  expect(young('set')).toBeLessThan(young('unset'));
});

it('keeps hot functions out of the optimizing compiler when set at run time', () => {
  const script = `
    const v8 = require('node:v8');
    if (process.argv[1] === 'set') for (const f of ${JSON.stringify(DAEMON_V8_FLAGS)}) v8.setFlagsFromString(f);
    v8.setFlagsFromString('--allow-natives-syntax');
    const status = new Function('f', 'return %GetOptimizationStatus(f)');
    function hot(x) { return (x * 31 + 7) % 1000003; }
    function run() { let acc = 0; for (let i = 0; i < 5e6; i++) acc = hot(acc + i); return acc; }
    run();
    run();
    // V8's OptimizationStatus: bit 4 (16) is "optimized".
    process.stdout.write(String(status(run) & 16));`;
  const optimized = (mode: string) =>
    Number(spawnSync(process.execPath, ['-e', script, mode], { encoding: 'utf8' }).stdout) !== 0;
  expect(optimized('unset')).toBe(true);
  expect(optimized('set')).toBe(false);
});
