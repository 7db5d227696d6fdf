// Environment: Node (benchmark, Linux, root: the PC-port lab). How long a discovery round must wait: the time from
// a companion's first query to the last answer of every phone on the link (main/core/nearby.ts,
// DISCOVERY_ROUND_MS). The lab holds the phone on the PC port and ten phones on the LAN, all advertising with
// --mdns; a fresh discovery in the PC's namespace asks and times each phone's first answer, ROUNDS times.
// Usage: node dist/bench/lab/discovery-round.js [ROUNDS]   (prints one JSON document)
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { Lab, labUnavailable } from '../../test/netlab/lab.js';
import { NODE, SIMULATOR, stats } from '../measure.js';

const PHONES_ON_LAN = 10;

/** Inside ns pc: one round per call, a fresh discovery each time (its start is the query). */
async function measureRound(iface: string, expected: number): Promise<number> {
  const { PhoneDiscovery } = await import('../../native-bridge/ethernet/discovery.js');
  const t0 = performance.now();
  const discovery = await PhoneDiscovery.start({ interfaces: [iface] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`only ${discovery.phones().length} phones in 10 s`)),
      10_000,
    );
    const check = () => {
      if (discovery.phones().length < expected) return;
      clearTimeout(timer);
      const ms = performance.now() - t0;
      discovery.stop();
      resolve(ms);
    };
    discovery.on('up', check);
    check();
  });
}

async function main(): Promise<void> {
  const [mode, iface, expected, rounds] = process.argv.slice(2);
  if (mode === '--in-pc') {
    const samples: number[] = [];
    for (let i = 0; i < Number(rounds); i++) {
      samples.push(await measureRound(iface!, Number(expected)));
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    process.stdout.write(`${JSON.stringify(samples)}\n`);
    return;
  }
  const why = labUnavailable();
  if (why) return void process.stdout.write(`${JSON.stringify({ skipped: why })}\n`);
  const count = Number(mode ?? 20);
  const dir = mkdtempSync(join(os.tmpdir(), 'btoe-bench-round-'));
  const lab = Lab.create();
  try {
    const phones = [
      lab.exec('phone', [
        NODE,
        SIMULATOR,
        '--listen',
        'tcp://[::]:24801',
        '--mdns',
        '--pc-port',
        lab.ifaces.phonePcPort,
        '--identity',
        join(dir, 'p'),
      ]),
      ...Array.from({ length: PHONES_ON_LAN }, (_, i) =>
        lab.exec('lan', [
          NODE,
          SIMULATOR,
          '--listen',
          'tcp://[::]:0',
          '--mdns',
          '--identity',
          join(dir, `d${i}`),
        ]),
      ),
    ];
    await Promise.all(
      phones.map(
        (child) =>
          new Promise<void>((resolve) => {
            child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
              if (chunk.includes('"advertised"')) resolve();
            });
          }),
      ),
    );
    const self = fileURLToPath(import.meta.url);
    const result = await lab.run(
      'pc',
      [NODE, self, '--in-pc', lab.ifaces.pc, String(phones.length), String(count)],
      120_000,
    );
    const samples = JSON.parse(result.stdout) as number[];
    process.stdout.write(
      `${JSON.stringify({ phones: phones.length, rounds: count, ms: stats(samples, 'ms') })}\n`,
    );
  } finally {
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
