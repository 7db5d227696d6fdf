import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DialTargetError, dialableNumber } from '../../main/core/dial-target.js';

/** Printable ASCII only: no control characters, nothing beyond '~'. */
const PRINTABLE = /^[\x20-\x7e]*$/;

function dialError(input: string): string {
  try {
    dialableNumber(input);
  } catch (error) {
    expect(error).toBeInstanceOf(DialTargetError);
    expect((error as Error).name).toBe('DialTargetError');
    return (error as Error).message;
  }
  throw new Error(`expected a DialTargetError for ${JSON.stringify(input)}`);
}

describe('dialableNumber', () => {
  it.each([
    // tel: (RFC 3966), global numbers with visual separators
    ['tel:+1-201-555-0123', '+12015550123'],
    ['tel:+1(201)555.0123', '+12015550123'],
    ['tel:+44 20 7946 0958', '+442079460958'],
    ['tel:+49/30/1234567', '+49301234567'],
    ['TEL:+15550100', '+15550100'],
    ['tel:7042', '7042'],
    // tel: parameters are dropped
    ['tel:7042;phone-context=example.com', '7042'],
    ['tel:+1-201-555-0123;ext=1234', '+12015550123'],
    ['tel:863-1234;phone-context=+1-914-555', '8631234'],
    ['tel:+15550100;isub=1411;ext=22', '+15550100'],
    // callto:
    ['callto:+15550100', '+15550100'],
    ['callto://+15550100', '+15550100'],
    ['callto:+1 (555) 0100', '+15550100'],
    ['CallTo://5550100', '5550100'],
    // sip: / sips: user part
    ['sip:+12015550123@example.com', '+12015550123'],
    ['sips:1234@pbx.example.com;user=phone', '1234'],
    ['SIP:+1-201-555-0123@example.com', '+12015550123'],
    ['sip:5550100@192.0.2.1:5060', '5550100'],
    // percent-encoding
    ['tel:%2B15550100', '+15550100'],
    ['callto:+49%2030%201234', '+49301234'],
    ['sip:%2B15550100@example.com', '+15550100'],
    ['tel:*67%23', '*67#'],
    // bare numbers
    ['+1 (201) 555-0123', '+12015550123'],
    ['  5550100  ', '5550100'],
    ['*67#', '*67#'],
    ['0', '0'],
    ['5'.repeat(32), '5'.repeat(32)],
    ['+' + '5'.repeat(32), '+' + '5'.repeat(32)],
    ['201.555.0123', '2015550123'],
  ])('%j → %j', (input, expected) => {
    expect(dialableNumber(input)).toBe(expected);
  });

  it.each([
    'javascript:alert(1)',
    'http://example.com/555',
    'https:5550100',
    'mailto:5550100@example.com',
    'data:,5550100',
    'file:5550100',
    'skype:5550100',
    'fax:5550100',
  ])('refuses the scheme of %j', (input) => {
    const scheme = input.slice(0, input.indexOf(':') + 1);
    expect(dialError(input)).toBe(`"${scheme}" addresses cannot be dialled; use tel:, callto: or sip:`);
  });

  it.each([
    '555-CALL',
    'tel:555-CALL',
    'callto:alice',
    'sip:alice@example.com',
    'tel:+1555x12',
    '1-800-FLOWERS',
    'abc',
  ])('refuses letters in %j', (input) => {
    expect(dialError(input)).toContain(
      'is not a phone number: use digits, an optional leading + and separators',
    );
  });

  it.each(['', '   ', '\t\n'])('refuses the empty input %j', (input) => {
    expect(dialError(input)).toBe('give a phone number or a tel:, callto: or sip: address');
  });

  it.each(['tel:', 'tel:;ext=1', 'callto:', 'callto://', 'sip:@example.com', 'tel:+', '+', '---', '()'])(
    'refuses %j, which has no digits',
    (input) => {
      expect(dialError(input)).toMatch(/is not a phone number/);
    },
  );

  it.each(['++15550100', '1+5550100', '5550100+', '5,5', '#+1'])(
    'refuses a misplaced symbol in %j',
    (input) => {
      expect(dialError(input)).toMatch(/is not a phone number/);
    },
  );

  it('refuses a sip: address without a user part', () => {
    expect(dialError('sip:example.com')).toBe('"sip:example.com" has no user part to dial');
    expect(dialError('sips:pbx')).toMatch(/has no user part to dial/);
  });

  it('refuses overlong input', () => {
    expect(dialError('5'.repeat(33))).toMatch(/is not a phone number/);
    expect(dialError('tel:+' + '5'.repeat(33))).toMatch(/is not a phone number/);
    expect(dialError('5'.repeat(257))).toBe('give a phone number or a tel:, callto: or sip: address');
    expect(dialError('tel:' + '5'.repeat(20) + '-'.repeat(300))).toBe(
      'give a phone number or a tel:, callto: or sip: address',
    );
    // Within 256 characters, separators alone do not make a number too long.
    expect(dialableNumber('5'.repeat(20) + ' '.repeat(200) + '5')).toBe('5'.repeat(21));
  });

  it.each(['tel:%', 'tel:%2', 'tel:%ZZ15550100', 'callto:%E0%A4%A', 'sip:%C3%28@example.com', 'tel:%FF'])(
    'refuses the broken percent-encoding in %j',
    (input) => {
      expect(dialError(input)).toBe(`"${input}" has broken percent-encoding`);
    },
  );

  it('refuses percent-encoded letters and parameters', () => {
    expect(dialError('tel:%41%42')).toMatch(/is not a phone number/);
    expect(dialError('tel:123%3Bext=5')).toMatch(/is not a phone number/);
  });

  it('echoes input safely in its messages', () => {
    const control = dialError('tel:555\u0000\u001b[2J');
    expect(control).toMatch(PRINTABLE);
    expect(control).toContain('?');
    const long = dialError('x'.repeat(250));
    expect(long.length).toBeLessThan(160);
    expect(long).toContain('...');
    expect(dialError('javascript' + 'x'.repeat(200) + ':1').length).toBeLessThan(160);
  });

  it('returns only what the protocol can dial, or throws DialTargetError', () => {
    const input = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc
        .tuple(
          fc.constantFrom('tel:', 'callto:', 'callto://', 'sip:', 'sips:', ''),
          fc.string(),
          fc.constantFrom('', '@example.com'),
        )
        .map(([scheme, body, host]) => scheme + body + host),
      fc
        .tuple(fc.constantFrom('tel:', 'sip:', ''), fc.stringMatching(/^[0-9+*#%()\-. A-F]{0,40}$/))
        .map(([scheme, body]) => scheme + body + (scheme === 'sip:' ? '@h' : '')),
    );
    fc.assert(
      fc.property(input, (text) => {
        try {
          expect(dialableNumber(text)).toMatch(/^\+?[0-9*#]{1,32}$/);
        } catch (error) {
          expect(error).toBeInstanceOf(DialTargetError);
          expect((error as Error).message).toMatch(PRINTABLE);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it('keeps the digits of any number written with separators', () => {
    fc.assert(
      fc.property(
        fc.boolean(),
        fc.array(
          fc.tuple(fc.constantFrom(...'0123456789*#'), fc.constantFrom('', ' ', '-', '.', '(', ')', '/')),
          {
            minLength: 1,
            maxLength: 32,
          },
        ),
        fc.constantFrom('', 'tel:', 'callto:', 'callto://'),
        (plus, parts, scheme) => {
          const digits = (plus ? '+' : '') + parts.map(([d]) => d).join('');
          const written = scheme + (plus ? '+' : '') + parts.map(([d, s]) => d + s).join('');
          expect(dialableNumber(written)).toBe(digits);
        },
      ),
      { numRuns: 1000 },
    );
  });
});
