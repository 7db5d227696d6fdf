// Environment: Node (vitest). The bench's goal format: met follows the limit, and an issue-11 goal no section
// measured is listed as not met rather than left out.
import { describe, expect, it } from 'vitest';
import {
  ISSUE_11_GOALS,
  absoluteGoal,
  gatherGoals,
  relativeGoal,
  relativeVariant,
  summarize,
} from '../../../bench/goals.js';

const head = { source: 'issue 11 item 3', what: 'lock ack p99' };
const tls = { name: 'tlsPingPong p99', value: 100, unit: 'us' };

describe('bench goals', () => {
  it('a relative goal is met up to factor × baseline and gives its ratio', () => {
    const met = relativeGoal({ ...head, name: 'a', value: 200, unit: 'us', baseline: tls, factor: 2 });
    expect(met).toMatchObject({ met: true, ratio: 2, limit: '≤ 2 × tlsPingPong p99 (= 200 us)' });
    const missed = relativeGoal({ ...head, name: 'b', value: 200.5, unit: 'us', baseline: tls, factor: 2 });
    expect(missed.met).toBe(false);
    expect(relativeVariant('pinned', 150, tls, 2)).toMatchObject({ met: true, ratio: 1.5 });
  });

  it('an absolute goal is met up to its limit; its baseline is optional', () => {
    expect(absoluteGoal({ ...head, name: 'c', value: 47, unit: 'MB', max: 47 })).toMatchObject({
      met: true,
      baseline: null,
      limit: '≤ 47 MB',
    });
    const over = absoluteGoal({
      ...head,
      name: 'd',
      value: 60,
      unit: 'MB',
      max: 47,
      baseline: { name: 'bare node', value: 40, unit: 'MB' },
    });
    expect(over).toMatchObject({ met: false, ratio: 1.5 });
  });

  it('gathers every section’s goals and lists each unmeasured issue-11 goal as not met', () => {
    const lock = relativeGoal({
      ...head,
      name: 'lockAck.loopback.p99',
      value: 150,
      unit: 'us',
      baseline: tls,
      factor: 2,
    });
    const goals = gatherGoals({ main: { goals: [lock] }, hid: { failed: 'no device' }, when: 'now' });
    expect(goals[0]).toMatchObject({ name: 'lockAck.loopback.p99', met: true, figure: 'main' });
    expect(goals.map((g) => g.name).sort()).toEqual(ISSUE_11_GOALS.map((g) => g.name).sort());
    const missing = goals.find((g) => g.name === 'dbusLockToPhoneLocked.p99')!;
    expect(missing).toMatchObject({ value: null, met: false });
    const lines = summarize(goals);
    expect(lines[0]).toMatch(/^✔ lockAck\.loopback\.p99: 150 us/);
    expect(lines.find((l) => l.includes('dbusLockToPhoneLocked'))).toMatch(/^✘ .*not measured/);
  });
});
