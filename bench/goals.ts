// Environment: Node (benchmarks, run by npm run bench).
// Every goal of the bench in one format, so a reader (and the lead) sees at a glance what was met: its value,
// the baseline it is compared with (measured in the same run), the limit as words, and met true/false. Sections
// build their goals with relativeGoal/absoluteGoal and return them as `goals: Goal[]`; bench.ts gathers them all
// into the JSON's top-level `goals` array and a short human summary, and lists every goal of issue 11 that no
// section measured as not met (value null) with the reason, so a missing figure is never a silent pass.

import { round2 } from './measure.js';

/** A figure of the same run that a goal is compared with. */
export interface GoalBaseline {
  name: string;
  value: number;
  unit: string;
}

/** The same goal measured under another condition (the bench pinned to cores, …), side by side. */
export interface GoalVariant {
  condition: string;
  value: number;
  baseline: GoalBaseline | null;
  ratio?: number;
  met: boolean;
}

export interface Goal {
  /** Unique across the run, e.g. "lockAck.loopback.p99". */
  name: string;
  /** Where the goal comes from, e.g. "issue 11 item 3". */
  source: string;
  what: string;
  /** null: not measured in this run (see `note`). */
  value: number | null;
  unit: string;
  baseline: GoalBaseline | null;
  /** value / baseline, for relative goals. */
  ratio?: number;
  /** The limit in words, with its number for this run, e.g. "≤ 2 × tlsPingPong p99 (= 186 µs)". */
  limit: string;
  met: boolean;
  /** Where the figure sits in the JSON (dotted path from the top). */
  figure?: string;
  note?: string;
  variants?: GoalVariant[];
}

interface GoalHead {
  name: string;
  source: string;
  what: string;
  figure?: string;
  note?: string;
}

/** value ≤ factor × baseline: a ratio to a figure of the same run (the round trips' goals). */
export function relativeGoal(
  head: GoalHead & {
    value: number;
    unit: string;
    baseline: GoalBaseline;
    factor: number;
    variants?: GoalVariant[];
  },
): Goal {
  const { value, unit, baseline, factor, variants, ...rest } = head;
  const bound = factor * baseline.value;
  return {
    ...rest,
    value: round2(value),
    unit,
    baseline: { ...baseline, value: round2(baseline.value) },
    ratio: round2(value / baseline.value),
    limit: `≤ ${factor} × ${baseline.name.includes(' + ') ? `(${baseline.name})` : baseline.name} (= ${round2(bound)} ${baseline.unit})`,
    met: value <= bound,
    ...(variants && variants.length > 0 ? { variants } : {}),
  };
}

/** value ≤ max (an absolute limit); `baseline` gives the same-run reference where one exists (bare Node …). */
export function absoluteGoal(
  head: GoalHead & { value: number; unit: string; max: number; baseline?: GoalBaseline; limit?: string },
): Goal {
  const { value, unit, max, baseline, limit, ...rest } = head;
  return {
    ...rest,
    value: round2(value),
    unit,
    baseline: baseline ? { ...baseline, value: round2(baseline.value) } : null,
    ...(baseline ? { ratio: round2(value / baseline.value) } : {}),
    limit: limit ?? `≤ ${max} ${unit}`,
    met: value <= max,
  };
}

/** The same relative goal under another condition, to put side by side (goal.variants). */
export function relativeVariant(
  condition: string,
  value: number,
  baseline: GoalBaseline,
  factor: number,
): GoalVariant {
  return {
    condition,
    value: round2(value),
    baseline: { ...baseline, value: round2(baseline.value) },
    ratio: round2(value / baseline.value),
    met: value <= factor * baseline.value,
  };
}

const PERFMEM = 'no section measures it yet (issue 11 items 1 and 2)';
const PERFLINK = 'no section measures it yet (issue 11 item 4)';

/**
 * The variants of an ack goal from a run's conditions (bench/conditions.ts): `conditions[name]` holds that
 * condition's `tls` and `kind` figures (p99), or `failed`/`skipped`, which give no variant.
 */
export function conditionVariants(
  conditions: Record<string, unknown>,
  kind: string,
  factor = 2,
  baselineName = 'tlsPingPong p99',
): GoalVariant[] {
  const variants: GoalVariant[] = [];
  for (const [name, run] of Object.entries(conditions)) {
    const figures = run as Record<string, { p99?: number } | undefined> & { what?: string };
    const value = figures[kind]?.p99;
    const tls = figures.tls?.p99;
    if (value === undefined || tls === undefined) continue;
    variants.push(
      relativeVariant(
        `${name}: ${figures.what ?? ''}`,
        value,
        { name: baselineName, value: tls, unit: 'us' },
        factor,
      ),
    );
  }
  return variants;
}

/**
 * Every goal of issue 11 ("Lean and fast"), by name: the sections that measure them use these names. One that
 * no section returned is listed as not met with `missing` as the reason. Owners: item 3 and 5 perftails, items 1
 * and 2 perfmem, item 4 perflink (each fills in its goals in the section that measures them).
 */
