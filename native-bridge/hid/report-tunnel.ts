// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { HIDAsync } from 'node-hid';
import {
  CLOSE_FLUSH_MS,
  ChunkLinkListener,
  ChunkLinkStream,
  LINK_CHUNK_TYPES,
  type LinkChunkKind,
  linkChunkKind,
  openLink,
} from '../link/chunk-link.js';
import { LinkError } from '../link/errors.js';
import { type HidCollection, type HidField, type ReportDescriptor, reportOf } from './report-descriptor.js';

/**
 * The HID report tunnel (docs/protocol.md, "HID report tunnel"): what carries the TLS byte stream over a pair
 * of vendor-defined HID reports, below TLS. The PC writes output reports and the phone answers with input
 * reports, each of the fixed size N the report descriptor declares, so:
 *
 * - the stream is cut into fragments of at most N - 6 (and at most 255) bytes, one per report, each with a
 *   6-byte header (type, link id, sequence number, payload length) and zero padding up to N;
 * - OPEN/ACCEPT/CLOSE reports with a random link id give the reports connections, so a companion that died
 *   without a word is replaced by the next one, and an older link's reports are told apart;
 * - USB delivers reports intact and in order, so reassembly tolerates nothing: a lost, duplicated or
 *   reordered fragment, a bad length, non-zero padding or (at the companion) a report of another link ends
 *   the link at once with a clear error, on both ends: CLOSE says why (TLS could not carry on anyway; the
 *   companion reconnects). The phone ignores late reports of links it ended and answers DATA of links it
 *   never held with CLOSE, so a replaced companion cannot break its successor's link.
 *
 * Below the tunnel, a HidReportPort moves report bodies (the bytes after the report-id byte): fromHidAsync
 * adapts node-hid on the PC, fromHidDeviceEndpoint the phone's end of the interface.
 */

/** type (1) + link id (2) + sequence number (2) + payload length (1). */
export const HEADER_SIZE = 6;
/** The smallest report that carries the tunnel (2 payload bytes a report). */
export const MIN_REPORT_SIZE = 8;
/** The largest report body a descriptor can declare (the parser's cap). */
export const MAX_REPORT_SIZE = 1024;
/** The payload length is one byte: larger reports carry at most this much, the rest is padding. */
export const MAX_PAYLOAD = 255;
export { OPEN_RETRY_MS } from '../link/chunk-link.js';
export const CONNECT_TIMEOUT_MS = 3_000;
/**
 * Received bytes a link holds for a reader that stopped reading. Input reports cannot be held back (a paused
 * hidraw reader loses reports once the kernel's queue of 64 is full), so past this the link ends instead of
 * growing without bound.
 */
export const MAX_UNREAD = 256 * 1024;

export const REPORT_TYPES = LINK_CHUNK_TYPES;
export type TunnelReportKind = LinkChunkKind;

export interface TunnelReport {
  readonly kind: TunnelReportKind;
  /** 1..65535, chosen at random by the companion in OPEN. */
  readonly link: number;
  /** DATA: u16 per direction and link, from 0; 0 in the other kinds. */
  readonly seq: number;
  /** DATA: 1..payloadCapacity(N) bytes; CLOSE: none (orderly) or one reason byte; empty in the others. */
  readonly payload: Uint8Array;
}

/** Why a link ended, in a CLOSE report's one payload byte (no byte: an orderly end). */
export const CLOSE_REASONS = {
  orderly: 0x00,
  /** A DATA report was lost, duplicated or reordered. */
  gap: 0x01,
  /** A report that is not a tunnel report arrived. */
  invalid: 0x02,
  /** A report of another link arrived. */
  foreign: 0x03,
  /** A newer link replaced this one. */
  replaced: 0x04,
  /** The receiver's reader fell behind by more than it holds. */
  overflow: 0x05,
  /** DATA for a link the receiver does not hold. */
  unknownLink: 0x06,
  /** A report out of place (OPEN or ACCEPT in the middle of a link). */
  unexpected: 0x07,
} as const;
export type CloseReason = keyof typeof CLOSE_REASONS;
const REASON_TEXT: Record<number, string> = {
  0x00: 'it closed the link',
  0x01: 'it lost a report of this link, or got one twice or out of order',
  0x02: 'it received a report that is not a tunnel report',
  0x03: 'it received a report of another link (another program uses the tunnel)',
  0x04: 'a newer link replaced this one',
  0x05: 'its reader fell behind',
  0x06: 'it does not hold this link (it restarted, or the link ended)',
  0x07: 'it received a report out of place',
};

