// Environment: Node (benchmarks, run by npm run bench).
// Windows' URL handler is the desktop app: a click on a tel: link starts a second instance, whose argv reaches
// the running app's 'second-instance' handler (main/electron/app.ts), which dials through its companion. No
// Electron binary exists here, so the shell is bundled from its source with `electron` replaced by
// bench/electron-double.ts, as the unit tests mock it, and runs in a child process with the real companion port,
// against the phone simulator: second-instance argv → the phone dialing (Electron's own start is not counted).
// Baseline, interleaved: the same dial sent over the companion's IPC, as `btoe dial` does on Linux.
import { spawn } from 'node:child_process';
import { mkdirSync, realpathSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runInCompanion } from '../main/cli/companion-client.js';
import { ipcEndpoint } from '../main/host/companion-ipc-client.js';
import {
  BTOE,
  Child,
  Leftovers,
  NODE,
  SIMULATOR,
  delay,
  now,
  printAlone,
  ratios,
  sinceUs,
  stats,
} from './measure.js';
import { relativeGoal } from './goals.js';

const DIAL_URL = 'tel:+1-201-555-0123';
const N = { warmup: 3, dials: 30 } as const;
const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const progress = (message: string) => process.stderr.write(`bench url-handler: ${message}\n`);

/** Bundles main/electron/app.ts (TypeScript source) with `electron` → the double; returns the bundle's path. */
async function bundleShell(dir: string): Promise<string> {
  const { build } = await import('rolldown');
  const double = here('./electron-double.js');
  const root = here('../../');
  await build({
    input: join(root, 'main/electron/app.ts'),
    platform: 'node',
    onLog: (level, log, handler) => {
      if (log.code !== 'INEFFECTIVE_DYNAMIC_IMPORT') handler(level, log);
    },
    cwd: root,
    resolve: { alias: { electron: double } },
    external: (id) => id === double || (id !== 'electron' && /^(node:|[@a-z])/.test(id)),
    output: { dir, format: 'esm', entryFileNames: 'app.mjs', chunkFileNames: '[name]-[hash].mjs' },
  });
  return join(dir, 'app.mjs');
}

export async function runUrlHandlerBench(): Promise<Record<string, unknown>> {
  const leftovers = new Leftovers();
  try {
    // Inside the repository, so the bundle's packages resolve from its node_modules.
    const dir = here('../bench-shell');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const shell = await bundleShell(dir);
    const data = leftovers.tempDir('btoe-bench-shell-');
    const out = await new Promise<string>((resolve, reject) => {
      const child = leftovers.track(
        spawn(NODE, [fileURLToPath(import.meta.url), 'child', shell, data], {
          stdio: ['ignore', 'pipe', 'inherit'],
          env: {
            ...process.env,
            XDG_CONFIG_HOME: join(data, 'config'),
            BTOE_SECRET_STORE: 'file',
            BTOE_DISCOVERY: 'off',
          },
        }),
      );
      let text = '';
      child.stdout!.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      child.once('exit', (code) =>
        code === 0 ? resolve(text) : reject(new Error(`the shell exited ${code}`)),
      );
    });
    return JSON.parse(out) as Record<string, unknown>;
  } finally {
    await leftovers.remove();
  }
}

/** In the child: the simulator, a pairing, the shell started hidden, then second-instance dials. */
async function child(shell: string, data: string): Promise<Record<string, unknown>> {
  const leftovers = new Leftovers();
  const env = process.env;
  const store = join(data, 'config', 'btoe-companion');
  const sim = new Child(
    'phone simulator',
    [
      SIMULATOR,
      '--listen',
      'tcp://127.0.0.1:0',
      '--identity',
      join(data, 'phone'),
      '--answer-delay',
      '600000',
    ],
    env,
    leftovers,
  );
  const ready = await sim.next('ready');
  const code = sim.next('pairing-code');
  sim.send('open-pairing');
  const pin = String((await code).code);
  await new Promise<void>((resolve, reject) => {
    const pair = spawn(NODE, [BTOE, 'pair', String(ready.address), '--code', pin, '--store', store], {
      env,
      stdio: 'ignore',
    });
    pair.once('exit', (c) => (c === 0 ? resolve() : reject(new Error(`btoe pair exited ${c}`))));
  });
  process.argv = [NODE, 'BToE Companion', '--hidden'];
  const { appListeners } = (await import('./electron-double.js')) as typeof import('./electron-double.js');
  await import(pathToFileURL(shell).href);
  const endpoint = ipcEndpoint(store);
  for (let i = 0; ; i++) {
    const status = await runInCompanion(endpoint, { command: 'status', args: [] });
    if ((status?.data as { links?: { connected: boolean }[] } | undefined)?.links?.[0]?.connected) break;
    if (i > 1500) throw new Error('the shell did not connect to the phone');
    await delay(10);
  }
  const secondInstance = appListeners.get('second-instance');
  if (secondInstance === undefined) throw new Error('the shell has no second-instance handler');
  const samples = { shell: [] as number[], ipc: [] as number[] };
  const dialOnce = async (how: 'shell' | 'ipc') => {
    const dialing = sim.next((e) => e.event === 'call' && e.state === 'dialing');
    const t0 = now();
    if (how === 'shell')
      secondInstance({}, ['C:\\Program Files\\BToE Companion\\BToE Companion.exe', DIAL_URL], 'C:\\');
    else void runInCompanion(endpoint, { command: 'dial', args: [DIAL_URL] });
    const us = sinceUs(t0, (await dialing).at);
    const ended = sim.next((e) => e.event === 'call' && e.state === 'ended');
    await runInCompanion(endpoint, { command: 'hangup', args: [] });
    await ended;
    return us;
  };
  for (let i = 0; i < N.warmup + N.dials; i++) {
    for (const how of i % 2 === 0 ? (['shell', 'ipc'] as const) : (['ipc', 'shell'] as const)) {
      const us = await dialOnce(how);
      if (i >= N.warmup) samples[how].push(us);
    }
  }
  await leftovers.remove();
  const shellStats = stats(samples.shell, 'us');
  const ipcStats = stats(samples.ipc, 'us');
  return {
    what: `Windows URL handler: the desktop shell (main/electron/app.ts, electron replaced by bench/electron-double.ts as in the unit tests, real companion port) given a second instance's argv [exe, ${DIAL_URL}] → the simulator's "dialing"; Electron's own start is not counted`,
    secondInstanceToDialing: { ...shellStats, ratioToIpcDial: ratios(shellStats, ipcStats) },
    ipcDialToDialing: {
      ...ipcStats,
      what: 'the same dial over the companion IPC (what btoe dial sends), interleaved',
    },
    goals: [
      relativeGoal({
        name: 'windowsUrlHandler.p50',
        source: 'issue 11 item 2 (no number set: held to the IPC dial of `btoe dial` on Linux, × 1.25)',
        what: 'second-instance argv → the phone dialing, p50',
        figure: 'urlHandler.secondInstanceToDialing',
        value: shellStats.p50,
        unit: 'us',
        baseline: { name: 'ipcDialToDialing p50', value: ipcStats.p50, unit: 'us' },
        factor: 1.25,
      }),
    ],
  };
}

const invokedAs = process.argv[1];
if (invokedAs !== undefined && realpathSync(invokedAs) === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === 'child') {
    const [shell, data] = process.argv.slice(3) as [string, string];
    const result = await child(shell, data);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  }
  await printAlone(runUrlHandlerBench, progress);
}
