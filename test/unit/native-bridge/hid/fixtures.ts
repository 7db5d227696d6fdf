import { readFileSync } from 'node:fs';
import {
  type ReportDescriptor,
  parseReportDescriptor,
  reportOf,
} from '../../../../native-bridge/hid/report-descriptor.js';
import { type TelephonyControl, telephonyCollections } from '../../../../native-bridge/hid/telephony.js';
import type { FakeHidDevice } from './fake-hid-device.js';

export const FIXTURES = [
  'jabra-evolve-link-ms',
  'jabra-biz2400ii',
  'plantronics-blackwire-c5220',
  'plantronics-blackwire3220',
  'poly-bt700',
  'sennheiser-sc660-anc-usb',
  'epos-impact-dw',
] as const;

export type FixtureName = (typeof FIXTURES)[number];

export function fixtureBytes(name: FixtureName): Uint8Array {
  const text = readFileSync(
    new URL(`../../../fixtures/hid-descriptors/${name}.hex`, import.meta.url),
    'utf8',
  );
  return Uint8Array.from(text.trim().split(/\s+/), (b) => parseInt(b, 16));
}

export const fixture = (name: FixtureName): ReportDescriptor => parseReportDescriptor(fixtureBytes(name));

/** Independent of the code under test: little-endian bit access as HID defines it. */
export function setBits(payload: Uint8Array, bitOffset: number, bitSize: number, value: number): void {
  for (let i = 0; i < bitSize; i++) {
    const bit = bitOffset + i;
    const mask = 1 << (bit & 7);
    if ((value >> i) & 1) payload[bit >> 3]! |= mask;
    else payload[bit >> 3]! &= ~mask;
  }
}

export function getBits(payload: Uint8Array, bitOffset: number, bitSize: number): number {
  let value = 0;
  for (let i = 0; i < bitSize; i++) {
    const bit = bitOffset + i;
    value |= ((payload[bit >> 3]! >> (bit & 7)) & 1) << i;
  }
  return value;
}

/** The telephony controls of a descriptor (all telephony collections). */
export const telephonyControls = (descriptor: ReportDescriptor): TelephonyControl[] =>
  telephonyCollections(descriptor).flatMap((t) => t.controls);

/**
 * The user side of a device: holds the current state of each input report and sends the whole report on
 * every change, as devices do. Positions come from the parser; nothing is written by hand.
 */
export class DeviceUser {
  private readonly inputs = new Map<number, Uint8Array>();
  readonly controls: TelephonyControl[];

  constructor(
    readonly device: FakeHidDevice,
    readonly descriptor: ReportDescriptor,
  ) {
    this.controls = telephonyControls(descriptor);
  }

  has(name: string): boolean {
    return this.controls.some((c) => c.reportType === 'input' && c.name === name);
  }

  input(name: string): TelephonyControl {
    const control = this.controls.find((c) => c.reportType === 'input' && c.name === name);
    if (!control) throw new Error(`no input control "${name}"`);
    return control;
  }

  /** Sets a control (variable: the value; array: 1 selects the control's usage, 0 releases) and sends. */
  set(name: string, value: number): void {
    const control = this.input(name);
    this.setControl(control, value);
  }

  setControl(control: TelephonyControl, value: number): void {
    const payload = this.payload(control.reportId);
    let bits = value;
    if (control.arrayValue !== undefined) bits = value ? control.arrayValue : restOf(control);
    setBits(payload, control.bitOffset, control.bitSize, bits & (2 ** control.bitSize - 1));
    this.send(control.reportId);
  }

  /** A momentary press: the control goes to 1 and back. */
  press(name: string): void {
    this.set(name, 1);
    this.set(name, 0);
  }

  send(reportId: number): void {
    const payload = this.payload(reportId);
    this.device.input(this.descriptor.numbered ? [reportId, ...payload] : [...payload]);
  }

  /** Sends an arbitrary report (another collection's, a vendor mirror's). */
  raw(bytes: number[]): void {
    this.device.input(bytes);
  }

  private payload(reportId: number): Uint8Array {
    let payload = this.inputs.get(reportId);
    if (!payload) {
      payload = new Uint8Array(reportOf(this.descriptor, 'input', reportId)!.byteLength);
      this.inputs.set(reportId, payload);
    }
    return payload;
  }
}

/** A released array field: an out-of-range (null) value when the field has room for one, else 0. */
function restOf(control: TelephonyControl): number {
  const beyond = control.logicalMaximum + 1;
  return beyond < 2 ** control.bitSize ? beyond : 0;
}

/** What the device shows: the last write of each output report, read at the parser's positions. */
export function deviceLights(device: FakeHidDevice, descriptor: ReportDescriptor): Map<string, number> {
  const last = new Map<number, Buffer>();
  for (const w of device.writes) last.set(w[0]!, w);
  const lights = new Map<string, number>();
  for (const c of telephonyControls(descriptor)) {
    if (c.reportType !== 'output') continue;
    const write = last.get(descriptor.numbered ? c.reportId : 0);
    if (write) lights.set(c.name, getBits(write.subarray(1), c.bitOffset, c.bitSize));
  }
  return lights;
}
