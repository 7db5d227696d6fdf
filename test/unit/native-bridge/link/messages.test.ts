import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, ProtocolError } from '../../../../native-bridge/link/errors.js';
import {
  DecodeError,
  decodeMessage,
  encodeMessage,
  isResponse,
  type Message,
  type MessageType,
  messageSchema,
} from '../../../../native-bridge/link/messages.js';

const SHARE = '7cb8356f6cc1d072a8c4092cd38faa58260bd3e192b2c72030dabc8b82b0df40';
const TAG =
  'd2dd3a3d5dfcb3b949cb658de7ce1e34d7fb61506b32af45952c3189beedfd98e9e6a34b9eed4766e39962441099406ad78f0492155cdf1071d3cf0c2a2f0908';
const SID = '00112233445566778899aabbccddeeff';

/** One valid example of every message (and every variant), each written in the canonical member order. */
const EXAMPLES: readonly Message[] = [
  {
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
    capabilities: ['lock', 'call-control', 'sign-in', 'future-thing'],
    pairing: { mode: 'auto', window: 'closed', peerOnPcPort: true },
  },
  { type: 'hello', id: 1, protocol: 1, role: 'companion', app: 'BToE Companion 0.1.0' },
  { type: 'pair-start', id: 2, mode: 'manual', sid: SID, share: SHARE },
  { type: 'pair-start', id: 2, mode: 'auto', sid: SID, share: SHARE },
  { type: 'pair-confirm', id: 3, tag: TAG },
  { type: 'lock', id: 2 },
  { type: 'unlock', id: 3 },
  { type: 'dial', id: 4, number: '+15550100' },
  { type: 'dial', id: 4, number: '*67#12,99#' },
  { type: 'answer', id: 5 },
  { type: 'reject', id: 6 },
  { type: 'hangup', id: 7 },
  { type: 'hold', id: 8 },
  { type: 'resume', id: 9 },
  { type: 'mute', id: 10, muted: true },
  {
    type: 'call',
    id: 4,
    callId: 1,
    state: 'ringback',
    direction: 'out',
    number: '+15550100',
    muted: false,
  },
  { type: 'lock-state', id: 5, locked: true },
  {
    type: 'sign-in-request',
    id: 8,
    method: 'web',
    verificationUri: 'https://microsoft.com/devicelogin',
    userCode: 'FQK7RH3JC',
    expiresIn: 900,
    verificationUriComplete: 'https://microsoft.com/devicelogin?otc=FQK7RH3JC',
  },
  {
    type: 'sign-in-request',
    id: 8,
    method: 'web',
    verificationUri: 'https://microsoft.com/devicelogin',
    userCode: 'FQK7RH3JC',
    expiresIn: 1,
  },
  { type: 'sign-in-request', id: 9, method: 'credentials' },
  {
    type: 'sign-in-response',
    id: 13,
    method: 'credentials',
    user: 'amosm@contoso.com',
    password: 'correct horse',
  },
  { type: 'sign-in-response', id: 14, method: 'declined' },
  { type: 'sign-in-state', id: 6, user: 'amosm@contoso.com' },
  { type: 'sign-in-state', id: 7, user: null },
  { type: 'unpair', id: 12 },
  { type: 'ping', id: 0xffffffff },
  { type: 'ack', re: 0 },
  { type: 'ack', re: 0xffffffff },
  { type: 'error', re: 4, code: 'bad-message', message: 'invalid "dial" message at number: digits' },
  { type: 'pair-reply', re: 2, share: SHARE, tag: TAG },
];

const ALL_TYPES: readonly MessageType[] = [
  'hello',
  'pair-start',
  'pair-confirm',
  'lock',
  'unlock',
  'dial',
  'answer',
  'reject',
  'hangup',
  'hold',
  'resume',
  'mute',
  'call',
  'lock-state',
  'sign-in-request',
  'sign-in-response',
  'sign-in-state',
  'unpair',
  'ping',
  'ack',
  'error',
  'pair-reply',
];

const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

function decodeError(body: Uint8Array | string): DecodeError {
  try {
    decodeMessage(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    expect(error).toBeInstanceOf(ProtocolError);
    return error as DecodeError;
  }
  throw new Error('expected a DecodeError');
}

/** The same members in reverse order, plus members no schema knows. */
function shuffled(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shuffled);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).reverse();
  return Object.fromEntries([
    ['zExtra', 1],
    ...entries.map(([k, v]) => [k, shuffled(v)]),
    ['aExtra', { x: [1] }],
  ]);
}

