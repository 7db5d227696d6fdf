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
  pcPortMacs: ['3c:52:82:10:20:30', '02:00:5e:10:00:01'],
};
const wire = (txt: Record<string, string>) => Object.entries(txt).map(([k, v]) => Buffer.from(`${k}=${v}`));

describe('the _btoe._tcp TXT record', () => {
  it('round-trips what the phone claims, with protocol version 1', () => {
    const txt = encodeTxt(claims);
    expect(txt).toMatchObject({ id: ID, pv: '1', mode: 'auto', pcmac: '3c5282102030,02005e100001' });
    expect(decodeTxt(wire(txt))).toEqual({ ...claims, protocol: 1 });
  });

  it('keeps at most 8 PC-port MACs and accepts none', () => {
    const many = Array.from({ length: 12 }, (_, i) => `02:00:00:00:00:${i.toString(16).padStart(2, '0')}`);
    expect(decodeTxt(wire(encodeTxt({ ...claims, pcPortMacs: many }))).pcPortMacs).toHaveLength(8);
    expect(decodeTxt(wire(encodeTxt({ ...claims, pcPortMacs: [] }))).pcPortMacs).toEqual([]);
  });

  it(`refuses a record over ${MAX_TXT_BYTES} bytes before reading it`, () => {
    const big = wire({ ...encodeTxt(claims), pad: 'x'.repeat(MAX_TXT_BYTES) });
    expect(() => decodeTxt(big)).toThrow(RecordError);
    expect(() => decodeTxt(big)).toThrow(/bytes/);
  });

  it('refuses a bad id, another protocol version, a repeated key and bad MACs', () => {
    const txt = encodeTxt(claims);
    expect(() => decodeTxt(wire({ ...txt, id: 'not-an-id' }))).toThrow(/id/);
    expect(() => decodeTxt(wire({ ...txt, pv: '2' }))).toThrow(/pv/);
    expect(() => decodeTxt([...wire(txt), Buffer.from('ID=other')])).toThrow(/twice/);
    expect(() => decodeTxt(wire({ ...txt, pcmac: '3c:52:82:10:20:30' }))).toThrow(/pcmac/);
    expect(() => decodeTxt(wire({ ...txt, model: 'm'.repeat(65) }))).toThrow(/model/);
  });

  it('ignores keys it does not know (forward compatibility)', () => {
    expect(decodeTxt(wire({ ...encodeTxt(claims), future: 'yes' })).id).toBe(ID);
  });
});
