import { describe, expect, it } from 'vitest';
import {
  MAX_TXT_BYTES,
  RecordError,
  decodeTxt,
  encodeTxt,
} from '../../../../native-bridge/ethernet/record.js';

const ID = 'abcdefghijklmnopqrstuvwxyz';
const claims = {
  id: ID,
  vendor: 'Polycom',
  model: 'VVX 450',
  firmware: '6.4.3',
  pairingMode: 'auto' as const,
};
const wire = (txt: Record<string, string>) => Object.entries(txt).map(([k, v]) => Buffer.from(`${k}=${v}`));

describe('the _btoe._tcp TXT record', () => {
  it('round-trips what the phone claims, with protocol version 1', () => {
    const txt = encodeTxt(claims);
    expect(txt).toEqual({ id: ID, vendor: 'Polycom', model: 'VVX 450', fw: '6.4.3', pv: '1', mode: 'auto' });
    expect(decodeTxt(wire(txt))).toEqual({ ...claims, protocol: 1 });
  });

  it("discloses nothing about the phone's PC port; an older record's pcmac is ignored", () => {
    expect(Object.keys(encodeTxt(claims))).not.toContain('pcmac');
    const old = wire({ ...encodeTxt(claims), pcmac: '3c5282102030' });
    expect(decodeTxt(old)).toEqual({ ...claims, protocol: 1 });
  });

  it(`refuses a record over ${MAX_TXT_BYTES} bytes before reading it`, () => {
    const big = wire({ ...encodeTxt(claims), pad: 'x'.repeat(MAX_TXT_BYTES) });
    expect(() => decodeTxt(big)).toThrow(RecordError);
    expect(() => decodeTxt(big)).toThrow(/bytes/);
  });

  it('refuses a bad id, another protocol version, a repeated key and a long model', () => {
    const txt = encodeTxt(claims);
    expect(() => decodeTxt(wire({ ...txt, id: 'not-an-id' }))).toThrow(/id/);
    expect(() => decodeTxt(wire({ ...txt, pv: '2' }))).toThrow(/pv/);
    expect(() => decodeTxt([...wire(txt), Buffer.from('ID=other')])).toThrow(/twice/);
    expect(() => decodeTxt(wire({ ...txt, model: 'm'.repeat(65) }))).toThrow(/model/);
  });

  it('ignores keys it does not know (forward compatibility)', () => {
    expect(decodeTxt(wire({ ...encodeTxt(claims), future: 'yes' })).id).toBe(ID);
  });
});
