// Environment: Node (vitest).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { VendorEventError } from '../../../../../native-bridge/vendor/vendor-phone.js';
import {
  ACTION_URL_EVENTS,
  YealinkCallTracker,
  actionUrl,
  normalizeMac,
  parseActionUrl,
  remoteNumber,
} from '../../../../../native-bridge/vendor/yealink/action-url.js';
import { parsePhoneConfig } from '../../../../../native-bridge/vendor/yealink/phonecfg.js';

const request = (event: string, values: Record<string, string> = {}) =>
  parseActionUrl('GET', `/yealink/${event}`, new URLSearchParams(values));

describe('Yealink Action URL layout', () => {
  it('asks for every variable, display_remote last, under <listener>/yealink/<event>', () => {
    expect(actionUrl('http://10.0.0.2:8789/', 'incoming_call')).toBe(
      'http://10.0.0.2:8789/yealink/incoming_call?call_id=$call_id&local=$local&remote=$remote&model=$model' +
        '&firmware=$firmware&mac=$mac&ip=$ip&display_remote=$display_remote',
    );
  });

  it('reads back what the phone filled in; an unfilled $variable counts as absent', () => {
    const parsed = parseActionUrl(
      'GET',
      '/phones/x/yealink/outgoing_call',
      new URLSearchParams({ call_id: '12', remote: '$remote', model: 'SIP-T54W', other: 'ignored' }),
    );
    expect(parsed).toEqual({ event: 'outgoing_call', values: { call_id: '12', model: 'SIP-T54W' } });
  });

  it('refuses what is not one of its requests, with VendorEventError', () => {
    expect(() => parseActionUrl('POST', '/yealink/mute', new URLSearchParams())).toThrow(VendorEventError);
    expect(() => request('reboot')).toThrow(VendorEventError);
    expect(() => request('mute', { remote: 'a\u001b[2Jb' })).toThrow(/printable/);
    expect(() => request('mute', { remote: 'x'.repeat(300) })).toThrow(VendorEventError);
    const many = new URLSearchParams();
    for (let i = 0; i < 40; i++) many.append(`p${i}`, '1');
    expect(() => parseActionUrl('GET', '/yealink/mute', many)).toThrow(/too many/);
  });

  it('takes the number from $remote and a MAC in either spelling', () => {
    expect(remoteNumber('sip:1002@pbx.example.com', 'Bob')).toBe('1002');
    expect(remoteNumber('+331234@10.0.0.1', undefined)).toBe('+331234');
    expect(remoteNumber(undefined, 'Bob')).toBe('Bob');
    expect(normalizeMac('001565AABBCC')).toBe('00:15:65:aa:bb:cc');
    expect(normalizeMac('00-15-65-aa-bb-cc')).toBe('00:15:65:aa:bb:cc');
    expect(normalizeMac('nope')).toBeUndefined();
  });
});

describe('Yealink call tracking from Action URL events', () => {
  it('follows an outgoing call through established, hold, mute and terminated', () => {
    const t = new YealinkCallTracker();
    expect(t.apply(request('idle_to_busy'))).toEqual([]);
    expect(
      t.apply(request('outgoing_call', { call_id: '7', remote: '1002@pbx', mac: '001565aabbcc' })),
    ).toEqual([
      {
        kind: 'call',
        call: { handle: '7', state: 'dialing', direction: 'out', number: '1002', muted: false },
      },
    ]);
    expect(t.identity.mac).toBe('00:15:65:aa:bb:cc');
    expect(t.apply(request('call_established', { call_id: '7' }))[0]).toMatchObject({
      call: { state: 'connected', number: '1002' },
    });
    expect(t.apply(request('mute'))).toEqual([{ kind: 'muted', muted: true }]);
    expect(t.call?.muted).toBe(true);
    t.commandSucceeded({ held: true });
    expect(t.call?.state).toBe('held');
    expect(t.apply(request('unhold', { call_id: '7' }))[0]).toMatchObject({ call: { state: 'connected' } });
    expect(t.apply(request('call_terminated', { call_id: '7' }))).toEqual([
      { kind: 'call', call: { handle: '7', state: 'ended', direction: 'out', number: '1002', muted: false } },
    ]);
    expect(t.call).toBeUndefined();
    expect(t.muted).toBe(false);
  });

  it('ends a ringing call that was missed, and whatever is left when the phone goes idle', () => {
    const t = new YealinkCallTracker();
    t.apply(request('incoming_call', { call_id: '9', remote: 'sip:555@pbx' }));
    expect(t.call).toMatchObject({ state: 'offering', direction: 'in', number: '555' });
    expect(t.apply(request('missed_call', { call_id: '9' }))[0]).toMatchObject({
      call: { state: 'ended', direction: 'in' },
    });
    t.apply(request('incoming_call', { call_id: '10', remote: '556' }));
    expect(t.apply(request('busy_to_idle'))[0]).toMatchObject({ call: { handle: '10', state: 'ended' } });
    expect(t.apply(request('busy_to_idle'))).toEqual([]);
  });

  it('refuses a call event it cannot attach to a call', () => {
    const t = new YealinkCallTracker();
    expect(() => t.apply(request('call_established'))).toThrow(VendorEventError);
    expect(() => t.apply(request('incoming_call', { call_id: '1;MUTE' }))).toThrow(VendorEventError);
  });

  it('never throws anything but VendorEventError and never reports unprintable or unbounded text (fuzz)', () => {
    const t = new YealinkCallTracker();
    const names = [...ACTION_URL_EVENTS, 'x', ''];
    fc.assert(
      fc.property(
        fc.constantFrom('GET', 'POST'),
        fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 20 })),
        fc.array(
          fc.tuple(
            fc.constantFrom('call_id', 'remote', 'display_remote', 'mac', 'model', 'firmware', 'junk'),
            fc.oneof(
              fc.string({ maxLength: 80 }),
              fc.stringMatching(/^[0-9]{1,6}$/),
              fc.string({ unit: 'binary', maxLength: 40 }),
            ),
          ),
          { maxLength: 12 },
        ),
        (method, event, pairs) => {
          let events;
          try {
            events = t.apply(parseActionUrl(method, `/yealink/${event}`, new URLSearchParams(pairs)));
          } catch (error) {
            expect(error).toBeInstanceOf(VendorEventError);
            return;
          }
          for (const e of events) {
            if (e.kind !== 'call') continue;
            expect(e.call.number.length).toBeLessThanOrEqual(64);
            expect(e.call.number).not.toMatch(/[\p{Cc}\u202e]/u);
            expect(e.call.handle).toMatch(/^[A-Za-z0-9._~-]{1,64}$/);
          }
        },
      ),
    );
  });
});

describe('phonecfg=get answer (the layout docs/vendor-phones.md assumes)', () => {
  it('reads the firmware and the registered accounts', () => {
    expect(
      parsePhoneConfig(
        'Firmware=96.86.0.100\r\nDND=0\nAccount1|1001|1001|Alice|2|1001@pbx|\nAccount2||||0||\n',
      ),
    ).toEqual({ firmware: '96.86.0.100', lines: [{ line: '1', address: '1001@pbx', registered: true }] });
    expect(parsePhoneConfig('Account1|a|a|a|1|a@b|')).toBeUndefined();
    expect(parsePhoneConfig('<html>login</html>')).toBeUndefined();
  });
});
