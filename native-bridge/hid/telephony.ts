// Environment: any (plain TypeScript; native-bridge).
// The telephony view of a parsed report descriptor: which top-level collections are telephony devices (usage
// page 0x0B), their controls by the HID Usage Tables' names, and the role each control plays in a call.
import {
  type HidCollection,
  type HidField,
  type ReportDescriptor,
  type ReportType,
  arrayUsageCount,
  arrayUsageAt,
} from './report-descriptor.js';

export const PAGE = {
  genericDesktop: 0x01,
  keyboard: 0x07,
  led: 0x08,
  button: 0x09,
  telephony: 0x0b,
  consumer: 0x0c,
} as const;

const PAGE_NAMES: Record<number, string> = {
  0x01: 'Generic Desktop',
  0x02: 'Simulation Controls',
  0x03: 'VR Controls',
  0x04: 'Sport Controls',
  0x05: 'Game Controls',
  0x06: 'Generic Device Controls',
  0x07: 'Keyboard/Keypad',
  0x08: 'LED',
  0x09: 'Button',
  0x0a: 'Ordinal',
  0x0b: 'Telephony',
  0x0c: 'Consumer',
  0x0d: 'Digitizers',
  0x0f: 'Physical Input Device',
  0x14: 'Auxiliary Display',
  0x20: 'Sensors',
  0x84: 'Power',
  0x85: 'Battery System',
};

const TELEPHONY: Record<number, string> = {
  0x01: 'Phone',
  0x02: 'Answering Machine',
  0x03: 'Message Controls',
  0x04: 'Handset',
  0x05: 'Headset',
  0x06: 'Telephony Key Pad',
  0x07: 'Programmable Button',
  0x20: 'Hook Switch',
  0x21: 'Flash',
  0x22: 'Feature',
  0x23: 'Hold',
  0x24: 'Redial',
  0x25: 'Transfer',
  0x26: 'Drop',
  0x27: 'Park',
  0x28: 'Forward Calls',
  0x29: 'Alternate Function',
  0x2a: 'Line',
  0x2b: 'Speaker Phone',
  0x2c: 'Conference',
  0x2d: 'Ring Enable',
  0x2e: 'Ring Select',
  0x2f: 'Phone Mute',
  0x30: 'Caller ID',
  0x31: 'Send',
  0x50: 'Speed Dial',
  0x51: 'Store Number',
  0x52: 'Recall Number',
  0x53: 'Phone Directory',
  0x70: 'Voice Mail',
  0x71: 'Screen Calls',
  0x72: 'Do Not Disturb',
  0x73: 'Message',
  0x74: 'Answer On/Off',
  0x90: 'Inside Dial Tone',
  0x91: 'Outside Dial Tone',
  0x92: 'Inside Ring Tone',
  0x93: 'Outside Ring Tone',
  0x94: 'Priority Ring Tone',
  0x95: 'Inside Ringback',
  0x96: 'Priority Ringback',
  0x97: 'Line Busy Tone',
  0x98: 'Reorder Tone',
  0x99: 'Call Waiting Tone',
  0x9a: 'Confirmation Tone 1',
  0x9b: 'Confirmation Tone 2',
  0x9c: 'Tones Off',
  0x9d: 'Outside Ringback',
  0x9e: 'Ringer',
  0xb0: 'Phone Key 0',
  0xb1: 'Phone Key 1',
  0xb2: 'Phone Key 2',
  0xb3: 'Phone Key 3',
  0xb4: 'Phone Key 4',
  0xb5: 'Phone Key 5',
  0xb6: 'Phone Key 6',
  0xb7: 'Phone Key 7',
  0xb8: 'Phone Key 8',
  0xb9: 'Phone Key 9',
  0xba: 'Phone Key Star',
  0xbb: 'Phone Key Pound',
  0xbc: 'Phone Key A',
  0xbd: 'Phone Key B',
  0xbe: 'Phone Key C',
  0xbf: 'Phone Key D',
  0xc0: 'Phone Call History Key',
  0xc1: 'Phone Caller ID Key',
  0xc2: 'Phone Settings Key',
  0xf0: 'Host Control',
  0xf1: 'Host Available',
  0xf2: 'Host Call Active',
  0xf3: 'Activate Handset Audio',
  0xf4: 'Ring Type',
  0xf5: 'Re-dialable Phone Number',
  0xf8: 'Stop Ring Tone',
  0xf9: 'PSTN Ring Tone',
  0xfa: 'Host Ring Tone',
  0xfb: 'Alert Sound Error',
  0xfc: 'Alert Sound Confirm',
  0xfd: 'Alert Sound Notification',
  0xfe: 'Silent Ring',
  0x108: 'Email Message Waiting',
  0x109: 'Voicemail Message Waiting',
  0x10a: 'Host Hold',
};