export const ISSUE_11_GOALS: readonly { name: string; source: string; limit: string; missing: string }[] = [
  // Item 1: memory (bench/daemon.ts, bench/bench.ts)
  ...[
    ['daemonRss.idleAfterLongRun', '≤ 47 MB RSS (KDE Connect idle)'],
    ['daemonRss.peakDuringLongRun', '≤ 52 MB RSS'],
    ['btoeRss.status', '≤ 45 MB peak RSS'],
    ['btoeRss.lock', '≤ 45 MB peak RSS'],
    ['btoeRss.dial', '≤ 45 MB peak RSS'],
  ].map(([name, limit]) => ({
    name: name!,
    source: 'issue 11 item 1',
    limit: limit!,
    missing: PERFMEM,
  })),
  // Item 2: short commands (bench/bench.ts)
  ...[
    ['btoeTime.lock', '≤ 1.25 × node -e 0 whole-process time'],
    ['btoeTime.dial', '≤ 1.25 × node -e 0 whole-process time'],
  ].map(([name, limit]) => ({
    name: name!,
    source: 'issue 11 item 2',
    limit: limit!,
    missing: PERFMEM,
  })),
  // Item 3: tails (bench/bench.ts loopback, bench/ethernet.ts lab, bench/daemon.ts D-Bus)
  ...[
    ['lockAck.loopback.p99', '≤ 2 × tlsPingPong p99', 'bench.ts main run failed'],
    ['dialAck.loopback.p99', '≤ 2 × tlsPingPong p99', 'bench.ts main run failed'],
    ['lockAck.lab.p99', '≤ 2 × tlsPingPong p99 (lab)', 'the PC-port lab did not run (root, namespaces)'],
    ['dialAck.lab.p99', '≤ 2 × tlsPingPong p99 (lab)', 'the PC-port lab did not run (root, namespaces)'],
    [
      'dbusLockToPhoneLocked.p99',
      '≤ 2 × (tlsPingPong p99 + dbusSignalHop p99)',
      'the daemon section did not run (dbus-daemon, Linux)',
    ],
  ].map(([name, limit, missing]) => ({
    name: name!,
    source: 'issue 11 item 3',
    limit: limit!,
    missing: missing!,
  })),
  // Item 4: reconnects, Auto pairing, boot (bench/daemon.ts, bench/ethernet.ts)
  ...[
    ['reconnectAfterDrop.p50', '≤ 75 ms'],
    ['reconnectAfterDrop.p99', '≤ 100 ms'],
    ['autoPairing.linkUpToReady.p50', '≤ 75 ms (lab, discovery window not counted)'],
    ['phoneBoot.toReady.p50', '≤ 1000 ms (lab)'],
    ['phoneBoot.probing.p50', '≤ 3 × 250 ms + the initial random delay (RFC 6762)'],
  ].map(([name, limit]) => ({
    name: name!,
    source: 'issue 11 item 4',
    limit: limit!,
    missing: PERFLINK,
  })),
];

/** The goals of every section (`section.goals`), then each issue-11 goal none of them measured, as not met. */
export function gatherGoals(sections: Record<string, unknown>): Goal[] {
  const goals: Goal[] = [];
  for (const [section, result] of Object.entries(sections)) {
    const own = (result as { goals?: unknown } | undefined)?.goals;
    if (!Array.isArray(own)) continue;
    for (const goal of own as Goal[]) goals.push({ ...goal, figure: goal.figure ?? section });
  }
  const seen = new Set(goals.map((g) => g.name));
  for (const expected of ISSUE_11_GOALS) {
    if (seen.has(expected.name)) continue;
    goals.push({
      name: expected.name,
      source: expected.source,
      what: expected.missing,
      value: null,
      unit: '',
      baseline: null,
      limit: expected.limit,
      met: false,
      note: 'not measured in this run',
    });
  }
  return goals;
}

const show = (value: number, unit: string) => `${value} ${unit}`.trim();

/** One line per goal: ✔/✘, name, value, limit, ratio; variants indented below. */
export function summarize(goals: readonly Goal[]): string[] {
  const lines: string[] = [];
  for (const g of goals) {
    const mark = g.met ? '✔' : '✘';
    const value = g.value === null ? `not measured: ${g.what}` : show(g.value, g.unit);
    const ratio = g.ratio === undefined ? '' : ` [${g.ratio}× ${g.baseline?.name}]`;
    lines.push(`${mark} ${g.name}: ${value}, goal ${g.limit}${ratio} (${g.source})`);
    for (const v of g.variants ?? []) {
      const vRatio = v.ratio === undefined ? '' : ` [${v.ratio}×]`;
      lines.push(`    ${v.met ? '✔' : '✘'} ${v.condition}: ${show(v.value, g.unit)}${vRatio}`);
    }
  }
  return lines;
}
