// Environment: Node (benchmarks, run by npm run bench).
// `npm run bench`: the performance figures, measured over loopback (127.0.0.1) only.
// stdout: ONE JSON document; progress goes to stderr. Shared machines are noisy, so every figure is a
// distribution (p50, p90, p99, min, max, n) and the round trips are also given as ratios to baselines measured
// in the same run, interleaved with them. Timings never fail the run; only broken machinery does.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { join } from 'node:path';
import { Companion } from '../main/core/companion.js';
import { runDaemonBench } from './daemon.js';
import { runDriversBench } from './drivers.js';
import { ethernetBench } from './ethernet.js';
import { runHidBench } from './hid.js';
import { runHidTunnelBench } from './hid-tunnel.js';
import {
  BTOE,
  Child,
  DIALLED,
  gnuTimeWorks,
  peakRssMiB,
  LOOPBACK as HOST,
  Leftovers,
  NODE,
  SIMULATOR,
  TLS_ECHO as ECHO,
  type RoundTripFigures,
  type RoundTripKind,
  type Stats,
  delay,
  interleaved,
  lockAndDialAtRest,
  now,
  pinger,
  ratio,
  ratios,
  removeOnSignals,
  round2,
  sinceMs,
  stats,
  tcpConnect,
} from './measure.js';
import { CONDITIONS, conditionsUnavailable, under, withCompetition } from './conditions.js';
import { type Goal, absoluteGoal, conditionVariants, gatherGoals, relativeGoal, summarize } from './goals.js';
import { runSerialBench } from './serial.js';
import { runUrlHandlerBench } from './url-handler.js';
import type { PhoneSession } from '../main/core/phone-session.js';
import { resolvePolicy } from '../main/core/policy.js';
import { createIdentity } from '../native-bridge/link/identity.js';
import { connectSecure } from '../native-bridge/link/tls.js';

/** Run sizes: comfortably above the minimums, and the whole run well under two minutes. */
const N = {
  roundTripWarmup: 500,
  roundTripRounds: 5,
  roundTripsPerRound: 1000,
  /** Rounds of tls, lock and dial under each condition of bench/conditions.ts. */
  conditionRounds: 3,
  pairingWarmup: 1,
  pairing: 30,
  reconnectWarmup: 3,
  reconnect: 60,
  restarts: 8,
  cliWarmup: 2,
  cli: 15,
  rss: 5,
} as const;

/** Goals from the issues and docs/performance notes (KDE Connect's medians on this kind of machine). */
const GOALS = { ackP99RatioToTls: 2, pairingP50Ms: 40, reconnectP50Ms: 75 } as const;

const progress = (message: string) => process.stderr.write(`bench: ${message}\n`);

// ---------------------------------------------------------------------------------------------------------
// Child processes and temp dirs: all registered, all cleaned up on every way out.

const leftovers = new Leftovers();
process.on('exit', () => leftovers.removeSync());
removeOnSignals(leftovers, progress);

// ---------------------------------------------------------------------------------------------------------
// Whole processes

interface ProcessRun {
  ms: number;
  code: number | null;
  stderr: string;
}

function runProcess(args: string[], env: NodeJS.ProcessEnv, command = NODE): Promise<ProcessRun> {
  return new Promise((resolve, reject) => {
    const t0 = now();
    const proc = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    proc.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
    proc.once('error', reject);
    proc.once('exit', (code) => resolve({ ms: sinceMs(t0), code, stderr }));
  });
}

async function runOk(args: string[], env: NodeJS.ProcessEnv, command = NODE): Promise<number> {
  const run = await runProcess(args, env, command);
  if (run.code !== 0)
    throw new Error(`"${[command, ...args].join(' ')}" exited with ${run.code}: ${run.stderr}`);
  return run.ms;
}

// ---------------------------------------------------------------------------------------------------------
// The run

async function startSimulator(listen: string, identityDir: string, env: NodeJS.ProcessEnv) {
  const spawnedAt = now();
  const sim = new Child(
    'phone simulator',
    [SIMULATOR, '--listen', listen, '--identity', identityDir],
    env,
    leftovers,
  );
  const ready = await sim.next('ready');
  return { sim, address: String(ready.address), spawnedAt, readyAt: ready.at };
}

