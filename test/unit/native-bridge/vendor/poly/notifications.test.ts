// Environment: Node (vitest). The hardened XML reader and the Poly telephony notifications it reads.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePolyNotification } from '../../../../../native-bridge/vendor/poly/notifications.js';
import { XML_LIMITS, parseXml } from '../../../../../native-bridge/vendor/poly/xml.js';
import { VendorEventError } from '../../../../../native-bridge/vendor/vendor-phone.js';

// The documents as Poly's Web Application Developer's Guide shows them (UC Software 5.0 and SIP 3.1).
const INCOMING = `<PolycomIPPhone>
<IncomingCallEvent>
<PhoneIP>172.24.132.135</PhoneIP>
<MACAddress>0004f214b89e</MACAddress>
<CallingPartyName>20701</CallingPartyName>
<CallingPartyNumber>20701@172.18.186.94</CallingPartyNumber>
<CalledPartyName>20300</CalledPartyName>
<CalledPartyNumber>20300</CalledPartyNumber>
<TimeStamp>2008-07-11T13:19:53-08:00</TimeStamp>
</IncomingCallEvent>
</PolycomIPPhone>`;

const stateChange = (state: string, type = 'Outgoing', reference = '0x1a2b') => `<?xml version="1.0"?>
<CallStateChangeEvent CallReference="${reference}" CallState="${state}">
  <PhoneIP>10.0.0.5</PhoneIP>
  <MACAddress>0004f214b89e</MACAddress>
  <LineNumber>1</LineNumber>
  <TimeStamp>2026-12-04T10:00:00Z</TimeStamp>
  <CallLineInfo>
    <LineKeyNum>1</LineKeyNum>
    <LineDirNum>1001</LineDirNum>
    <LineState>Active</LineState>
    <CallInfo>
      <CallState>${state}</CallState>
      <CallType>${type}</CallType>
      <UIAppearanceIndex>1*</UIAppearanceIndex>
      <CalledPartyName>Bob</CalledPartyName>
      <CalledPartyDirNum>sip:+33123456789@pbx</CalledPartyDirNum>
      <CallingPartyName>Me</CallingPartyName>
      <CallingPartyDirNum>1001</CallingPartyDirNum>
      <CallReference>${reference}</CallReference>
      <CallDuration>0</CallDuration>
    </CallInfo>
  </CallLineInfo>
</CallStateChangeEvent>`;

const simple = (name: string) =>
  `<${name}><PhoneIP>10.0.0.5</PhoneIP><MACAddress>0004f214b89e</MACAddress><TimeStamp> </TimeStamp></${name}>`;

