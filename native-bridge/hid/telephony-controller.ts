// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
// Drives a call on a HID telephony device (headset, handset, speakerphone) from its parsed report descriptor
// alone: no report id or bit position is hard-coded. What softphones do (../shared notes, "Driving a call"):
// ring with LED Ring and the Ringer; answer when the device reports Hook Switch = 1; hang up on Hook Switch = 0
// or Drop; acknowledge Phone Mute with LED Mute (and Microphone); hold with Off-Hook = 0 + Hold = 1; reject
// with Button 1 or 7; every write carries the full state of its report; hook input that echoes a change of
// Off-Hook made by the host is ignored for a while.
import { EventEmitter } from 'node:events';
import type { HIDAsync } from 'node-hid';
import {
  type HidField,
  type HidReportInfo,
  type ReportDescriptor,
  arrayUsageAt,
  readFieldValue,
  reportOf,
  writeFieldValue,
} from './report-descriptor.js';
import {
  type InputRole,
  type OutputRole,
  type TelephonyCollection,
  inputRoleOf,
  keyOf,
  outputRoleOf,
  telephonyCollections,
} from './telephony.js';

/** The part of node-hid's async device (HIDAsync) the controller uses, with node-hid's signatures. */
export interface TelephonyHidDevice {
  write(values: number[] | Buffer): Promise<number>;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  close(): Promise<void>;
}

/** Compile-time proof that a node-hid HIDAsync is a TelephonyHidDevice. */
export const hidAsyncIsTelephonyHidDevice: (device: HIDAsync) => TelephonyHidDevice = (device) => device;

export type CallState = 'idle' | 'ringing' | 'active' | 'held';

export interface TelephonyControllerEvents {
  /** The user answered on the device (Hook Switch went on while ringing). */
  answer: [];
  /** The user ended the call on the device (Hook Switch off, or Drop). */
  hangup: [];
  /** The user toggled mute on the device; the lights already show it. */
  mute: [muted: boolean];
  /** The user rejected the ringing call (Button 1 or 7, or Drop). */
  reject: [];
  hold: [];
  resume: [];
  flash: [];
  redial: [];
  /** A keypad key: '0'-'9', '*', '#', 'A'-'D'. */
  key: [key: string];
  /** The device failed (read error, write error): the controller is of no more use. */
  error: [error: Error];
}

export interface TelephonyControllerOptions {
  /** Milliseconds clock (injectable for tests). */
  now?: () => number;
  /** How long hook input is ignored after the host changes Off-Hook. */
  echoSuppressionMs?: number;
  /** Flash puts an active call on hold and resumes a held one (what most softphones do). */
  flashTogglesHold?: boolean;
}

/** Which telephony collections the descriptor has nothing to drive with. */
export class TelephonyLayoutError extends Error {
  override readonly name = 'TelephonyLayoutError';
}

interface InputVariable {
  kind: 'variable';
  role: InputRole;
  usage: number;
  field: HidField;
  index: number;
  /** The value in an all-zero report: a device at rest. */
  rest: number;
}

interface InputArray {
  kind: 'array';
  field: HidField;
}

interface OutputReport {
  info: HidReportInfo;
  controls: { role: OutputRole | undefined; field: HidField; index: number }[];
}

interface InputReport {
  info: HidReportInfo;
  variables: InputVariable[];
  arrays: InputArray[];
}

const usageKey = (page: number, id: number) => page * 0x10000 + id;

/** The input and output reports of the telephony collections, by report id. */
export interface TelephonyLayout {
  numbered: boolean;
  collections: TelephonyCollection[];
  inputs: Map<number, InputReport>;
  outputs: Map<number, OutputReport>;
}

