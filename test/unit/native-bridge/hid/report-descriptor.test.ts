import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type HidField,
  type ReportDescriptor,
  type ReportType,
  LIMITS,
  ReportDescriptorError,
  arrayUsageAt,
  arrayUsageCount,
  parseReportDescriptor,
  readFieldValue,
  reportOf,
  writeFieldValue,
} from '../../../../native-bridge/hid/report-descriptor.js';
import { telephonyCollections, usageName } from '../../../../native-bridge/hid/telephony.js';
import { FIXTURES, type FixtureName, fixture, fixtureBytes } from './fixtures.js';

const LED = 0x08;
const BUTTON = 0x09;
const TEL = 0x0b;
const CONSUMER = 0x0c;

/** The field (and value index) that carries a usage in a report. */
function locate(
  d: ReportDescriptor,
  type: ReportType,
  reportId: number,
  page: number,
  usage: number,
): { field: HidField; bit: number } {
  for (const field of d.fields) {
    if (field.reportType !== type || field.reportId !== reportId || field.flags.constant) continue;
    if (field.flags.variable) {
      const i = field.usages.findIndex((u) => u.page === page && u.id === usage);
      if (i >= 0) return { field, bit: field.bitOffset + i * field.bitSize };
    } else if (field.usageSpans.some((s) => s.page === page && s.min <= usage && usage <= s.max)) {
      return { field, bit: field.bitOffset };
    }
  }
  throw new Error(`${type} report ${reportId} has no ${usageName(page, usage)}`);
}

/** Asserts one-bit controls at consecutive positions with the given flags. */
function expectBits(
  d: ReportDescriptor,
  type: ReportType,
  reportId: number,
  expected: [page: number, usage: number, bit: number, flags?: 'abs' | 'abs-pref' | 'rel' | 'rel-nopref'][],
): void {
  for (const [page, usage, bit, flags] of expected) {
    const { field, bit: at } = locate(d, type, reportId, page, usage);
    expect({ name: usageName(page, usage), bit: at }).toEqual({ name: usageName(page, usage), bit });
    expect(field.bitSize).toBe(1);
    expect(field.logicalMinimum).toBe(0);
    expect(field.logicalMaximum).toBe(1);
    if (flags) {
      expect({ name: usageName(page, usage), relative: field.flags.relative }).toEqual({
        name: usageName(page, usage),
        relative: flags.startsWith('rel'),
      });
      const preferred = flags === 'abs-pref' || flags === 'rel';
      expect({ name: usageName(page, usage), preferred: field.flags.preferred }).toEqual({
        name: usageName(page, usage),
        preferred,
      });
    }
  }
}

const tops = (d: ReportDescriptor) => d.collections.map((c) => [c.usagePage, c.usage]);
const bits = (d: ReportDescriptor, type: ReportType, id: number) => reportOf(d, type, id)?.bitLength;

/** The LEDs (and Ringer) of the notes: output, one bit, absolute, no preferred state. */
const ledOutputs = (d: ReportDescriptor, id: number, list: [number, number, number][]) =>
  expectBits(
    d,
    'output',
    id,
    list.map(([p, u, b]) => [p, u, b, 'abs'] as [number, number, number, 'abs']),
  );

