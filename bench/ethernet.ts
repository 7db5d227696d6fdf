// Environment: Node (benchmarks, run by npm run bench).
// The Ethernet figures of issue 3, measured inside the PC-port lab (test/netlab/lab.ts): every process runs in
// the lab's network namespaces, nothing is sent from the machine's own. `node dist/bench/ethernet.js` prints one
// JSON document on stdout (progress on stderr); bench/bench.ts can import ethernetBench() instead. Timestamps
// are the processes' own (`t`, ms since the epoch, sub-millisecond) where they print them; where a figure
// starts at another process's plain event (the simulator's `ready`), it starts when this process read the line,
// which makes that figure a little smaller than the truth (said in its `what`).
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Lab, type LabNamespace, labUnavailable } from '../test/netlab/lab.js';
import { CONDITIONS, conditionsUnavailable, under, withCompetition } from './conditions.js';
import { type Goal, absoluteGoal, conditionVariants, relativeGoal } from './goals.js';
import { NODE, SIMULATOR, type Stats, delay, printAlone, ratios, round2, stats } from './measure.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const AGENT = here('./lab/companion-agent.js');
const ECHO = here('./lab/echo.js');
const FLOOD = here('./lab/mdns-flood.js');

const N = {
  linkUp: 8,
  boot: 6,
  bootWithLink: 3,
  rttRounds: 5,
  rttPerRound: 1000,
  /** Rounds of the round trips under each condition of bench/conditions.ts. */
  conditionRounds: 3,
  reconnectQuickReplug: 8,
  reconnectReplug: 4,
  reconnectReboot: 8,
  flood: 1000,
  floodSeconds: 12,
} as const;
const GOALS = {
  linkUpToListedMs: 50,
  companionPartMs: 150,
  bootToReadyMs: 1000,
  ackP99RatioToTls: 2,
  reconnectMs: 75,
  autoPairAfterWindowMs: 75,
  /** RFC 6762 §8.1: up to 250 ms random delay, then 3 probes 250 ms apart. */
  probingMs: 1000,
  floodFoundMs: 2000,
  floodCpuS: 1,
  floodExtraMiB: 50,
} as const;

const progress = (message: string) => process.stderr.write(`bench/ethernet: ${message}\n`);
const now = () => performance.timeOrigin + performance.now();

type Event = { event: string; t?: number; at: number } & Record<string, unknown>;