describe('the examples', () => {
  it('cover every message type', () => {
    expect(new Set(EXAMPLES.map((m) => m.type))).toEqual(new Set(ALL_TYPES));
  });
});

describe('encodeMessage', () => {
  it.each(EXAMPLES.map((m) => [`${m.type} ${JSON.stringify(m).slice(0, 60)}`, m] as const))(
    'is canonical: %s',
    (_, message) => {
      const canonical = JSON.stringify(message);
      expect(encodeMessage(message).toString('utf8')).toBe(canonical);
      expect(encodeMessage(shuffled(message) as Message).toString('utf8')).toBe(canonical);
    },
  );

  it('writes the schema member order, no whitespace', () => {
    const message = {
      pairing: { peerOnPcPort: false, window: 'open', mode: 'manual' },
      capabilities: ['lock'],
      lockType: 'device-lock',
      mac: '00:04:f2:a1:b2:c3',
      serial: 'S',
      firmware: '5.4.0',
      model: 'M',
      family: 'F',
      vendor: 'V',
      role: 'phone',
      protocol: 1,
      id: 1,
      type: 'hello',
      extra: 'dropped',
    } as unknown as Message;
    expect(encodeMessage(message).toString('utf8')).toBe(
      '{"type":"hello","id":1,"protocol":1,"role":"phone","vendor":"V","family":"F","model":"M","firmware":"5.4.0",' +
        '"serial":"S","mac":"00:04:f2:a1:b2:c3","lockType":"device-lock","capabilities":["lock"],' +
        '"pairing":{"mode":"manual","window":"open","peerOnPcPort":false}}',
    );
  });

  it('drops unknown members, nested ones too', () => {
    const message = { id: 3, type: 'ack', re: 2, secret: 'x' } as unknown as Message;
    expect(encodeMessage(message).toString('utf8')).toBe('{"type":"ack","re":2}');
    expect(
      encodeMessage({ type: 'mute', muted: false, id: 9, extra: undefined } as unknown as Message).toString(),
    ).toBe('{"type":"mute","id":9,"muted":false}');
  });

  it('encodes UTF-8', () => {
    const bytes = encodeMessage({
      type: 'hello',
      id: 1,
      protocol: 1,
      role: 'companion',
      app: 'Zoë’s app',
    });
    expect(bytes.toString('utf8')).toContain('Zoë’s app');
    expect(bytes.includes(Buffer.from('Zoë', 'utf8'))).toBe(true);
  });

  it('refuses to encode an invalid message', () => {
    expect(() => encodeMessage({ type: 'dial', id: 1, number: 'abc' })).toThrow();
    expect(() => encodeMessage({ type: 'ping', id: 0 })).toThrow();
  });
});

describe('the two-member messages (ack, lock, ping…), which skip the schema pass', () => {
  it('are encoded and decoded exactly as their schemas say', () => {
    const types = ['ack', 'lock', 'unlock', 'ping', 'hangup', 'answer', 'reject', 'hold', 'resume', 'unpair'];
    const number = fc.oneof(
      fc.integer({ min: -2, max: 5 }),
      fc.constantFrom(0xffff_ffff, 0x1_0000_0000, 1.5),
      fc.string(),
    );
    const extras = fc.dictionary(fc.constantFrom('id', 're', 'x', 'locked'), number, { maxKeys: 2 });
    fc.assert(
      fc.property(fc.constantFrom(...types), number, extras, (type, n, extra) => {
        const member = type === 'ack' ? 're' : 'id';
        const value = { ...extra, type, [member]: n };
        const schema = messageSchema.safeParse(value);
        const rawId = (value as { id?: unknown }).id;
        const envelopeOk =
          rawId === undefined ||
          (Number.isInteger(rawId) && (rawId as number) >= 1 && (rawId as number) <= 0xffff_ffff);
        if (schema.success && envelopeOk) expect(decodeMessage(json(value))).toEqual(schema.data);
        else expect(() => decodeMessage(json(value))).toThrow(DecodeError);
        if (schema.success)
          expect(encodeMessage(value as Message).toString()).toBe(JSON.stringify(schema.data));
        else expect(() => encodeMessage(value as Message)).toThrow();
      }),
    );
  });
});

