// Environment: Node (main process core). A port: the core owns this interface; main/host implements it with
// node-hid (node-hid-headsets.ts).
import type { TelephonyHidDeviceInfo } from '../../../native-bridge/hid/discovery.js';
import type { TelephonyHidDevice } from '../../../native-bridge/hid/telephony-controller.js';

/** The telephony devices present, or why HID cannot be used on this PC (no libudev, no libusb, ...). */
export type HeadsetListing =
  { available: true; devices: TelephonyHidDeviceInfo[] } | { available: false; reason: string };

/** An opened device: its reports, and its report descriptor (what the controller is driven from). */
export interface OpenedHeadset {
  device: TelephonyHidDevice;
  descriptor: Uint8Array;
}

/** Where headsets come from: a port the core owns; main/host implements it with node-hid. */
export interface HeadsetSource {
  list(): Promise<HeadsetListing>;
  /** Opens a listed device; rejects with an Error whose message says what to do. */
  open(device: TelephonyHidDeviceInfo): Promise<OpenedHeadset>;
}
