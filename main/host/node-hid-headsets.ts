// Environment: Node (OS adapter).
// The core's HeadsetSource over node-hid: telephony collections found by node-hid's enumeration, opened
// non-exclusively, each with its report descriptor. node-hid does not expose descriptors, so they are read
// from sysfs (Linux hidraw); elsewhere a device is listed with the reason it cannot be driven. A node-hid that
// cannot load (no libudev, no libusb, no native build) makes the listing say so instead of crashing.
import { readdirSync } from 'node:fs';
import { readDescriptor } from '../../native-bridge/hid/descriptor-source.js';
import {
  type NodeHidLoader,
  type TelephonyHidDeviceInfo,
  discoverTelephonyDevices,
  loadNodeHid,
  openTelephonyDevice,
} from '../../native-bridge/hid/discovery.js';
import type { HeadsetListing, HeadsetSource, OpenedHeadset } from '../core/ports/headset-source.js';

export class NodeHidHeadsetSource implements HeadsetSource {
  constructor(
    private readonly loader: NodeHidLoader = loadNodeHid,
    /** Reads /dev/hidrawN's descriptor (from sysfs). */
    private readonly descriptorOf: (path: string) => Promise<Uint8Array> = async (path) =>
      (await readDescriptor(path)).bytes,
  ) {}

  async list(): Promise<HeadsetListing> {
    // Linux: node-hid lists hidraw nodes only, so with none there is nothing to find, and node-hid's native
    // code (several MB resident for the daemon's life) is not loaded until a HID device is plugged in.
    if (this.loader === loadNodeHid && !hidrawPresent()) return { available: true, devices: [] };
    const found = await discoverTelephonyDevices(this.loader);
    return found.available
      ? { available: true, devices: found.devices }
      : { available: false, reason: found.reason };
  }

  async open(info: TelephonyHidDeviceInfo): Promise<OpenedHeadset> {
    if (!/^\/dev\/hidraw\d+$/.test(info.path))
      throw new Error(
        `the report descriptor of ${info.path} cannot be read on ${process.platform} (node-hid does not expose it; Linux hidraw devices only)`,
      );
    const descriptor = await this.descriptorOf(info.path);
    return { device: await openTelephonyDevice(info.path, this.loader), descriptor };
  }
}

/** Whether /dev holds a hidraw node; true where that cannot be told (not Linux, /dev unreadable). */
function hidrawPresent(): boolean {
  if (process.platform !== 'linux') return true;
  try {
    return readdirSync('/dev').some((name) => name.startsWith('hidraw'));
  } catch {
    return true;
  }
}