export function telephonyLayout(descriptor: ReportDescriptor): TelephonyLayout {
  const collections = telephonyCollections(descriptor);
  if (collections.length === 0)
    throw new TelephonyLayoutError('the device has no telephony collection (usage page 0x0B)');
  const inputs = new Map<number, InputReport>();
  const outputs = new Map<number, OutputReport>();
  for (const { collection } of collections) {
    for (const field of collection.fields) {
      if (field.reportType === 'feature') continue;
      const info = reportOf(descriptor, field.reportType, field.reportId)!;
      if (field.reportType === 'output') {
        let report = outputs.get(field.reportId);
        if (!report) outputs.set(field.reportId, (report = { info, controls: [] }));
        if (field.flags.constant || !field.flags.variable) {
          report.controls.push({ role: undefined, field, index: -1 });
          continue;
        }
        for (let index = 0; index < field.count; index++) {
          const u = field.usages[index];
          report.controls.push({ role: u && outputRoleOf(u.page, u.id), field, index });
        }
        continue;
      }
      if (field.flags.constant) continue;
      let report = inputs.get(field.reportId);
      if (!report) inputs.set(field.reportId, (report = { info, variables: [], arrays: [] }));
      if (!field.flags.variable) {
        report.arrays.push({ kind: 'array', field });
        continue;
      }
      field.usages.forEach((u, index) => {
        const role = inputRoleOf(u.page, u.id);
        if (!role) return;
        const rest = readFieldValue(new Uint8Array(info.byteLength), field, index) ?? 0;
        report.variables.push({ kind: 'variable', role, usage: usageKey(u.page, u.id), field, index, rest });
      });
    }
  }
  return { numbered: descriptor.numbered, collections, inputs, outputs };
}

export interface TelephonyCapabilities {
  answer: boolean;
  reject: boolean;
  mute: boolean;
  hold: boolean;
  keypad: boolean;
  redial: boolean;
  /** The lights (and ringer) the device has. */
  lights: OutputRole[];
}

/** The lights (and ringer) the controller drives, derived from the call state. */
export type LightState = Record<OutputRole, boolean>;