const LED: Record<number, string> = {
  0x01: 'Num Lock',
  0x02: 'Caps Lock',
  0x03: 'Scroll Lock',
  0x04: 'Compose',
  0x05: 'Kana',
  0x06: 'Power',
  0x07: 'Shift',
  0x08: 'Do Not Disturb',
  0x09: 'Mute',
  0x0a: 'Tone Enable',
  0x0b: 'High Cut Filter',
  0x0c: 'Low Cut Filter',
  0x0d: 'Equalizer Enable',
  0x0e: 'Sound Field On',
  0x0f: 'Surround On',
  0x10: 'Repeat',
  0x11: 'Stereo',
  0x12: 'Sampling Rate Detect',
  0x13: 'Spinning',
  0x14: 'CAV',
  0x15: 'CLV',
  0x16: 'Recording Format Detect',
  0x17: 'Off-Hook',
  0x18: 'Ring',
  0x19: 'Message Waiting',
  0x1a: 'Data Mode',
  0x1b: 'Battery Operation',
  0x1c: 'Battery OK',
  0x1d: 'Battery Low',
  0x1e: 'Speaker',
  0x1f: 'Head Set',
  0x20: 'Hold',
  0x21: 'Microphone',
  0x22: 'Coverage',
  0x23: 'Night Mode',
  0x24: 'Send Calls',
  0x25: 'Call Pickup',
  0x26: 'Conference',
  0x27: 'Stand-by',
  0x28: 'Camera On',
  0x29: 'Camera Off',
  0x2a: 'On-Line',
  0x2b: 'Off-Line',
  0x2c: 'Busy',
  0x2d: 'Ready',
  0x2e: 'Paper-Out',
  0x2f: 'Paper-Jam',
  0x30: 'Remote',
  0x31: 'Forward',
  0x32: 'Reverse',
  0x33: 'Stop',
  0x34: 'Rewind',
  0x35: 'Fast Forward',
  0x36: 'Play',
  0x37: 'Pause',
  0x38: 'Record',
  0x39: 'Error',
  0x4b: 'Generic Indicator',
};

const CONSUMER: Record<number, string> = {
  0x01: 'Consumer Control',
  0xb0: 'Play',
  0xb1: 'Pause',
  0xb2: 'Record',
  0xb3: 'Fast Forward',
  0xb4: 'Rewind',
  0xb5: 'Scan Next Track',
  0xb6: 'Scan Previous Track',
  0xb7: 'Stop',
  0xcd: 'Play/Pause',
  0xe2: 'Mute',
  0xe9: 'Volume Increment',
  0xea: 'Volume Decrement',
};

const hex = (value: number, digits: number) => `0x${value.toString(16).toUpperCase().padStart(digits, '0')}`;

export function pageName(page: number): string {
  if (page >= 0xff00) return `Vendor-defined ${hex(page, 4)}`;
  return PAGE_NAMES[page] ?? `Page ${hex(page, 2)}`;
}

/** The HID Usage Tables' name of a usage, or a page-qualified hex form for usages it does not name. */
export function usageName(page: number, id: number): string {
  const named =
    page === PAGE.telephony
      ? TELEPHONY[id]
      : page === PAGE.led
        ? LED[id]
        : page === PAGE.consumer
          ? CONSUMER[id]
          : page === PAGE.button
            ? id === 0
              ? 'No Button Pressed'
              : `Button ${id}`
            : undefined;
  return named ?? `${pageName(page)} ${hex(id, page >= 0xff00 ? 4 : 2)}`;
}

/** The part a control plays in a call (controls without one are listed but not driven). */
export type ControlRole =
  | 'hook-switch'
  | 'phone-mute'
  | 'flash'
  | 'hold'
  | 'redial'
  | 'drop'
  | 'button-1'
  | 'button-7'
  | 'key'
  | 'led-off-hook'
  | 'led-mute'
  | 'led-ring'
  | 'led-hold'
  | 'led-microphone'
  | 'led-speaker'
  | 'led-on-line'
  | 'ringer';

/** Output roles, i.e. the lights and the ringer the host drives. */
export type OutputRole = Extract<ControlRole, `led-${string}` | 'ringer'>;

export type InputRole = Exclude<ControlRole, OutputRole>;

export function inputRoleOf(page: number, id: number): InputRole | undefined {
  if (page === PAGE.telephony) {
    if (id >= 0xb0 && id <= 0xbf) return 'key';
    const roles: Record<number, InputRole> = {
      0x20: 'hook-switch',
      0x2f: 'phone-mute',
      0x21: 'flash',
      0x23: 'hold',
      0x24: 'redial',
      0x26: 'drop',
    };
    return roles[id];
  }
  if (page === PAGE.button) return id === 1 ? 'button-1' : id === 7 ? 'button-7' : undefined;
  return undefined;
}

