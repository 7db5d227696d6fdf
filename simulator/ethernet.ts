// Environment: Node (the phone simulator).
import { PhoneAdvertiser } from '../native-bridge/ethernet/advertise.js';
import { LinkWatcher } from '../native-bridge/ethernet/interfaces.js';
import { PcPort } from './pc-port.js';
import type { PhoneSimulator } from './phone.js';

/** The simulator on Ethernet: its PC port (--pc-port) and its DNS-SD advertisement (--mdns). */

let pcPort: PcPort | undefined;
let advertiser: PhoneAdvertiser | undefined;
let links: LinkWatcher | undefined;

/**
 * The PC-port MACs provider for PhoneConfig: the --pcport-mac values, plus what the bridge has learned on the
 * --pc-port interface, read afresh each time it is asked (every hello and every Auto pairing).
 */
export function pcPortMacs(fixed: readonly string[], iface: string | undefined): () => readonly string[] {
  if (iface === undefined) return () => fixed;
  try {
    pcPort = new PcPort(iface);
  } catch (error) {
    process.stderr.write(
      `phone-sim: --pc-port: ${(error as Error).message}\nRun with --help for the options.\n`,
    );
    process.exit(2);
  }
  const port = pcPort;
  return () => [...new Set([...fixed, ...port.macs()])].slice(0, 8);
}

/** One JSON event on stdout, stamped with the time it happened (ms since the epoch, sub-millisecond). */
function event(body: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ...body, t: performance.timeOrigin + performance.now() })}\n`);
}

/**
 * Publishes `_btoe._tcp` for the phone listening on `port`. Emits {"event":"advertised"} on stdout when the first
 * announcement has gone out (after the publisher's probing), and re-announces when the PC-port MACs or the
 * phone's addresses change.
 */
export async function advertise(
  phone: PhoneSimulator,
  port: number,
  log: (message: string) => void,
): Promise<void> {
  const c = phone.config;
  const claims = () => ({
    id: phone.id,
    vendor: c.vendor,
    model: c.model,
    firmware: c.firmware,
    pairingMode: c.pairingMode,
    pcPortMacs: [...c.pcPortMacs()],
  });
  const startedAt = Date.now();
  advertiser = await PhoneAdvertiser.start({
    name: `${c.vendor} ${c.model} ${phone.id.slice(0, 6)}`,
    host: `btoe-${phone.id.slice(0, 12)}.local`,
    port,
    claims: claims(),
  });
  const current = advertiser;
  current.on('warning', (error) => log(`mDNS: ${error.message}`));
  current.on('announced', () => event({ event: 'advertised', port, probingMs: Date.now() - startedAt }));
  // The watchers spawn `bridge monitor` and `ip monitor`: a moment later, so that a phone that has just started
  // answers its first connections (a reconnecting PC) without waiting on two process spawns.
  setTimeout(() => {
    if (pcPort) {
      pcPort.on('change', () => current.update(claims()));
      pcPort.watch();
    }
    links = new LinkWatcher();
    links.on('change', () => current.update(claims()));
  }, 250).unref();
}

/** Says goodbye on the network (so browsers drop the phone at once) before the simulator exits. */
export async function withdrawAdvertisement(): Promise<void> {
  links?.stop();
  pcPort?.stop();
  await advertiser?.stop();
}
