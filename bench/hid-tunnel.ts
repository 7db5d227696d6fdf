// Environment: Node (benchmarks, run by npm run bench).
// The HID report tunnel figures: a lock round trip over the tunnel (HID report tunnel + TLS 1.3 + the
// protocol, against the phone simulator behind an in-memory HID device, simulator/hid-loopback.ts) against a
// raw report ping-pong over the SAME device: one 64-byte output report out, the device echoes it as an input
// report. The raw reports use a report id the descriptor does not declare, so the tunnel's ends ignore them
// and the idle session stays open: the two alternate in rounds, and drifting machine load hits both alike.
// Everything runs in this process: the figures are the tunnel's and TLS's cost, not a USB bus's.
//
// `node dist/bench/hid-tunnel.js` prints ONE JSON document on stdout (progress on stderr); bench.ts may
// import runHidTunnelBench() instead. Nothing leaves the process.
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseReportDescriptor } from '../native-bridge/hid/report-descriptor.js';
import { fromHidAsync, fromHidDeviceEndpoint } from '../native-bridge/hid/report-port.js';
import { HidTunnelListener, HidTunnelStream } from '../native-bridge/hid/report-tunnel.js';
import { type TunnelReports, findTunnelReports } from '../native-bridge/hid/tunnel-layout.js';
import { type Identity, createIdentity } from '../native-bridge/link/identity.js';
import { normalizePairingCode } from '../native-bridge/link/pairing-code.js';
import { pairWithPhone } from '../native-bridge/link/companion-pairing.js';
import { type PhoneConnection, connectToPhone } from '../native-bridge/link/phone-connection.js';
import { HidLoopback } from '../simulator/hid-loopback.js';
import { PhoneIdentityStore } from '../simulator/phone-identity.js';
import { type PhoneConfig, type PhoneEvent, PhoneSimulator } from '../simulator/phone.js';
import { now, ratios, sinceUs, stats } from './measure.js';

const FIXTURE = 'btoe-phone-hid-synthetic.hex';
/** A report id the descriptor does not declare: the raw ping-pong's, ignored by the tunnel's ends. */
const RAW_REPORT_ID = 0x7f;
const COMPANION = { name: 'bench PC', app: 'btoe bench' };

export interface HidTunnelBenchOptions {
  rounds?: number;
  perRound?: number;
  warmup?: number;
  progress?: (message: string) => void;
}

function fixtureBytes(): Uint8Array {
  const candidates = ['../../test/fixtures/hid-descriptors/', '../test/fixtures/hid-descriptors/'].map((p) =>
    fileURLToPath(new URL(p + FIXTURE, import.meta.url)),
  );
  const file = candidates.find((f) => existsSync(f));
  if (!file) throw new Error(`no ${FIXTURE} in ${candidates.join(' or ')}`);
  return Uint8Array.from(readFileSync(file, 'utf8').trim().split(/\s+/), (b) => parseInt(b, 16));
}

const CONFIG: PhoneConfig = {
  vendor: 'Polycom',
  family: 'VVX',
  model: 'VVX 450',
  firmware: '6.4.3',
  serial: '0004F2BENCH1',
  mac: '02:00:5e:10:00:02',
  lockType: 'phone-lock',
  pairingMode: 'manual',
  pairingWindowSeconds: 120,
  pcPortMacs: () => [],
  pin: '246810',
  user: null,
  answerDelayMs: 1000,
  webSignInSeconds: 900,
};

