// Environment: Node (vitest). Issue 13 item 5: what a phone names itself never reaches a terminal or a store raw.
import { describe, expect, it } from 'vitest';
import { RecordError, decodeTxt } from '../../../../native-bridge/ethernet/record.js';
import {
  escapeForTerminal,
  isDisplayText,
  jsonForTerminal,
} from '../../../../native-bridge/link/display-text.js';
import { DecodeError, decodeMessage } from '../../../../native-bridge/link/messages.js';

/** The repros: an OSC title, a clear screen, a line overwrite, a right-to-left override, and a C1 CSI. */
const HOSTILE = {
  'OSC window title': 'Poly\u001b]0;owned\u0007',
  'clear screen': '\u001b[2J\u001b[H',
  'line overwrite': 'VVX\r\u001b[Kpaired: yes',
  'right-to-left override': 'VVX \u202eexe.txt',
  'C1 CSI': 'VVX\u009b2J',
  'line separator': 'VVX\u2028second line',
};

const hello = (fields: Record<string, string>) =>
  Buffer.from(
    JSON.stringify({
      type: 'hello',
      id: 1,
      protocol: 1,
      role: 'phone',
      vendor: 'Polycom',
      family: 'VVX',
      model: 'VVX 450',
      firmware: '6.4.3',
      serial: '0004F2A1B2C3',
      mac: '00:04:f2:a1:b2:c3',
      lockType: 'phone-lock',
      capabilities: ['lock'],
      pairing: { mode: 'manual', window: 'open', pcPortMacs: [] },
      ...fields,
    }),
  );

describe('a phone hello', () => {
  it('is accepted with ordinary names, accents and emoji', () => {
    expect(decodeMessage(hello({ vendor: 'Poly 😀', model: 'CCX 600 Küche' }))).toMatchObject({
      vendor: 'Poly 😀',
    });
  });

  for (const field of ['vendor', 'family', 'model', 'firmware', 'serial']) {
    for (const [what, value] of Object.entries(HOSTILE)) {
      it(`is refused with a ${what} in ${field}, without quoting it`, () => {
        let error: unknown;
        try {
          decodeMessage(hello({ [field]: value }));
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(DecodeError);
        expect((error as DecodeError).message).toContain(field);
        expect(isDisplayText((error as DecodeError).message)).toBe(true);
      });
    }
  }

  it('refuses a companion hello whose name is not printable (the phone shows it)', () => {
    const companion = (name: string) =>
      Buffer.from(JSON.stringify({ type: 'hello', id: 1, protocol: 1, role: 'companion', name, app: 'a' }));
    expect(() => decodeMessage(companion('DESK\u001b[2J'))).toThrow(DecodeError);
    expect(decodeMessage(companion('DESK-PC-042'))).toMatchObject({ name: 'DESK-PC-042' });
  });
});

describe('a TXT record', () => {
  const wire = (txt: Record<string, string>) => Object.entries(txt).map(([k, v]) => Buffer.from(`${k}=${v}`));
  const record = {
    id: 'abcdefghijklmnopqrstuvwxyz',
    vendor: 'Polycom',
    model: 'VVX 450',
    fw: '6.4.3',
    pv: '1',
    mode: 'auto',
  };

  for (const key of ['vendor', 'model', 'fw']) {
    for (const [what, value] of Object.entries(HOSTILE)) {
      it(`is refused with a ${what} in ${key}`, () => {
        expect(() => decodeTxt(wire({ ...record, [key]: value }))).toThrow(RecordError);
      });
    }
  }
});

describe('the terminal printers', () => {
  it('show every control, bidi and format character as an escape and keep newlines', () => {
    for (const value of Object.values(HOSTILE)) {
      const shown = escapeForTerminal(`${value}\nnext`);
      expect(shown).not.toMatch(/(?!\n)[\p{Cc}\u202a-\u202e\u2028\u2029]/u);
      expect(shown.endsWith('\nnext')).toBe(true);
    }
    expect(escapeForTerminal('a\u001b]0;t\u0007')).toBe('a\\u{1b}]0;t\\u{7}');
    expect(escapeForTerminal('x\u202ey')).toBe('x\\u{202e}y');
  });

  it('write JSON that means the same value and holds no raw C1, bidi or separator character', () => {
    const value = { name: Object.values(HOSTILE).join('|') + '\u{e0001}', n: 1 };
    const text = jsonForTerminal(value);
    expect(text).not.toMatch(/[\p{Cc}\u202a-\u202e\u2028\u2029\u{e0001}]/u);
    expect(JSON.parse(text)).toEqual(value);
  });
});