export class TelephonyController extends EventEmitter<TelephonyControllerEvents> {
  readonly layout: TelephonyLayout;
  private readonly now: () => number;
  private readonly echoMs: number;
  private readonly flashTogglesHold: boolean;
  private callState: CallState = 'idle';
  private isMuted = false;
  private echoUntil = Number.NEGATIVE_INFINITY;
  private lastOffHook: boolean | undefined;
  /** Last value of each input variable, by `${reportId}:${bit}`. */
  private readonly levels = new Map<string, number>();
  /** Usages each array field reports, by `${reportId}:${bit}`. */
  private readonly arrayActive = new Map<string, Set<number>>();
  private readonly written = new Map<number, string>();
  private writes: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly device: TelephonyHidDevice,
    descriptor: ReportDescriptor | TelephonyLayout,
    options: TelephonyControllerOptions = {},
  ) {
    super();
    this.layout = 'inputs' in descriptor ? descriptor : telephonyLayout(descriptor);
    this.now = options.now ?? (() => performance.now());
    this.echoMs = options.echoSuppressionMs ?? 500;
    this.flashTogglesHold = options.flashTogglesHold ?? true;
    for (const [id, report] of this.layout.inputs) {
      const zero = new Uint8Array(report.info.byteLength);
      for (const a of report.arrays)
        this.arrayActive.set(`${id}:${a.field.bitOffset}`, activeUsages(zero, a.field));
    }
    device.on('data', (data: Buffer) => this.handleInput(data));
    device.on('error', (error: Error) => this.fail(error));
  }

  /** What the user can do on this device, for the UI (e.g. whether it can reject a call). */
  get capabilities(): TelephonyCapabilities {
    const inputs = new Set<InputRole>();
    for (const report of this.layout.inputs.values()) {
      for (const v of report.variables) inputs.add(v.role);
      for (const { field } of report.arrays)
        for (const span of field.usageSpans)
          for (let id = span.min; id <= Math.min(span.max, span.min + 255); id++) {
            const role = inputRoleOf(span.page, id);
            if (role) inputs.add(role);
          }
    }
    const outputs = new Set<OutputRole>();
    for (const report of this.layout.outputs.values())
      for (const c of report.controls) if (c.role) outputs.add(c.role);
    return {
      answer: inputs.has('hook-switch'),
      reject: inputs.has('button-1') || inputs.has('button-7') || inputs.has('drop'),
      mute: inputs.has('phone-mute'),
      hold: inputs.has('hold') || (this.flashTogglesHold && inputs.has('flash')),
      keypad: inputs.has('key'),
      redial: inputs.has('redial'),
      lights: [...outputs],
    };
  }

  get state(): CallState {
    return this.callState;
  }

  get muted(): boolean {
    return this.isMuted;
  }

  /** What the lights show now. */
  get lights(): LightState {
    const s = this.callState;
    const inCall = s === 'active' || s === 'held';
    const muted = inCall && this.isMuted;
    return {
      'led-off-hook': s === 'active',
      'led-ring': s === 'ringing',
      ringer: s === 'ringing',
      'led-hold': s === 'held',
      'led-mute': muted,
      'led-microphone': muted,
      'led-on-line': inCall,
      'led-speaker': false,
    };
  }

  /** An incoming call: ring (LED Ring and the Ringer). */
  ring(): void {
    if (this.callState !== 'idle') return;
    this.set('ringing');
  }

  /** The call is connected (answered elsewhere, or an outgoing call): Off-Hook on. */
  callConnected(): void {
    if (this.callState === 'active') return;
    if (this.callState !== 'held') this.isMuted = false;
    this.set('active');
  }

  /** The call ended (or the ringing stopped): all lights off. */
  callEnded(): void {
    this.isMuted = false;
    this.set('idle');
  }

  /** Mute or unmute from the host; only during a call (returns whether it applied). */
  setMuted(muted: boolean): boolean {
    if (this.callState !== 'active' && this.callState !== 'held') return false;
    this.isMuted = muted;
    this.sync();
    return true;
  }

  /** Hold (Off-Hook off, Hold on) or resume the call from the host (returns whether it applied). */
  setHeld(held: boolean): boolean {
    if (held && this.callState === 'active') this.set('held');
    else if (!held && this.callState === 'held') this.set('active');
    else return false;
    return true;
  }

  /** Resolves when every write so far has been handed to the device. */
  flush(): Promise<void> {
    return this.writes;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.writes;
    await this.device.close();
  }

  /** One input report as node-hid delivers it (report id first when the reports are numbered). */
  handleInput(data: Uint8Array): void {
    if (this.closed || data.length === 0) return;
    const id = this.layout.numbered ? data[0]! : 0;
    const report = this.layout.inputs.get(id);
    if (!report) return; // another collection's report (consumer keys, vendor)
    const payload = this.layout.numbered ? data.subarray(1) : data;
    for (const control of report.variables) {
      const value = readFieldValue(payload, control.field, control.index);
      if (value === undefined) continue; // a short report
      const key = `${id}:${control.field.bitOffset + control.index * control.field.bitSize}`;
      const previous = this.levels.get(key) ?? control.rest;
      this.levels.set(key, value);
      if (value !== previous) this.onChange(control, value, previous);
    }
    for (const { field } of report.arrays) {
      if (field.bitOffset + field.bitSize * field.count > payload.length * 8) continue;
      const key = `${id}:${field.bitOffset}`;
      const before = this.arrayActive.get(key) ?? new Set<number>();
      const now = activeUsages(payload, field);
      this.arrayActive.set(key, now);
      for (const usage of now) {
        if (before.has(usage)) continue;
        const page = Math.floor(usage / 0x10000);
        const role = inputRoleOf(page, usage % 0x10000);
        if (role) this.onPress(role, usage % 0x10000);
      }
    }
  }

  private onChange(control: InputVariable, value: number, previous: number): void {
    switch (control.role) {
      case 'hook-switch': {
        const request = onOff(control.field, value, previous, this.callState === 'active');
        if (request !== undefined) this.onHook(request);
        return;
      }
      case 'phone-mute': {
        const request = onOff(control.field, value, previous, this.isMuted);
        if (request !== undefined) this.onMute(request);
        return;
      }
      case 'hold': {
        const request = onOff(control.field, value, previous, this.callState === 'held');
        if (request === true && this.callState === 'active') this.deviceSet('held', 'hold');
        else if (request === false && this.callState === 'held') this.deviceSet('active', 'resume');
        return;
      }
      default:
        // Momentary controls: act on the press (the value leaves rest), not on the release.
        if (value !== 0 && previous === 0) this.onPress(control.role, control.usage % 0x10000);
    }
  }

  private onPress(role: InputRole, id: number): void {
    const state = this.callState;
    switch (role) {
      case 'flash':
        this.emit('flash');
        if (this.flashTogglesHold && state === 'active') this.deviceSet('held', 'hold');
        else if (this.flashTogglesHold && state === 'held') this.deviceSet('active', 'resume');
        return;
      case 'redial':
        this.emit('redial');
        return;
      case 'drop':
        if (state === 'ringing') this.deviceEnd('reject');
        else if (state === 'active' || state === 'held') this.deviceEnd('hangup');
        return;
      case 'button-1':
      case 'button-7':
        if (state === 'ringing') this.deviceEnd('reject');
        return;
      case 'key': {
        const key = keyOf(id);
        if (key) this.emit('key', key);
        return;
      }
      default:
        return;
    }
  }

  private onHook(offHook: boolean): void {
    // The device echoes a change of Off-Hook made by the host: that is not the user.
    if (this.now() < this.echoUntil) return;
    const state = this.callState;
    if (offHook && state === 'ringing') {
      this.isMuted = false;
      this.deviceSet('active', 'answer');
    } else if (offHook && state === 'held') this.deviceSet('active', 'resume');
    else if (!offHook && state === 'active') this.deviceEnd('hangup');
    // On hook while held: the echo of Off-Hook = 0, however late. Off hook while idle: nothing to answer.
  }

  private onMute(muted: boolean): void {
    if (this.callState !== 'active' && this.callState !== 'held') {
      // Mute works only off hook: tell the device the truth so it does not keep its own mute light on.
      this.sync(['led-mute', 'led-microphone']);
      return;
    }
    const changed = muted !== this.isMuted;
    this.isMuted = muted;
    // The device reverts unless the host acknowledges, so write even when nothing changed.
    this.sync(['led-mute', 'led-microphone']);
    if (changed) this.emit('mute', muted);
  }

  private deviceSet(state: CallState, event: 'answer' | 'hold' | 'resume'): void {
    this.set(state);
    this.emit(event);
  }

  private deviceEnd(event: 'hangup' | 'reject'): void {
    this.isMuted = false;
    this.set('idle');
    this.emit(event);
  }

  private set(state: CallState): void {
    this.callState = state;
    this.sync();
  }

  /** Writes every output report whose content changed, and those holding a `force`d light. */
  private sync(force: OutputRole[] = []): void {
    if (this.closed) return;
    const lights = this.lights;
    if (this.lastOffHook !== undefined && this.lastOffHook !== lights['led-off-hook'])
      this.echoUntil = this.now() + this.echoMs;
    this.lastOffHook = lights['led-off-hook'];
    for (const [id, report] of this.layout.outputs) {
      const payload = new Uint8Array(report.info.byteLength);
      let forced = false;
      for (const { role, field, index } of report.controls) {
        if (index < 0) continue; // constant padding and arrays stay 0
        const on = role !== undefined && lights[role];
        if (role && force.includes(role)) forced = true;
        writeFieldValue(payload, field, levelValue(field, on), index);
      }
      const bytes = [id, ...payload];
      const signature = bytes.join(',');
      if (!forced && this.written.get(id) === signature) continue;
      this.written.set(id, signature);
      this.writes = this.writes.then(() => this.write(bytes));
    }
  }

  private async write(bytes: number[]): Promise<void> {
    try {
      await this.device.write(bytes);
    } catch (error) {
      this.fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private fail(error: Error): void {
    if (this.listenerCount('error') > 0) this.emit('error', error);
  }
}

/** The usages an array field reports in a payload (null and out-of-range values report none). */
function activeUsages(payload: Uint8Array, field: HidField): Set<number> {
  const active = new Set<number>();
  for (let i = 0; i < field.count; i++) {
    const value = readFieldValue(payload, field, i);
    const usage = value === undefined ? undefined : arrayUsageAt(field, value);
    if (usage) active.add(usageKey(usage.page, usage.id));
  }
  return active;
}

/**
 * Decodes an On/Off Control (HUT 3.4.1.2) by its encoding: two buttons (relative, -1 off / +1 on), a toggle
 * button (relative: the press toggles `current`), or a toggle switch (absolute: the value is the state).
 * Returns the requested state, or undefined when the change requests nothing (a release).
 */
export function onOff(
  field: HidField,
  value: number,
  previous: number,
  current: boolean,
): boolean | undefined {
  if (field.flags.relative) {
    if (field.logicalMinimum < 0) return value > 0 ? true : value < 0 ? false : undefined;
    return value > 0 && previous <= 0 ? !current : undefined;
  }
  return value !== 0;
}

/** The value that turns an output on or off within the field's logical range. */
function levelValue(field: HidField, on: boolean): number {
  const { logicalMinimum: min, logicalMaximum: max } = field;
  if (on) return 1 >= min && 1 <= max ? 1 : max;
  return 0 >= min && 0 <= max ? 0 : min;
}
