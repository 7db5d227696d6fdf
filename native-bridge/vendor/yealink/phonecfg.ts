// Environment: any (plain TypeScript).
// The answer to `GET /servlet?phonecfg=get&accounts=1&dnd=0&fw=1`. Yealink documents the request ("get firmware
// version, registration, DND or forward configuration information") but not the answer's layout. This reader
// takes the layout that public Action URI clients parse and docs/vendor-phones.md states as an assumption, so a
// real phone that differs shows up as one clear 'bad-answer' here, not as a crash:
//   Firmware=66.86.0.15
//   Account1|<label>|<register name>|<display name>|<status, 2 = registered>|<outgoing URI>|...
import { isDisplayText } from '../../link/display-text.js';
import type { LineFacts } from '../vendor-phone.js';

export interface PhoneConfigAnswer {
  firmware: string;
  lines: LineFacts[];
}

const LINES_MAX = 256;
const FIELD_MAX = 128;

/** Undefined when the answer has no firmware line (not the layout this reader knows). */
export function parsePhoneConfig(text: string): PhoneConfigAnswer | undefined {
  let firmware: string | undefined;
  const lines: LineFacts[] = [];
  for (const raw of text.split(/\r?\n/, LINES_MAX)) {
    const line = raw.trim();
    const fw = /^(?:Firmware|fw)\s*=\s*(.+)$/i.exec(line);
    if (fw) {
      const value = fw[1]!.trim();
      if (value.length <= 64 && isDisplayText(value)) firmware = value;
      continue;
    }
    const account = /^Account(\d{1,2})\|/.exec(line);
    if (!account) continue;
    const fields = line.split('|');
    const address = (fields[5] ?? '').trim() || (fields[2] ?? '').trim();
    if (address === '' || address.length > FIELD_MAX || !isDisplayText(address)) continue;
    lines.push({ line: String(Number(account[1])), address, registered: (fields[4] ?? '').trim() === '2' });
  }
  return firmware === undefined ? undefined : { firmware, lines };
}