async function main(): Promise<Record<string, unknown>> {
  const startedAt = now();
  const when = new Date().toISOString();
  const cpus = os.cpus();
  const machine = {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    loadAverageAtStart: os.loadavg().map(round2),
    network: 'loopback 127.0.0.1 (no namespaces, no veth)',
  };

  const dir = leftovers.tempDir('btoe-bench-');
  const storeDir = join(dir, 'companion');
  const phoneDir = join(dir, 'phone');
  const env: NodeJS.ProcessEnv = { ...process.env, BTOE_SECRET_STORE: 'file' };
  process.env.BTOE_SECRET_STORE = 'file';

  progress('starting the echo server and the phone simulator');
  const echo = new Child('echo server', [ECHO], env, leftovers);
  const echoReady = await echo.next('ready');
  const first = await startSimulator(`tcp://${HOST}:0`, phoneDir, env);
  const address = first.address;
  let sim = first.sim;
  const port = Number(/:(\d+)$/.exec(address)![1]);

  const companion = await Companion.open({
    storeDir, // The benchmark's own policy, given in process (as an admin's machine policy would be).
    policy: resolvePolicy([
      {
        kind: 'candidate',
        location: 'the benchmark',
        values: { EnableBetterTogetherOverEthernet: true, BetterTogetherOverEthernetPairingMode: 'Manual' },
      },
    ]),
  });

  // 3. Manual pairing: code entry → paired. Getting the code (the human's part) is not timed.
  progress(`manual pairing ×${N.pairing} (+${N.pairingWarmup} cold)`);
  const pairingMs: number[] = [];
  const pairingColdMs: number[] = [];
  for (let i = 0; i < N.pairingWarmup + N.pairing; i++) {
    const codeEvent = sim.next('pairing-code');
    sim.send('open-pairing');
    const code = String((await codeEvent).code);
    const paired = sim.next('paired');
    const t0 = now();
    await companion.pair(address, code);
    (i < N.pairingWarmup ? pairingColdMs : pairingMs).push(sinceMs(t0));
    await paired;
  }

  // 4. Reconnect: connect() until the session is usable.
  progress(`reconnect ×${N.reconnect}`);
  const reconnectMs: number[] = [];
  for (let i = 0; i < N.reconnectWarmup + N.reconnect; i++) {
    const t0 = now();
    const session = await companion.connect(undefined);
    if (i >= N.reconnectWarmup) reconnectMs.push(sinceMs(t0));
    session.close();
  }

  // 1 + 2. Ping-pong baselines and lock round trips, interleaved in rounds so drifting machine load hits them
  // all alike; the order rotates each round.
  const tcpSocket = await tcpConnect(Number(echoReady.tcp));
  const tcpPing = pinger(tcpSocket);
  const tlsChannel = await connectSecure(
    await tcpConnect(Number(echoReady.tls)),
    createIdentity('BToE bench client'),
    'session',
  );
  const tlsPing = pinger(tlsChannel.socket);
  const session: PhoneSession = await companion.connect(undefined);
  const atRest = lockAndDialAtRest(session);
  const kinds: RoundTripKind[] = [
    { name: 'tcp', op: tcpPing },
    { name: 'tls', op: tlsPing },
    // lock/unlock → ack, the phone's lock-state event awaited (untimed) before the next.
    { name: 'lock', op: atRest.lock, after: atRest.afterLock },
    // dial → ack; the hangup and the call's end (so the next dial meets a phone at rest) are not timed.
    { name: 'dial', op: atRest.dial, after: atRest.afterDial },
    // Not a goal: the same link without the phone's state change and lock-state event, to split the figure.
    { name: 'ping', op: () => session.ping() },
  ];
  const pids = () => [process.pid, sim.pid, echo.pid];
  progress(
    `round trips: ${N.roundTripRounds} rounds of ${N.roundTripsPerRound} each of ${kinds.map((k) => k.name).join(', ')}`,
  );
  const shared = await withCompetition(pids, () =>
    interleaved(kinds, {
      warmup: N.roundTripWarmup,
      rounds: N.roundTripRounds,
      perRound: N.roundTripsPerRound,
    }),
  );
  const { tcp, tls, lock, dial, ping } = shared.result as Record<
    'tcp' | 'tls' | 'lock' | 'dial' | 'ping',
    RoundTripFigures
  >;
  // The same round trips again with the machine's part taken out step by step (bench/conditions.ts).
  const conditions: Record<string, unknown> = {};
  const unavailable = conditionsUnavailable();
  if (unavailable) conditions.skipped = unavailable;
  else {
    for (const condition of CONDITIONS) {
      progress(`round trips, ${condition.name}: ${N.conditionRounds} rounds of ${N.roundTripsPerRound}`);
      try {
        const run = await under(condition, { pc: [process.pid], phone: [sim.pid, echo.pid] }, () =>
          withCompetition(pids, () =>
            interleaved(kinds.slice(1, 4), {
              warmup: 100,
              rounds: N.conditionRounds,
              perRound: N.roundTripsPerRound,
            }),
          ),
        );
        conditions[condition.name] = {
          what: condition.description,
          othersCpuShare: run.othersCpuShare,
          ...run.result,
        };
      } catch (error) {
        conditions[condition.name] = { failed: (error as Error).message };
      }
    }
  }
  session.close();
  tcpSocket.destroy();
  tlsChannel.socket.destroy();

  // 4b. Reconnect after the phone restarts: same identity, same port; from its `ready` to a usable session.
  progress(`reconnect after restart ×${N.restarts}`);
  const restartFromReadyMs: number[] = [];
  const restartFromSpawnMs: number[] = [];
  let restartAttempts = 0;
  for (let i = 0; i < N.restarts; i++) {
    await sim.stop();
    const started = await startSimulator(`tcp://${HOST}:${port}`, phoneDir, env);
    sim = started.sim;
    if (started.address !== address) throw new Error(`the simulator came back at ${started.address}`);
    for (let attempt = 1; ; attempt++) {
      try {
        const s = await companion.connect(undefined);
        const t = now();
        restartFromReadyMs.push(sinceMs(started.readyAt, t));
        restartFromSpawnMs.push(sinceMs(started.spawnedAt, t));
        restartAttempts += attempt;
        s.close();
        break;
      } catch (error) {
        if (attempt >= 100) throw error;
        await delay(1);
      }
    }
  }

  // 5. The btoe command, whole process, against the (restarted) simulator; bare Node as the baseline.
  progress(`btoe lock ×${N.cli} and node -e 0 ×${N.cli}, interleaved`);
  const btoeArgs = [BTOE, 'lock', '--store', storeDir];
  const bareArgs = ['-e', '0'];
  const btoeMs: number[] = [];
  const bareMs: number[] = [];
  for (let i = 0; i < N.cliWarmup + N.cli; i++) {
    const b = await runOk(btoeArgs, env);
    const n = await runOk(bareArgs, env);
    if (i >= N.cliWarmup) {
      btoeMs.push(b);
      bareMs.push(n);
    }
  }
  const rssMethod = gnuTimeWorks(dir) ? 'gnu-time' : 'proc-poll';
  progress(`peak RSS (${rssMethod}) ×${N.rss} each`);
  const btoeRssMiB: number[] = [];
  const bareRssMiB: number[] = [];
  for (let i = 0; i < N.rss; i++) {
    btoeRssMiB.push(await peakRssMiB(btoeArgs, env, rssMethod, dir));
    bareRssMiB.push(await peakRssMiB(bareArgs, env, rssMethod, dir));
  }

  const pairing = stats(pairingMs, 'ms');
  const reconnect = stats(reconnectMs, 'ms');
  const afterRestart = stats(restartFromReadyMs, 'ms');
  const btoeLock = stats(btoeMs, 'ms');
  const bareStart = stats(bareMs, 'ms');
  const btoeRss = stats(btoeRssMiB, 'MiB');
  const bareRss = stats(bareRssMiB, 'MiB');
  const tlsP99 = { name: 'tlsPingPong p99', value: tls.p99, unit: 'us' };
  const ackGoal = (what: 'lock' | 'dial', figure: Stats) =>
    relativeGoal({
      name: `${what}Ack.loopback.p99`,
      source: 'issue 11 item 3',
      what: `${what} acknowledged round trip p99 over loopback, to the TLS ping-pong p99 of the same run (p99.9 ${figure.p999} us, worst ${figure.max} us; other processes used ${shared.othersCpuShare ?? '?'} of the CPUs meanwhile)`,
      figure: `${what}RoundTrip`,
      value: figure.p99,
      unit: 'us',
      baseline: tlsP99,
      factor: GOALS.ackP99RatioToTls,
      variants: conditionVariants(conditions, what),
    });
  const goals: Goal[] = [
    ackGoal('lock', lock),
    ackGoal('dial', dial),
    absoluteGoal({
      name: 'manualPairing.p50',
      source: 'docs/performance notes (KDE Connect: 40 ms median)',
      what: 'companion.pair(address, code) → paired',
      figure: 'manualPairing',
      value: pairing.p50,
      unit: 'ms',
      max: GOALS.pairingP50Ms,
    }),
    absoluteGoal({
      name: 'reconnect.p50',
      source: 'docs/performance notes',
      what: 'companion.connect(): session usable',
      figure: 'reconnect',
      value: reconnect.p50,
      unit: 'ms',
      max: GOALS.reconnectP50Ms,
    }),
    absoluteGoal({
      name: 'reconnectAfterRestart.p50',
      source: 'docs/performance notes (KDE Connect: 75 ms median)',
      what: "simulator restarted: its 'ready' → connect() resolved",
      figure: 'reconnectAfterRestart',
      value: afterRestart.p50,
      unit: 'ms',
      max: GOALS.reconnectP50Ms,
    }),
  ];

  return {
    when,
    machine,
    baseline: {
      tcpPingPong: { ...tcp, what: '1 byte each way over raw TCP to an echo process' },
      tlsPingPong: {
        ...tls,
        what: '1 byte each way over TLS 1.3 (connectSecure/acceptSecure, fresh identities) to an echo process',
        ratioToTcp: ratios(tls, tcp),
      },
    },
    lockRoundTrip: {
      ...lock,
      what: "PhoneSession lock()/unlock() alternately, request → ack, against the simulator process (which then sends its lock-state event and prints a 'locked'/'unlocked' line that this process reads); each starts once that event of the previous one has arrived (untimed)",
      ratioToTls: ratios(lock, tls),
      ratioToTcp: ratios(lock, tcp),
    },
    dialRoundTrip: {
      ...dial,
      what: `PhoneSession dial(${DIALLED}), request → ack, against the simulator (which then sends the call's dialing and ringback events); after each, untimed, the hangup and the call's ended event: the next dial meets a phone at rest`,
      ratioToTls: ratios(dial, tls),
      ratioToTcp: ratios(dial, tcp),
    },
    pingRoundTrip: {
      ...ping,
      what: 'PhoneSession ping(), request → ack (no state change, no event): the link alone, for comparison',
      ratioToTls: ratios(ping, tls),
    },
    roundTripConditions: {
      what: 'tls, lock and dial again, under conditions that take the machine out step by step (bench/conditions.ts); othersCpuShare: CPU used by every other process on the machine meanwhile, as a share of all CPUs',
      shared: { othersCpuShare: shared.othersCpuShare },
      ...conditions,
    },
    manualPairing: {
      ...pairing,
      what: 'companion.pair(address, code) → paired, in-process against the simulator (code fetch not timed)',
      coldFirstRunMs: pairingColdMs.map(round2),
    },
    reconnect: { ...reconnect, what: 'companion.connect(): TCP + TLS + hellos + pin check, session usable' },
    reconnectAfterRestart: {
      ...afterRestart,
      what: "simulator killed and restarted (same identity and port); its 'ready' event → connect() resolved",
      fromSpawn: stats(restartFromSpawnMs, 'ms'),
      connectAttempts: restartAttempts,
    },
    btoeLock: {
      ...btoeLock,
      what: 'node dist/btoe/btoe.cjs lock --store DIR with no companion running (the one-shot path: this process opens the store and the link), spawn → exit; with the companion running: daemon.shortCommands',
      ratioToBareNode: ratios(btoeLock, bareStart),
    },
    bareNodeStart: { ...bareStart, what: 'node -e 0, spawn → exit' },
    btoeRss: {
      ...btoeRss,
      method: rssMethod,
      ratioToBareNode: { p50: ratio(btoeRss.p50, bareRss.p50) },
    },
    bareNodeRss: { ...bareRss, method: rssMethod },
    goals,
    durationS: Math.round(sinceMs(startedAt) / 100) / 10,
  };
}

