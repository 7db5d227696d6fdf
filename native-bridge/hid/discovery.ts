// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
// Finds HID telephony devices with node-hid. node-hid is loaded lazily, by a dynamic import, so that a missing
// native piece (libudev or libusb on Linux, no prebuilt binary for this platform) is reported as a condition
// the user can act on, `{ available: false, reason }`, instead of a crash at start-up.
import type { Device, HIDAsync } from 'node-hid';
import { PAGE } from './telephony.js';

/** The part of the node-hid module discovery uses. */
export interface NodeHid {
  devicesAsync(): Promise<Device[]>;
  HIDAsync: { open(path: string, options?: { nonExclusive?: boolean }): Promise<HIDAsync> };
}

export type NodeHidLoader = () => Promise<NodeHid>;

export const loadNodeHid: NodeHidLoader = async () => {
  const module = await import('node-hid');
  return module;
};

export interface TelephonyHidDeviceInfo {
  /** What to open: on Windows each top-level collection has its own path; on Linux it is the hidraw node. */
  path: string;
  vendorId: number;
  productId: number;
  product: string | undefined;
  manufacturer: string | undefined;
  serialNumber: string | undefined;
  release: number;
  interface: number;
  usagePage: number;
  usage: number;
}

export type HidDiscovery =
  | { available: true; devices: TelephonyHidDeviceInfo[] }
  | { available: false; reason: string; detail: string };

/** Why node-hid could not be used, in words that say what to do. */
export function diagnoseNodeHidFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return (
    knownFailure(error) ?? `HID devices cannot be used: node-hid failed to load (${message.split('\n')[0]})`
  );
}

function knownFailure(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  if (
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'MODULE_NOT_FOUND' ||
    /Cannot find (package|module) 'node-hid'/.test(message)
  )
    return 'node-hid is not installed, so HID devices cannot be used (npm install node-hid)';
  if (/libudev/i.test(message))
    return 'HID devices cannot be used: libudev is missing (install libudev1, e.g. "apt install libudev1")';
  if (/libusb/i.test(message))
    return 'HID devices cannot be used: libusb-1.0 is missing (install libusb-1.0-0, e.g. "apt install libusb-1.0-0")';
  if (
    /No native build|Could not locate the bindings|NODE_MODULE_VERSION|invalid ELF|wrong ELF class/i.test(
      message,
    )
  )
    return `HID devices cannot be used: node-hid has no working native build for ${process.platform}-${process.arch} (Node ${process.versions.node})`;
  return undefined;
}

/** The telephony collections (usage page 0x0B) node-hid sees, one entry per path. */
export async function discoverTelephonyDevices(loader: NodeHidLoader = loadNodeHid): Promise<HidDiscovery> {
  let devices: Device[];
  try {
    const hid = await loader();
    // The native binding is loaded on first use, so a missing shared library shows up here too.
    devices = await hid.devicesAsync();
  } catch (error) {
    return { available: false, reason: diagnoseNodeHidFailure(error), detail: String(error) };
  }
  const seen = new Set<string>();
  const found: TelephonyHidDeviceInfo[] = [];
  for (const d of devices) {
    if (d.usagePage !== PAGE.telephony || !d.path || seen.has(d.path)) continue;
    seen.add(d.path);
    found.push({
      path: d.path,
      vendorId: d.vendorId,
      productId: d.productId,
      product: d.product,
      manufacturer: d.manufacturer,
      serialNumber: d.serialNumber,
      release: d.release,
      interface: d.interface,
      usagePage: d.usagePage,
      usage: d.usage ?? 0,
    });
  }
  return { available: true, devices: found };
}

/** node-hid is missing, or the device could not be opened; `reason` says what to do. */
export class HidUnavailableError extends Error {
  override readonly name = 'HidUnavailableError';
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(reason);
  }
}

/** Opens a device found by discoverTelephonyDevices (non-exclusively where the platform allows it). */
export async function openTelephonyDevice(
  path: string,
  loader: NodeHidLoader = loadNodeHid,
): Promise<HIDAsync> {
  let hid: NodeHid;
  try {
    hid = await loader();
  } catch (error) {
    throw new HidUnavailableError(diagnoseNodeHidFailure(error), String(error));
  }
  try {
    return await hid.HIDAsync.open(path, { nonExclusive: true });
  } catch (error) {
    const detail = String(error);
    const known = knownFailure(error);
    if (known) throw new HidUnavailableError(known, detail);
    const hint =
      process.platform === 'linux'
        ? ': check that this user may read and write it (a udev rule giving access to /dev/hidraw*)'
        : '';
    throw new HidUnavailableError(`cannot open the HID device ${path}${hint}`, detail);
  }
}