/** What a CLOSE report's reason byte means, in words. */
export function closeReasonText(code: number): string {
  return REASON_TEXT[code] ?? `it gave reason 0x${code.toString(16).padStart(2, '0')}`;
}

const closeReport = (link: number, reason: CloseReason = 'orderly'): TunnelReport => ({
  kind: 'close',
  link,
  seq: 0,
  payload: reason === 'orderly' ? EMPTY : Uint8Array.of(CLOSE_REASONS[reason]),
});

/** What a tunnel has seen. Anything wrong on an open link also ended that link. */
export interface TunnelStats {
  reportsIn: number;
  reportsOut: number;
  /** DATA payload bytes. */
  bytesIn: number;
  bytesOut: number;
  /** Well-formed reports for no open link (an older link's, a repeated OPEN or ACCEPT): ignored. */
  stale: number;
  /** Reports that are not tunnel reports: bad size, type, length, link id 0, non-zero padding. */
  invalid: number;
  /** DATA reports that arrived after a lost one, twice or out of order. */
  gaps: number;
  /** Reports of another link while one was open. */
  foreign: number;
}

export function emptyTunnelStats(): TunnelStats {
  return { reportsIn: 0, reportsOut: 0, bytesIn: 0, bytesOut: 0, stale: 0, invalid: 0, gaps: 0, foreign: 0 };
}

const EMPTY = new Uint8Array(0);
const hex4 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

// ---------------------------------------------------------------------------------------------------------
// Reports

/** Payload bytes one DATA report of an N-byte body carries. */
export function payloadCapacity(reportSize: number): number {
  return Math.min(reportSize - HEADER_SIZE, MAX_PAYLOAD);
}

function checkReportSize(reportSize: number): void {
  if (!Number.isInteger(reportSize) || reportSize < MIN_REPORT_SIZE || reportSize > MAX_REPORT_SIZE)
    throw new RangeError(
      `a tunnel report has ${MIN_REPORT_SIZE} to ${MAX_REPORT_SIZE} bytes after its report id, not ${reportSize}`,
    );
}

/** The report body (without the report-id byte): header, payload, zero padding up to `reportSize`. */
export function encodeTunnelReport(report: TunnelReport, reportSize: number): Buffer {
  checkReportSize(reportSize);
  const capacity = payloadCapacity(reportSize);
  const n = report.payload.length;
  if (report.kind === 'data' ? n < 1 || n > capacity : n > (report.kind === 'close' ? 1 : 0))
    throw new RangeError(`a ${report.kind} report of ${reportSize} bytes cannot carry ${n} payload bytes`);
  if (!Number.isInteger(report.link) || report.link < 1 || report.link > 0xffff)
    throw new RangeError(`link id ${report.link} is not 1 to 65535`);
  const bytes = Buffer.alloc(reportSize);
  bytes[0] = REPORT_TYPES[report.kind];
  bytes.writeUInt16BE(report.link, 1);
  bytes.writeUInt16BE(report.kind === 'data' ? report.seq & 0xffff : 0, 3);
  bytes[5] = n;
  bytes.set(report.payload, HEADER_SIZE);
  return bytes;
}

/** A received report body that is not a tunnel report; `reason` says how. */
export class TunnelReportError extends Error {
  override readonly name = 'TunnelReportError';
}

