import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type DialOptions,
  type DialTargetReason,
  DialTargetError,
  MAX_INPUT_LENGTH,
  defaultRegionFromEnvironment,
  dialableNumber,
  isSupportedRegion,
  parseDialTarget,
  printable,
} from '../../../../main/core/dial-target.js';
import { messageSchemas } from '../../../../native-bridge/link/messages.js';

/** Printable ASCII only: no control characters, nothing beyond '~'. */
const PRINTABLE = /^[\x20-\x7e]*$/;

function refusal(input: unknown, options: DialOptions = {}): DialTargetError {
  try {
    parseDialTarget(input, options);
  } catch (error) {
    expect(error).toBeInstanceOf(DialTargetError);
    expect((error as Error).name).toBe('DialTargetError');
    expect((error as Error).message).toMatch(PRINTABLE);
    return error as DialTargetError;
  }
  throw new Error(`expected a DialTargetError for ${JSON.stringify(input)}`);
}

const US: DialOptions = { defaultRegion: 'US' };
const GB: DialOptions = { defaultRegion: 'GB' };
const NONE: DialOptions = {};

describe('parseDialTarget: what it accepts', () => {
  it.each<[string, DialOptions, string, string?]>([
    // tel: global numbers (RFC 3966) with visual separators, any case of the scheme
    ['tel:+1-201-555-0123', NONE, '+12015550123'],
    ['tel:+1(201)555.0123', NONE, '+12015550123'],
    ['TEL:+44-20-7946-0958', NONE, '+442079460958'],
    ['Tel:+44 20 7946 0958', NONE, '+442079460958'],
    ['tel:+49/30/1234567', NONE, '+49301234567'],
    // extensions, ISDN subaddresses and other parameters, in any order, names in any case
    ['tel:+1-201-555-0123;ext=1234', NONE, '+12015550123', '1234'],
    ['tel:+1-201-555-0123;EXT=12-34', NONE, '+12015550123', '1234'],
    ['tel:+12015550123;isub=1411;ext=22', NONE, '+12015550123', '22'],
    ['tel:+12015550123;ext=22;isub=1411', NONE, '+12015550123', '22'],
    ['tel:+12015550123;tgrp=TG-1;trunk-context=example.com;Ext=7', NONE, '+12015550123', '7'],
    ['tel:+12015550123;npdi;rn=+1-201-555-0000', NONE, '+12015550123'],
    ['tel:+12015550123;x=$(id)', NONE, '+12015550123'], // an unknown parameter: checked for shape, ignored
    // local numbers: phone-context as a country code (national number) or as a longer prefix
    ['tel:020-7946-0958;phone-context=+44', NONE, '+442079460958'],
    ['tel:7946-0958;phone-context=+44-20', NONE, '+442079460958'],
    ['tel:555-0123;phone-context=+1-201', NONE, '+12015550123'],
    ['tel:555-0123;ext=9;PHONE-CONTEXT=+1-201', NONE, '+12015550123', '9'],
    // local numbers without phone-context: the default region
    ['tel:(201) 555-0123', US, '+12015550123'],
    ['tel:020 7946 0958', GB, '+442079460958'],
    // percent-encoding
    ['tel:%2B1-201-555-0123', NONE, '+12015550123'],
    ['tel:+44%2020%207946%200958', NONE, '+442079460958'],
    ['tel:+12015550123;ext=%31%32', NONE, '+12015550123', '12'],
    ['tel:020%207946%200958;phone-context=%2B44', NONE, '+442079460958'],
    // callto:
    ['callto:+12015550123', NONE, '+12015550123'],
    ['callto://+12015550123', NONE, '+12015550123'],
    ['CallTo://+1 (201) 555-0123', NONE, '+12015550123'],
    ['callto:+44%2020%207946%200958', NONE, '+442079460958'],
    ['callto:2015550123', US, '+12015550123'],
    ['callto:+12015550123 x12', NONE, '+12015550123', '12'],
    // sip: and sips: with user=phone (the user part is a telephone-subscriber) or a plainly numeric user part
    ['sip:+12015550123@example.com', NONE, '+12015550123'],
    ['SIP:+1-201-555-0123@example.com;user=phone', NONE, '+12015550123'],
    ['sips:+1-201-555-0123;ext=9@pbx.example.com;USER=Phone', NONE, '+12015550123', '9'],
    ['sip:+1-212-555-1212:secret@gateway.com;user=phone', NONE, '+12125551212'],
    ['sip:%2B12015550123@192.0.2.1:5060;transport=tcp?subject=hi', NONE, '+12015550123'],
    ['sip:+442079460958@[2001:db8::1]:5061', NONE, '+442079460958'],
    ['sip:2015550123@pbx.example.com', US, '+12015550123'],
    ['sip:020-7946-0958;phone-context=+44@example.com;user=phone', NONE, '+442079460958'],
    // numbers typed by people
    ['+1 (201) 555-0123', NONE, '+12015550123'],
    ['  +1 201 555 0123  ', NONE, '+12015550123'],
    ['0044 20 7946 0958', GB, '+442079460958'],
    ['0044 20 7946 0958', { defaultRegion: 'de' }, '+442079460958'],
    ['011 44 20 7946 0958', US, '+442079460958'],
    ['(201) 555-0123', US, '+12015550123'],
    ['201.555.0123', US, '+12015550123'],
    ['201 555 0123 x12', US, '+12015550123', '12'],
    ['201 555 0123 ext. 12', US, '+12015550123', '12'],
    ['201-555-0123 Extension 12', US, '+12015550123', '12'],
    ['+1 201 555 0123#12', NONE, '+12015550123', '12'],
    ['+1 201 555 0123,12', NONE, '+12015550123', '12'],
    ['020 7946 0958', GB, '+442079460958'],
    ['+491761234567', NONE, '+491761234567'],
  ])('%j (%j) → %s', (input, options, e164, extension) => {
    const target = parseDialTarget(input, options);
    expect(target.e164).toBe(e164);
    expect(target.extension).toBe(extension);
    expect(target.dialString).toBe(extension ? `${e164},${extension}` : e164);
    expect(target.display).toMatch(PRINTABLE);
    // What the phone receives is a valid dial message, built only from checked digits.
    expect(messageSchemas.dial.parse({ type: 'dial', id: 1, number: target.dialString }).number).toBe(
      target.dialString,
    );
  });

  it('formats the number for people', () => {
    expect(parseDialTarget('tel:+442079460958')).toEqual({
      e164: '+442079460958',
      dialString: '+442079460958',
      display: '+44 20 7946 0958',
    });
    expect(parseDialTarget('201 555 0123 x12', US)).toEqual({
      e164: '+12015550123',
      extension: '12',
      dialString: '+12015550123,12',
      display: '+1 201 555 0123 ext. 12',
    });
  });

  it('reads the brief examples written with fictional numbers, and refuses them as invalid', () => {
    // "+1 (555) 010-0199" and "555 0100 x12" parse (format and extension are understood), but 555 is not an
    // area code and 555-0100 lacks one: libphonenumber calls both invalid, so they are never dialled.
    expect(refusal('+1 (555) 010-0199').reason).toBe('invalid-number');
    expect(refusal('+1 (555) 010-0199').message).toBe(
      '"+1 (555) 010-0199" is not a valid phone number (no such number in that numbering plan)',
    );
    expect(refusal('555 0100 x12', US).message).toBe(
      '"555 0100 x12" is not a valid phone number in region US (wrong length for that numbering plan)',
    );
    expect(refusal('tel:+1-555-0100').reason).toBe('invalid-number');
  });
});

