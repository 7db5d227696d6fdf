// Environment: any (plain TypeScript; native-bridge).
// Finding the tunnel in a report descriptor: which vendor-defined collection carries it, never a guess.
import { type HidCollection, type HidField, type ReportDescriptor, reportOf } from './report-descriptor.js';
import type { TunnelReportIds } from './report-port.js';
import { MAX_REPORT_SIZE, MIN_REPORT_SIZE, hex4 } from './tunnel-report.js';

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