function nextEvent(
  phone: PhoneSimulator,
  event: PhoneEvent['event'],
  timeoutMs = 10_000,
): Promise<PhoneEvent> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the phone sent no "${event}"`)), timeoutMs);
    const on = (e: PhoneEvent) => {
      if (e.event !== event) return;
      clearTimeout(timer);
      phone.off('event', on);
      resolve(e);
    };
    phone.on('event', on);
  });
}

/** Manual pairing over one tunnel, as the companion does it (main/core/companion.ts). */
async function pair(phone: PhoneSimulator, tunnel: () => Promise<HidTunnelStream>, identity: Identity) {
  const shown = nextEvent(phone, 'pairing-code');
  phone.openPairing();
  const { code } = (await shown) as Extract<PhoneEvent, { event: 'pairing-code' }>;
  const connection = await connectToPhone(await tunnel(), {
    identity,
    purpose: 'pairing',
    companion: COMPANION,
  });
  try {
    await pairWithPhone(connection, identity, normalizePairingCode(code), 'manual', []);
    return connection.phoneId;
  } finally {
    connection.link.close();
  }
}

/** Runs the HID tunnel benchmark; resolves the figures (the caller prints them). */
export async function runHidTunnelBench(
  options: HidTunnelBenchOptions = {},
): Promise<Record<string, unknown>> {
  const rounds = options.rounds ?? 5;
  const perRound = options.perRound ?? 400;
  const warmup = options.warmup ?? 50;
  const progress = options.progress ?? (() => undefined);
  const started = now();

  const reports: TunnelReports = findTunnelReports(parseReportDescriptor(fixtureBytes()));
  const phone = new PhoneSimulator(CONFIG, await PhoneIdentityStore.open(undefined));
  const loopback = new HidLoopback();
  const listener = new HidTunnelListener(fromHidDeviceEndpoint(loopback.device, reports));
  listener.on('link', (stream) => void phone.accept(stream, 'hid'));
  const tunnel = () =>
    HidTunnelStream.connect(
      fromHidAsync(loopback.openHost(), { ...reports, name: 'the loopback HID device' }),
    );

  // The raw echo: on the device end, an output report with the raw id comes straight back as an input report.
  loopback.device.on('output', (data) => {
    if (data[0] === RAW_REPORT_ID) void loopback.device.sendInputReport(data);
  });
  const raw = loopback.openHost();
  let echoed: (() => void) | undefined;
  raw.on('data', (data: Buffer) => {
    if (data[0] === RAW_REPORT_ID) echoed?.();
  });
  raw.on('error', () => undefined);
  const rawReport = Buffer.alloc(1 + reports.reportSize, 0x5a);
  rawReport[0] = RAW_REPORT_ID;
  const ping = () =>
    new Promise<void>((resolve, reject) => {
      echoed = resolve;
      raw.write(rawReport).catch(reject);
    });

  let connection: PhoneConnection | undefined;
  try {
    progress('pairing over the HID tunnel');
    const identity = createIdentity('bench PC');
    const phoneId = await pair(phone, tunnel, identity);
    const stream = await tunnel();
    connection = await connectToPhone(stream, {
      identity,
      purpose: 'session',
      companion: COMPANION,
      isPinned: (id) => id === phoneId,
    });
    const link = connection.link;
    link.handle((event) => link.ack(event.id)); // the phone's events (state, lock-state) are acknowledged

    const lockUs: number[] = [];
    const rawUs: number[] = [];
    let reportsOut = 0;
    let reportsIn = 0;
    for (let round = 0; round < rounds; round++) {
      progress(`round ${round + 1}/${rounds}: ${perRound} lock round trips, then ${perRound} raw ping-pongs`);
      // Lock round trips: lock and unlock alternately, request → ack.
      let lockNext = true;
      for (let i = 0; i < warmup + perRound; i++) {
        const before = { out: stream.stats.reportsOut, in: stream.stats.reportsIn };
        const t0 = now();
        await link.request({ type: lockNext ? 'lock' : 'unlock' });
        if (i >= warmup) {
          lockUs.push(sinceUs(t0));
          reportsOut += stream.stats.reportsOut - before.out;
          reportsIn += stream.stats.reportsIn - before.in;
        }
        lockNext = !lockNext;
      }
      if (!lockNext) await link.request({ type: 'unlock' });

      // Raw ping-pong: one report each way through the same device.
      for (let i = 0; i < warmup + perRound; i++) {
        const t0 = now();
        await ping();
        if (i >= warmup) rawUs.push(sinceUs(t0));
      }
    }

    const lock = stats(lockUs, 'us');
    const rawStats = stats(rawUs, 'us');
    const perTrip = (n: number) => Math.round((n / lockUs.length) * 100) / 100;
    return {
      when: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
      },
      hidTunnelLockRoundTrip: {
        ...lock,
        what:
          'lock/unlock alternately, request → ack, over the HID report tunnel (TLS 1.3 in ' +
          `${reports.reportSize}-byte reports, report ids ${reports.reportId} out / ${reports.inputReportId} in) ` +
          'to the phone simulator behind an in-memory HID device, in one process',
        ratioToRawReportPingPong: ratios(lock, rawStats),
        // Counted while the lock ran, so they include the lock-state events the phone sends and acks to them.
        reportsPerRoundTrip: { out: perTrip(reportsOut), in: perTrip(reportsIn) },
      },
      rawReportPingPong: {
        ...rawStats,
        what: `one ${rawReport.length}-byte output report out, echoed as an input report, over the same device`,
      },
      tunnel: { ...stream.stats },
      rounds,
      perRound,
      durationS: Math.round(Number(now() - started) / 1e8) / 10,
    };
  } finally {
    connection?.link.close();
    phone.stop();
    listener.close();
    await raw.close().catch(() => undefined);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const result = await runHidTunnelBench({
      progress: (m) => process.stderr.write(`bench hid-tunnel: ${m}\n`),
    });
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    process.exit(0);
  } catch (error) {
    process.stderr.write(`bench hid-tunnel: failed: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  }
}
