// Environment: Node (benchmarks, run by npm run bench; Linux for the pinned conditions).
// The machine's share in a tail: the same round trips measured again with the bench's processes pinned to
// separate cores (taskset: the PC's side on one, the phone's side on the other) and, pinned, with the processes
// of other users of the machine kept from preempting them (SCHED_FIFO by chrt, which needs root): what is left
// is ours. And how busy the rest of the machine was meanwhile (/proc/stat minus our processes' own CPU time).
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import { round2 } from './measure.js';

export interface Sides {
  /** The PC's processes (the companion, the desktop's D-Bus, the measuring process). */
  pc: number[];
  /** The phone's processes (the simulator, the echo server). */
  phone: number[];
}

export interface Condition {
  name: 'pinned' | 'pinnedRealtime';
  description: string;
}

export const CONDITIONS: readonly Condition[] = [
  {
    name: 'pinned',
    description: "taskset: the PC's processes on CPU 0, the phone's on CPU 1 (others still share both)",
  },
  {
    name: 'pinnedRealtime',
    description:
      "pinned as above, and SCHED_FIFO (chrt -f 10) for all of them, the kernel's softirq threads (which carry packets across the veth pairs) above them: the rest of the machine cannot preempt them, as if it were idle",
  },
];

function run(command: string, args: string[]): void {
  const out = spawnSync(command, args, { encoding: 'utf8' });
  if (out.error) throw new Error(`${command}: ${out.error.message}`);
  if (out.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${out.stderr.trim()}`);
}

/** Why the conditions cannot be applied here, or undefined. */
export function conditionsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'taskset and chrt are Linux tools';
  if (os.cpus().length < 2) return 'one CPU: nothing to pin apart';
  if (spawnSync('taskset', ['-V']).error) return 'taskset is not installed (apt package util-linux)';
  if (spawnSync('chrt', ['-V']).error) return 'chrt is not installed (apt package util-linux)';
  return undefined;
}

/** Applies `condition` to every thread of the processes (all threads: -a), runs `measure`, and undoes it. */
export async function under<T>(condition: Condition, sides: Sides, measure: () => Promise<T>): Promise<T> {
  const all = [...sides.pc, ...sides.phone];
  const everyCpu = `0-${os.cpus().length - 1}`;
  try {
    for (const pid of sides.pc) run('taskset', ['-a', '-p', '-c', '0', String(pid)]);
    for (const pid of sides.phone) run('taskset', ['-a', '-p', '-c', '1', String(pid)]);
    if (condition.name === 'pinnedRealtime') {
      for (const pid of all) run('chrt', ['-a', '-f', '-p', '10', String(pid)]);
      // Packets between namespaces cross a veth pair in softirq context, which the kernel may defer to its
      // ksoftirqd threads: left SCHED_OTHER, real-time processes starve them and a round trip waits for the RT
      // throttle (measured: p99.9 of 4.6 ms, and a lab run that never finished). Above ours for the measurement.
      for (const pid of softirqThreads()) run('chrt', ['-f', '-p', '20', String(pid)]);
    }
    return await measure();
  } finally {
    if (condition.name === 'pinnedRealtime') {
      for (const pid of softirqThreads()) run('chrt', ['-o', '-p', '0', String(pid)]);
    }
    for (const pid of all) {
      try {
        run('chrt', ['-a', '-o', '-p', '0', String(pid)]);
        run('taskset', ['-a', '-p', '-c', everyCpu, String(pid)]);
      } catch {
        // the process has ended
      }
    }
  }
}

/** The kernel's per-CPU softirq threads. */
function softirqThreads(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        return /^ksoftirqd\//.test(readFileSync(`/proc/${pid}/comm`, 'utf8'));
      } catch {
        return false;
      }
    })
    .map(Number);
}

function machineBusyTicks(): number {
  const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: busy = all but idle and iowait
  return cpu.slice(0, 8).reduce((a, b) => a + b, 0) - cpu[3]! - cpu[4]!;
}

function processTicks(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * How busy the machine was with other work while `measure` ran: CPU time of everything but `ours`, as a
 * share of all CPUs (0: idle, 1: every core busy the whole time). Undefined where /proc is missing.
 */
export async function withCompetition<T>(
  ours: () => number[],
  measure: () => Promise<T>,
): Promise<{ result: T; othersCpuShare: number | undefined }> {
  if (process.platform !== 'linux') return { result: await measure(), othersCpuShare: undefined };
  const pids = ours();
  const busy0 = machineBusyTicks();
  const ours0 = pids.reduce((sum, pid) => sum + processTicks(pid), 0);
  const t0 = performance.now();
  const result = await measure();
  const seconds = (performance.now() - t0) / 1000;
  const busy = machineBusyTicks() - busy0;
  const own = pids.reduce((sum, pid) => sum + processTicks(pid), 0) - ours0;
  const hz = 100; // USER_HZ in /proc/stat and /proc/PID/stat
  return {
    result,
    othersCpuShare: round2(Math.max(0, busy - own) / hz / (seconds * os.cpus().length)),
  };
}