describe('the real descriptors (what SOURCES.md says each device declares)', () => {
  it('parses all seven without warnings', () => {
    for (const name of FIXTURES) {
      const d = fixture(name);
      expect({ name, warnings: d.warnings }).toEqual({ name, warnings: [] });
      expect(d.numbered).toBe(true);
      for (const f of d.fields) {
        const report = reportOf(d, f.reportType, f.reportId)!;
        expect(f.bitOffset + f.bitSize * f.count).toBeLessThanOrEqual(report.bitLength);
      }
    }
  });

  it('Jabra EVOLVE LINK MS: Headset, input and output 0x02, Button 7 bound at the Main item, keypad array', () => {
    const d = fixture('jabra-evolve-link-ms');
    expect(tops(d)).toEqual([
      [TEL, 0x05],
      [0xff00, 0x05],
      [CONSUMER, 0x01],
    ]);
    expectBits(d, 'input', 2, [
      [TEL, 0x20, 0, 'abs'],
      [TEL, 0x97, 1, 'abs'],
      [TEL, 0x2f, 2, 'rel'],
      [TEL, 0x21, 3, 'rel'],
      [TEL, 0x24, 4, 'rel'],
      [TEL, 0x50, 5, 'rel'],
      // `09 07 05 09 75 01 95 01 81 02`: the usage page in force at the Main item is Button.
      [BUTTON, 0x07, 6, 'abs-pref'],
    ]);
    const keypad = locate(d, 'input', 2, TEL, 0xb0).field;
    expect(keypad).toMatchObject({
      bitOffset: 7,
      bitSize: 4,
      count: 1,
      logicalMinimum: 0,
      logicalMaximum: 11,
    });
    expect(keypad.flags).toMatchObject({ variable: false, constant: false, nullState: false });
    expect(keypad.usageSpans).toEqual([{ page: TEL, min: 0xb0, max: 0xbb }]);
    expect(arrayUsageAt(keypad, 11)).toEqual({ page: TEL, id: 0xbb });
    expect(arrayUsageAt(keypad, 12)).toBeUndefined();
    // The keypad sits in a Logical collection (Telephony Key Pad) inside the Headset collection.
    expect(d.collections[0]!.children).toMatchObject([{ typeName: 'logical', usagePage: TEL, usage: 0x06 }]);
    expect(bits(d, 'input', 2)).toBe(16);
    ledOutputs(d, 2, [
      [LED, 0x17, 0],
      [LED, 0x09, 1],
      [LED, 0x18, 2],
      [LED, 0x20, 3],
      [LED, 0x21, 4],
      [TEL, 0x9e, 5],
    ]);
    expect(bits(d, 'output', 2)).toBe(16);
    // The vendor mirror: the same layout in report 0x04, on pages 0xFF30 and 0xFF40.
    expectBits(d, 'input', 4, [
      [0xff30, 0x20, 0, 'abs'],
      [0xff30, 0x2f, 2, 'rel'],
      [0xff30, 0xfffd, 5, 'rel'],
    ]);
    ledOutputs(d, 4, [
      [0xff40, 0x17, 0],
      [0xff40, 0x18, 2],
      [0xff30, 0x9e, 5],
    ]);
    expect(d.collections[1]!.fields.every((f) => f.usageSpans.every((s) => s.page !== TEL))).toBe(true);
    // 2-byte Main items (`92 02 01`, `82 02 01`): Buffered Bytes, 32 bytes each way.
    for (const type of ['output', 'input'] as const) {
      const f = locate(d, type, 5, 0xff00, 0x01).field;
      expect(f).toMatchObject({ flagBits: 0x0102, bitSize: 8, count: 32, logicalMaximum: 255 });
      expect(f.flags).toMatchObject({ bufferedBytes: true, variable: true });
    }
  });

  it('Jabra BIZ 2400 II: Voice Mail, keypad array with a Null state, then Button 7 at bit 11', () => {
    const d = fixture('jabra-biz2400ii');
    expect(tops(d)).toEqual([
      [TEL, 0x05],
      [0xff00, 0x01],
      [CONSUMER, 0x01],
    ]);
    expectBits(d, 'input', 2, [
      [TEL, 0x20, 0, 'abs'],
      [TEL, 0x97, 1, 'abs'],
      [TEL, 0x2f, 2, 'rel'],
      [TEL, 0x21, 3, 'rel'],
      [TEL, 0x24, 4, 'rel'],
      [TEL, 0x70, 5, 'rel'],
      [TEL, 0x50, 6, 'rel'],
      [BUTTON, 0x07, 11, 'abs-pref'],
    ]);
    const keypad = locate(d, 'input', 2, TEL, 0xbb).field;
    expect(keypad).toMatchObject({ bitOffset: 7, bitSize: 4, logicalMinimum: 0, logicalMaximum: 12 });
    expect(keypad.flags).toMatchObject({ variable: false, nullState: true });
    expect(arrayUsageCount(keypad)).toBe(12);
    expect(arrayUsageAt(keypad, 12)).toBeUndefined(); // in range but past the usages: no key
    ledOutputs(d, 2, [
      [LED, 0x17, 0],
      [LED, 0x09, 1],
      [LED, 0x18, 2],
      [LED, 0x20, 3],
      [LED, 0x21, 4],
      [TEL, 0x9e, 5],
    ]);
    expect([bits(d, 'input', 2), bits(d, 'output', 2)]).toEqual([16, 16]);
    for (const type of ['output', 'input'] as const)
      expect(locate(d, type, 5, 0xff00, 0x01).field).toMatchObject({ flagBits: 0x0102, count: 63 });
    expectBits(d, 'input', 4, [[0xff30, 0x20, 0, 'abs']]);
  });

  it('Plantronics Blackwire C5220: telephony third of five, one output report per LED', () => {
    const d = fixture('plantronics-blackwire-c5220');
    expect(tops(d)).toEqual([
      [CONSUMER, 0x01],
      [0xff99, 0x01],
      [TEL, 0x05],
      [0xffa2, 0x03],
      [0xffa0, 0x03],
    ]);
    expect(telephonyCollections(d).map((t) => t.index)).toEqual([2]);
    expectBits(d, 'input', 8, [
      [TEL, 0x2f, 0, 'rel'],
      [TEL, 0x20, 1, 'abs'],
      [TEL, 0x21, 2, 'abs-pref'],
      [TEL, 0x24, 3, 'rel'],
      [BUTTON, 0x07, 4, 'abs-pref'],
    ]);
    for (const [id, usage] of [
      [0x09, 0x09],
      [0x17, 0x17],
      [0x18, 0x18],
      [0x1a, 0x1e],
      [0x20, 0x20],
      [0x2a, 0x2a],
    ] as const) {
      ledOutputs(d, id, [[LED, usage, 0]]);
      expect(bits(d, 'output', id)).toBe(8);
    }
    // `15 00 27 ff ff 00 00`: a 4-byte Logical Maximum (size code 3 is four bytes, not three).
    expect(locate(d, 'input', 0x21, 0xffa2, 0x8c).field).toMatchObject({
      bitSize: 16,
      logicalMinimum: 0,
      logicalMaximum: 65535,
    });
  });

  it('Plantronics Blackwire 3220: Phone Mute, Hook Switch, Flash; LEDs 0x09 0x17 0x18 0x1E 0x20 0x2A', () => {
    const d = fixture('plantronics-blackwire3220');
    expect(tops(d)).toEqual([[TEL, 0x05]]);
    expectBits(d, 'input', 8, [
      [TEL, 0x2f, 0, 'rel'],
      [TEL, 0x20, 1, 'abs'],
      [TEL, 0x21, 2, 'abs'],
    ]);
    for (const id of [0x09, 0x17, 0x18, 0x1e, 0x20, 0x2a]) ledOutputs(d, id, [[LED, id, 0]]);
    expect(d.reports.filter((r) => r.type === 'output').map((r) => r.id)).toEqual([
      0x09, 0x17, 0x18, 0x1e, 0x20, 0x2a,
    ]);
  });

  it('Poly BT700: telephony last of five; outputs 0x21-0x25 unrelated to the usages; signed ranges', () => {
    const d = fixture('poly-bt700');
    expect(tops(d)).toEqual([
      [0xffa0, 0x03],
      [0xffa2, 0x03],
      [CONSUMER, 0x01],
      [0xff99, 0x01],
      [TEL, 0x05],
    ]);
    expect(telephonyCollections(d).map((t) => t.index)).toEqual([4]);
    expectBits(d, 'input', 0x20, [
      [TEL, 0x20, 0, 'abs'],
      [TEL, 0x2f, 1, 'rel'],
      [TEL, 0x21, 2, 'abs-pref'],
      [TEL, 0x24, 3, 'rel'],
      [BUTTON, 0x07, 4, 'rel'],
    ]);
    for (const [id, usage] of [
      [0x21, 0x18],
      [0x22, 0x1e],
      [0x23, 0x09],
      [0x24, 0x17],
      [0x25, 0x20],
    ] as const)
      ledOutputs(d, id, [[LED, usage, 0]]);
    // `16 00 80 26 ff 7f`, `15 fe 25 01`, `15 ff 25 7f`: signed logical ranges.
    expect(locate(d, 'input', 0x15, 0xffa2, 0x8c).field).toMatchObject({
      logicalMinimum: -32768,
      logicalMaximum: 32767,
    });
    expect(locate(d, 'output', 0x13, 0xffa2, 0x8f).field).toMatchObject({
      logicalMinimum: -2,
      logicalMaximum: 1,
      bitSize: 2,
    });
    expect(locate(d, 'output', 0x26, 0xffa2, 0x33).field).toMatchObject({
      logicalMinimum: -1,
      logicalMaximum: 127,
    });
  });

  it('Sennheiser SC 660 ANC USB: input 0x08 with Drop and Button 7, output 0x09 with six LEDs', () => {
    const d = fixture('sennheiser-sc660-anc-usb');
    expect(tops(d)).toEqual([
      [CONSUMER, 0x01],
      [TEL, 0x05],
      [0xffff, 0x01],
    ]);
    expectBits(d, 'input', 8, [
      [TEL, 0x2f, 0, 'rel'],
      [TEL, 0x20, 1, 'abs'],
      [TEL, 0x24, 2, 'rel'],
      [TEL, 0x21, 3, 'rel'],
      [TEL, 0x26, 4, 'rel'],
      [BUTTON, 0x07, 5, 'abs-pref'],
    ]);
    ledOutputs(d, 9, [
      [LED, 0x09, 0],
      [LED, 0x17, 1],
      [LED, 0x18, 2],
      [LED, 0x21, 3],
      [LED, 0x2a, 4],
      [LED, 0x20, 5],
    ]);
    // The vendor mirror (0xFFFF:0x01) repeats the layout on page 0xFF13 in report 0x02.
    expectBits(d, 'input', 2, [
      [0xff13, 0x20, 0, 'abs'],
      [0xff13, 0x21, 1, 'rel'],
    ]);
  });

  it('EPOS IMPACT DW: Consumer bits inside the telephony report, a nested Application collection', () => {
    const d = fixture('epos-impact-dw');
    expect(tops(d)).toEqual([
      [TEL, 0x05],
      [CONSUMER, 0x01],
      [0xff58, 0x01],
      [0xffff, 0x01],
    ]);
    expectBits(d, 'input', 2, [
      [CONSUMER, 0xea, 0, 'abs-pref'],
      [CONSUMER, 0xe9, 1, 'abs-pref'],
      [TEL, 0x20, 2, 'abs'],
      [TEL, 0x21, 3, 'rel'],
      [TEL, 0x24, 4, 'rel'],
      [TEL, 0x2f, 5, 'rel'],
      [TEL, 0x26, 6, 'rel'],
    ]);
    // `09 07 05 09 09 01 ... 81 40`: an array of [Button 7, Button 1] with a Null state in bit 7.
    const buttons = locate(d, 'input', 2, BUTTON, 0x01).field;
    expect(buttons).toMatchObject({ bitOffset: 7, bitSize: 1, count: 1 });
    expect(buttons.flags).toMatchObject({ variable: false, nullState: true });
    expect(buttons.usageSpans).toEqual([
      { page: BUTTON, min: 7, max: 7 },
      { page: BUTTON, min: 1, max: 1 },
    ]);
    expect(arrayUsageAt(buttons, 1)).toEqual({ page: BUTTON, id: 1 });
    ledOutputs(d, 3, [
      [TEL, 0x9e, 0],
      [LED, 0x17, 1],
      [LED, 0x21, 2],
      [LED, 0x18, 3],
      [LED, 0x09, 4],
      [LED, 0x2a, 5],
      [LED, 0x20, 6],
    ]);
    const tel = d.collections[0]!;
    expect(tel.children).toMatchObject([{ typeName: 'application' }]);
    // The nested collection's feature reports count as the telephony collection's fields too.
    expect(tel.fields.some((f) => f.reportType === 'feature' && f.reportId === 0x40)).toBe(true);
    // `15 00 27 ff ff 00 00` read as four bytes.
    expect(locate(d, 'feature', 0x40, 0xff40, 0xff40).field).toMatchObject({
      bitSize: 16,
      count: 4,
      logicalMaximum: 65535,
    });
    expect(d.collections[3]!.fields.some((f) => f.usageSpans.some((s) => s.page === TEL))).toBe(false);
  });
});