describe('decodeMessage', () => {
  it.each(EXAMPLES.map((m) => [`${m.type} ${JSON.stringify(m).slice(0, 60)}`, m] as const))(
    'round trips %s',
    (_, message) => {
      const bytes = encodeMessage(message);
      expect(decodeMessage(bytes)).toEqual(message);
      expect(encodeMessage(decodeMessage(bytes))).toEqual(bytes);
      expect(decodeMessage(json(shuffled(message)))).toEqual(message);
      expect(isResponse(message)).toBe('re' in message);
    },
  );

  it('accepts a Uint8Array as well as a Buffer', () => {
    expect(decodeMessage(new TextEncoder().encode('{"type":"ping","id":1}'))).toEqual({
      type: 'ping',
      id: 1,
    });
  });

  it('rejects bytes that are not JSON', () => {
    for (const body of ['', 'ping', '{"type":"ping","id":1', '{type:"ping"}', "{'type':'ping'}", '\u0000']) {
      const error = decodeError(body);
      expect(error.code).toBe('bad-message');
      expect(error.message).toBe('the message is not JSON');
      expect(error.replyTo).toBeUndefined();
    }
    expect(decodeError(Buffer.from([0xff, 0xfe, 0x00])).code).toBe('bad-message');
  });

  it('rejects JSON without a valid type', () => {
    for (const value of [null, 1, 'ping', [], [{ type: 'ping', id: 1 }], {}, { id: 1 }, { type: 7, id: 1 }]) {
      const error = decodeError(json(value));
      expect(error.code).toBe('bad-message');
      expect(error.message).toMatch(/no valid type/);
      expect(error.replyTo).toBeUndefined();
    }
    expect(decodeError(json({ type: 'x'.repeat(65), id: 2 })).code).toBe('bad-message');
  });

  it('names the id when the id is what is invalid', () => {
    const error = decodeError(json({ type: 'ping', id: 0 }));
    expect(error.code).toBe('bad-message');
    expect(error.message).toMatch(/\bid\b/);
  });

  it('rejects an id out of range without a reply id', () => {
    for (const id of [0, -1, 1.5, 0x1_0000_0000, '1', null]) {
      const error = decodeError(json({ type: 'ping', id }));
      expect(error.code).toBe('bad-message');
      expect(error.replyTo).toBeUndefined();
    }
  });

  it('rejects an unknown type with unknown-type and the id to answer', () => {
    const error = decodeError(json({ type: 'fax', id: 5, pages: 3 }));
    expect(error.code).toBe('unknown-type');
    expect(error.message).toBe('unknown message type "fax"');
    expect(error.replyTo).toBe(5);
    const noId = decodeError(json({ type: 'fax' }));
    expect(noId.code).toBe('unknown-type');
    expect(noId.replyTo).toBeUndefined();
    // Type names are case-sensitive.
    expect(decodeError(json({ type: 'PING', id: 6 }))).toMatchObject({ code: 'unknown-type', replyTo: 6 });
    expect(decodeError(json({ type: '', id: 6 }))).toMatchObject({ code: 'unknown-type', replyTo: 6 });
  });

  it('rejects bad members with bad-message, the id to answer and where it went wrong', () => {
    const dial = decodeError(json({ type: 'dial', id: 4, number: '555-CALL' }));
    expect(dial).toMatchObject({ code: 'bad-message', replyTo: 4 });
    expect(dial.message).toBe('invalid "dial" message at number: digits, optional + and an extension');

    const missing = decodeError(json({ type: 'mute', id: 11 }));
    expect(missing).toMatchObject({ code: 'bad-message', replyTo: 11 });
    expect(missing.message).toMatch(/^invalid "mute" message at muted: /);

    const wrongType = decodeError(json({ type: 'lock-state', id: 12, locked: 'yes' }));
    expect(wrongType).toMatchObject({ code: 'bad-message', replyTo: 12 });
    expect(wrongType.message).toMatch(/at locked/);

    const nested = decodeError(
      json({ ...EXAMPLES[0], id: 13, pairing: { mode: 'auto', window: 'ajar', peerOnPcPort: false } }),
    );
    expect(nested).toMatchObject({ code: 'bad-message', replyTo: 13 });
    expect(nested.message).toMatch(/at pairing\.window/);

    expect(
      decodeError(json({ type: 'hello', id: 14, protocol: 2, role: 'companion', name: 'n', app: 'a' })),
    ).toMatchObject({ code: 'bad-message', replyTo: 14 });
    expect(decodeError(json({ type: 'hello', id: 15, protocol: 1, role: 'printer' }))).toMatchObject({
      code: 'bad-message',
      replyTo: 15,
    });
    expect(decodeError(json({ type: 'sign-in-request', id: 16, method: 'fax' }))).toMatchObject({
      code: 'bad-message',
      replyTo: 16,
    });
    expect(
      decodeError(
        json({
          type: 'call',
          id: 17,
          callId: 0,
          state: 'connected',
          direction: 'in',
          number: '',
          muted: false,
        }),
      ),
    ).toMatchObject({ code: 'bad-message', replyTo: 17 });
    expect(
      decodeError(
        json({
          type: 'sign-in-request',
          id: 18,
          method: 'web',
          verificationUri: 'u',
          userCode: 'c',
          expiresIn: 3601,
        }),
      ),
    ).toMatchObject({ code: 'bad-message', replyTo: 18 });
    expect(
      decodeError(json({ type: 'hello', id: 19, protocol: 1, role: 'companion', app: 'a'.repeat(65) })),
    ).toMatchObject({ code: 'bad-message', replyTo: 19 });
  });

  it('rejects bad responses without a reply id', () => {
    for (const value of [
      { type: 'ack' },
      { type: 'ack', re: -1 },
      { type: 'error', re: 1, code: 'teapot', message: 'x' },
      { type: 'error', re: 1, code: 'busy', message: 'x'.repeat(257) },
      { type: 'pair-reply', re: 2, share: SHARE },
    ]) {
      const error = decodeError(json(value));
      expect(error.code).toBe('bad-message');
      expect(error.replyTo).toBeUndefined();
    }
  });

  it('accepts every error code', () => {
    for (const code of ERROR_CODES) {
      expect(decodeMessage(json({ type: 'error', re: 0, code, message: '' }))).toEqual({
        type: 'error',
        re: 0,
        code,
        message: '',
      });
    }
  });

  it.each([
    [
      'sid too short',
      { type: 'pair-start', id: 20, mode: 'auto', sid: SID.slice(2), share: SHARE, macs: [] },
    ],
    ['sid too long', { type: 'pair-start', id: 20, mode: 'auto', sid: SID + '00', share: SHARE, macs: [] }],
    [
      'sid odd length',
      { type: 'pair-start', id: 20, mode: 'auto', sid: SID.slice(1), share: SHARE, macs: [] },
    ],
    [
      'share uppercase',
      { type: 'pair-start', id: 20, mode: 'auto', sid: SID, share: SHARE.toUpperCase(), macs: [] },
    ],
    [
      'share not hex',
      { type: 'pair-start', id: 20, mode: 'auto', sid: SID, share: 'g' + SHARE.slice(1), macs: [] },
    ],
    ['tag 63 bytes', { type: 'pair-confirm', id: 20, tag: TAG.slice(2) }],
    ['tag with 0x', { type: 'pair-confirm', id: 20, tag: '0x' + TAG.slice(2) }],
    ['tag with newline', { type: 'pair-confirm', id: 20, tag: TAG + '\n' }],
  ])('rejects hex of the wrong form: %s', (_, value) => {
    expect(decodeError(json(value))).toMatchObject({ code: 'bad-message', replyTo: 20 });
  });

  it('rejects a pair-reply with hex of the wrong length', () => {
    expect(decodeError(json({ type: 'pair-reply', re: 2, share: SHARE.slice(2), tag: TAG })).code).toBe(
      'bad-message',
    );
    expect(decodeError(json({ type: 'pair-reply', re: 2, share: SHARE, tag: TAG + 'ab' })).code).toBe(
      'bad-message',
    );
  });

  it.each([
    '00:04:F2:A1:B2:C3',
    '00-04-f2-a1-b2-c3',
    '0004.f2a1.b2c3',
    '0004f2a1b2c3',
    '00:04:f2:a1:b2',
    '00:04:f2:a1:b2:c3:d4',
    '0:4:f2:a1:b2:c3',
    '00:04:f2:a1:b2:cg',
    ' 00:04:f2:a1:b2:c3',
  ])('rejects the MAC %j', (mac) => {
    const phone = EXAMPLES[0] as Extract<Message, { role: 'phone' }>;
    expect(decodeError(json({ ...phone, id: 21, mac }))).toMatchObject({ code: 'bad-message', replyTo: 21 });
  });

  it('carries no MACs pre-auth: a pair-start that lists some is read without them (unknown members)', () => {
    const message = decodeMessage(
      json({ type: 'pair-start', id: 23, mode: 'auto', sid: SID, share: SHARE, macs: ['3c:52:82:10:20:30'] }),
    );
    expect(message).toEqual({ type: 'pair-start', id: 23, mode: 'auto', sid: SID, share: SHARE });
    const phone = EXAMPLES[0] as Extract<Message, { role: 'phone' }>;
    expect(
      decodeError(json({ ...phone, id: 24, pairing: { mode: 'auto', window: 'open', peerOnPcPort: 'yes' } })),
    ).toMatchObject({ code: 'bad-message', replyTo: 24 });
  });

  it('session after pairing: pair-start carries session true after share; anything but true is bad-message', () => {
    const start = {
      type: 'pair-start',
      id: 26,
      mode: 'auto',
      sid: SID,
      share: SHARE,
      session: true,
    } as const;
    expect(decodeMessage(json(start))).toEqual(start);
    expect(Buffer.from(encodeMessage(start)).toString('utf8')).toMatch(
      /"share":"[0-9a-f]{64}","session":true}$/,
    );
    for (const session of [false, 'yes', 1])
      expect(decodeError(json({ ...start, session }))).toMatchObject({ code: 'bad-message', replyTo: 26 });
    // An older companion's pair-start has no such member: unchanged.
    const { session: _, ...older } = start;
    expect(decodeMessage(json(older))).toEqual(older);
    // An unknown capability in a phone's hello is read (and ignored by whoever does not know it).
    const phone = EXAMPLES[0] as Extract<Message, { role: 'phone' }>;
    const capabilities = ['lock', 'pair-then-session', 'some-future-thing'];
    expect(decodeMessage(json({ ...phone, capabilities }))).toMatchObject({ capabilities });
  });

  it.each([
    '555CALL',
    '+1555abc',
    'tel:+15550100',
    '+1-555-0100',
    '+1 555 0100',
    '',
    '+',
    '++1',
    '1+2',
    '12,',
    ',12',
    '1,2,3',
    '5'.repeat(33),
    'Ⅴ',
    '١٢٣',
  ])('rejects the dial number %j', (number) => {
    expect(decodeError(json({ type: 'dial', id: 24, number }))).toMatchObject({
      code: 'bad-message',
      replyTo: 24,
    });
  });

  it.each([
    '0',
    '+15550100',
    '*67#',
    '5'.repeat(32),
    '123,4567',
    '+1' + '5'.repeat(31) + ',' + '#'.repeat(32),
  ])('accepts the dial number %j', (number) => {
    expect(decodeMessage(json({ type: 'dial', id: 25, number }))).toEqual({ type: 'dial', id: 25, number });
  });

  it('throws nothing but DecodeError on arbitrary input', () => {
    const knownType = fc.constantFrom(...ALL_TYPES);
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 200 }),
      fc.string({ unit: 'binary' }).map((s) => Buffer.from(s, 'utf8')),
      fc.jsonValue().map(json),
      fc
        .tuple(knownType, fc.option(fc.jsonValue()), fc.dictionary(fc.string(), fc.jsonValue()))
        .map(([type, id, rest]) => json({ ...rest, type, id })),
      fc
        .tuple(
          knownType,
          fc.integer({ min: 1, max: 0xffffffff }),
          fc.dictionary(
            fc.constantFrom(
              'role',
              'method',
              'protocol',
              'mac',
              'pairing',
              'number',
              're',
              'code',
              'user',
              '__proto__',
            ),
            fc.jsonValue(),
          ),
        )
        .map(([type, id, rest]) => json({ type, id, ...rest })),
      fc
        .constantFrom(...EXAMPLES)
        .chain((m) =>
          fc
            .tuple(fc.constantFrom(...Object.keys(m)), fc.jsonValue())
            .map(([key, value]) => json({ ...m, [key]: value })),
        ),
    );
    fc.assert(
      fc.property(body, (bytes) => {
        try {
          const message = decodeMessage(bytes);
          // Whatever decodes also encodes, canonically.
          expect(decodeMessage(encodeMessage(message))).toEqual(message);
        } catch (error) {
          if (!(error instanceof DecodeError)) throw error;
          expect(['bad-message', 'unknown-type']).toContain(error.code);
          if (error.replyTo !== undefined) {
            expect(Number.isInteger(error.replyTo)).toBe(true);
            expect(error.replyTo).toBeGreaterThanOrEqual(1);
          }
        }
      }),
      { numRuns: 3000 },
    );
  });
});