describe('parseDialTarget: what it refuses', () => {
  it.each([
    'javascript:alert(1)',
    'JavaScript:alert(1)',
    'http://example.com/555',
    'https:5550100',
    'mailto:5550100@example.com',
    'data:,5550100',
    'data:text/html,<script>alert(1)</script>',
    'file:5550100',
    'skype:5550100',
    'fax:+12015550123',
    'vbscript:msgbox',
  ])('refuses the scheme of %j', (input) => {
    const scheme = input.slice(0, input.indexOf(':') + 1);
    const error = refusal(input);
    expect(error.reason).toBe('scheme');
    expect(error.message).toBe(`"${scheme}" addresses cannot be dialled; use tel:, callto: or sip:`);
  });

  it.each<[string, DialTargetReason]>([
    ['555-CALL', 'name'],
    ['1-800-FLOWERS', 'name'],
    ['tel:555-CALL', 'name'],
    ['callto:alice', 'name'],
    ['callto://alice.smith', 'name'],
    ['sip:alice@example.com', 'name'],
    ['sips:bob.smith@example.com;transport=tls', 'name'],
    ['sip:alice2015550123@example.com', 'name'],
    ['abc', 'name'],
  ])('refuses the name %j', (input, reason) => {
    expect(refusal(input, US).reason).toBe(reason);
  });

  it('names the SIP case', () => {
    expect(refusal('sip:alice@example.com').message).toBe(
      '"sip:alice@example.com" is the SIP address of a name, not of a phone number (use ;user=phone for numbers)',
    );
    expect(refusal('sip:alice@example.com;user=phone').reason).toBe('name');
  });

  it.each(['', '   ', undefined, null, 42, {}])('refuses the empty input %j', (input) => {
    const error = refusal(input);
    expect(error.reason).toBe('empty');
    expect(error.message).toBe('give a phone number or a tel:, callto: or sip: address');
  });

  it.each([
    'tel:',
    'tel:;ext=1',
    'callto:',
    'callto://',
    'tel:+',
    '+',
    '---',
    '()',
    '++12015550123',
    '1+2015550123',
    '2015550123+',
    'tel:+1201555;0123',
  ])('refuses %j, which is not a number', (input) => {
    expect(refusal(input, US).reason).toMatch(/^(syntax|invalid-number)$/);
  });

  it.each(['sip:example.com', 'sips:pbx', 'sip:@example.com', 'sip:a@b@c', 'sip:+12015550123:pw'])(
    'refuses %j, which has no user part',
    (input) => {
      expect(refusal(input).message).toMatch(/has no user part to dial$/);
    },
  );

  it.each([
    'sip:+12015550123@',
    'sip:+12015550123@-bad-.example',
    'sip:+12015550123@host:99999999',
    'sip:+12015550123@host;user=phone=x',
    'sip:+12015550123@host?x=<y>',
    'sip:+1 201@host',
  ])('refuses the malformed SIP address %j', (input) => {
    expect(refusal(input).reason).toBe('syntax');
  });

  it.each(['*67#', 'tel:*67%23', 'tel:#31#2015550123', 'tel:*31*;phone-context=+1'])(
    'refuses the service code %j',
    (input) => {
      expect(refusal(input, US).reason).toBe('service-code');
    },
  );

  it('refuses local numbers without a region, and says what to do', () => {
    for (const input of ['2015550123', 'tel:201-555-0123', 'callto:2015550123', '0044 20 7946 0958']) {
      const error = refusal(input, NONE);
      expect(error.reason).toBe('needs-region');
      expect(error.message).toContain(
        'is a local number: set a default region (like US or GB) or write it in international form',
      );
    }
  });

  it('refuses numbers in a private numbering plan (a phone-context domain)', () => {
    const error = refusal('tel:7042;phone-context=example.com', US);
    expect(error.reason).toBe('private-numbering');
    expect(error.message).toBe(
      '"tel:7042;phone-context=example.com" is a number in the private numbering plan of "example.com"; only numbers that have an international form can be dialled',
    );
  });

  it.each([
    ['tel:863-1234;phone-context=+1-914-555', 'invalid-number'],
    ['tel:863-1234;phone-context=+', 'syntax'],
    ['tel:863-1234;phone-context=', 'syntax'],
    ['tel:863-1234;phone-context=+1-2x', 'syntax'],
  ])('refuses the phone-context of %j', (input, reason) => {
    expect(refusal(input).reason).toBe(reason);
  });

  it.each([
    '+1 201 555 012',
    '+1 201 555 01234',
    '+999 1234567',
    'tel:+0123456789',
    '+44 20 7946 095',
    '0044 20 7946 0958', // with region US: 00 is not the international prefix there
  ])('refuses %j, which libphonenumber calls invalid', (input) => {
    expect(refusal(input, US).reason).toBe('invalid-number');
  });

  it.each([
    ['tel:+12015550123;ext=', 'syntax'],
    ['tel:+12015550123;ext', 'extension'],
    ['tel:+12015550123;ext=12a', 'extension'],
    ['tel:+12015550123;ext=' + '1'.repeat(16), 'extension'],
    ['tel:+12015550123;ext=1;EXT=2', 'syntax'],
    ['tel:+12015550123;;ext=1', 'syntax'],
    ['tel:+12015550123;=1', 'syntax'],
    ['tel:+12015550123;ext=1 2', 'syntax'],
    ['tel:+12015550123;a b=1', 'syntax'],
    ['tel:+12015550123;x=`id`', 'syntax'],
    ['tel:+12015550123;x=a|b', 'syntax'],
    ['tel:+12015550123;isub', 'syntax'],
    ['tel:+12015550123&ext=1', 'syntax'],
    ['tel:+12015550123?ext=1', 'syntax'],
    ['callto:+12015550123;ext=1', 'syntax'],
    ['callto:+12015550123?call', 'syntax'],
  ])('refuses the parameters of %j', (input, reason) => {
    expect(refusal(input).reason).toBe(reason);
  });

  it.each([
    'tel:%',
    'tel:%2',
    'tel:%ZZ12015550123',
    'callto:%E0%A4%A',
    'sip:%C3%28@example.com',
    'tel:+1;ext=%',
  ])('refuses the broken percent-encoding in %j', (input) => {
    const error = refusal(input);
    expect(error.reason).toBe('bad-encoding');
  });

  it.each([
    ['tel:+12015550123%00', '\\x00'],
    ['tel:+1201555%0A0123', '\\n'],
    ['tel:%E2%80%8F+12015550123', '\\xe2'],
    ['tel:+12015550123;ext=1%7F', '\\x7f'],
    ['callto:+1%0D%0A2015550123', '\\r'],
  ])('refuses %j, which percent-encodes a control or non-ASCII character', (input, shown) => {
    const error = refusal(input);
    expect(error.reason).toBe('bad-encoding');
    expect(error.message).toContain(`(${shown})`);
  });

  it('refuses percent-encoded letters and parameters', () => {
    expect(refusal('tel:%41%42').reason).toBe('name');
    expect(refusal('tel:+1201555%3Bext=5').reason).toBe('syntax');
  });

  it.each([
    ['tel:+12015550123\n', '\\n'],
    ['tel:+1201\u00005550123', '\\x00'],
    ['\u202e+12015550123', '\\u202e'],
    ['+1 201 555 0123\u200f', '\\u200f'],
    ['tel:+\uff11\uff12\uff10\uff11\uff15\uff15\uff15\uff10\uff11\uff12\uff13', '\\uff11'],
    ['+\u0661\u0662\u0660\u0661\u0665\u0665\u0665\u0660\u0661\u0662\u0663', '\\u0661'],
    ['\t+12015550123', '\\t'],
    ['+1 201 555 0123 \u{1d7ce}', '\\u{1d7ce}'],
  ])('refuses %j, which has a control or non-ASCII character', (input, shown) => {
    const error = refusal(input);
    expect(error.reason).toBe('bad-character');
    expect(error.message).toContain(`(${shown})`);
  });

  it('refuses overlong input', () => {
    const long = refusal('5'.repeat(MAX_INPUT_LENGTH + 1));
    expect(long.reason).toBe('too-long');
    expect(long.message).toMatch(/is too long \(257 characters; at most 256\)$/);
    expect(refusal('tel:+12015550123;x=' + 'a'.repeat(300)).reason).toBe('too-long');
    expect(refusal('5'.repeat(21), US).message).toMatch(/has too many digits \(21\)/);
    // Within the limit, separators alone do not make a number too long.
    expect(parseDialTarget('+1' + ' '.repeat(200) + '2015550123').e164).toBe('+12015550123');
  });

  it('refuses an unknown default region (a settings mistake) with RangeError', () => {
    expect(() => parseDialTarget('+12015550123', { defaultRegion: 'XX' })).toThrow(RangeError);
    expect(() => parseDialTarget('+12015550123', { defaultRegion: 'XX' })).toThrow(
      '"XX" is not a region libphonenumber knows (use codes like US, GB)',
    );
    expect(parseDialTarget('+12015550123', { defaultRegion: '' }).e164).toBe('+12015550123');
  });

  it('echoes input safely in its messages', () => {
    const control = refusal('tel:555\u0000\u001b[2J"; rm -rf /').message;
    expect(control).toMatch(PRINTABLE);
    expect(control).toContain('\\x00\\x1b[2J\\"; rm');
    const long = refusal('x'.repeat(250)).message;
    expect(long.length).toBeLessThan(200);
    expect(long).toContain('...');
    expect(refusal('javascript' + 'x'.repeat(200) + ':1').message.length).toBeLessThan(200);
  });
});