describe('items the fixtures do not exercise', () => {
  const parse = (hex: string) =>
    parseReportDescriptor(Uint8Array.from(hex.split(/\s+/), (b) => parseInt(b, 16)));
  const app = (body: string) => `05 0b 09 05 a1 01 ${body} c0`;

  it('Push and Pop save and restore the globals', () => {
    const d = parse(app('15 00 25 01 75 01 95 01 a4 05 08 75 04 09 17 91 02 b4 09 20 81 02 95 07 81 01'));
    expect(d.fields[0]).toMatchObject({
      reportType: 'output',
      bitSize: 4,
      usages: [{ page: LED, id: 0x17 }],
    });
    expect(d.fields[1]).toMatchObject({ reportType: 'input', bitSize: 1, usages: [{ page: TEL, id: 0x20 }] });
  });

  it('Usage Minimum/Maximum: one usage per value of a variable field, the last repeating', () => {
    const d = parse(app('05 09 19 01 29 03 15 00 25 01 75 01 95 05 81 02'));
    expect(d.fields[0]!.usages.map((u) => u.id)).toEqual([1, 2, 3, 3, 3]);
    expect(d.fields[0]!.usageSpans).toEqual([{ page: BUTTON, min: 1, max: 3 }]);
  });

  it('extended (4-byte) usages carry their page in the high 16 bits', () => {
    const d = parse(app('05 08 0b 20 00 0b 00 09 17 15 00 25 01 75 01 95 02 81 02'));
    expect(d.fields[0]!.usages).toEqual([
      { page: TEL, id: 0x20 },
      { page: LED, id: 0x17 },
    ]);
  });

  it('the usage page in force at the Main item binds every short usage', () => {
    const d = parse(app('09 07 05 09 09 01 15 00 25 01 75 01 95 02 81 02'));
    expect(d.fields[0]!.usages).toEqual([
      { page: BUTTON, id: 7 },
      { page: BUTTON, id: 1 },
    ]);
  });

  it('Logical Maximum is unsigned when the minimum is not negative, signed otherwise', () => {
    expect(parse(app('15 00 25 ff 75 08 95 01 81 02')).fields[0]!.logicalMaximum).toBe(255);
    expect(parse(app('15 00 26 ff ff 75 10 95 01 81 02')).fields[0]!.logicalMaximum).toBe(65535);
    expect(parse(app('15 00 27 ff ff ff ff 75 20 95 01 81 02')).fields[0]!.logicalMaximum).toBe(0xffffffff);
    expect(parse(app('15 81 25 7f 75 08 95 01 81 02')).fields[0]).toMatchObject({
      logicalMinimum: -127,
      logicalMaximum: 127,
    });
    expect(parse(app('15 ff 25 ff 75 08 95 01 81 02')).fields[0]!.logicalMaximum).toBe(-1);
    // Maximum before Minimum: read at the Main item, so the order does not matter.
    expect(parse(app('25 ff 15 00 75 08 95 01 81 02')).fields[0]!.logicalMaximum).toBe(255);
  });

  it('Unit Exponent is a 4-bit signed nibble', () => {
    expect(parse(app('55 0f 15 00 25 01 75 01 95 01 81 02')).fields[0]!.unitExponent).toBe(-1);
    expect(parse(app('55 02 15 00 25 01 75 01 95 01 81 02')).fields[0]!.unitExponent).toBe(2);
  });

  it('flags: wrap, nonlinear, null state, volatile, buffered bytes', () => {
    const d = parse(app('15 00 25 01 75 01 95 01 09 20 b2 fa 01 09 21 81 fa'));
    expect(d.fields[0]!.flags).toEqual({
      constant: false,
      variable: true,
      relative: false,
      wrap: true,
      nonlinear: true,
      preferred: false,
      nullState: true,
      volatile: true,
      bufferedBytes: true,
    });
    expect(d.fields[1]!.flags.volatile).toBe(false); // bit 7 is reserved for Input items
  });

  it('unnumbered reports have report id 0', () => {
    const d = parse(app('15 00 25 01 75 01 95 01 09 20 81 02 95 07 81 01'));
    expect(d.numbered).toBe(false);
    expect(d.fields[0]).toMatchObject({ reportId: 0, bitOffset: 0 });
    expect(d.reports).toEqual([{ type: 'input', id: 0, bitLength: 8, byteLength: 1 }]);
  });

  it('a Delimiter set keeps its first usage', () => {
    const d = parse(app('a9 01 09 20 09 21 a9 00 15 00 25 01 75 01 95 01 81 02'));
    expect(d.fields[0]!.usages).toEqual([{ page: TEL, id: 0x20 }]);
  });

  it('reads and writes signed and unsigned values', () => {
    const d = parse(app('16 00 80 26 ff 7f 75 10 95 01 09 20 81 02 15 00 25 0f 75 04 95 02 09 21 81 02'));
    const payload = new Uint8Array(3);
    writeFieldValue(payload, d.fields[0]!, -2);
    writeFieldValue(payload, d.fields[1]!, 9, 1);
    expect([...payload]).toEqual([0xfe, 0xff, 0x90]);
    expect(readFieldValue(payload, d.fields[0]!)).toBe(-2);
    expect(readFieldValue(payload, d.fields[1]!, 1)).toBe(9);
    expect(readFieldValue(payload.subarray(0, 2), d.fields[1]!, 1)).toBeUndefined();
  });
});