/** A lab process printing JSON lines; `at` is when this process read each line. */
class Proc {
  readonly events: Event[] = [];
  private stderr = '';
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<void>;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      try {
        this.events.push({ ...(JSON.parse(line) as Record<string, unknown>), at: now() } as Event);
      } catch {
        return;
      }
      for (const wake of [...this.waiters]) wake();
    });
    child.stderr!.on(
      'data',
      (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-3000)),
    );
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    void this.exited.then(() => {
      for (const wake of [...this.waiters]) wake();
    });
  }

  mark(): number {
    return this.events.length;
  }

  waitFor(match: (e: Event) => boolean, from = 0, timeoutMs = 20_000): Promise<Event> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const found = this.events.slice(from).find(match);
        if (found) {
          done();
          resolve(found);
        } else if (this.child.exitCode !== null || this.child.signalCode !== null) {
          done();
          reject(new Error(`${this.name} exited: ${this.stderr}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(
            `${this.name}: no matching event within ${timeoutMs} ms; its last events: ${JSON.stringify(this.events.slice(-8))}; stderr: ${this.stderr}`,
          ),
        );
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  next(event: string, from: number, timeoutMs?: number): Promise<Event> {
    return this.waitFor((e) => e.event === event, from, timeoutMs);
  }

  send(line: string): void {
    this.child.stdin!.write(`${line}\n`);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    try {
      this.child.stdin!.write('quit\n');
    } catch {
      // gone
    }
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 3_000);
    await this.exited;
    clearTimeout(timer);
  }
}

export async function ethernetBench(): Promise<Record<string, unknown>> {
  const why = labUnavailable();
  if (why) return { skipped: why };
  const startedAt = now();
  const dir = mkdtempSync(join(os.tmpdir(), 'btoe-bench-eth-'));
  const lab = Lab.create();
  const procs: Proc[] = [];
  const start = (name: string, ns: LabNamespace, argv: string[], env: NodeJS.ProcessEnv = process.env) => {
    const proc = new Proc(name, lab.exec(ns, [NODE, ...argv], { env }));
    procs.push(proc);
    return proc;
  };
  let storeCount = 0;
  const agentEnv = () => {
    const store = join(dir, `store-${storeCount++}`);
    return {
      store,
      env: {
        ...process.env,
        BTOE_SECRET_STORE: 'file',
        BTOE_DISCOVERY: lab.ifaces.pc,
      },
    };
  };
  const startAgent = async () => {
    const { store, env } = agentEnv();
    const agent = start('agent', 'pc', [AGENT, '--store', store], env);
    await agent.next('started', 0);
    return agent;
  };
  /**
   * A companion whose link comes up just after it starts: it Auto-pairs without a click only within
   * AUTO_PAIR_AFTER_LINK_UP_MS of a link coming up (docs/protocol.md, "Auto mode").
   */
  const startAgentAtLinkUp = async () => {
    lab.down();
    await delay(300);
    const agent = await startAgent();
    lab.up();
    return agent;
  };
  const phoneArgs = (identity: string, port = 24801) => [
    SIMULATOR,
    '--listen',
    `tcp://[::]:${port}`,
    '--mdns',
    '--pc-port',
    lab.ifaces.phonePcPort,
    '--identity',
    join(dir, identity),
  ];
  try {
    // 1. The PC's link comes up with the phone already running → listed → paired and ready (Auto).
    progress(`link up → listed → paired → ready, ×${N.linkUp} (fresh companion each time)`);
    const linkUp = {
      listed: [] as number[],
      paired: [] as number[],
      ready: [] as number[],
      window: [] as number[],
      afterWindow: [] as number[],
      oneConnection: 0,
    };
    let phone = start('phone', 'phone', phoneArgs('phone'));
    await phone.next('advertised', 0);
    for (let i = 0; i < N.linkUp; i++) {
      lab.down();
      await delay(300);
      const agent = await startAgent();
      const from = agent.mark();
      const t0 = now();
      lab.up();
      const listed = await agent.next('listed', from);
      const ready = await agent.next('ready', from);
      const paired = await agent.next('paired', from);
      linkUp.listed.push(listed.t! - t0);
      linkUp.paired.push(paired.t! - t0);
      linkUp.ready.push(ready.t! - t0);
      // The claimant round that led to the pairing: its discovery window (issue 13) is reported apart.
      const round = agent.events
        .slice(from)
        .filter((e) => e.event === 'round' && e.t! <= paired.t!)
        .at(-1);
      if (round) {
        linkUp.window.push(round.t! - t0);
        linkUp.afterWindow.push(ready.t! - round.t!);
      }
      if (ready.pairingConnection === true) linkUp.oneConnection++;
      await agent.stop();
    }

    // 2. A phone boots (new identity) with the PC plugged in and the companion waiting.
    progress(`phone boot → paired → ready, ×${N.boot} (switch first) and ×${N.bootWithLink} (with the link)`);
    await phone.stop();
    const bootRuns = () => ({
      probing: [] as number[],
      publisherProbing: [] as number[],
      heard: [] as number[],
      companion: [] as number[],
      total: [] as number[],
      /** Claimant rounds whose window passed before the session was ready, and ready after the last one. */
      windows: [] as number[],
      afterWindow: [] as number[],
    });
    const boot = bootRuns();
    const bootWithLink = bootRuns();
    for (let i = 0; i < N.boot + N.bootWithLink; i++) {
      // A phone that boots powers its switch: the PC's link comes up (and Auto pairing without a click is allowed
      // only within AUTO_PAIR_AFTER_LINK_UP_MS of that). A real phone's switch is up seconds before its phone
      // application: the companion's claimant round of the link up has passed when the phone starts (`boot`).
      // `bootWithLink` starts both at the same instant, where the round's window is the floor.
      const withLink = i >= N.boot;
      const runs = withLink ? bootWithLink : boot;
      lab.down();
      await delay(300);
      const agent = await startAgent();
      const from = agent.mark();
      let t0 = now();
      lab.up();
      if (!withLink) {
        await agent.next('round', from);
        t0 = now();
      }
      const booting = start('phone', 'phone', phoneArgs(`boot-${i}`));
      const ready = await agent.next('ready', from);
      const heard = await agent.next('listed', from);
      const advertised = await booting.next('advertised', 0);
      runs.probing.push(advertised.t! - t0);
      runs.publisherProbing.push(advertised.probingMs as number);
      runs.heard.push(heard.t! - t0);
      runs.companion.push(ready.t! - heard.t!);
      runs.total.push(ready.t! - t0);
      const windows = agent.events
        .slice(from)
        .filter((e) => e.event === 'round' && e.t! >= t0 && e.t! <= ready.t!);
      runs.windows.push(windows.length);
      if (windows.length > 0) runs.afterWindow.push(ready.t! - windows.at(-1)!.t!);
      await agent.stop();
      await booting.stop();
    }

    // 3. Lock round trips through the stack vs raw TCP and TLS ping-pong across the same veth pair.
    progress(`round trips: ${N.rttRounds} rounds × ${N.rttPerRound} of tcp, tls, lock and dial, interleaved`);
    phone = start('phone', 'phone', phoneArgs('phone'));
    await phone.next('advertised', 0);
    const echo = start('echo', 'phone', [ECHO, '0.0.0.0']);
    const echoReady = await echo.next('ready', 0);
    let agent = await startAgentAtLinkUp();
    await agent.next('ready', 0);
    const ph = lab.addresses.phone;
    type Rtt = Record<'tcp' | 'tls' | 'lock' | 'dial', Stats>;
    const measureRtt = async (rounds: number): Promise<Rtt> => {
      const from = agent.mark();
      agent.send(`rtt ${rounds} ${N.rttPerRound} tcp://${ph}:${echoReady.tcp} tcp://${ph}:${echoReady.tls}`);
      return (await agent.next('rtt', from, 180_000)) as unknown as Rtt;
    };
    const pids = () => [agent.child.pid!, phone.child.pid!, echo.child.pid!];
    const shared = await withCompetition(pids, () => measureRtt(N.rttRounds));
    const rtt = shared.result;
    // The same with the machine's part taken out step by step (bench/conditions.ts).
    const conditions: Record<string, unknown> = {};
    const unavailable = conditionsUnavailable();
    if (unavailable) conditions.skipped = unavailable;
    else {
      const sides = { pc: [agent.child.pid!], phone: [phone.child.pid!, echo.child.pid!] };
      for (const condition of CONDITIONS) {
        progress(`round trips, ${condition.name}: ${N.conditionRounds} rounds × ${N.rttPerRound}`);
        try {
          const run = await under(condition, sides, () =>
            withCompetition(pids, () => measureRtt(N.conditionRounds)),
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

    // 4a. Reconnect after the cable is pulled and plugged back: at once (200 ms), and as a person would (3.5 s).
    progress(
      `reconnect after link down/up ×${N.reconnectQuickReplug} (200 ms) and ×${N.reconnectReplug} (3.5 s)`,
    );
    const afterLink = { quick: [] as number[], replug: [] as number[], noticedDown: [] as number[] };
    for (let i = 0; i < N.reconnectQuickReplug + N.reconnectReplug; i++) {
      const quick = i < N.reconnectQuickReplug;
      await delay(300);
      const from = agent.mark();
      const down = now();
      lab.down();
      const lost = await agent.next('disconnected', from);
      afterLink.noticedDown.push(lost.t! - down);
      await delay(quick ? 200 : 3_500);
      const up = now();
      lab.up();
      const ready = await agent.next('ready', from);
      (quick ? afterLink.quick : afterLink.replug).push(ready.t! - up);
    }

    // 4b. Reconnect after the phone reboots (same identity and port).
    progress(`reconnect after phone reboot ×${N.reconnectReboot}`);
    const afterReboot = { fromListening: [] as number[], fromSpawn: [] as number[] };
    for (let i = 0; i < N.reconnectReboot; i++) {
      const from = agent.mark();
      await phone.stop();
      await agent.next('disconnected', from);
      const spawned = now();
      phone = start('phone', 'phone', phoneArgs('phone'));
      const listening = await phone.next('ready', 0);
      // A session to the old phone may still come and go after its 'disconnected' (a second connection it had
      // accepted before it quit): only a session that came up after the new phone started counts.
      const ready = await agent.waitFor((e) => e.event === 'ready' && e.t! > spawned, from);
      afterReboot.fromListening.push(ready.t! - listening.at);
      afterReboot.fromSpawn.push(ready.t! - spawned);
    }
    await agent.stop();
    await phone.stop();

    // 5. A crowded LAN: 1,000 phones announcing once a second each, from 1,000 addresses.
    progress(`flood: ${N.flood} announcing phones for ${N.floodSeconds} s`);
    const sources = lab.addLanAddresses(N.flood);
    agent = await startAgentAtLinkUp();
    await delay(500);
    const before = agent.mark();
    agent.send('stats');
    const base = await agent.next('stats', before);
    const flood = start('flood', 'lan', [FLOOD, String(N.flood), '1000', String(N.floodSeconds), ...sources]);
    const flooding = await flood.next('flooding', 0);
    await delay(2_000); // the table fills with strangers
    const fromBoot = agent.mark();
    const bootAt = now();
    phone = start('phone', 'phone', phoneArgs('crowd'));
    const crowdPhone = await phone.next('ready', 0);
    const advertised = await phone.next('advertised', 0);
    const found = await agent.waitFor((e) => e.event === 'listed' && e.id === crowdPhone.id, fromBoot);
    const ready = await agent.next('ready', fromBoot);
    await flood.next('done', 0, (N.floodSeconds + 10) * 1000);
    const after = agent.mark();
    agent.send('stats');
    const end = await agent.next('stats', after);
    await agent.stop();
    await phone.stop();
    const cpuS = ((end.cpuUs as number) - (base.cpuUs as number)) / 1e6;
    const extraMiB = ((end.maxRssKiB as number) * 1024 - (base.rssBytes as number)) / 2 ** 20;

    const linkListed = stats(linkUp.listed, 'ms');
    const bootCompanion = stats(boot.companion, 'ms');
    const bootProbing = stats(boot.publisherProbing, 'ms');
    const afterWindow = stats(linkUp.afterWindow, 'ms');
    const bootTotal = stats(boot.total, 'ms');
    const lockRatio = ratios(rtt.lock, rtt.tls);
    const reconnectLink = stats(afterLink.replug, 'ms');
    const reconnectReboot = stats(afterReboot.fromListening, 'ms');
    // Heard from its first probe now, before it announces: the figure that matters is from its start of probing.
    const foundMs = found.t! - crowdPhone.at;
    const tlsP99 = { name: 'tlsPingPong p99 (lab)', value: rtt.tls.p99, unit: 'us' };
    const ackGoal = (what: 'lock' | 'dial') =>
      relativeGoal({
        name: `${what}Ack.lab.p99`,
        source: 'issue 11 item 3',
        what: `${what} acknowledged round trip p99 across the PC-port lab, to the TLS ping-pong p99 over the same veth (p99.9 ${rtt[what].p999} us, worst ${rtt[what].max} us)`,
        figure: `ethernet.roundTrips.${what}`,
        value: rtt[what].p99,
        unit: 'us',
        baseline: tlsP99,
        factor: GOALS.ackP99RatioToTls,
        variants: conditionVariants(conditions, what, GOALS.ackP99RatioToTls, 'tlsPingPong p99 (lab)'),
      });
    const ms = (name: string, source: string, what: string, figure: string, value: number, max: number) =>
      absoluteGoal({ name, source, what, figure: `ethernet.${figure}`, value, unit: 'ms', max });
    const goals: Goal[] = [
      ackGoal('lock'),
      ackGoal('dial'),
      ms(
        'linkUpToListed.p50',
        'issue 3',
        "the PC's link up → the phone listed",
        'linkUp.listed',
        linkListed.p50,
        GOALS.linkUpToListedMs,
      ),
      ms(
        'phoneBoot.companionPart.p50',
        'issue 3',
        'the phone first heard (its first probe or announcement) → Auto-paired session ready, the link up and its round passed before the phone started',
        'phoneBoot.companionPart',
        bootCompanion.p50,
        GOALS.companionPartMs,
      ),
      ms(
        'phoneBoot.toReady.p50',
        'issue 3; issue 11 item 4',
        'phone simulator spawned → Auto-paired session ready, the link up and its round passed before (with the link at the same instant: ethernet.phoneBootWithLink.total)',
        'phoneBoot.total',
        bootTotal.p50,
        GOALS.bootToReadyMs,
      ),
      ms(
        'reconnectAfterLink.p50',
        'issue 3',
        'link down/up (3.5 s) → session ready',
        'reconnectAfterLinkDownUp.replug',
        reconnectLink.p50,
        GOALS.reconnectMs,
      ),
      ms(
        'reconnectAfterReboot.p50',
        'issue 3',
        "phone restarted: its 'ready' → session ready",
        'reconnectAfterReboot.fromListening',
        reconnectReboot.p50,
        GOALS.reconnectMs,
      ),
      ms(
        'flood.found',
        'issue 3',
        'among 1,000 announcing phones: the phone listening (its mDNS probing starts) → listed',
        'flood.foundAfterListeningMs',
        foundMs,
        GOALS.floodFoundMs,
      ),
      absoluteGoal({
        name: 'flood.cpu',
        source: 'issue 3',
        what: 'companion CPU during the flood',
        figure: 'ethernet.flood.companionCpuSeconds',
        value: cpuS,
        unit: 'CPU-s',
        max: GOALS.floodCpuS,
      }),
      absoluteGoal({
        name: 'flood.memory',
        source: 'issue 3',
        what: 'companion peak RSS during the flood over its RSS before',
        figure: 'ethernet.flood.companionExtraMiB',
        value: extraMiB,
        unit: 'MiB',
        max: GOALS.floodExtraMiB,
      }),
      ms(
        'autoPairing.linkUpToReady.p50',
        'issue 11 item 4',
        `link up → Auto-paired session ready, without the claimant round's discovery window (reported apart: autoPairing.discoveryWindow); ${linkUp.oneConnection} of ${N.linkUp} sessions ran on the pairing connection`,
        'autoPairing.afterWindow',
        afterWindow.p50,
        GOALS.autoPairAfterWindowMs,
      ),
      ms(
        'phoneBoot.probing.p50',
        'issue 11 item 4',
        "the simulator's RFC 6762 probing: advertise() called → first announcement (the RFC: a random 0-250 ms, then 3 probes 250 ms apart)",
        'phoneBoot.publisherProbing',
        bootProbing.p50,
        GOALS.probingMs,
      ),
    ];
    return {
      when: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        node: process.version,
        platform: `${os.platform()} ${os.release()} ${os.arch()}`,
        network:
          'the PC-port lab: namespaces pc, phone (bridge) and lan, joined by veth pairs (test/netlab/lab.ts)',
      },
      linkUp: {
        what: "the PC's link comes up (ip link set up, timed from just before the command) with the phone already running; a fresh companion each time",
        listed: linkListed,
        paired: stats(linkUp.paired, 'ms'),
        ready: stats(linkUp.ready, 'ms'),
      },
      autoPairing: {
        what: "the same link-ups: link up → the end of the claimant round's discovery window (DISCOVERY_ROUND_MS after its query), and from there → the Auto-paired session ready (probe, pairing and session; one TLS connection for the last two when the phone offers pair-then-session)",
        discoveryWindow: stats(linkUp.window, 'ms'),
        afterWindow,
        sessionsOnPairingConnection: `${linkUp.oneConnection}/${N.linkUp}`,
      },
      phoneBoot: {
        what: "the phone simulator is started with the companion waiting, once the PC's link is up and its claimant round has passed (a phone's switch powers up before its phone application): spawnToAnnounced (Node start, identity, then probing), publisherProbing (advertise() → first announcement: bonjour-service's RFC 6762 probes), spawnToHeard (the companion hears its first probe, which carries its records, or its announcement), then the companion's part (heard → Auto-paired session ready)",
        spawnToAnnounced: stats(boot.probing, 'ms'),
        publisherProbing: bootProbing,
        spawnToHeard: stats(boot.heard, 'ms'),
        claimantRoundsAfterSpawn: stats(boot.windows, 'rounds'),
        companionPart: bootCompanion,
        total: bootTotal,
      },
      phoneBootWithLink: {
        what: "the same, with the PC's link coming up at the instant the simulator is spawned: the claimant round that starts at link up must pass its 1 s window before anything is counted, so that window is the floor here",
        spawnToAnnounced: stats(bootWithLink.probing, 'ms'),
        spawnToHeard: stats(bootWithLink.heard, 'ms'),
        claimantRoundsBeforeReady: stats(bootWithLink.windows, 'rounds'),
        readyAfterLastWindow: stats(bootWithLink.afterWindow, 'ms'),
        companionPart: stats(bootWithLink.companion, 'ms'),
        total: stats(bootWithLink.total, 'ms'),
      },
      roundTrips: {
        what: 'from the PC namespace to the phone namespace across the same veth pair and bridge, interleaved rounds: 1-byte raw TCP and TLS 1.3 ping-pong against an echo process, and lock/unlock through PhoneSession against the simulator',
        tcpPingPong: rtt.tcp,
        tlsPingPong: rtt.tls,
        othersCpuShare: shared.othersCpuShare,
        lock: { ...rtt.lock, ratioToTls: lockRatio },
        dial: {
          ...rtt.dial,
          what: 'PhoneSession dial → ack (the hangup after each untimed)',
          ratioToTls: ratios(rtt.dial, rtt.tls),
        },
      },
      roundTripConditions: {
        what: 'tls, lock and dial across the lab again, under conditions that take the machine out step by step (bench/conditions.ts); othersCpuShare: CPU used by every other process meanwhile, as a share of all CPUs',
        ...conditions,
      },
      reconnectAfterLinkDownUp: {
        what: "cable pulled (the phone-side veth down) and plugged back: ip link set up → session ready again. 'replug': after 3.5 s, as a person would; 'quickReplug': after 200 ms, when the kernel may still be retrying ARP for the data that was in flight at the pull (its 1 s retry then delays the first SYN)",
        replug: reconnectLink,
        quickReplug: stats(afterLink.quick, 'ms'),
        noticedDown: stats(afterLink.noticedDown, 'ms'),
      },
      reconnectAfterReboot: {
        what: "the phone simulator quits and is started again with the same identity and port: its 'ready' line read here → session ready (a little under the truth: the line is read after it is written)",
        fromListening: reconnectReboot,
        fromSpawn: stats(afterReboot.fromSpawn, 'ms'),
      },
      flood: {
        what: `${flooding.count as number} fake phones, each announcing from its own address once a second for ${N.floodSeconds} s; the phone on this PC's port boots 2 s into the flood`,
        foundAfterListeningMs: round2(foundMs),
        foundAfterAnnouncementMs: round2(found.t! - advertised.t!),
        foundAfterBootMs: round2(found.t! - bootAt),
        readyAfterBootMs: round2(ready.t! - bootAt),
        companionCpuSeconds: round2(cpuS),
        companionPeakRssMiB: round2((end.maxRssKiB as number) / 1024),
        companionExtraMiB: round2(extraMiB),
        table: end.table,
        discovery: end.discovery,
      },
      goals,
      durationS: Math.round((now() - startedAt) / 100) / 10,
    };
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    await lab.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await printAlone(ethernetBench, progress);
}
