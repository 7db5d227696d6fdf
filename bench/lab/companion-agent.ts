// Environment: Node (benchmarks, run by npm run bench).
// The companion, long-lived, for the PC-port lab (run inside the PC's namespace by the netlab tests and
// bench/ethernet.ts): discovery, Auto pairing and reconnects as main/core/phone-keeper.ts does them, with every
// event printed as one JSON line on stdout, timestamped (`t`, ms since the epoch, sub-millisecond).
// Usage: node companion-agent.js --store DIR [--no-auto]   (BTOE_SECRET_STORE, BTOE_DISCOVERY
// as for btoe). stdin commands: devices | lock | unlock | rtt ROUNDS PER_ROUND TCP_ADDRESS TLS_ADDRESS | stats |
// quit.
import net from 'node:net';
import { parseArgs } from 'node:util';
import { createInterface } from 'node:readline';
import { Companion } from '../../main/core/companion.js';
import { Nearby, discoverySetting } from '../../main/core/nearby.js';
import { PhoneKeeper } from '../../main/core/phone-keeper.js';
import { loadPolicy } from '../../main/core/policy.js';
import { parseAddress } from '../../native-bridge/link/address.js';
import { createIdentity } from '../../native-bridge/link/identity.js';
import { connectSecure } from '../../native-bridge/link/tls.js';
import { lockAndDialAtRest, pinger, stats, tcpConnect, timeEach } from '../measure.js';

const t = () => performance.timeOrigin + performance.now();
const say = (body: Record<string, unknown>) =>
  process.stdout.write(`${JSON.stringify({ ...body, t: t() })}\n`);

const { values } = parseArgs({
  options: { store: { type: 'string' }, 'no-auto': { type: 'boolean', default: false } },
});
if (!values.store) throw new Error('--store DIR is required');

const companion = await Companion.open({ storeDir: values.store, policy: await loadPolicy() });
const setting = discoverySetting();
if (!setting.enabled) throw new Error('BTOE_DISCOVERY is off: the agent needs discovery');
const nearby = await Nearby.open(companion, setting);
const keeper = new PhoneKeeper(nearby, { autoPair: !values['no-auto'] });
keeper.on('event', (event) => say(event));
nearby.discovery.on('warning', (error) => process.stderr.write(`agent: mDNS: ${error.message}\n`));
say({ event: 'started', id: companion.identity.id, links: nearby.discovery.links().map((l) => l.name) });
keeper.start();

/** A TCP connection to a tcp:// address (a link-local IPv6 one with its zone). */
async function connectTo(address: string): Promise<net.Socket> {
  const a = parseAddress(address);
  if (a.transport !== 'tcp') throw new Error('tcp only');
  const socket = await tcpConnect(a.port, a.zone ? `${a.host}%${a.zone}` : a.host);
  socket.on('error', () => undefined); // a later error ends the pings, not the agent
  return socket;
}

/** Lock and dial round trips through the whole stack, interleaved with raw TCP and TLS ping-pong over the same veth. */
async function rtt(rounds: number, perRound: number, tcpAddress: string, tlsAddress: string) {
  const session = keeper.session;
  if (!session) throw new Error('no session with the phone');
  const tcp = await connectTo(tcpAddress);
  const tls = await connectSecure(await connectTo(tlsAddress), createIdentity('BToE lab rtt'), 'session');
  const atRest = lockAndDialAtRest(session);
  const kinds: {
    name: string;
    op: () => Promise<unknown>;
    after?: () => Promise<unknown>;
    samples: number[];
  }[] = [
    { name: 'tcp', op: pinger(tcp), samples: [] },
    { name: 'tls', op: pinger(tls.socket), samples: [] },
    // As in bench.ts: each lock and dial meets the phone at rest (its events about the previous one received).
    { name: 'lock', op: atRest.lock, after: atRest.afterLock, samples: [] },
    { name: 'dial', op: atRest.dial, after: atRest.afterDial, samples: [] },
  ];
  for (const kind of kinds) await timeEach(200, kind.op, undefined, kind.after);
  for (let round = 0; round < rounds; round++) {
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[(k + round) % kinds.length]!;
      await timeEach(perRound, kind.op, kind.samples, kind.after);
    }
  }
  tcp.destroy();
  tls.socket.destroy();
  return Object.fromEntries(kinds.map((k) => [k.name, stats(k.samples, 'us')]));
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const [command = '', ...args] = line.trim().split(/\s+/);
  const run = async () => {
    switch (command) {
      case '':
        return;
      case 'devices':
        return say({ event: 'devices', devices: await nearby.devices() });
      case 'lock':
      case 'unlock': {
        const session = keeper.session;
        if (!session) throw new Error('no session with the phone');
        const t0 = performance.now();
        await (command === 'lock' ? session.lock() : session.unlock());
        return say({ event: command === 'lock' ? 'locked' : 'unlocked', ms: performance.now() - t0 });
      }
      case 'rtt':
        return say({ event: 'rtt', ...(await rtt(Number(args[0]), Number(args[1]), args[2]!, args[3]!)) });
      case 'stats': {
        const usage = process.resourceUsage();
        return say({
          event: 'stats',
          cpuUs: usage.userCPUTime + usage.systemCPUTime,
          rssBytes: process.memoryUsage.rss(),
          maxRssKiB: usage.maxRSS,
          table: nearby.discovery.phones().length,
          discovery: nearby.discovery.stats,
        });
      }
      case 'quit':
        keeper.stop();
        nearby.close();
        setTimeout(() => process.exit(0), 50);
        return;
      default:
        throw new Error(`unknown command "${command.slice(0, 32)}"`);
    }
  };
  run().catch((error: Error) => say({ event: 'error', command, message: error.message }));
});
process.stdin.on('end', () => process.exit(0));