describe('malformed descriptors: a ReportDescriptorError with the byte offset', () => {
  const bytes = (hex: string) => Uint8Array.from(hex.trim().split(/\s+/), (b) => parseInt(b, 16));
  const rejects = (input: Uint8Array | string, offset: number, message: RegExp) => {
    let error: unknown;
    try {
      parseReportDescriptor(typeof input === 'string' ? bytes(input) : input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ReportDescriptorError);
    expect((error as ReportDescriptorError).offset).toBe(offset);
    expect((error as ReportDescriptorError).message).toMatch(message);
    expect((error as ReportDescriptorError).message).toContain(`at byte ${offset}`);
  };

  it('rejects each kind of damage', () => {
    rejects(new Uint8Array(), 0, /empty/);
    rejects('05', 0, /truncated item 0x05/);
    rejects('05 0b 09 05 a1 01 27 ff ff 00', 6, /truncated.*4 data bytes, 3 left/);
    rejects('05 0b fe 02 10 aa bb', 2, /long item/);
    rejects('05 0b a4 b4 b4', 4, /Pop without a Push/);
    rejects('05 0b 09 05 a1 01 c0 c0', 7, /End Collection without a Collection/);
    rejects('05 0b 09 05 a1 01 a1 02', 8, /2 collections are not closed/);
    rejects('76 ff ff', 0, /Report Size 65535 is absurd/);
    rejects('05 0b 97 ff ff ff ff', 2, /Report Count 4294967295 is absurd/);
    rejects('85 00', 0, /Report ID 0 is invalid/);
    rejects('86 00 01', 0, /Report ID 256 is invalid/);
    rejects('a9 01 a9 01', 2, /nested Delimiter/);
    rejects('a9 00', 0, /Delimiter close without an open/);
    rejects('07 00 00 01 00', 0, /Usage Page 0x00010000 is wider than 16 bits/);
  });

  it('caps each report at 1024 bytes', () => {
    // Five Input items of 255 bytes in one report: the fifth makes it 1275 bytes.
    const d = `05 0b 09 05 a1 01 75 08 95 ff ${'81 02 '.repeat(5)}c0`;
    rejects(d, 10 + 4 * 2, /input report 0 would be 1275 bytes long, more than 1024/);
    // The same items spread over report ids are fine.
    const ok = `05 0b 09 05 a1 01 75 08 95 ff ${[1, 2, 3, 4, 5].map((id) => `85 0${id} 81 02`).join(' ')} c0`;
    expect(parseReportDescriptor(bytes(ok)).reports.map((r) => r.byteLength)).toEqual([
      255, 255, 255, 255, 255,
    ]);
  });

  it('caps nesting, Push depth, items, Main items and values', () => {
    const deep = new Uint8Array(2 * (LIMITS.collectionDepth + 1)).fill(0xa1);
    for (let i = 1; i < deep.length; i += 2) deep[i] = 0x01;
    rejects(deep, 2 * LIMITS.collectionDepth, /nested more than 32 deep/);
    rejects(new Uint8Array(LIMITS.pushDepth + 1).fill(0xa4), LIMITS.pushDepth, /more than 32 nested Push/);
    rejects(new Uint8Array(LIMITS.items + 1).fill(0x34), LIMITS.items, /more than 16384 items/);
    rejects(new Uint8Array(LIMITS.mainItems + 1).fill(0x80), LIMITS.mainItems, /more than 4096 Input/);
    // 257 Input items of 255 one-bit values each, spread over report ids: over the 65536 values cap.
    const many = [0x75, 0x01, 0x95, 0xff];
    for (let i = 1; i <= 257; i++) many.push(0x85, (i % 255) + 1, 0x81, 0x02, 0x91, 0x02, 0xb1, 0x02);
    expect(() => parseReportDescriptor(Uint8Array.from(many))).toThrow(/more than 65536 values/);
    rejects(new Uint8Array(LIMITS.descriptorBytes + 1), LIMITS.descriptorBytes, /more than the 65535/);
  });

  const parsesOrRejects = (input: Uint8Array) => {
    const started = performance.now();
    try {
      const d = parseReportDescriptor(input);
      for (const r of d.reports) expect(r.byteLength).toBeLessThanOrEqual(LIMITS.reportBytes);
      for (const t of telephonyCollections(d)) expect(Array.isArray(t.controls)).toBe(true);
    } catch (error) {
      if (!(error instanceof ReportDescriptorError)) throw error;
      expect(error.offset).toBeGreaterThanOrEqual(0);
      expect(error.offset).toBeLessThanOrEqual(Math.min(input.length, LIMITS.descriptorBytes));
    }
    expect(performance.now() - started).toBeLessThan(1_000); // generous: shared machines are noisy
  };

  it('random bytes: a descriptor or a ReportDescriptorError, quickly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 600 }), (input) => parsesOrRejects(input)),
      { numRuns: 2000 },
    );
  });

  it('random item streams (valid prefixes, absurd values): a descriptor or a ReportDescriptorError', () => {
    const item = fc
      .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }))
      .chain(([tag, type, sizeCode]) =>
        fc
          .uint8Array({ minLength: [0, 1, 2, 4][sizeCode]!, maxLength: [0, 1, 2, 4][sizeCode]! })
          .map((data) => [(tag << 4) | (type << 2) | sizeCode, ...data]),
      );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 300 }), (items) =>
        parsesOrRejects(Uint8Array.from(items.flat())),
      ),
      { numRuns: 1000 },
    );
  });

  it('mutated real descriptors: a descriptor or a ReportDescriptorError, quickly', () => {
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
      fc.record({
        kind: fc.constant('insert' as const),
        at: fc.nat(),
        value: fc.integer({ min: 0, max: 255 }),
      }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), value: fc.constant(0) }),
      fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(), value: fc.constant(0) }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom<FixtureName>(...FIXTURES),
        fc.array(mutation, { minLength: 1, maxLength: 8 }),
        (name, mutations) => {
          const bytes = [...fixtureBytes(name)];
          for (const { kind, at, value } of mutations) {
            const i = at % (bytes.length + 1);
            if (kind === 'set' && i < bytes.length) bytes[i] = value;
            else if (kind === 'insert') bytes.splice(i, 0, value);
            else if (kind === 'delete') bytes.splice(i, 1);
            else if (kind === 'truncate') bytes.length = i;
          }
          parsesOrRejects(Uint8Array.from(bytes));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
