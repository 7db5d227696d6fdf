import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CODE_ALPHABET,
  CODE_LENGTH,
  formatPairingCode,
  generatePairingCode,
  isTrivialCode,
  normalizePairingCode,
  PairingCodeError,
} from '../../../../native-bridge/link/pairing-code.js';

function pairingCodeError(typed: string): string {
  try {
    normalizePairingCode(typed);
  } catch (error) {
    expect(error).toBeInstanceOf(PairingCodeError);
    expect((error as Error).name).toBe('PairingCodeError');
    return (error as Error).message;
  }
  throw new Error(`expected a PairingCodeError for ${JSON.stringify(typed)}`);
}

/** A non-trivial code in canonical form. */
const code = fc
  .array(fc.constantFrom(...CODE_ALPHABET), { minLength: CODE_LENGTH, maxLength: CODE_LENGTH })
  .map((symbols) => symbols.join(''))
  .filter((c) => !isTrivialCode(c));

describe('the code alphabet', () => {
  it("is Crockford's base32", () => {
    expect(CODE_ALPHABET).toBe('0123456789ABCDEFGHJKMNPQRSTVWXYZ');
    expect(CODE_ALPHABET).toHaveLength(32);
    expect(new Set(CODE_ALPHABET).size).toBe(32);
    expect(CODE_LENGTH).toBe(8);
  });
});

describe('generatePairingCode', () => {
  it('gives 8 symbols of the alphabet, never trivial, and rarely repeats', () => {
    const codes = Array.from({ length: 10_000 }, () => generatePairingCode());
    for (const c of codes) {
      expect(c).toMatch(/^[0-9A-HJKMNP-TV-Z]{8}$/);
      expect(isTrivialCode(c)).toBe(false);
      expect(normalizePairingCode(c)).toBe(c);
    }
    // 40 bits: a collision among 10,000 codes has a probability of about 5e-5.
    expect(new Set(codes).size).toBeGreaterThanOrEqual(9_998);
    // Every symbol shows up in every position (8 × 32 cells, ~312 expected hits each).
    for (let position = 0; position < CODE_LENGTH; position++) {
      const seen = new Set(codes.map((c) => c[position]));
      expect(seen.size).toBe(32);
    }
  });
});

describe('isTrivialCode', () => {
  it.each([
    ['AAAAAAAA', 'one symbol'],
    ['00000000', 'one symbol'],
    ['ABABABAB', 'two symbols'],
    ['ABCABCAB', 'three symbols'],
    ['01234567', 'ascending digits'],
    ['ABCDEFGH', 'ascending letters'],
    ['GHJKXQ2M', 'ascending across the skipped I'],
    ['7654XQ2M', 'descending run at the start'],
    ['XQ2M7654', 'descending run at the end'],
    ['X2MQ89AB', 'run across digits and letters'],
    ['ZYXW2K7M', 'descending letters'],
    ['7654XXXX', 'run and repeats'],
    ['K7QQQ2M9', 'three equal in a row'],
    ['K7Q2M999', 'three equal at the end'],
  ])('%s is trivial (%s)', (c) => {
    expect(isTrivialCode(c)).toBe(true);
  });

  it.each([
    'K7Q2M9XD',
    'AABBCCDD', // four symbols, no three in a row, no run
    'ABCK2M9X', // a run of three only
    'ACEGK2M9', // steps of two are not a run
    'AA7AAQ2M',
    '0246813579'.slice(0, 8),
    'HJKQ2M9X', // three in alphabet order then a break
  ])('%s is not trivial', (c) => {
    expect(isTrivialCode(c)).toBe(false);
  });
});

describe('formatPairingCode', () => {
  it('shows XXXX-XXXX', () => {
    expect(formatPairingCode('ABCD2345')).toBe('ABCD-2345');
  });
});

describe('normalizePairingCode', () => {
  it.each([
    ['ABCD2345', 'ABCD2345'],
    ['ABCD-2345', 'ABCD2345'],
    ['abcd-2345', 'ABCD2345'],
    ['  abcd 2345 ', 'ABCD2345'],
    ['a-b-c-d-2-3-4-5', 'ABCD2345'],
    ['AB CD\t23\n45', 'ABCD2345'],
    ['ABCD--2345', 'ABCD2345'],
    ['ILO0-ilo0', '1100' + '1100'],
    ['lOl0-K7Q2', '1010K7Q2'],
    ['K7Q2 M9XD', 'K7Q2M9XD'],
  ])('%j → %s', (typed, expected) => {
    expect(normalizePairingCode(typed)).toBe(expected);
  });

  it('rejects U and names it', () => {
    const message = pairingCodeError('ABCU-2345');
    expect(message).toContain('"U" cannot appear in a pairing code');
    expect(message).toContain('except I, L, O and U');
    expect(pairingCodeError('abcu2345')).toContain('"U"');
  });

  it.each([
    'ABCD_2345',
    'ABCD.2345',
    'ABCD/2345',
    'ABCD+2345',
    'ABCD#2345',
    'ABCD2345!',
    'ÄBCD2345',
    '€BCD2345',
  ])('rejects the symbol in %j', (typed) => {
    const bad = [...typed].find((c) => !/[A-Za-z0-9\s-]/.test(c))!;
    expect(pairingCodeError(typed)).toContain(`"${bad}" cannot appear in a pairing code`);
  });

  it.each([
    ['', 0],
    ['   ', 0],
    ['----', 0],
    ['ABC', 3],
    ['ABCD-234', 7],
    ['ABCD-23456', 9],
    ['ABCD-2345-ABCD-2345', 16],
  ])('rejects %j for its length', (typed, length) => {
    const message = pairingCodeError(typed);
    expect(message).toContain('a pairing code has 8 characters (like ABCD-2345)');
    expect(message).toContain(`you typed ${length}`);
  });

  it('reports a bad symbol before a bad length', () => {
    expect(pairingCodeError('U')).toContain('"U"');
  });

  it('round trips formatted codes', () => {
    fc.assert(
      fc.property(code, (c) => {
        expect(normalizePairingCode(formatPairingCode(c))).toBe(c);
        expect(normalizePairingCode(c)).toBe(c);
      }),
      { numRuns: 2000 },
    );
  });

  it('accepts lowercase with spaces and hyphens anywhere', () => {
    const typed = code.chain((c) =>
      fc
        .tuple(
          fc.array(fc.array(fc.constantFrom(' ', '-', '\t'), { maxLength: 3 }), {
            minLength: CODE_LENGTH + 1,
            maxLength: CODE_LENGTH + 1,
          }),
          fc.array(fc.boolean(), { minLength: CODE_LENGTH, maxLength: CODE_LENGTH }),
        )
        .map(([gaps, lower]) => ({
          c,
          text:
            gaps[0]!.join('') +
            [...c].map((s, i) => (lower[i] ? s.toLowerCase() : s) + gaps[i + 1]!.join('')).join(''),
        })),
    );
    fc.assert(
      fc.property(typed, ({ c, text }) => {
        expect(normalizePairingCode(text)).toBe(c);
        expect(normalizePairingCode(text.toLowerCase())).toBe(c);
      }),
      { numRuns: 2000 },
    );
  });

  it('returns a canonical code or throws PairingCodeError on any input', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' })),
        (text) => {
          try {
            const c = normalizePairingCode(text);
            expect(c).toHaveLength(CODE_LENGTH);
            expect([...c].every((s) => CODE_ALPHABET.includes(s))).toBe(true);
          } catch (error) {
            expect(error).toBeInstanceOf(PairingCodeError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});
