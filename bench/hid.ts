// Environment: Node (benchmarks, run by npm run bench).
// HID figures for `npm run bench`: report-descriptor parse time of every real fixture, and the time from an
// input report (node-hid `data` event) to the controller's state change (goal: 1 ms), each with a baseline
// measured in the same run. `node dist/bench/hid.js` prints one JSON document; bench.ts can call runHidBench().
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseReportDescriptor } from '../native-bridge/hid/report-descriptor.js';
import { telephonyCollections } from '../native-bridge/hid/telephony.js';
import { TelephonyController, type TelephonyHidDevice } from '../native-bridge/hid/telephony-controller.js';
import { type Stats, ratio, stats } from './measure.js';

const GOAL_MS = 1;

export interface HidBenchOptions {
  parseRuns?: number;
  controllerRuns?: number;
}

type Distribution = Omit<Stats, 'unit' | 'min' | 'p999'> & { unit: 'us' };

/** Nearest-rank percentiles in microseconds, to 3 decimals (parse times are fractions of one). */
function distribution(samples: number[]): Distribution {
  const { n, p50, p90, p99, max } = stats(samples, 'us', 3);
  return { unit: 'us', n, p50, p90, p99, max };
}

const nowUs = () => Number(process.hrtime.bigint()) / 1e3;

function fixturesDir(): string {
  const candidates = ['../../test/fixtures/hid-descriptors/', '../test/fixtures/hid-descriptors/'].map((p) =>
    fileURLToPath(new URL(p, import.meta.url)),
  );
  const dir = candidates.find((d) => existsSync(d));
  if (!dir) throw new Error(`no HID fixtures in ${candidates.join(' or ')}`);
  return dir;
}

/** Per-run times of `fn`, measured in batches so the clock's resolution does not dominate. */
function timeRuns(fn: () => void, runs: number, batch = 10): number[] {
  for (let i = 0; i < Math.min(200, runs); i++) fn(); // warm-up
  const samples: number[] = [];
  for (let i = 0; i < runs; i += batch) {
    const t0 = nowUs();
    for (let j = 0; j < batch; j++) fn();
    samples.push((nowUs() - t0) / batch);
  }
  return samples;
}

/** A device that only delivers reports and accepts writes: node-hid's interface, nothing else. */
class BenchDevice extends EventEmitter implements TelephonyHidDevice {
  async write(values: number[] | Buffer): Promise<number> {
    return values.length;
  }
  async close(): Promise<void> {}
}

export async function runHidBench(options: HidBenchOptions = {}) {
  const parseRuns = options.parseRuns ?? 5_000;
  const controllerRuns = options.controllerRuns ?? 2_000;
  const dir = fixturesDir();
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.hex'))
    .sort();
  const parse: Record<string, unknown> = {};
  const controller: Record<string, unknown> = {};
  let worstP99Ms = 0;

  for (const file of files) {
    const name = file.replace(/\.hex$/, '');
    const bytes = Uint8Array.from(
      readFileSync(dir + file, 'utf8')
        .trim()
        .split(/\s+/),
      (b) => parseInt(b, 16),
    );
    // Baseline: JSON.parse of the same bytes as a JSON array, interleaved with the parser.
    const json = JSON.stringify([...bytes]);
    const parserSamples: number[] = [];
    const jsonSamples: number[] = [];
    for (let round = 0; round < 5; round++) {
      parserSamples.push(...timeRuns(() => parseReportDescriptor(bytes), parseRuns / 5));
      jsonSamples.push(...timeRuns(() => JSON.parse(json), parseRuns / 5));
    }
    const parsed = distribution(parserSamples);
    const baseline = distribution(jsonSamples);
    parse[name] = {
      bytes: bytes.length,
      parse: parsed,
      baselineJsonParse: { jsonBytes: json.length, ...baseline },
      ratioToBaselineP50: ratio(parsed.p50, baseline.p50),
    };

    // Input report -> state change: the device's Hook Switch = 1 while ringing, then Phone Mute.
    const descriptor = parseReportDescriptor(bytes);
    const controls = telephonyCollections(descriptor).flatMap((t) => t.controls);
    const hook = controls.find((c) => c.reportType === 'input' && c.name === 'Hook Switch')!;
    const mute = controls.find((c) => c.reportType === 'input' && c.name === 'Phone Mute')!;
    /** An input report with the given one-bit controls set, at the parser's positions. */
    const report = (id: number, bits: number[]) => {
      const length = descriptor.reports.find((r) => r.type === 'input' && r.id === id)!.byteLength;
      const payload = Buffer.alloc(length);
      for (const bit of bits) payload[bit >> 3] = (payload[bit >> 3] ?? 0) | (1 << (bit & 7));
      return descriptor.numbered ? Buffer.concat([Buffer.from([id]), payload]) : payload;
    };
    const hookUp = report(hook.reportId, [hook.bitOffset]);
    const idle = report(hook.reportId, []);
    const hookAndMute = report(
      mute.reportId,
      mute.reportId === hook.reportId ? [hook.bitOffset, mute.bitOffset] : [mute.bitOffset],
    );

    const device = new BenchDevice();
    let clock = 0;
    const ctl = new TelephonyController(device, descriptor, { now: () => clock });
    const answerSamples: number[] = [];
    const muteSamples: number[] = [];
    const emitSamples: number[] = [];
    const noop = new EventEmitter();
    let sink = 0;
    noop.on('data', (data: Buffer) => {
      sink += data[0]!;
    });
    for (let i = 0; i < controllerRuns + 100; i++) {
      ctl.ring();
      let t0 = nowUs();
      device.emit('data', hookUp);
      const answered = ctl.state === 'active';
      const tAnswer = nowUs() - t0;
      if (!answered) throw new Error(`${name}: Hook Switch did not answer`);
      clock += 600;
      t0 = nowUs();
      device.emit('data', hookAndMute);
      const muted = ctl.muted;
      const tMute = nowUs() - t0;
      if (!muted) throw new Error(`${name}: Phone Mute did not mute`);
      t0 = nowUs();
      noop.emit('data', hookUp);
      const tEmit = nowUs() - t0;
      ctl.callEnded();
      device.emit('data', idle); // the echo of Off-Hook = 0, ignored
      clock += 600;
      if (i >= 100) {
        answerSamples.push(tAnswer);
        muteSamples.push(tMute);
        emitSamples.push(tEmit);
      }
      if (i % 100 === 0) await ctl.flush();
    }
    await ctl.flush();
    const answer = distribution(answerSamples);
    const muteDist = distribution(muteSamples);
    worstP99Ms = Math.max(worstP99Ms, answer.p99 / 1000, muteDist.p99 / 1000);
    controller[name] = {
      hookSwitchToAnswer: answer,
      phoneMuteToMuted: muteDist,
      baselineEmitToNoopListener: distribution(emitSamples),
    };
    if (sink < 0) throw new Error('unreachable');
  }

  return {
    hid: {
      parse,
      inputReportToStateChange: controller,
      goal: {
        inputReportToStateChangeMs: GOAL_MS,
        worstP99Ms: Math.round(worstP99Ms * 1e4) / 1e4,
        met: worstP99Ms <= GOAL_MS,
      },
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  runHidBench().then(
    (result) => process.stdout.write(`${JSON.stringify(result, null, 2)}\n`),
    (error: unknown) => {
      process.stderr.write(`bench/hid: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
