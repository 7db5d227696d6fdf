// Environment: Node (vitest).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ActionUriError,
  actionPath,
  actionQuery,
  escapeValue,
} from '../../../../../native-bridge/vendor/yealink/action-uri.js';

describe('Yealink Action URI builder', () => {
  it('puts key first and writes each documented key as the phone expects it', () => {
    expect(actionPath({ kind: 'key', key: 'OK' })).toBe('/servlet?key=OK');
    expect(actionQuery({ kind: 'key', key: 'MUTE' })).toBe('key=MUTE');
    expect(actionQuery({ kind: 'key', key: 'CALLEND' })).toBe('key=CALLEND');
    expect(actionQuery({ kind: 'call-key', key: 'ASW', callId: '33093' })).toBe('key=ASW:33093');
    expect(actionQuery({ kind: 'call-key', key: 'UNHOLD', callId: '7' })).toBe('key=UNHOLD:7');
    expect(actionQuery({ kind: 'phonecfg' })).toBe('phonecfg=get&accounts=1&dnd=0&fw=1');
  });

  it('dials as key=number=NUMBER&outgoing_uri=ACCOUNT, with no trailing & when there is no account', () => {
    expect(actionQuery({ kind: 'dial', number: '123', account: '1001@pbx.example.com' })).toBe(
      'key=number=123&outgoing_uri=1001%40pbx.example.com',
    );
    expect(actionQuery({ kind: 'dial', number: '123' })).toBe('key=number=123');
    expect(actionQuery({ kind: 'dial', number: '123', account: '' })).toBe('key=number=123');
  });

  it('escapes + (which the phone would read as a space) and every other reserved character', () => {
    expect(actionQuery({ kind: 'dial', number: '+33123456789' })).toBe('key=number=%2B33123456789');
    expect(actionQuery({ kind: 'dial', number: '*72#' })).toBe('key=number=%2A72%23');
    expect(actionQuery({ kind: 'dial', number: 'sip:alice@example.com;user=phone' })).toBe(
      'key=number=sip%3Aalice%40example.com%3Buser%3Dphone',
    );
    expect(escapeValue("!'()*+&=?/:@;,$[]")).toBe('%21%27%28%29%2A%2B%26%3D%3F%2F%3A%40%3B%2C%24%5B%5D');
  });

  it('refuses numbers, call ids and keys that would add syntax', () => {
    expect(() => actionQuery({ kind: 'dial', number: '123&key=CALLEND' })).toThrow(ActionUriError);
    expect(() => actionQuery({ kind: 'dial', number: '' })).toThrow(ActionUriError);
    expect(() => actionQuery({ kind: 'call-key', key: 'ASW', callId: '1;MUTE' })).toThrow(ActionUriError);
    expect(() => actionQuery({ kind: 'key', key: 'Reboot' as 'OK' })).toThrow(ActionUriError);
    expect(() => actionQuery({ kind: 'dial', number: '1', account: 'a b' })).toThrow(ActionUriError);
  });

  it('never yields a request the phone would misread, whatever it is asked to dial (fuzz)', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 80 }),
        fc.option(fc.string({ maxLength: 40 })),
        (number, account) => {
          let query: string;
          try {
            query = actionQuery({ kind: 'dial', number, account: account ?? undefined });
          } catch (error) {
            expect(error).toBeInstanceOf(ActionUriError);
            return;
          }
          expect(query.startsWith('key=number=')).toBe(true);
          expect(query.endsWith('&')).toBe(false);
          expect(query).not.toMatch(/[+ #*]/);
          const pairs = query.split('&');
          expect(pairs.length).toBeLessThanOrEqual(2);
          expect(decodeURIComponent(pairs[0]!.slice('key=number='.length))).toBe(number);
        },
      ),
    );
  });
});