describe('parseXml', () => {
  it('reads elements, attributes, text and the five XML entities', () => {
    const root = parseXml(
      `<?xml version="1.0" encoding="UTF-8"?><!-- c --><a x='1' y="&lt;&#65;&#x42;"><b>t &amp; u</b><c/><![CDATA[<raw>]]></a>`,
    );
    expect(root.name).toBe('a');
    expect(root.attributes).toEqual({ x: '1', y: '<AB' });
    expect(root.children.map((c) => [c.name, c.text])).toEqual([
      ['b', 't & u'],
      ['c', ''],
    ]);
    expect(root.text).toBe('<raw>');
  });

  it.each([
    ['a DTD', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', /DTD/],
    ['an undefined entity', '<a>&x;</a>', /entity/],
    ['an external entity', '<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>', /DTD/],
    ['mismatched tags', '<a><b></a></b>', /does not match/],
    ['two roots', '<a/><b/>', /second root|after the root/],
    ['an unclosed element', '<a><b>', /incomplete/],
    ['text outside', 'x<a/>', /outside/],
    ['a bare &', '<a>1 & 2</a>', /bare &/],
    ['a repeated attribute', '<a x="1" x="2"/>', /repeated/],
    ['a code point out of range', '<a>&#x110000;</a>', /out of range/],
    ['empty input', '', /incomplete/],
  ])('refuses %s', (_what, source, message) => {
    expect(() => parseXml(source)).toThrow(VendorEventError);
    expect(() => parseXml(source)).toThrow(message);
  });

  it('bounds depth, element count and size', () => {
    const deep = '<a>'.repeat(XML_LIMITS.depth + 1) + '</a>'.repeat(XML_LIMITS.depth + 1);
    expect(() => parseXml(deep)).toThrow(/deeper/);
    expect(() => parseXml(`<a>${'<b/>'.repeat(XML_LIMITS.elements)}</a>`)).toThrow(/elements/);
    expect(() => parseXml(`<a>${'x'.repeat(XML_LIMITS.bytes)}</a>`)).toThrow(/larger/);
  });

  it('never throws anything but VendorEventError, whatever it is given', () => {
    const fragments = fc.constantFrom(
      '<',
      '>',
      '</',
      '/>',
      '<a',
      '</a>',
      '<b>',
      '<!--',
      '-->',
      '<![CDATA[',
      ']]>',
      '<!DOCTYPE',
      '<?',
      '?>',
      '&',
      '&amp;',
      '&#x',
      ';',
      '="',
      "='",
      '"',
      ' ',
      'x',
      '\u0000',
      '\ud800',
    );
    const documents = fc.oneof(
      fc.string(),
      fc.array(fragments, { maxLength: 60 }).map((parts) => parts.join('')),
    );
    fc.assert(
      fc.property(documents, (source) => {
        try {
          parseXml(source);
          parsePolyNotification(source);
        } catch (error) {
          if (!(error instanceof VendorEventError)) throw error;
        }
      }),
      { numRuns: 3000 },
    );
  });
});

describe('parsePolyNotification', () => {
  it('reads the documented IncomingCallEvent (no call reference: the handle is empty)', () => {
    expect(parsePolyNotification(INCOMING)).toEqual([
      {
        kind: 'call',
        call: { handle: '', state: 'offering', direction: 'in', number: '20701@172.18.186.94', muted: false },
      },
    ]);
  });

  it('reads an OutgoingCallEvent', () => {
    const body = `<OutgoingCallEvent><PhoneIP/><MACAddress/><CallingPartyName>1001</CallingPartyName><CallingPartyNumber>1001</CallingPartyNumber><CalledPartyName>x</CalledPartyName><CalledPartyNumber>+33123</CalledPartyNumber><TimeStamp/></OutgoingCallEvent>`;
    expect(parsePolyNotification(body)).toEqual([
      {
        kind: 'call',
        call: { handle: '', state: 'dialing', direction: 'out', number: '+33123', muted: false },
      },
    ]);
  });

  it.each([
    ['Dialtone', 'dialing'],
    ['Setup', 'dialing'],
    ['Ringback', 'ringback'],
    ['Connected', 'connected'],
    ['Hold', 'held'],
    ['Held', 'held'],
    ['Free', 'ended'],
    ['Disconnected', 'ended'],
  ])('maps CallStateChangeEvent %s to %s, with the call reference as handle', (state, expected) => {
    expect(parsePolyNotification(stateChange(state))).toEqual([
      {
        kind: 'call',
        call: {
          handle: '0x1a2b',
          state: expected,
          direction: 'out',
          number: '+33123456789@pbx',
          muted: false,
        },
      },
    ]);
  });

  it('takes the caller for an incoming call', () => {
    const [event] = parsePolyNotification(stateChange('Offering', 'Incoming'));
    expect(event).toMatchObject({ call: { state: 'offering', direction: 'in', number: '1001' } });
  });

  it('tells nothing for the unknown state Ncas', () => {
    expect(parsePolyNotification(stateChange('Ncas'))).toEqual([]);
  });

  it('reads lock and unlock, and accepts the events it has no use for', () => {
    expect(parsePolyNotification(simple('PhoneLockedEvent'))).toEqual([{ kind: 'lock', locked: true }]);
    expect(parsePolyNotification(`<PolycomIPPhone>${simple('PhoneUnlockedEvent')}</PolycomIPPhone>`)).toEqual(
      [{ kind: 'lock', locked: false }],
    );
    expect(parsePolyNotification(simple('OffHookEvent'))).toEqual([]);
    expect(parsePolyNotification(simple('OnHookEvent'))).toEqual([]);
  });

  it('refuses unknown events, calls without a reference and unprintable numbers', () => {
    expect(() => parsePolyNotification(simple('SomethingElse'))).toThrow(/unknown Poly notification/);
    expect(() => parsePolyNotification(stateChange('Connected', 'Outgoing', ''))).toThrow(/CallReference/);
    expect(() => parsePolyNotification(INCOMING.replace('20701@', '&#x1b;[2J'))).toThrow(/printable/);
    expect(() => parsePolyNotification('<PolycomIPPhone/>')).toThrow(/no event/);
  });
});