describe('dialableNumber (the CLI and demo entry point)', () => {
  it('returns the dial string', () => {
    expect(dialableNumber('tel:+1-201-555-0123;ext=12', NONE)).toBe('+12015550123,12');
    expect(dialableNumber('(201) 555-0123', US)).toBe('+12015550123');
    expect(() => dialableNumber('javascript:alert(1)', NONE)).toThrow(DialTargetError);
  });

  it('takes the default region from the environment when given no options', () => {
    const region = defaultRegionFromEnvironment();
    if (region === undefined) expect(() => dialableNumber('2015550123')).toThrow(/is a local number/);
    expect(dialableNumber('+12015550123')).toBe('+12015550123');
  });
});

describe('defaultRegionFromEnvironment', () => {
  const none = () => 'en-US';
  it.each<[NodeJS.ProcessEnv, string | undefined]>([
    [{ LANG: 'en_GB.UTF-8' }, 'GB'],
    [{ LANG: 'de_CH' }, 'CH'],
    [{ LANG: 'de_DE@euro' }, 'DE'],
    [{ LANG: 'fil_PH.UTF-8' }, 'PH'],
    [{ LC_TELEPHONE: 'fr_FR.UTF-8', LANG: 'en_US.UTF-8' }, 'FR'],
    [{ LC_ALL: 'nl_NL.UTF-8', LC_TELEPHONE: 'fr_FR.UTF-8', LANG: 'en_US.UTF-8' }, 'NL'],
    [{ LC_ALL: 'C', LANG: 'en_US.UTF-8' }, undefined],
    [{ LANG: 'C.UTF-8' }, undefined],
    [{ LANG: 'POSIX' }, undefined],
    [{ LANG: 'en' }, undefined],
    [{ LANG: 'xx_ZZ.UTF-8' }, undefined],
    [{ LANG: '' }, undefined],
    [{}, undefined],
  ])('%j → %s (on Linux)', (env, region) => {
    expect(defaultRegionFromEnvironment(env, 'linux', none)).toBe(region);
  });

  it('uses the OS locale on Windows and macOS, where LANG is usually unset', () => {
    expect(defaultRegionFromEnvironment({}, 'win32', () => 'de-CH')).toBe('CH');
    expect(defaultRegionFromEnvironment({}, 'darwin', () => 'en-GB')).toBe('GB');
    expect(defaultRegionFromEnvironment({}, 'win32', () => 'en')).toBeUndefined();
    expect(defaultRegionFromEnvironment({}, 'win32', () => 'not a locale!')).toBeUndefined();
    expect(defaultRegionFromEnvironment({ LANG: 'fr_FR.UTF-8' }, 'darwin', () => 'de-CH')).toBe('FR');
  });

  it('names only regions libphonenumber knows', () => {
    expect(isSupportedRegion('gb')).toBe(true);
    expect(isSupportedRegion('XX')).toBe(false);
  });
});

