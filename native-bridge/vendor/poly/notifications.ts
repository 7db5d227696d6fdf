// Environment: any (plain TypeScript). The telephony notifications a Poly phone POSTs to apps.telNotification.URL,
// read into the contract's VendorEvents. The shapes are those of Poly's Web Application Developer's Guide (UC
// Software 5.x, "Using Telephony Notification Events"): one event element, or several inside <PolycomIPPhone>.
import { type VendorCall, type VendorEvent, VendorEventError } from '../vendor-phone.js';
import { callStateOf, farEndNumber } from './poly-api.js';
import { type XmlElement, childText, parseXml } from './xml.js';

/** Events the phone may send that carry nothing the companion models (registration, sign-in, hook switch). */
const IGNORED = new Set([
  // Off-hook/on-hook say the handset moved, not which call changed: the call's own state changes say that.
  'OffHookEvent',
  'OnHookEvent',
  'LineRegistrationEvent',
  'LineUnregistrationEvent',
  'UserLoginOutEvent',
]);

/** The events of one notification body; throws VendorEventError for anything malformed or unknown. */
export function parsePolyNotification(body: string): VendorEvent[] {
  const root = parseXml(body);
  const elements = root.name === 'PolycomIPPhone' ? root.children : [root];
  if (elements.length === 0) throw new VendorEventError('the notification carries no event');
  return elements.flatMap(eventOf);
}

function eventOf(element: XmlElement): VendorEvent[] {
  switch (element.name) {
    case 'PhoneLockedEvent':
      return [{ kind: 'lock', locked: true }];
    case 'PhoneUnlockedEvent':
      return [{ kind: 'lock', locked: false }];
    case 'IncomingCallEvent':
      // No call reference in this event: the handle stays empty, and a following CallStateChangeEvent names it.
      return [
        call({
          handle: '',
          state: 'offering',
          direction: 'in',
          number: number(childText(element, 'CallingPartyNumber')),
        }),
      ];
    case 'OutgoingCallEvent':
      return [
        call({
          handle: '',
          state: 'dialing',
          direction: 'out',
          number: number(childText(element, 'CalledPartyNumber')),
        }),
      ];
    case 'CallStateChangeEvent':
      return callStateChange(element);
    default:
      if (IGNORED.has(element.name)) return [];
      throw new VendorEventError(`an unknown Poly notification <${element.name.slice(0, 64)}>`);
  }
}

/**
 * `<CallStateChangeEvent CallReference=".." CallState="..">` with the line's calls in CallLineInfo/CallInfo; the
 * call is the CallInfo whose CallReference matches, or the only one.
 */
function callStateChange(element: XmlElement): VendorEvent[] {
  const reference = element.attributes['CallReference']?.trim();
  const infos = element.children
    .filter((c) => c.name === 'CallLineInfo')
    .flatMap((line) => line.children.filter((c) => c.name === 'CallInfo'));
  const info =
    infos.find((i) => reference !== undefined && childText(i, 'CallReference') === reference) ??
    (infos.length === 1 ? infos[0] : undefined);
  const handle = reference || (info && childText(info, 'CallReference'));
  if (!handle || handle.length > 64)
    throw new VendorEventError('a CallStateChangeEvent without a usable CallReference');
  const polyState = (element.attributes['CallState'] ?? (info && childText(info, 'CallState')) ?? '').trim();
  const state = callStateOf(polyState);
  // Poly's "Ncas" (unknown) and states of other firmware: nothing to tell.
  if (state === undefined) return [];
  const type = info && childText(info, 'CallType');
  const direction =
    type === 'Incoming' ? 'in' : type === 'Outgoing' ? 'out' : state === 'offering' ? 'in' : 'out';
  const party = info && childText(info, direction === 'in' ? 'CallingPartyDirNum' : 'CalledPartyDirNum');
  return [call({ handle, state, direction, number: number(party ?? '') })];
}

function call(fields: Omit<VendorCall, 'muted'>): VendorEvent {
  return { kind: 'call', call: { ...fields, muted: false } };
}

function number(raw: string | undefined): string {
  const value = farEndNumber(raw);
  if (value === undefined) throw new VendorEventError('a party number that is not printable text');
  return value;
}
