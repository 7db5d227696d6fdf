/**
 * Click-to-call under generated input: well-formed tel:, callto:, sip: URIs and typed numbers of valid numbers
 * (every country libphonenumber knows) round-trip to the right E.164; malformed ones (random schemes, injected
 * shell and URI metacharacters, control characters raw and percent-encoded, unicode digits, direction marks,
 * overlong parameters, names) each give a DialTargetError with a printable message, never a crash.
 */
import fc from 'fast-check';
import {
  type CountryCode,
  getCountries,
  getCountryCallingCode,
  getExampleNumber,
  parsePhoneNumberWithError,
} from 'libphonenumber-js/max';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import { type DialOptions, DialTargetError, parseDialTarget } from '../../../../main/core/dial-target.js';
import { messageSchemas } from '../../../../native-bridge/link/messages.js';

const PRINTABLE = /^[\x20-\x7e]*$/;
/** Messages that quote input start with a well-formed quoted string: the untrusted text cannot break out. */
const QUOTED = /^"(?:[^"\\]|\\.)*"/;
const RUNS = 400;

interface Valid {
  readonly country: CountryCode;
  readonly cc: string;
  readonly nsn: string;
  readonly e164: string;
  /** The national form ("020 7946 0958") when libphonenumber reads it back as the same number. */
  readonly national: string | undefined;
}

function valid(country: CountryCode, nsn: string): Valid | undefined {
  const cc = getCountryCallingCode(country);
  try {
    const number = parsePhoneNumberWithError(`+${cc}${nsn}`, { extract: false });
    if (!number.isValid()) return undefined;
    const national = number.formatNational();
    const back = parsePhoneNumberWithError(national, { defaultCountry: country, extract: false });
    return {
      country,
      cc,
      nsn: number.nationalNumber,
      e164: number.number,
      national: back.number === number.number && /^[0-9 ()\-./]+$/.test(national) ? national : undefined,
    };
  } catch {
    return undefined;
  }
}

const EXAMPLES: Valid[] = getCountries().flatMap((country) => {
  const example = getExampleNumber(country, examples);
  const v = example && valid(country, example.nationalNumber);
  return v ? [v] : [];
});

/** Example numbers of every country, and variants with their last digits changed, that are still valid. */
const validNumber: fc.Arbitrary<Valid> = fc.oneof(
  fc.constantFrom(...EXAMPLES),
  fc
    .tuple(fc.constantFrom(...EXAMPLES), fc.stringMatching(/^[0-9]{1,4}$/))
    .map(([base, tail]) => valid(base.country, base.nsn.slice(0, -tail.length) + tail))
    .filter((v): v is Valid => v !== undefined),
);

const SEPARATORS = ['', '', '', '-', '.', ' ', '(', ')', '/'];

/** Digits written with random visual separators between them. */
function written(digits: string, separators: readonly string[]): fc.Arbitrary<string> {
  return fc
    .array(fc.constantFrom(...separators), { minLength: digits.length, maxLength: digits.length })
    .map((seps) => [...digits].map((d, i) => d + (i < digits.length - 1 ? seps[i] : '')).join(''));
}

/** Percent-encodes some characters at random (always valid encoding). */
function encodedSome(text: string): fc.Arbitrary<string> {
  return fc
    .array(fc.boolean(), { minLength: text.length, maxLength: text.length })
    .map((flags) =>
      [...text]
        .map((c, i) => (flags[i] ? `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}` : c))
        .join(''),
    );
}

function randomCase(text: string): fc.Arbitrary<string> {
  return fc
    .array(fc.boolean(), { minLength: text.length, maxLength: text.length })
    .map((flags) => [...text].map((c, i) => (flags[i] ? c.toUpperCase() : c.toLowerCase())).join(''));
}

interface Case {
  readonly uri: string;
  readonly options: DialOptions;
  readonly e164: string;
  readonly extension: string | undefined;
}

const extension = fc.option(fc.stringMatching(/^[0-9]{1,15}$/), { nil: undefined });