/** The other issues' figures, each measured against its own same-run baseline by its own module. */
const SECTIONS: Record<string, () => Promise<unknown>> = {
  hid: () => runHidBench(),
  hidTunnel: () => runHidTunnelBench(),
  serial: () => runSerialBench(),
  ethernet: () => ethernetBench(),
  daemon: () => runDaemonBench(),
  drivers: () => runDriversBench(),
  urlHandler: () => runUrlHandlerBench(),
};

// `npm run bench -- daemon ethernet`: the loopback figures and only the sections named (all when none is).
const only = process.argv.slice(2);
for (const name of only) {
  if (!(name in SECTIONS)) {
    progress(`unknown section "${name}": the sections are ${Object.keys(SECTIONS).join(', ')}`);
    process.exit(2);
  }
}

let exitCode = 0;
try {
  const result = await main();
  await leftovers.remove();
  for (const [name, run] of Object.entries(SECTIONS)) {
    if (only.length > 0 && !only.includes(name)) continue;
    progress(`${name}: measuring`);
    try {
      result[name] = await run();
    } catch (error) {
      // One section that cannot run here (no socat, no namespaces) must not hide the others' figures.
      result[name] = { failed: error instanceof Error ? error.message : String(error) };
    }
  }
  // Every goal of the run in one list (each section's own `goals` stay in place), and one line per goal.
  const goals = gatherGoals({ main: result, ...result });
  const summary = summarize(goals);
  result.goals = goals;
  result.goalsSummary = summary;
  for (const line of summary) progress(line);
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} catch (error) {
  exitCode = 1;
  progress(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  await leftovers.remove();
}
process.exit(exitCode);
