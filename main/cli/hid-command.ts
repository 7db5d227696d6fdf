// Environment: Node (the btoe command).
// `btoe hid describe FILE.hex|HIDRAW-PATH [--json]`: the telephony collections of a HID report descriptor and
// every control in them, as the telephony controller will drive them.
import { DescriptorSourceError, readDescriptor } from '../../native-bridge/hid/descriptor-source.js';
import { ReportDescriptorError, parseReportDescriptor } from '../../native-bridge/hid/report-descriptor.js';
import { controlSummary, pageName, telephonyCollections } from '../../native-bridge/hid/telephony.js';
import { escapeForTerminal, jsonForTerminal } from '../../native-bridge/link/display-text.js';
import { EXIT } from '../core/exit-codes.js';

export const HID_USAGE = 'btoe hid describe FILE.hex|/dev/hidrawN [--json]';

const hex = (value: number, digits: number) => `0x${value.toString(16).toUpperCase().padStart(digits, '0')}`;

function fail(json: boolean, message: string): number {
  if (json) process.stdout.write(`${jsonForTerminal({ ok: false, error: { kind: 'usage', message } })}\n`);
  else process.stderr.write(`btoe: ${escapeForTerminal(message)}\n`);
  return EXIT.usage;
}

/**
 * `btoe hid ...`: `args` are the positionals after `hid`, i.e. `['describe', PATH]` where PATH is a hex file
 * (space-separated bytes), a binary descriptor (.bin, a sysfs report_descriptor) or a hidraw device
 * (/dev/hidrawN, Linux).
 */
export async function runHidDescribe(args: string[], json: boolean): Promise<number> {
  const [subcommand, ...operands] = args;
  if (subcommand !== 'describe')
    return fail(
      json,
      `${subcommand === undefined ? 'hid needs a subcommand' : `unknown hid subcommand "${subcommand.slice(0, 40)}"`} (usage: ${HID_USAGE})`,
    );
  if (operands.length !== 1)
    return fail(json, `hid describe needs one FILE.hex or /dev/hidrawN (usage: ${HID_USAGE})`);
  const path = operands[0]!;
  let source;
  let descriptor;
  try {
    source = await readDescriptor(path);
    descriptor = parseReportDescriptor(source.bytes);
  } catch (error) {
    if (error instanceof DescriptorSourceError) return fail(json, error.message);
    if (error instanceof ReportDescriptorError)
      return fail(json, `${path} is not a valid HID report descriptor: ${error.message}`);
    throw error;
  }
  const collections = telephonyCollections(descriptor);
  if (json) {
    process.stdout.write(
      `${jsonForTerminal({
        ok: true,
        source: source.from,
        bytes: source.bytes.length,
        numberedReports: descriptor.numbered,
        topLevelCollections: descriptor.collections.map((c) => ({ usagePage: c.usagePage, usage: c.usage })),
        telephony: collections.map((t) => ({
          index: t.index,
          usagePage: t.usagePage,
          usage: t.usage,
          name: t.name,
          controls: t.controls.map(controlSummary),
        })),
        warnings: descriptor.warnings,
      })}\n`,
    );
    return EXIT.ok;
  }
  const lines = [
    `${source.from}: ${source.bytes.length} bytes, ${descriptor.collections.length} top-level collection${descriptor.collections.length === 1 ? '' : 's'}: ${descriptor.collections.map((c) => `${pageName(c.usagePage)} ${hex(c.usage, 2)}`).join(', ')}`,
  ];
  if (collections.length === 0)
    lines.push('No telephony collection (usage page 0x0B): not a telephony device.');
  for (const t of collections) {
    lines.push('', `Telephony collection #${t.index}: ${t.name} (${hex(t.usagePage, 2)}:${hex(t.usage, 2)})`);
    const rows = t.controls.map((c) => [
      c.name,
      `${hex(c.page, 2)}:${hex(c.usage, 2)}`,
      c.reportType,
      descriptor.numbered ? hex(c.reportId, 2) : '-',
      `bit ${c.bitOffset}${c.bitSize === 1 ? '' : `+${c.bitSize}`}`,
      [
        c.absolute ? 'absolute' : 'relative',
        c.preferred ? 'preferred' : 'no preferred',
        ...(c.arrayValue === undefined ? [] : [`array value ${c.arrayValue}`]),
        ...(c.nullState ? ['null state'] : []),
      ].join(', '),
    ]);
    const header = ['control', 'usage', 'type', 'report', 'bits', 'flags'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const row = (r: string[]) =>
      `  ${r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')}`;
    lines.push(row(header), ...rows.map(row));
  }
  for (const w of descriptor.warnings) lines.push(`warning: ${w}`);
  process.stdout.write(`${escapeForTerminal(lines.join('\n'))}\n`);
  return EXIT.ok;
}