describe('printable', () => {
  it('escapes everything outside printable ASCII, and quotes', () => {
    expect(printable('tel:+1')).toBe('tel:+1');
    expect(printable('a"b\\c')).toBe('a\\"b\\\\c');
    expect(printable('\n\r\t\u0000\u007f')).toBe('\\n\\r\\t\\x00\\x7f');
    expect(printable('\u202e\u200f\u00e9')).toBe('\\u202e\\u200f\\xe9');
    expect(printable('\u{1f600}')).toBe('\\u{1f600}');
  });

  it('cuts long text without splitting an escape', () => {
    expect(printable('x'.repeat(100))).toBe('x'.repeat(57) + '...');
    expect(printable('x'.repeat(55) + '\u0000\u0000', 60)).toBe('x'.repeat(55) + '...');
    expect(printable('x'.repeat(56) + '\u0000', 60)).toBe('x'.repeat(56) + '\\x00');
    expect(printable('abcdef', 6)).toBe('abcdef');
    expect(printable('abcdefg', 6)).toBe('abc...');
  });

  it('always gives printable ASCII of bounded length', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        const out = printable(text);
        expect(out).toMatch(PRINTABLE);
        expect(out.length).toBeLessThanOrEqual(60);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('parseDialTarget on arbitrary input', () => {
  it('returns a valid dial target or throws DialTargetError, nothing else', () => {
    const input = fc.oneof(
      fc.string(),
      fc.string({ unit: 'binary' }),
      fc
        .tuple(
          fc.constantFrom('tel:', 'callto:', 'callto://', 'sip:', 'sips:', ''),
          fc.string(),
          fc.constantFrom('', '@example.com', ';user=phone'),
        )
        .map(([scheme, body, host]) => scheme + body + host),
      fc
        .tuple(fc.constantFrom('tel:', 'sip:', ''), fc.stringMatching(/^[0-9+*#%()\-. A-Fx;=]{0,40}$/))
        .map(([scheme, body]) => scheme + body + (scheme === 'sip:' ? '@h' : '')),
    );
    fc.assert(
      fc.property(input, fc.constantFrom(undefined, 'US', 'GB', 'DE'), (text, region) => {
        try {
          const target = parseDialTarget(text, { defaultRegion: region });
          expect(target.e164).toMatch(/^\+[1-9][0-9]{1,14}$/);
          expect(target.dialString).toMatch(/^\+[0-9]{2,15}(,[0-9]{1,15})?$/);
          expect(target.display).toMatch(PRINTABLE);
        } catch (error) {
          expect(error).toBeInstanceOf(DialTargetError);
          expect((error as Error).message).toMatch(PRINTABLE);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