export function outputRoleOf(page: number, id: number): OutputRole | undefined {
  if (page === PAGE.telephony) return id === 0x9e ? 'ringer' : undefined;
  if (page !== PAGE.led) return undefined;
  const roles: Record<number, OutputRole> = {
    0x17: 'led-off-hook',
    0x09: 'led-mute',
    0x18: 'led-ring',
    0x20: 'led-hold',
    0x21: 'led-microphone',
    0x1e: 'led-speaker',
    0x2a: 'led-on-line',
  };
  return roles[id];
}

export function roleOf(page: number, id: number, reportType: ReportType): ControlRole | undefined {
  return reportType === 'input'
    ? inputRoleOf(page, id)
    : reportType === 'output'
      ? outputRoleOf(page, id)
      : undefined;
}

/** The character a Phone Key usage stands for. */
export function keyOf(id: number): string | undefined {
  if (id >= 0xb0 && id <= 0xb9) return String(id - 0xb0);
  return ({ 0xba: '*', 0xbb: '#', 0xbc: 'A', 0xbd: 'B', 0xbe: 'C', 0xbf: 'D' } as const)[id];
}

/** One control: one value of a variable field, or one usage an array field can report. */
export interface TelephonyControl {
  name: string;
  page: number;
  usage: number;
  reportType: ReportType;
  /** 0 when the reports are not numbered. */
  reportId: number;
  /** From the start of the report, not counting the report-id byte. */
  bitOffset: number;
  bitSize: number;
  absolute: boolean;
  preferred: boolean;
  /** Array field: the value that reports this usage (variable fields: undefined). */
  arrayValue: number | undefined;
  nullState: boolean;
  logicalMinimum: number;
  logicalMaximum: number;
  role: ControlRole | undefined;
  field: HidField;
  /** Variable fields: which of the field's values this is. */
  index: number;
}

export interface TelephonyCollection {
  /** Index among the descriptor's top-level collections. */
  index: number;
  usagePage: number;
  usage: number;
  name: string;
  collection: HidCollection;
  controls: TelephonyControl[];
}

/** Array fields list at most this many usages as controls (a telephony keypad has 12 to 16). */
const MAX_ARRAY_CONTROLS = 256;

/** The data controls of a collection and the collections nested in it (constants and padding left out). */
export function controlsOf(collection: HidCollection): TelephonyControl[] {
  const controls: TelephonyControl[] = [];
  for (const field of collection.fields) {
    if (field.flags.constant || field.bitSize === 0) continue;
    const common = {
      reportType: field.reportType,
      reportId: field.reportId,
      bitSize: field.bitSize,
      absolute: !field.flags.relative,
      preferred: field.flags.preferred,
      nullState: field.flags.nullState,
      logicalMinimum: field.logicalMinimum,
      logicalMaximum: field.logicalMaximum,
      field,
    };
    if (field.flags.variable) {
      field.usages.forEach((u, index) =>
        controls.push({
          ...common,
          name: usageName(u.page, u.id),
          page: u.page,
          usage: u.id,
          bitOffset: field.bitOffset + index * field.bitSize,
          arrayValue: undefined,
          role: roleOf(u.page, u.id, field.reportType),
          index,
        }),
      );
    } else {
      const n = Math.min(arrayUsageCount(field), MAX_ARRAY_CONTROLS);
      for (let i = 0; i < n; i++) {
        const value = field.logicalMinimum + i;
        const u = arrayUsageAt(field, value);
        if (!u) break; // the logical range is narrower than the usage list
        controls.push({
          ...common,
          name: usageName(u.page, u.id),
          page: u.page,
          usage: u.id,
          bitOffset: field.bitOffset,
          arrayValue: value,
          role: roleOf(u.page, u.id, field.reportType),
          index: 0,
        });
      }
    }
  }
  return controls;
}

/** The top-level collections on the Telephony page (vendor mirrors of them are not telephony collections). */
export function telephonyCollections(descriptor: ReportDescriptor): TelephonyCollection[] {
  return descriptor.collections.flatMap((collection, index) =>
    collection.usagePage === PAGE.telephony
      ? [
          {
            index,
            usagePage: collection.usagePage,
            usage: collection.usage,
            name: usageName(collection.usagePage, collection.usage),
            collection,
            controls: controlsOf(collection),
          },
        ]
      : [],
  );
}

/** The plain-data form of a control (`btoe hid describe --json`). */
export function controlSummary(control: TelephonyControl) {
  return {
    name: control.name,
    page: control.page,
    usage: control.usage,
    reportType: control.reportType,
    reportId: control.reportId,
    bitOffset: control.bitOffset,
    bitSize: control.bitSize,
    absolute: control.absolute,
    preferred: control.preferred,
    ...(control.arrayValue === undefined ? {} : { arrayValue: control.arrayValue }),
    ...(control.nullState ? { nullState: true } : {}),
    logicalMinimum: control.logicalMinimum,
    logicalMaximum: control.logicalMaximum,
  };
}