/** tel: parameters in any order, names in any case, values partly percent-encoded. */
function telParameters(ext: string | undefined, extra: string[] = []): fc.Arbitrary<string> {
  const params: fc.Arbitrary<string>[] = [
    ...(ext === undefined
      ? []
      : [fc.tuple(randomCase('ext'), encodedSome(ext)).map(([n, v]) => `${n}=${v}`)]),
    ...extra.map((p) => fc.constant(p)),
  ];
  return fc
    .tuple(
      fc.tuple(...params),
      fc.subarray([
        'isub=1411',
        'tgrp=TG-1',
        'trunk-context=+1-201',
        'npdi',
        'rn=+1-201-555-0000',
        'x=$(a)&b',
      ]),
    )
    .chain(([given, optional]) => {
      const all = [...given, ...optional];
      return fc.shuffledSubarray(all, { minLength: all.length });
    })
    .chain((all) => fc.constant(all.map((p) => `;${p}`).join('')));
}

const wellFormed: fc.Arbitrary<Case> = fc
  .tuple(validNumber, extension, fc.integer({ min: 0, max: 7 }))
  .chain(([v, ext, form]): fc.Arbitrary<Case> => {
    const expect = (uri: string, options: DialOptions = {}): Case => ({
      uri,
      options,
      e164: v.e164,
      extension: ext,
    });
    const global = written(`+${v.cc}${v.nsn}`, SEPARATORS);
    switch (form) {
      case 0: // tel: global number
        return fc
          .tuple(randomCase('tel'), global.chain(encodedSome), telParameters(ext))
          .map(([s, n, p]) => expect(`${s}:${n}${p}`));
      case 1: // tel: local number in a phone-context of its country code
        return fc
          .tuple(
            randomCase('tel'),
            written(v.nsn, SEPARATORS).chain(encodedSome),
            randomCase('phone-context'),
            written(`+${v.cc}`, ['', '-', '.']),
          )
          .chain(([s, n, pc, cc]) => telParameters(ext, [`${pc}=${cc}`]).map((p) => expect(`${s}:${n}${p}`)));
      case 2: // tel: national form with the default region
        if (!v.national) return fc.constant(expect(`tel:${v.e164}${ext ? `;ext=${ext}` : ''}`));
        return fc
          .tuple(encodedSome(v.national), telParameters(ext))
          .map(([n, p]) => expect(`tel:${n}${p}`, { defaultRegion: v.country }));
      case 3: // callto: and callto://
        return fc
          .tuple(randomCase('callto'), fc.constantFrom(':', '://'), global.chain(encodedSome))
          .map(([s, sep, n]) => expect(`${s}${sep}${n}${ext ? ` x${ext}` : ''}`));
      case 4: // sip:/sips: with user=phone
        return fc
          .tuple(
            fc.constantFrom('sip', 'SIP', 'sips'),
            written(`+${v.cc}${v.nsn}`, ['', '-', '.', '(', ')']).chain(encodedSome),
            telParameters(ext),
            fc.constantFrom('example.com', 'pbx.example.com:5061', '192.0.2.1', '[2001:db8::1]:5060'),
            randomCase('user=phone'),
          )
          .map(([s, n, p, host, user]) => expect(`${s}:${n}${p}@${host};${user}`));
      case 5: // sip: with a plainly numeric user part, no extension
        return written(`+${v.cc}${v.nsn}`, ['', '-', '.']).map((n) => ({
          uri: `sip:${n}@example.com;transport=tcp`,
          options: {},
          e164: v.e164,
          extension: undefined,
        }));
      case 6: // typed by people, in international form
        return fc
          .tuple(global, fc.constantFrom(' x', ' ext. ', ' extension ', '#', ','))
          .map(([n, mark]) => expect(`${n}${ext ? `${mark}${ext}` : ''}`));
      default: // typed with the international prefix 00, where 00 is that prefix
        return fc
          .tuple(
            written(`00${v.cc}${v.nsn}`, SEPARATORS),
            fc.constantFrom<CountryCode>('GB', 'DE', 'FR', 'CH'),
          )
          .map(([n, region]) => expect(`${n}${ext ? ` x${ext}` : ''}`, { defaultRegion: region }));
    }
  });

function expectRefused(uri: string, options: DialOptions = { defaultRegion: 'US' }): void {
  let error: unknown;
  try {
    const target = parseDialTarget(uri, options);
    throw new Error(`accepted ${JSON.stringify(uri)} as ${JSON.stringify(target)}`);
  } catch (caught) {
    error = caught;
  }
  if (!(error instanceof DialTargetError)) throw error;
  expect(error.message).toMatch(PRINTABLE);
  expect(error.message.length).toBeLessThan(300);
  if (error.reason !== 'empty') expect(error.message).toMatch(QUOTED);
}