/** A received report body → the report; throws TunnelReportError for anything not exactly as specified. */
export function parseTunnelReport(bytes: Uint8Array, reportSize: number): TunnelReport {
  if (bytes.length !== reportSize)
    throw new TunnelReportError(
      `a report of ${bytes.length} bytes where the descriptor declares ${reportSize}`,
    );
  const type = bytes[0]!;
  const kind = linkChunkKind(type);
  if (!kind) throw new TunnelReportError(`unknown report type 0x${type.toString(16).padStart(2, '0')}`);
  const link = (bytes[1]! << 8) | bytes[2]!;
  const seq = (bytes[3]! << 8) | bytes[4]!;
  const n = bytes[5]!;
  if (link === 0) throw new TunnelReportError(`${kind.toUpperCase()} with link id 0`);
  if (kind === 'data') {
    const capacity = payloadCapacity(reportSize);
    if (n < 1 || n > capacity)
      throw new TunnelReportError(
        `DATA with a payload length of ${n} (1 to ${capacity} fit in a ${reportSize}-byte report)`,
      );
  } else {
    if (n > (kind === 'close' ? 1 : 0))
      throw new TunnelReportError(`${kind.toUpperCase()} with a payload length of ${n}`);
    if (seq !== 0) throw new TunnelReportError(`${kind.toUpperCase()} with sequence number ${seq}`);
  }
  for (let i = HEADER_SIZE + n; i < bytes.length; i++)
    if (bytes[i] !== 0) throw new TunnelReportError(`non-zero padding at byte ${i}`);
  return { kind, link, seq, payload: Buffer.from(bytes.subarray(HEADER_SIZE, HEADER_SIZE + n)) };
}

// ---------------------------------------------------------------------------------------------------------
// Ports: report bodies in and out

export interface HidReportPortEvents {
  /** A received report body (the bytes after the report-id byte). */
  report: [report: Buffer];
  /** The port closed: undefined when closed here, the error when the device went away. */
  close: [error: Error | undefined];
}

/**
 * Fixed-size report bodies in and out of one HID interface: on the PC, output reports out and input reports
 * in; on the phone, the other way round. `write` resolves once the report is written (node-hid's write is
 * asynchronous); the tunnel writes one report at a time.
 */
export interface HidReportPort extends EventEmitter<HidReportPortEvents> {
  /** How errors name the device, e.g. "the HID device /dev/hidraw3". */
  readonly name: string;
  /** The size of every report body in both directions. */
  readonly reportSize: number;
  write(report: Buffer): Promise<void>;
  close(): void;
}

/** Which reports carry the tunnel: findTunnelReports gives them from a descriptor. */
export interface TunnelReportIds {
  /** The output report's id (PC → phone), 0 when the device does not number its reports. */
  readonly reportId: number;
  /** The input report's id (phone → PC), when it differs from `reportId`. */
  readonly inputReportId?: number;
  /** Bytes of each report after its report-id byte (the descriptor's byte-array field). */
  readonly reportSize: number;
}

/** The part of node-hid's async device (HIDAsync) the tunnel uses, with node-hid's signatures. */
export interface TunnelHidDevice {
  write(values: number[] | Buffer): Promise<number>;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  close(): Promise<void>;
}

/** Compile-time proof that a node-hid HIDAsync is a TunnelHidDevice. */
export const hidAsyncIsTunnelHidDevice: (device: HIDAsync) => TunnelHidDevice = (device) => device;

/**
 * The phone's end of its HID interface (a Linux USB gadget's /dev/hidgN, or the simulator's in-memory device):
 * it sends input reports and receives output reports, each with its report-id byte first when the reports
 * are numbered (as /dev/hidgN reads and writes them).
 */
