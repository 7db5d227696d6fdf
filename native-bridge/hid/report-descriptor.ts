// Environment: any (plain TypeScript; native-bridge).
// A HID report-descriptor parser (Device Class Definition for HID 1.11, section 6.2.2).
//
// It turns the descriptor's items into, for each top-level collection, the list of fields with everything a
// host needs to read or build a report: usages, report type and id, bit offset and size, count, logical
// range and the Main item's flags. It is strict about what would make a layout wrong (truncated items, long
// items, unbalanced Pop / End Collection, absurd sizes) and throws a ReportDescriptorError with the byte
// offset; it is lenient, with a warning, where Linux is (reserved tags, dangling Usage Minimum, ...).
// Every loop is bounded by the input length or by the caps below, so no input makes it hang.

/** A descriptor that cannot be parsed; `offset` is the byte offset of the offending item. */
export class ReportDescriptorError extends Error {
  override readonly name = 'ReportDescriptorError';
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} (at byte ${offset})`);
  }
}

/** Caps that make absurd or hostile descriptors an error instead of a memory or time sink. */
export const LIMITS = {
  /** wDescriptorLength is 16 bits. */
  descriptorBytes: 65_535,
  items: 16_384,
  mainItems: 4_096,
  /** Report Size of one field (Linux allows 256 too). */
  reportSizeBits: 256,
  /** Size of one report, not counting the report-id byte. */
  reportBytes: 1_024,
  /** Sum of the Report Counts of all fields. */
  totalElements: 65_536,
  collectionDepth: 32,
  pushDepth: 32,
  /** Usage, Usage Minimum/Maximum items before one Main item. */
  localUsages: 4_096,
} as const;

export type ReportType = 'input' | 'output' | 'feature';

export interface Usage {
  page: number;
  id: number;
}

/** A usage or a usage range as declared before a Main item (a single usage has min === max). */
export interface UsageSpan {
  page: number;
  min: number;
  max: number;
}

/** The data bits of an Input, Output or Feature item (bit 7, Volatile, does not exist for Input). */
export interface MainItemFlags {
  constant: boolean;
  /** Variable (each value is one usage) or array (each value selects one usage of the list). */
  variable: boolean;
  relative: boolean;
  wrap: boolean;
  nonlinear: boolean;
  /** Preferred state (bit 5 clear): the control returns to a rest position. */
  preferred: boolean;
  nullState: boolean;
  volatile: boolean;
  bufferedBytes: boolean;
}

export interface HidField {
  reportType: ReportType;
  /** 0 when the descriptor does not number its reports. */
  reportId: number;
  /** From the start of the report, not counting the report-id byte. */
  bitOffset: number;
  /** Report Size: the bits of one value. */
  bitSize: number;
  /** Report Count: how many values. */
  count: number;
  logicalMinimum: number;
  logicalMaximum: number;
  physicalMinimum: number;
  physicalMaximum: number;
  unitExponent: number;
  unit: number;
  flags: MainItemFlags;
  /** The raw data of the Main item. */
  flagBits: number;
  /** The usages and ranges declared for this item, in order, each with its page bound. */
  usageSpans: UsageSpan[];
  /**
   * Variable fields: the usage of each of the `count` values (the last declared usage repeats when there are
   * fewer usages than values; empty when none was declared, e.g. padding). Array fields: empty; a value v
   * selects usage number v - logicalMinimum of usageSpans (see arrayUsageAt).
   */
  usages: Usage[];
  /** The top-level collection the field belongs to, or -1 for a field outside any collection. */
  topLevel: number;
  /** Byte offset of the Main item in the descriptor. */
  descriptorOffset: number;
}

export const COLLECTION_TYPES = [
  'physical',
  'application',
  'logical',
  'report',
  'named-array',
  'usage-switch',
  'usage-modifier',
] as const;

export interface HidCollection {
  /** Collection item data: 0 Physical, 1 Application, 2 Logical, ... 0x80-0xFF vendor-defined. */
  type: number;
  typeName: (typeof COLLECTION_TYPES)[number] | 'reserved' | 'vendor-defined';
  /** Usage page and usage of the collection (0 and 0 when none was declared). */
  usagePage: number;
  usage: number;
  children: HidCollection[];
  /** All fields declared in this collection and in the collections nested in it, in descriptor order. */
  fields: HidField[];
  descriptorOffset: number;
}

export interface HidReportInfo {
  type: ReportType;
  id: number;
  /** Sum of the fields' sizes, not counting the report-id byte. */
  bitLength: number;
  /** The report's bytes after the report-id byte (bitLength rounded up). */
  byteLength: number;
}

export interface ReportDescriptor {
  /** Top-level collections in descriptor order. */
  collections: HidCollection[];
  /** Every field, in descriptor order, including fields outside any collection. */
  fields: HidField[];
  reports: HidReportInfo[];
  /** Whether reports carry a report-id byte (any Report ID item seen). */
  numbered: boolean;
  /** Oddities that did not stop the parse. */
  warnings: string[];
}

interface Globals {
  usagePage: number;
  logicalMinimum: number;
  /** The Logical Maximum item's data, both ways: it is read unsigned when the minimum is not negative. */
  logicalMaximumSigned: number;
  logicalMaximumUnsigned: number;
  physicalMinimum: number;
  physicalMaximumSigned: number;
  physicalMaximumUnsigned: number;
  unitExponent: number;
  unit: number;
  reportSize: number;
  reportId: number;
  reportCount: number;
}

/** A local usage before binding: `page` is set only for extended (4-byte) usages. */
interface LocalUsage {
  page: number | undefined;
  min: number;
  max: number;
}

const MAIN = { input: 0x8, output: 0x9, collection: 0xa, feature: 0xb, endCollection: 0xc } as const;
const TYPE = { main: 0, global: 1, local: 2, reserved: 3 } as const;

const initialGlobals = (): Globals => ({
  usagePage: 0,
  logicalMinimum: 0,
  logicalMaximumSigned: 0,
  logicalMaximumUnsigned: 0,
  physicalMinimum: 0,
  physicalMaximumSigned: 0,
  physicalMaximumUnsigned: 0,
  unitExponent: 0,
  unit: 0,
  reportSize: 0,
  reportId: 0,
  reportCount: 0,
});

function signed(value: number, size: number): number {
  if (size === 1) return (value << 24) >> 24;
  if (size === 2) return (value << 16) >> 16;
  if (size === 4) return value | 0;
  return 0;
}

const hex = (value: number, digits = 2) => `0x${value.toString(16).toUpperCase().padStart(digits, '0')}`;

export function decodeFlags(bits: number, type: ReportType): MainItemFlags {
  return {
    constant: (bits & 0x01) !== 0,
    variable: (bits & 0x02) !== 0,
    relative: (bits & 0x04) !== 0,
    wrap: (bits & 0x08) !== 0,
    nonlinear: (bits & 0x10) !== 0,
    preferred: (bits & 0x20) === 0,
    nullState: (bits & 0x40) !== 0,
    volatile: type !== 'input' && (bits & 0x80) !== 0,
    bufferedBytes: (bits & 0x100) !== 0,
  };
}

/** Parses a report descriptor; throws ReportDescriptorError for malformed input. */
export function parseReportDescriptor(input: Uint8Array | readonly number[]): ReportDescriptor {
  const bytes = input instanceof Uint8Array ? input : Uint8Array.from(input);
  if (bytes.length === 0) throw new ReportDescriptorError('the report descriptor is empty', 0);
  if (bytes.length > LIMITS.descriptorBytes)
    throw new ReportDescriptorError(
      `the report descriptor has ${bytes.length} bytes, more than the ${LIMITS.descriptorBytes} a device can declare`,
      LIMITS.descriptorBytes,
    );
  const parser = new DescriptorParser();
  let items = 0;
  for (let pos = 0; pos < bytes.length;) {
    if (++items > LIMITS.items)
      throw new ReportDescriptorError(`more than ${LIMITS.items} items in the descriptor`, pos);
    const item = readItem(bytes, pos);
    parser.item(item);
    pos = item.next;
  }
  return parser.finish(bytes.length);
}

/** One short item: its prefix split into size, type and tag, and its data read both ways. */
interface Item {
  offset: number;
  prefix: number;
  size: number;
  type: number;
  tag: number;
  udata: number;
  sdata: number;
  /** Offset of the next item. */
  next: number;
}

function readItem(bytes: Uint8Array, offset: number): Item {
  const prefix = bytes[offset]!;
  if (prefix === 0xfe)
    throw new ReportDescriptorError(
      'long item (0xFE): no long item is defined by the HID specification, so the descriptor cannot be read',
      offset,
    );
  const size = [0, 1, 2, 4][prefix & 0x03]!;
  if (offset + 1 + size > bytes.length)
    throw new ReportDescriptorError(
      `truncated item ${hex(prefix)}: it needs ${size} data byte${size === 1 ? '' : 's'}, ${bytes.length - offset - 1} left`,
      offset,
    );
  let udata = 0;
  for (let i = size - 1; i >= 0; i--) udata = udata * 256 + bytes[offset + 1 + i]!;
  return {
    offset,
    prefix,
    size,
    type: (prefix >> 2) & 0x03,
    tag: prefix >> 4,
    udata,
    sdata: signed(udata, size),
    next: offset + 1 + size,
  };
}

/** The parser's state between items: the global table and its stack, the local usages, open collections. */
class DescriptorParser {
  private readonly warnings: string[] = [];
  private globals = initialGlobals();
  private readonly globalStack: Globals[] = [];
  private locals: LocalUsage[] = [];
  private usageMinimum: { value: number; size: number } | undefined;
  private usageMaximum: { value: number; size: number } | undefined;
  private delimiterOpen = false;
  private delimiterUsages = 0;
  private readonly collections: HidCollection[] = [];
  private readonly open: HidCollection[] = [];
  private readonly fields: HidField[] = [];
  private readonly reportBits = new Map<string, HidReportInfo>();
  private numbered = false;
  private unnumberedFieldSeen = false;
  private mainItems = 0;
  private totalElements = 0;

  item(item: Item): void {
    if (item.type === TYPE.main) this.main(item);
    else if (item.type === TYPE.global) this.global(item);
    else if (item.type === TYPE.local) this.local(item);
    else this.warn(`reserved item type (prefix ${hex(item.prefix)}) ignored`, item.offset);
  }

  finish(length: number): ReportDescriptor {
    const open = this.open.length;
    if (open > 0)
      throw new ReportDescriptorError(
        `${open} collection${open === 1 ? ' is' : 's are'} not closed at the end of the descriptor`,
        length,
      );
    if (this.delimiterOpen) throw new ReportDescriptorError('a Delimiter set is not closed', length);
    if (this.globalStack.length > 0) this.warn(`${this.globalStack.length} Push without Pop`, length);
    if (this.numbered && this.unnumberedFieldSeen)
      this.warn('some fields come before any Report ID although the reports are numbered', 0);
    if (this.usageMinimum || this.usageMaximum)
      this.warn('a Usage Minimum or Maximum without a Main item', length);
    return {
      collections: this.collections,
      fields: this.fields,
      reports: [...this.reportBits.values()],
      numbered: this.numbered,
      warnings: this.warnings,
    };
  }

  private warn(message: string, offset: number): void {
    if (this.warnings.length < 100) this.warnings.push(`${message} (at byte ${offset})`);
  }

  // Main items

  private main({ tag, udata, offset }: Item): void {
    switch (tag) {
      case MAIN.input:
        this.addField('input', udata, offset);
        break;
      case MAIN.output:
        this.addField('output', udata, offset);
        break;
      case MAIN.feature:
        this.addField('feature', udata, offset);
        break;
      case MAIN.collection:
        this.openCollection(udata, offset);
        break;
      case MAIN.endCollection:
        if (this.open.length === 0)
          throw new ReportDescriptorError('End Collection without a Collection', offset);
        this.open.pop();
        break;
      default:
        this.warn(`reserved Main item tag ${hex(tag, 1)} ignored`, offset);
    }
    if (this.delimiterOpen)
      throw new ReportDescriptorError('a Main item inside an open Delimiter set', offset);
    this.resetLocals();
  }

  private openCollection(udata: number, offset: number): void {
    if (this.open.length >= LIMITS.collectionDepth)
      throw new ReportDescriptorError(`collections nested more than ${LIMITS.collectionDepth} deep`, offset);
    const span = this.boundSpans()[0];
    const kind = udata & 0xff;
    const collection: HidCollection = {
      type: kind,
      typeName: COLLECTION_TYPES[kind] ?? (kind >= 0x80 ? 'vendor-defined' : 'reserved'),
      usagePage: span?.page ?? 0,
      usage: span?.min ?? 0,
      children: [],
      fields: [],
      descriptorOffset: offset,
    };
    const parent = this.open[this.open.length - 1];
    if (parent) parent.children.push(collection);
    else this.collections.push(collection);
    this.open.push(collection);
  }

  private addField(type: ReportType, flagBits: number, offset: number): void {
    if (++this.mainItems > LIMITS.mainItems)
      throw new ReportDescriptorError(
        `more than ${LIMITS.mainItems} Input, Output and Feature items`,
        offset,
      );
    const g = this.globals;
    if (g.reportId === 0) this.unnumberedFieldSeen = true;
    this.totalElements += g.reportCount;
    if (this.totalElements > LIMITS.totalElements)
      throw new ReportDescriptorError(
        `the fields declare more than ${LIMITS.totalElements} values in all`,
        offset,
      );
    const bitOffset = this.placeInReport(type, g.reportSize * g.reportCount, offset);
    const flags = decodeFlags(flagBits, type);
    const logicalMaximum = g.logicalMinimum < 0 ? g.logicalMaximumSigned : g.logicalMaximumUnsigned;
    const physicalMaximum = g.physicalMinimum < 0 ? g.physicalMaximumSigned : g.physicalMaximumUnsigned;
    if (!flags.constant && logicalMaximum < g.logicalMinimum && g.reportCount > 0)
      this.warn(`Logical Maximum ${logicalMaximum} is below Logical Minimum ${g.logicalMinimum}`, offset);
    const usageSpans = this.boundSpans();
    const field: HidField = {
      reportType: type,
      reportId: g.reportId,
      bitOffset,
      bitSize: g.reportSize,
      count: g.reportCount,
      logicalMinimum: g.logicalMinimum,
      logicalMaximum,
      physicalMinimum: g.physicalMinimum,
      physicalMaximum,
      unitExponent: g.unitExponent,
      unit: g.unit,
      flags,
      flagBits,
      usageSpans,
      usages: flags.variable ? variableUsages(usageSpans, g.reportCount) : [],
      topLevel: this.open.length > 0 ? this.collections.length - 1 : -1,
      descriptorOffset: offset,
    };
    if (this.open.length === 0) this.warn(`${type} item outside any collection`, offset);
    this.fields.push(field);
    for (const collection of this.open) collection.fields.push(field);
  }

  /** Appends `bits` to the report the globals name; returns where they start. */
  private placeInReport(type: ReportType, bits: number, offset: number): number {
    const reportId = this.globals.reportId;
    const key = `${type}:${reportId}`;
    let report = this.reportBits.get(key);
    if (!report) {
      report = { type, id: reportId, bitLength: 0, byteLength: 0 };
      this.reportBits.set(key, report);
    }
    const bitOffset = report.bitLength;
    if (bitOffset + bits > LIMITS.reportBytes * 8)
      throw new ReportDescriptorError(
        `${type} report ${reportId} would be ${Math.ceil((bitOffset + bits) / 8)} bytes long, more than ${LIMITS.reportBytes}`,
        offset,
      );
    report.bitLength += bits;
    report.byteLength = Math.ceil(report.bitLength / 8);
    return bitOffset;
  }

  // Global items

  private global({ tag, udata, sdata, offset }: Item): void {
    const g = this.globals;
    switch (tag) {
      case 0x0:
        if (udata > 0xffff)
          throw new ReportDescriptorError(`Usage Page ${hex(udata, 8)} is wider than 16 bits`, offset);
        g.usagePage = udata;
        return;
      case 0x1:
        g.logicalMinimum = sdata;
        return;
      case 0x2:
        g.logicalMaximumSigned = sdata;
        g.logicalMaximumUnsigned = udata;
        return;
      case 0x3:
        g.physicalMinimum = sdata;
        return;
      case 0x4:
        g.physicalMaximumSigned = sdata;
        g.physicalMaximumUnsigned = udata;
        return;
      case 0x5:
        // A 4-bit two's-complement nibble in practice (0x0F is -1), as Linux reads it.
        g.unitExponent = udata <= 0x0f ? signed(udata << 4, 1) >> 4 : sdata;
        return;
      case 0x6:
        g.unit = udata;
        return;
      default:
        this.reportGlobal(tag, udata, offset);
    }
  }

  /** Report Size, ID and Count, Push and Pop: the globals that shape reports, each checked. */
  private reportGlobal(tag: number, udata: number, offset: number): void {
    switch (tag) {
      case 0x7:
        if (udata > LIMITS.reportSizeBits)
          throw new ReportDescriptorError(
            `Report Size ${udata} is absurd (at most ${LIMITS.reportSizeBits} bits)`,
            offset,
          );
        this.globals.reportSize = udata;
        return;
      case 0x8:
        if (udata === 0 || udata > 0xff)
          throw new ReportDescriptorError(`Report ID ${udata} is invalid (1 to 255)`, offset);
        this.globals.reportId = udata;
        this.numbered = true;
        return;
      case 0x9:
        if (udata > LIMITS.reportBytes * 8)
          throw new ReportDescriptorError(
            `Report Count ${udata} is absurd (a report holds at most ${LIMITS.reportBytes * 8} bits)`,
            offset,
          );
        this.globals.reportCount = udata;
        return;
      case 0xa:
        if (this.globalStack.length >= LIMITS.pushDepth)
          throw new ReportDescriptorError(`more than ${LIMITS.pushDepth} nested Push items`, offset);
        this.globalStack.push({ ...this.globals });
        return;
      case 0xb: {
        const popped = this.globalStack.pop();
        if (!popped) throw new ReportDescriptorError('Pop without a Push', offset);
        this.globals = popped;
        return;
      }
      default:
        this.warn(`reserved Global item tag ${hex(tag, 1)} ignored`, offset);
    }
  }

  // Local items

  private local({ tag, size, udata, offset }: Item): void {
    switch (tag) {
      case 0x0:
        this.addLocal(
          size === 4
            ? { page: udata >>> 16, min: udata & 0xffff, max: udata & 0xffff }
            : { page: undefined, min: udata, max: udata },
          offset,
        );
        return;
      case 0x1:
        if (this.usageMinimum) this.warn('Usage Minimum without a Usage Maximum ignored', offset);
        this.usageMinimum = { value: udata, size };
        this.completeRange(offset);
        return;
      case 0x2:
        if (this.usageMaximum) this.warn('Usage Maximum without a Usage Minimum ignored', offset);
        this.usageMaximum = { value: udata, size };
        this.completeRange(offset);
        return;
      case 0xa:
        this.delimiter(udata, offset);
        return;
      default:
      // Designator and String indexes: nothing a host needs to lay out reports.
    }
  }

  private delimiter(udata: number, offset: number): void {
    if (udata === 1) {
      if (this.delimiterOpen) throw new ReportDescriptorError('nested Delimiter sets', offset);
      this.delimiterOpen = true;
      this.delimiterUsages = 0;
    } else if (udata === 0) {
      if (!this.delimiterOpen) throw new ReportDescriptorError('Delimiter close without an open', offset);
      this.delimiterOpen = false;
    } else throw new ReportDescriptorError(`Delimiter ${udata} is neither 0 (close) nor 1 (open)`, offset);
  }

  private resetLocals(): void {
    this.locals = [];
    this.usageMinimum = undefined;
    this.usageMaximum = undefined;
    this.delimiterUsages = 0;
  }

  private addLocal(usage: LocalUsage, offset: number): void {
    if (this.delimiterOpen && this.delimiterUsages++ > 0) return; // alternatives in a delimiter set: keep the first
    if (this.locals.length >= LIMITS.localUsages)
      throw new ReportDescriptorError(`more than ${LIMITS.localUsages} usages before one Main item`, offset);
    this.locals.push(usage);
  }

  private completeRange(offset: number): void {
    const min = this.usageMinimum;
    const max = this.usageMaximum;
    if (min === undefined || max === undefined) return;
    this.usageMinimum = undefined;
    this.usageMaximum = undefined;
    const page = min.size === 4 ? min.value >>> 16 : max.size === 4 ? max.value >>> 16 : undefined;
    if (min.size === 4 && max.size === 4 && min.value >>> 16 !== max.value >>> 16)
      this.warn(
        'Usage Minimum and Usage Maximum are on different usage pages; using the minimum page',
        offset,
      );
    const lo = min.value & 0xffff;
    const hi = max.value & 0xffff;
    if (hi < lo) {
      this.warn(`Usage Maximum ${hex(hi)} is below Usage Minimum ${hex(lo)}; the range is empty`, offset);
      return;
    }
    this.addLocal({ page, min: lo, max: hi }, offset);
  }

  /** Binds the usage page in force at the Main item to every usage declared without one. */
  private boundSpans(): UsageSpan[] {
    return this.locals.map((u) => ({ page: u.page ?? this.globals.usagePage, min: u.min, max: u.max }));
  }
}

/** The usage of each of a variable field's `count` values: the last declared usage repeats to fill them. */
function variableUsages(spans: readonly UsageSpan[], count: number): Usage[] {
  const usages: Usage[] = [];
  outer: for (const span of spans) {
    for (let id = span.min; id <= span.max; id++) {
      if (usages.length >= count) break outer;
      usages.push({ page: span.page, id });
    }
  }
  const last = usages[usages.length - 1];
  while (last && usages.length < count) usages.push({ ...last });
  return usages;
}

/** Number of usages an array field can report. */
export function arrayUsageCount(field: HidField): number {
  return field.usageSpans.reduce((n, span) => n + (span.max - span.min + 1), 0);
}

/** The usage an array field's value selects, or undefined for a null (out of range) value. */
export function arrayUsageAt(field: HidField, value: number): Usage | undefined {
  if (value < field.logicalMinimum || value > field.logicalMaximum) return undefined;
  let index = value - field.logicalMinimum;
  for (const span of field.usageSpans) {
    const n = span.max - span.min + 1;
    if (index < n) return { page: span.page, id: span.min + index };
    index -= n;
  }
  return undefined;
}

/** The report a field belongs to. */
export function reportOf(
  descriptor: ReportDescriptor,
  type: ReportType,
  id: number,
): HidReportInfo | undefined {
  return descriptor.reports.find((r) => r.type === type && r.id === id);
}

/**
 * Reads value number `index` of a field from a report's payload (the bytes after the report-id byte).
 * Signed when the logical minimum is negative. Undefined when the payload is too short. Values wider than
 * 32 bits are not numbers a host interprets; they read as their low 32 bits.
 */
export function readFieldValue(payload: Uint8Array, field: HidField, index = 0): number | undefined {
  const start = field.bitOffset + index * field.bitSize;
  const size = Math.min(field.bitSize, 32);
  if (size === 0 || start + field.bitSize > payload.length * 8) return undefined;
  let value = 0;
  for (let i = 0; i < size; i++) {
    const bit = start + i;
    if ((payload[bit >> 3]! >> (bit & 7)) & 1) value += 2 ** i;
  }
  if (field.logicalMinimum < 0 && value >= 2 ** (size - 1)) value -= 2 ** size;
  return value;
}

/** Writes value number `index` of a field into a report's payload (two's complement, low bits). */
export function writeFieldValue(payload: Uint8Array, field: HidField, value: number, index = 0): void {
  const start = field.bitOffset + index * field.bitSize;
  const size = Math.min(field.bitSize, 32);
  const bits = value < 0 ? 2 ** size + value : value;
  for (let i = 0; i < field.bitSize; i++) {
    const bit = start + i;
    const byte = bit >> 3;
    if (byte >= payload.length) return;
    const on = i < size && Math.floor(bits / 2 ** i) % 2 === 1;
    const old = payload[byte] ?? 0;
    payload[byte] = on ? old | (1 << (bit & 7)) : old & ~(1 << (bit & 7));
  }
}
