// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
// The HID report tunnel's reports (docs/protocol.md, "HID report tunnel"): the fixed-size report body, its
// 6-byte header, the CLOSE reasons, and the strict codec that refuses anything not exactly as specified.
import { LINK_CHUNK_TYPES, type LinkChunkKind, linkChunkKind } from '../link/chunk-link.js';

/** type (1) + link id (2) + sequence number (2) + payload length (1). */
export const HEADER_SIZE = 6;
/** The smallest report that carries the tunnel (2 payload bytes a report). */
export const MIN_REPORT_SIZE = 8;
/** The largest report body a descriptor can declare (the parser's cap). */
export const MAX_REPORT_SIZE = 1024;
/** The payload length is one byte: larger reports carry at most this much, the rest is padding. */
export const MAX_PAYLOAD = 255;

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

export const closeReport = (link: number, reason: CloseReason = 'orderly'): TunnelReport => ({
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

export const EMPTY = new Uint8Array(0);
/** A link id or usage as the messages show it. */
export const hex4 = (n: number) => `0x${n.toString(16).padStart(4, '0')}`;

/** Payload bytes one DATA report of an N-byte body carries. */
export function payloadCapacity(reportSize: number): number {
  return Math.min(reportSize - HEADER_SIZE, MAX_PAYLOAD);
}

export function checkReportSize(reportSize: number): void {
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
