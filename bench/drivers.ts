// Environment: Node (benchmarks, run by npm run bench).
// Issue 10: click → phone dialing and call-state latency per phone driver, against each simulator as a separate
// process over loopback: the open protocol (PhoneSession), Yealink (Action URI out, Action URL back through the
// companion's event listener). `clickToDialing`: driver.dial() called → the simulator reports the call dialing
// (its stdout line read here); `callState`: dial() called → the driver's own `call` event (the state as the
// companion sees it: an ack'd event over the link, or the phone's Action URL through the listener).
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Companion } from '../main/core/companion.js';
import { vendorDeviceId } from '../main/core/pairing-store.js';
import type { PhoneDriver } from '../main/core/phone-driver.js';
import { resolvePolicy } from '../main/core/policy.js';
import type { VendorPhone } from '../main/core/vendor-phone.js';
import { addVendorPhone } from '../main/core/vendor-phones.js';
import { PhoneEventListener } from '../native-bridge/vendor/event-listener.js';
import {
  Child,
  LOOPBACK as HOST,
  Leftovers,
  SIMULATOR,
  type ChildEvent,
  now,
  sinceMs,
  stats,
} from './measure.js';

const N = { warmup: 3, samples: 30 } as const;
/** A number every driver dials: digits only, as the core's rules hand it to a driver. */
const NUMBER = '+442079460018';

const progress = (message: string) => process.stderr.write(`bench: drivers: ${message}\n`);

async function companionIn(dir: string): Promise<Companion> {
  return Companion.open({
    storeDir: dir,
    policy: resolvePolicy([
      {
        kind: 'candidate',
        location: 'the benchmark',
        values: { EnableBetterTogetherOverEthernet: true, BetterTogetherOverEthernetPairingMode: 'Manual' },
      },
    ]),
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The next `call` event of the driver in one of `states`. */
function driverCall(driver: PhoneDriver, states: readonly string[]): Promise<bigint> {
  return new Promise((resolve) => {
    const on = (call: { state: string }) => {
      if (!states.includes(call.state)) return;
      driver.off('call', on);
      resolve(now());
    };
    driver.on('call', on);
  });
}

/** Dial, see it dialling on the phone and at the PC, hang up, see it ended at both; N times. */
async function measure(
  driver: PhoneDriver,
  phone: Child,
  dialing: (e: ChildEvent) => boolean,
  ended: (e: ChildEvent) => boolean,
) {
  const clickToDialing: number[] = [];
  const callState: number[] = [];
  for (let i = 0; i < N.warmup + N.samples; i++) {
    const onPhone = phone.next(dialing);
    const atPc = driverCall(driver, ['dialing', 'ringback', 'connected']);
    const t0 = now();
    await driver.dial(NUMBER);
    const [phoneAt, pcAt] = await Promise.all([onPhone, atPc]);
    if (i >= N.warmup) {
      clickToDialing.push(sinceMs(t0, phoneAt.at));
      callState.push(sinceMs(t0, pcAt));
    }
    const gone = phone.next(ended);
    const idle = driverCall(driver, ['ended', 'failed']);
    await driver.hangup();
    await Promise.all([gone, idle]);
  }
  return {
    clickToDialing: {
      ...stats(clickToDialing, 'ms'),
      what: "driver.dial() called → the phone simulator's line saying the call is dialling, read by this process",
    },
    callState: {
      ...stats(callState, 'ms'),
      what: "driver.dial() called → the driver's call event at the PC (the state the window and btoe status show)",
    },
  };
}

async function openProtocol(leftovers: Leftovers, env: NodeJS.ProcessEnv) {
  const dir = leftovers.tempDir('btoe-bench-drivers-');
  const sim = new Child('phone simulator', [SIMULATOR, '--listen', `tcp://${HOST}:0`], env, leftovers);
  const address = String((await sim.next('ready')).address);
  const companion = await companionIn(join(dir, 'companion'));
  const code = sim.next('pairing-code');
  sim.send('open-pairing');
  await companion.pair(address, String((await code).code));
  const session = await companion.reach(undefined);
  try {
    return await measure(
      session,
      sim,
      (e) => e.event === 'call' && e.state === 'dialing',
      (e) => e.event === 'call' && e.state === 'ended',
    );
  } finally {
    session.close();
    await sim.stop();
  }
}

async function yealink(leftovers: Leftovers, env: NodeJS.ProcessEnv) {
  const dir = leftovers.tempDir('btoe-bench-drivers-');
  const phonePort = await freePort();
  const url = `http://${HOST}:${phonePort}`;
  const id = vendorDeviceId('yealink', '', url);
  const listener = new PhoneEventListener({ port: 0 });
  const listenerUrl = await listener.urlFor(HOST, id);
  const sim = new Child(
    'Yealink simulator',
    [
      ...[SIMULATOR, '--api', 'yealink', '--listen', `${HOST}:${phonePort}`, '--password', 'bench'],
      ...['--limit-ip', HOST, '--no-prompt', '--answer-delay', '60000', '--action-url-base', listenerUrl],
    ],
    env,
    leftovers,
  );
  await sim.next('ready');
  const companion = await companionIn(join(dir, 'companion'));
  await addVendorPhone(companion, {
    vendor: 'yealink',
    url,
    user: 'admin',
    password: 'bench',
    unconfirmedCertificate: 'pin',
  });
  const driver = (await companion.reach(id)) as VendorPhone;
  await listener.add({
    id,
    host: HOST,
    client: driver.client,
    deliver: (events) => driver.notified(events),
  });
  try {
    return await measure(
      driver,
      sim,
      (e) => e.event === 'call' && e.state === 'dialing',
      (e) => e.event === 'call' && e.state === 'ended',
    );
  } finally {
    driver.close();
    await listener.close();
    await sim.stop();
  }
}

/** Every driver's figures; one that cannot run here is reported as such, the others still measured. */
export async function runDriversBench(): Promise<Record<string, unknown>> {
  const leftovers = new Leftovers();
  const env: NodeJS.ProcessEnv = { ...process.env, BTOE_SECRET_STORE: 'file' };
  const result: Record<string, unknown> = {
    what: `click → phone dialing and call state per phone driver, ${N.samples} dials each after ${N.warmup} warm-up, loopback`,
  };
  const drivers = { btoe: openProtocol, yealink } as const;
  try {
    for (const [name, run] of Object.entries(drivers)) {
      progress(name);
      try {
        result[name] = await run(leftovers, env);
      } catch (error) {
        result[name] = { failed: error instanceof Error ? error.message : String(error) };
      }
    }
  } finally {
    await leftovers.remove();
  }
  return result;
}
