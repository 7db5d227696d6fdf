// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import type { Duplex } from 'node:stream';
import { LinkError } from '../link/errors.js';
import { readDescriptor } from './descriptor-source.js';
import { parseReportDescriptor } from './report-descriptor.js';
import { fromHidAsync } from './report-port.js';
import { HidTunnelStream } from './report-tunnel.js';
import { findTunnelReports } from './tunnel-layout.js';

/**
 * The companion's end of the secure link over HID (`hid:PATH`, e.g. hid:/dev/hidraw3): the tunnel's reports are
 * found from the device's own report descriptor, never assumed, and node-hid is loaded only here, so a machine
 * without libusb/libudev loses this transport, not the companion.
 */
export async function openHidLink(path: string, timeoutMs: number): Promise<Duplex> {
  let reports;
  try {
    reports = findTunnelReports(parseReportDescriptor((await readDescriptor(path)).bytes));
  } catch (error) {
    throw new LinkError('unreachable', `hid:${path} cannot carry the link: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let hid: typeof import('node-hid');
  try {
    hid = await import('node-hid');
  } catch (error) {
    throw new LinkError(
      'unreachable',
      `HID is not available on this PC (node-hid could not load: ${(error as Error).message}); install libusb-1.0 and libudev`,
      { cause: error },
    );
  }
  let device;
  try {
    device = await hid.HIDAsync.open(path);
  } catch (error) {
    throw new LinkError('unreachable', `cannot open hid:${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return HidTunnelStream.connect(fromHidAsync(device, { ...reports, name: `hid:${path}` }), { timeoutMs });
}