/** Turns a well-formed case into its URI with `poison` inserted somewhere in the number itself. */
function numberBounds(uri: string): [number, number] {
  const start = uri.search(/[+0-9]/);
  const tail = uri.slice(start).search(/[;@#,]|\sx|\sext|$/i);
  return [start, start + Math.max(tail, 1)];
}

const POISON = [
  ';',
  '&',
  '&&',
  '|',
  '||',
  '$(reboot)',
  '${IFS}',
  '`id`',
  "'",
  '"',
  '<',
  '>',
  '\\',
  '{',
  '}',
  '^',
  '!',
  '?',
  '=',
  '\n',
  '\r',
  '\r\n',
  '\0',
  '\t',
  '\u001b[2J',
  '\u007f',
  '%00',
  '%0A',
  '%0d',
  '%1B',
  '%7F',
  '%FF',
  '%E2%80%8F',
  '%E2%80%AE',
  '%D9%A1',
  '%',
  '%4',
  '%G1',
  '\u200f',
  '\u200e',
  '\u202e',
  '\u2066',
  '\u00a0',
  '\ufeff',
  '\uff0b',
  '\u0661',
  '\uff11',
  '\u0967',
  '\u09e7',
  '\u{1d7cf}',
  '\u00b2',
];

/** Unicode digits that look like, or are read as, ASCII digits. */
const UNICODE_ZEROS = [0x0660, 0x06f0, 0x0966, 0x09e6, 0xff10, 0x1d7ce, 0x1d7ec, 0x0e50];

describe('click-to-call: well-formed URIs of valid numbers', () => {
  it('knows example numbers of every region', () => {
    expect(EXAMPLES.length).toBeGreaterThan(200);
  });

  it('round-trip to the right E.164 and dial string', () => {
    fc.assert(
      fc.property(wellFormed, ({ uri, options, e164, extension }) => {
        const target = parseDialTarget(uri, options);
        expect(target.e164).toBe(e164);
        expect(target.extension).toBe(extension);
        expect(target.dialString).toBe(extension ? `${e164},${extension}` : e164);
        expect(target.display).toMatch(PRINTABLE);
        messageSchemas.dial.parse({ type: 'dial', id: 1, number: target.dialString });
      }),
      { numRuns: 1500 },
    );
  });
});

describe('click-to-call: generated malformed URIs each give DialTargetError with a printable message', () => {
  it('random schemes', () => {
    const scheme = fc
      .stringMatching(/^[a-zA-Z][a-zA-Z0-9+.-]{0,20}$/)
      .filter((s) => !/^(tel|callto|sips?)$/i.test(s));
    fc.assert(
      fc.property(
        scheme,
        fc.oneof(
          wellFormed.map((c) => c.uri),
          fc.string(),
        ),
        (s, rest) => {
          expectRefused(`${s}:${rest.replace(/^[a-z]+:/i, '')}`);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('shell and URI metacharacters, control characters, direction marks and unicode digits in the number', () => {
    fc.assert(
      fc.property(wellFormed, fc.constantFrom(...POISON), fc.nat(), ({ uri, options }, poison, at) => {
        const [start, end] = numberBounds(uri);
        const i = start + (at % (end - start + 1));
        // A lone '%' before two hex digits makes a valid encoding (%33 is "3"), not a malformed URI.
        fc.pre(!(poison === '%' && /^[0-9A-Fa-f]{2}/.test(uri.slice(i))));
        expectRefused(uri.slice(0, i) + poison + uri.slice(i), options);
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it('control characters and direction marks anywhere, raw', () => {
    const bad = fc.constantFrom(
      '\n',
      '\r',
      '\0',
      '\t',
      '\u0007',
      '\u001b',
      '\u007f',
      '\u0085',
      '\u200f',
      '\u202e',
      '\u2028',
      '\ud800',
    );
    fc.assert(
      fc.property(wellFormed, bad, fc.nat(), ({ uri, options }, poison, at) => {
        const i = at % (uri.length + 1);
        expectRefused(uri.slice(0, i) + poison + uri.slice(i), options);
      }),
      { numRuns: RUNS },
    );
  });

  it('percent-encoded control and non-ASCII bytes', () => {
    const byte = fc.oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0xff }));
    fc.assert(
      fc.property(
        wellFormed.filter((c) => /^(tel|callto|sips?):/i.test(c.uri)),
        byte,
        fc.nat(),
        (c, b, at) => {
          const [start, end] = numberBounds(c.uri);
          const i = start + (at % (end - start + 1));
          const encoded = `%${b.toString(16).padStart(2, '0')}`;
          expectRefused(c.uri.slice(0, i) + encoded + c.uri.slice(i), c.options);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('unicode digits in place of ASCII digits', () => {
    fc.assert(
      fc.property(wellFormed, fc.constantFrom(...UNICODE_ZEROS), fc.nat(), ({ uri, options }, zero, at) => {
        const positions = [...uri.matchAll(/[0-9]/g)].map((m) => m.index);
        const i = positions[at % positions.length]!;
        const digit = String.fromCodePoint(zero + Number(uri[i]));
        expectRefused(uri.slice(0, i) + digit + uri.slice(i + 1), options);
      }),
      { numRuns: RUNS },
    );
  });

  it('injected characters in parameters', () => {
    // Characters that RFC 3966 never allows in a parameter: refused wherever they go. In the extension, even
    // characters that parameters may carry ($, &, parentheses) are refused: an extension is digits.
    const notParamchar = POISON.filter((p) => p !== ';' && /[^A-Za-z0-9\-_.!~*'()[\]/:&+$%]/.test(p));
    fc.assert(
      fc.property(
        validNumber,
        fc.constantFrom('ext=12', 'isub=1411', 'tgrp=TG-1', 'x=abc', 'phone-context=+1'),
        fc.constantFrom(...notParamchar),
        fc.nat(),
        (v, parameter, poison, at) => {
          const i = at % (parameter.length + 1);
          expectRefused(`tel:+${v.cc}${v.nsn};${parameter.slice(0, i)}${poison}${parameter.slice(i)}`);
        },
      ),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(validNumber, fc.constantFrom(...POISON, 'x', '$', '&', '+', '*', '#', ':'), (v, poison) => {
        expectRefused(`tel:+${v.cc}${v.nsn};ext=12${poison}3`);
      }),
      { numRuns: RUNS },
    );
  });

  it('overlong parameters and extensions', () => {
    fc.assert(
      fc.property(
        wellFormed.filter((c) => c.uri.startsWith('tel:')),
        fc.constantFrom('x', 'ext', 'isub', 'phone-context'),
        fc.integer({ min: 257, max: 5000 }),
        fc.constantFrom('a', '1', '%31', '-'),
        ({ uri, options }, name, length, filler) => {
          expectRefused(`${uri};${name}=${filler.repeat(Math.ceil(length / filler.length))}`, options);
        },
      ),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(validNumber, fc.integer({ min: 16, max: 220 }), (v, digits) => {
        expectRefused(`tel:+${v.cc}${v.nsn};ext=${'1'.repeat(digits)}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('names and vanity numbers instead of numbers', () => {
    const name = fc
      .stringMatching(/^[a-z][a-z0-9._-]{0,30}$/)
      .filter((n) => /[a-z]/.test(n) && !/^x[0-9]/.test(n));
    fc.assert(
      fc.property(
        name,
        fc.constantFrom(
          'sip:%s@example.com',
          'sips:%s@example.com;user=phone',
          'callto:%s',
          'callto://%s',
          'tel:%s',
          '%s',
        ),
        (n, template) => {
          expectRefused(template.replace('%s', n));
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('arbitrary strings never crash', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 300 }),
          fc.string({ unit: 'grapheme', maxLength: 80 }),
        ),
        fc.constantFrom(undefined, 'US', 'GB', 'IN', 'BR'),
        (text, region) => {
          try {
            const target = parseDialTarget(text, { defaultRegion: region });
            expect(target.dialString).toMatch(/^\+[0-9]{2,15}(,[0-9]{1,15})?$/);
          } catch (error) {
            expect(error).toBeInstanceOf(DialTargetError);
            expect((error as Error).message).toMatch(PRINTABLE);
          }
        },
      ),
      { numRuns: RUNS * 2 },
    );
  });
});