export interface HidDeviceEndpoint {
  sendInputReport(data: Buffer): Promise<unknown>;
  on(event: 'output', listener: (data: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  close(): Promise<void> | void;
}

interface AdapterSpec {
  name: string;
  reportSize: number;
  /** The id written first, or undefined to write the body alone. */
  sendPrefix: number | undefined;
  /** The id received reports start with; 0: they carry no id. */
  receiveId: number;
  write(bytes: Buffer): Promise<unknown>;
  close(): Promise<void> | void;
}

/** A report port over a device that speaks report-id-prefixed buffers. */
class AdaptedReportPort extends EventEmitter<HidReportPortEvents> implements HidReportPort {
  readonly name: string;
  readonly reportSize: number;
  /** Reports with another report id (another collection of the same device): not the tunnel's. */
  ignored = 0;
  private closed = false;

  constructor(private readonly spec: AdapterSpec) {
    super();
    checkReportSize(spec.reportSize);
    this.name = spec.name;
    this.reportSize = spec.reportSize;
  }

  receive(data: Buffer): void {
    if (this.closed) return;
    if (this.spec.receiveId === 0) return void this.emit('report', Buffer.from(data));
    if (data[0] !== this.spec.receiveId) return void this.ignored++;
    this.emit('report', Buffer.from(data.subarray(1)));
  }

  gone(error: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    const why = error?.message ? ` (${error.message})` : '';
    this.emit(
      'close',
      new LinkError('closed', `${this.name} went away: the device was unplugged or closed${why}`, {
        cause: error,
      }),
    );
  }

  async write(report: Buffer): Promise<void> {
    if (this.closed) throw new LinkError('closed', `${this.name} is closed`);
    if (report.length !== this.reportSize)
      throw new RangeError(`a report body of ${report.length} bytes, not ${this.reportSize}`);
    const prefix = this.spec.sendPrefix;
    const bytes = prefix === undefined ? Buffer.from(report) : Buffer.concat([Buffer.from([prefix]), report]);
    let written: unknown;
    try {
      written = await this.spec.write(bytes);
    } catch (error) {
      const e = error as Error;
      this.gone(e);
      throw new LinkError('closed', `${this.name} went away: writing a report failed (${e.message})`, {
        cause: e,
      });
    }
    if (typeof written === 'number' && written < bytes.length) {
      const e = new Error(`${written} of ${bytes.length} bytes were written`);
      this.gone(e);
      throw new LinkError('closed', `${this.name}: a short write (${e.message})`);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', undefined);
    try {
      void Promise.resolve(this.spec.close()).catch(() => undefined);
    } catch {
      // Already closed.
    }
  }
}

/**
 * The PC's end: node-hid's HIDAsync (or anything with its shape). Writes go out as output reports with the
 * report id first, or 0 when the reports are not numbered (node-hid and hidapi strip it then); input reports
 * arrive as node-hid gives them, with the report id first only when numbered. Input reports with another id
 * belong to another collection of the same device and are not the tunnel's. The port owns the device.
 */
export function fromHidAsync(
  device: TunnelHidDevice,
  ids: TunnelReportIds & { name?: string },
): HidReportPort {
  const port = new AdaptedReportPort({
    name: ids.name ?? 'the HID device',
    reportSize: ids.reportSize,
    sendPrefix: ids.reportId,
    receiveId: ids.inputReportId ?? ids.reportId,
    write: (bytes) => device.write(bytes),
    close: () => device.close(),
  });
  device.on('data', (data) => port.receive(data));
  device.on('error', (error) => port.gone(error));
  device.on('close', () => port.gone(undefined));
  return port;
}

/**
 * The phone's end: input reports out (the tunnel's input report), output reports in, each with the report id
 * first when numbered. The port owns the endpoint.
 */
export function fromHidDeviceEndpoint(
  endpoint: HidDeviceEndpoint,
  ids: TunnelReportIds & { name?: string },
): HidReportPort {
  const inputId = ids.inputReportId ?? ids.reportId;
  const port = new AdaptedReportPort({
    name: ids.name ?? 'the HID interface',
    reportSize: ids.reportSize,
    sendPrefix: inputId === 0 ? undefined : inputId,
    receiveId: ids.reportId,
    write: (bytes) => endpoint.sendInputReport(bytes),
    close: () => endpoint.close(),
  });
  endpoint.on('output', (data) => port.receive(data));
  endpoint.on('error', (error) => port.gone(error));
  endpoint.on('close', () => port.gone(undefined));
  return port;
}

// ---------------------------------------------------------------------------------------------------------
// Finding the tunnel in a report descriptor

/** Where a descriptor carries the tunnel; can be passed to fromHidAsync as is. */
export interface TunnelReports extends TunnelReportIds {
  readonly inputReportId: number;
  readonly collection: HidCollection;
  readonly usagePage: number;
  readonly usage: number;
  readonly numbered: boolean;
}

/** The descriptor has no tunnel, or more than one collection could be it. */
export class TunnelLayoutError extends Error {
  override readonly name = 'TunnelLayoutError';
}

const isVendorPage = (page: number) => page >= 0xff00 && page <= 0xffff;

/** One data field of 8-bit values that fills the whole report: a byte array. */
function isByteArrayReport(fields: readonly HidField[], byteLength: number): boolean {
  const data = fields.filter((f) => !f.flags.constant && f.count > 0 && f.bitSize > 0);
  if (data.length !== 1 || fields.length !== 1) return false;
  const f = data[0]!;
  const bytes = f.logicalMinimum === 0 ? f.logicalMaximum === 255 : f.logicalMinimum === -128;
  return f.bitSize === 8 && f.bitOffset === 0 && f.count === byteLength && bytes;
}

/**
 * Every top-level Application collection on a vendor page (0xFF00-0xFFFF) that declares exactly one input and
 * one output report (feature reports aside), both of the same size and each one byte-array field, with a
 * report id when the descriptor numbers its reports.
 */
export function tunnelCandidates(descriptor: ReportDescriptor): TunnelReports[] {
  const found: TunnelReports[] = [];
  for (const collection of descriptor.collections) {
    if (collection.typeName !== 'application' || !isVendorPage(collection.usagePage)) continue;
    const byReport = new Map<string, HidField[]>();
    for (const field of collection.fields) {
      if (field.reportType === 'feature') continue;
      const key = `${field.reportType}:${field.reportId}`;
      byReport.set(key, [...(byReport.get(key) ?? []), field]);
    }
    const inputs = [...byReport.keys()].filter((k) => k.startsWith('input:'));
    const outputs = [...byReport.keys()].filter((k) => k.startsWith('output:'));
    if (inputs.length !== 1 || outputs.length !== 1) continue;
    const inputFields = byReport.get(inputs[0]!)!;
    const outputFields = byReport.get(outputs[0]!)!;
    const inputId = inputFields[0]!.reportId;
    const outputId = outputFields[0]!.reportId;
    if (descriptor.numbered && (inputId === 0 || outputId === 0)) continue;
    const input = reportOf(descriptor, 'input', inputId);
    const output = reportOf(descriptor, 'output', outputId);
    if (!input || !output || input.byteLength !== output.byteLength) continue;
    // The whole report, not only this collection's part of it, must be the byte array.
    const allInput = descriptor.fields.filter((f) => f.reportType === 'input' && f.reportId === inputId);
    const allOutput = descriptor.fields.filter((f) => f.reportType === 'output' && f.reportId === outputId);
    if (!isByteArrayReport(allInput, input.byteLength) || !isByteArrayReport(allOutput, output.byteLength))
      continue;
    if (input.byteLength < MIN_REPORT_SIZE || input.byteLength > MAX_REPORT_SIZE) continue;
    found.push({
      collection,
      usagePage: collection.usagePage,
      usage: collection.usage,
      numbered: descriptor.numbered,
      reportId: outputId,
      inputReportId: inputId,
      reportSize: input.byteLength,
    });
  }
  return found;
}

/**
 * The collection that carries the tunnel (see tunnelCandidates), optionally narrowed to a usage page and
 * usage. Throws TunnelLayoutError when there is none, or more than one (never a guess).
 */
export function findTunnelReports(
  descriptor: ReportDescriptor,
  filter: { usagePage?: number; usage?: number } = {},
): TunnelReports {
  const all = tunnelCandidates(descriptor);
  const candidates = all.filter(
    (c) =>
      (filter.usagePage === undefined || c.usagePage === filter.usagePage) &&
      (filter.usage === undefined || c.usage === filter.usage),
  );
  const describe = (c: TunnelReports) =>
    `${hex4(c.usagePage)}:${hex4(c.usage)} (input ${c.inputReportId}, output ${c.reportId}, ${c.reportSize} bytes)`;
  if (candidates.length === 1) return candidates[0]!;
  if (candidates.length === 0)
    throw new TunnelLayoutError(
      all.length > 0
        ? `no tunnel collection matches ${JSON.stringify(filter)}; the descriptor has ${all.map(describe).join(', ')}`
        : 'the descriptor declares no tunnel: no vendor-page Application collection with one input and one ' +
            `output report, each one byte array of the same size (${MIN_REPORT_SIZE} to ${MAX_REPORT_SIZE} bytes)`,
    );
  throw new TunnelLayoutError(
    `${candidates.length} collections could carry the tunnel: ${candidates.map(describe).join(', ')}; ` +
      'name the usage page and usage',
  );
}

// ---------------------------------------------------------------------------------------------------------
// The line: a report port with tunnel reports in and out

interface TunnelLineEvents {
  report: [TunnelReport];
  /** A received report that is not a tunnel report. */
  invalid: [LinkError];
  close: [LinkError];
}

/** The port with tunnel reports in and out, written one at a time. Closing the line closes the port. */
export class TunnelLine extends EventEmitter<TunnelLineEvents> {
  readonly stats = emptyTunnelStats();
  readonly name: string;
  readonly reportSize: number;
  readonly capacity: number;
  private tail: Promise<void> = Promise.resolve();
  private closedWith: LinkError | undefined;

  constructor(private readonly port: HidReportPort) {
    super();
    checkReportSize(port.reportSize);
    this.name = port.name;
    this.reportSize = port.reportSize;
    this.capacity = payloadCapacity(port.reportSize);
    port.on('report', (bytes) => {
      if (this.closedWith) return;
      this.stats.reportsIn++;
      let report: TunnelReport;
      try {
        report = parseTunnelReport(bytes, this.reportSize);
      } catch (error) {
        this.stats.invalid++;
        this.emit(
          'invalid',
          new LinkError(
            'protocol',
            `${this.name} sent a report that is not a tunnel report: ${(error as Error).message}`,
          ),
        );
        return;
      }
      if (report.kind === 'data') this.stats.bytesIn += report.payload.length;
      this.emit('report', report);
    });
    port.on('close', (error) =>
      this.shutdown(
        error instanceof LinkError
          ? error
          : new LinkError('closed', `${this.name} was closed${error ? ` (${error.message})` : ''}`, {
              cause: error,
            }),
      ),
    );
  }

  get isOpen(): boolean {
    return this.closedWith === undefined;
  }

  /** Queues a report; resolves once it is written, rejects (and the line closes) if writing fails. */
  send(report: TunnelReport): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const bytes = encodeTunnelReport(report, this.reportSize);
    const written = this.tail
      .then(() => {
        if (this.closedWith) throw this.closedWith;
        return this.port.write(bytes);
      })
      .then(
        () => {
          this.stats.reportsOut++;
          if (report.kind === 'data') this.stats.bytesOut += report.payload.length;
        },
        (error: unknown) => {
          const e =
            error instanceof LinkError
              ? error
              : new LinkError('closed', `writing to ${this.name} failed: ${(error as Error).message}`, {
                  cause: error,
                });
          this.shutdown(e);
          throw this.closedWith ?? e;
        },
      );
    this.tail = written.catch(() => undefined);
    return written;
  }

  /** Sends a report whose failure needs no answer: a failed write closes the line, and that is reported. */
  post(report: TunnelReport): void {
    this.send(report).catch(() => undefined);
  }

  close(): void {
    if (this.closedWith) return;
    this.shutdown(new LinkError('closed', `${this.name} was closed`));
    this.port.close();
  }

  /** Closes the port once the reports already queued are written (at most 500 ms from now). */
  closeAfterPending(): void {
    const timer = setTimeout(() => this.close(), CLOSE_FLUSH_MS);
    timer.unref();
    void this.tail.then(() => {
      clearTimeout(timer);
      this.close();
    });
  }

  private shutdown(error: LinkError): void {
    if (this.closedWith) return;
    this.closedWith = error;
    this.emit('close', error);
  }
}

// ---------------------------------------------------------------------------------------------------------
// One link over the line: the Duplex that TLS runs over

export interface HidTunnelConnectOptions {
  /** How long to repeat OPEN before giving up (default 3 s). */
  timeoutMs?: number;
  /** For tests and vectors; random otherwise. */
  linkId?: number;
}

/**
 * One link (one TLS connection) over a tunnel. Writes are cut into DATA reports, written one at a time (the
 * Duplex's buffer gives TLS backpressure); received DATA reports are checked and pushed in order.
 * `HidTunnelStream.connect` makes the companion's end; a `HidTunnelListener` makes the phone's.
 */
export class HidTunnelStream extends ChunkLinkStream<TunnelReport, TunnelLine> {
  private closeReason: CloseReason = 'orderly';

  /** Companion side: opens a link on the port (OPEN until ACCEPT); the stream owns the port from now on. */
  static connect(port: HidReportPort, options: HidTunnelConnectOptions = {}): Promise<HidTunnelStream> {
    const line = new TunnelLine(port);
    const linkId = options.linkId ?? 1 + (randomBytes(2).readUInt16BE(0) % 0xffff);
    const stream = new HidTunnelStream(line, linkId, true);
    return openLink(line, stream, {
      timeoutMs: options.timeoutMs ?? CONNECT_TIMEOUT_MS,
      hint: 'plugged in and offers the tunnel',
      sendOpen: () => line.post({ kind: 'open', link: linkId, seq: 0, payload: EMPTY }),
      listen: (handshake) => {
        // USB loses nothing, so anything out of place (but an older link's late reports) ends the link.
        line.on('report', (report) => {
          if (!handshake.accepted) {
            if (report.link !== linkId) return void line.stats.stale++; // an older link's, still queued
            if (report.kind === 'accept') return handshake.accept();
            return handshake.refuse(
              report.kind === 'close'
                ? new LinkError(
                    'unreachable',
                    `the phone refused link ${hex4(linkId)} on ${line.name}: ${closeReasonText(report.payload[0] ?? 0)}`,
                  )
                : new LinkError(
                    'protocol',
                    `${line.name} sent ${report.kind.toUpperCase()} on link ${hex4(linkId)} before ACCEPT`,
                  ),
            );
          }
          if (report.link !== linkId) {
            line.stats.foreign++;
            return stream.fail(
              new LinkError(
                'protocol',
                `${line.name} sent a report of link ${hex4(report.link)} on link ${hex4(linkId)}: another ` +
                  'program uses the tunnel, or the phone restarted; the link is closed, reconnect',
              ),
              'foreign',
            );
          }
          if (report.kind === 'accept' && !stream.dataReceived) return void line.stats.stale++; // OPEN was repeated
          if (report.kind === 'accept' || report.kind === 'open')
            return stream.fail(
              new LinkError(
                'protocol',
                `${line.name} sent ${report.kind.toUpperCase()} in the middle of link ${hex4(linkId)}`,
              ),
              'unexpected',
            );
          stream.deliver(report);
        });
        line.on('invalid', (error) =>
          handshake.accepted ? stream.fail(error, 'invalid') : handshake.refuse(error),
        );
      },
    });
  }

  /** Whether any DATA arrived on this link (a repeated OPEN or ACCEPT is legitimate only before). */
  get receivedData(): boolean {
    return this.dataReceived;
  }

  /** Ends the link with an error; the peer is told why in CLOSE. */
  fail(error: LinkError, reason: CloseReason): void {
    if (this.destroyed) return;
    this.closeReason = reason;
    this.destroy(error);
  }

  protected override peerEnded(report: TunnelReport): void {
    const reason = report.payload[0] ?? CLOSE_REASONS.orderly;
    if (reason === CLOSE_REASONS.orderly) this.push(null);
    else
      this.destroy(
        new LinkError(
          reason === CLOSE_REASONS.replaced ? 'closed' : 'protocol',
          `the peer ended link ${hex4(this.linkId)} on ${this.line.name}: ${closeReasonText(reason)}`,
        ),
      );
  }

  protected override lostData(expected: number, arrived: number): void {
    const ahead = (arrived - expected) & 0xffff;
    const what =
      ahead < 0x8000
        ? `${ahead} report${ahead === 1 ? ' is' : 's are'} missing, lost or out of order (report ${expected} expected, ${arrived} arrived)`
        : `report ${arrived} arrived twice or out of order (report ${expected} expected)`;
    this.fail(
      new LinkError(
        'protocol',
        `${this.line.name}, link ${hex4(this.linkId)}: ${what}; the link is closed, reconnect`,
      ),
      'gap',
    );
  }

  /** Input reports cannot be held back, so past MAX_UNREAD the link ends instead of growing. */
  protected override afterPush(): void {
    if (this.readableLength > MAX_UNREAD)
      this.fail(
        new LinkError(
          'protocol',
          `${this.line.name}, link ${hex4(this.linkId)}: more than ${MAX_UNREAD / 1024} KiB received and not read; the link is closed`,
        ),
        'overflow',
      );
  }

  protected override sendData(data: Buffer, callback: (error?: Error | null) => void): void {
    this.writeFragments(data).then(
      () => callback(),
      (error: Error) => callback(error),
    );
  }

  /** One report at a time: each write waits for the previous one to resolve. */
  private async writeFragments(data: Buffer): Promise<void> {
    const capacity = this.line.capacity;
    for (let at = 0; at < data.length; at += capacity) {
      if (this.destroyed) throw new LinkError('closed', `link ${hex4(this.linkId)} is closed`);
      await this.line.send({
        kind: 'data',
        link: this.linkId,
        seq: this.nextSeq(),
        payload: data.subarray(at, at + capacity),
      });
    }
  }

  protected override sendCloseChunk(written: () => void): void {
    this.line.send(closeReport(this.linkId, this.closeReason)).then(written, written);
  }
}

export interface HidTunnelListenerEvents {
  link: [HidTunnelStream];
  close: [LinkError];
}

/** Link ids a listener remembers as ended: their late reports are stale, not another companion's. */
const ENDED_LINKS_KEPT = 16;

/**
 * Phone side: accepts links on its end of the interface, one at a time. A new OPEN replaces the current link
 * (its companion is gone, or another program took over: HID has no other way to say so), and that link's
 * companion is told with CLOSE; a repeated OPEN is ACCEPTed again until data flows. Late reports of a link
 * that ended are ignored; DATA of a link it never held is answered with CLOSE, so an orphaned companion (from
 * before the phone restarted) stops at once, and the current link goes on.
 */
export class HidTunnelListener extends ChunkLinkListener<HidTunnelStream, TunnelLine> {
  private readonly ended: number[] = [];

  constructor(port: HidReportPort) {
    super(new TunnelLine(port));
    this.line.on('report', (report) => this.onReport(report));
    this.line.on('invalid', (error) => this.current?.fail(error, 'invalid'));
  }

  /** Stops serving: the current link's companion is told with CLOSE, then the port closes. */
  close(): void {
    this.current?.destroy();
    this.line.closeAfterPending();
  }

  private onReport(report: TunnelReport): void {
    const current = this.current;
    const name = this.line.name;
    if (report.kind === 'open') {
      if (current && report.link === current.linkId) {
        if (!current.receivedData) return this.accept(report.link); // OPEN was repeated
        return current.fail(
          new LinkError('protocol', `${name}: link ${hex4(report.link)} was opened again after data flowed`),
          'unexpected',
        );
      }
      if (this.ended.includes(report.link)) return void this.line.stats.stale++; // a late retry of a link now over
      if (current)
        current.fail(
          new LinkError(
            'closed',
            `${name}: the companion opened link ${hex4(report.link)}, which replaces link ${hex4(current.linkId)}`,
          ),
          'replaced',
        );
      this.ended.push(report.link); // remembered from the start: a replaced link ends at once
      if (this.ended.length > ENDED_LINKS_KEPT) this.ended.shift();
      this.adopt(new HidTunnelStream(this.line, report.link, false));
      return;
    }
    if (current && report.link === current.linkId) {
      if (report.kind === 'accept')
        return current.fail(new LinkError('protocol', `${name}: the companion sent ACCEPT`), 'unexpected');
      return current.deliver(report);
    }
    if (this.ended.includes(report.link)) return void this.line.stats.stale++; // late reports of a link now over
    // A link this phone never held (it restarted since): its companion is told; the current link goes on.
    this.line.stats.foreign++;
    if (report.kind === 'data') this.answer('close', report.link);
  }

  protected override accept(link: number): void {
    this.answer('accept', link);
  }

  private answer(kind: 'accept' | 'close', link: number): void {
    if (!this.line.isOpen) return;
    this.line.post(
      kind === 'close' ? closeReport(link, 'unknownLink') : { kind, link, seq: 0, payload: EMPTY },
    );
  }
}
