// Environment: any (plain TypeScript).
// Yealink Action URL: the phone GETs an admin-provisioned URL per event, with `$variables` filled in. The companion
// defines the layout (provisioningUrls) and reads it back (parseActionUrl); the call tracker turns the events
// into the open protocol's call states. Everything in a request is the phone's (or a forger's) text: each value is
// bounded and checked as printable, and anything unexpected is a VendorEventError, never a crash.
import { isDisplayText } from '../../link/display-text.js';
import type { VendorCall, VendorEvent } from '../vendor-phone.js';
import { VendorEventError } from '../vendor-phone.js';
import { CALL_ID } from './action-uri.js';

/** The Action URL events the companion provisions, by their parameter names (`action_url.<event>`). */
export const ACTION_URL_EVENTS = [
  'incoming_call',
  'outgoing_call',
  'call_established',
  'call_terminated',
  'missed_call',
  'hold',
  'unhold',
  'mute',
  'unmute',
  'idle_to_busy',
  'busy_to_idle',
] as const;
export type ActionUrlEvent = (typeof ACTION_URL_EVENTS)[number];

/** The variables each URL asks for, in this order: display_remote last (the phone may not escape a name). */
export const ACTION_URL_VARIABLES = [
  'call_id',
  'local',
  'remote',
  'model',
  'firmware',
  'mac',
  'ip',
  'display_remote',
] as const;
type Variable = (typeof ACTION_URL_VARIABLES)[number];

/** Yealink's limit on one action_url.* value. */
export const ACTION_URL_MAX = 511;
const VALUE_MAX = 256;
const PARAMETERS_MAX = 32;

/** The URL the phone is provisioned with for `event`: `<listenerUrl>/yealink/<event>?call_id=$call_id&...`. */
export function actionUrl(listenerUrl: string, event: ActionUrlEvent): string {
  const base = listenerUrl.replace(/\/+$/, '');
  const query = ACTION_URL_VARIABLES.map((v) => `${v}=$${v}`).join('&');
  return `${base}/yealink/${event}?${query}`;
}

export interface ActionUrlRequest {
  event: ActionUrlEvent;
  /** Only the variables the phone filled in (an unfilled `$name` or an empty value counts as absent). */
  values: Partial<Record<Variable, string>>;
}

/** One Action URL request as the listener received it; throws VendorEventError when it is not one of ours. */
export function parseActionUrl(method: string, path: string, query: URLSearchParams): ActionUrlRequest {
  if (method !== 'GET') throw new VendorEventError('a Yealink Action URL is a GET');
  const match = /\/yealink\/([a-z_]{1,32})$/.exec(path);
  const event = match?.[1];
  if (event === undefined || !(ACTION_URL_EVENTS as readonly string[]).includes(event))
    throw new VendorEventError('not a Yealink Action URL path this companion provisions');
  const values: Partial<Record<Variable, string>> = {};
  let count = 0;
  for (const [name, value] of query) {
    if (++count > PARAMETERS_MAX) throw new VendorEventError('too many query parameters');
    if (!(ACTION_URL_VARIABLES as readonly string[]).includes(name)) continue;
    if (value.length > VALUE_MAX)
      throw new VendorEventError(`${name} is longer than ${VALUE_MAX} characters`);
    if (!isDisplayText(value)) throw new VendorEventError(`${name} is not printable text`);
    if (value === '' || value.startsWith('$')) continue;
    values[name as Variable] = value;
  }
  return { event: event as ActionUrlEvent, values };
}

/** The number to show for `remote` (`sip:1002@pbx`, `1002@10.0.0.1`, `1002`): its user part. */
export function remoteNumber(remote: string | undefined, display: string | undefined): string {
  let number = remote ?? '';
  number = number.replace(/^<?(sips?|tel):/i, '').replace(/[@;>].*$/, '');
  if (number === '') number = display ?? '';
  if (number.length > 64) throw new VendorEventError('the far end is longer than 64 characters');
  return number;
}

/** `001565AABBCC` or `00:15:65:aa:bb:cc` as lower case, colon separated; undefined when it is not a MAC. */
export function normalizeMac(mac: string): string | undefined {
  const hex = mac.replace(/[:-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{12}$/.test(hex)) return undefined;
  return hex.match(/../g)!.join(':');
}

/** What the phone said about itself in its last Action URL ($model $firmware $mac). */
export interface ReportedIdentity {
  model?: string;
  firmware?: string;
  mac?: string;
}

/**
 * The call on the phone as its events tell it, in the open protocol's states. The phone reports one call at a
 * time to the companion (the active one); a call's handle is its call_id. Muted and held also change when a
 * command the companion sent succeeds, since the phone only reports mute/unmute and hold/unhold events when
 * provisioned to.
 */
export class YealinkCallTracker {
  private current: VendorCall | undefined;
  private mutedNow = false;
  readonly identity: ReportedIdentity = {};

  get call(): VendorCall | undefined {
    return this.current && { ...this.current };
  }

  get muted(): boolean {
    return this.mutedNow;
  }

  /** The events one Action URL request carries, with the tracker updated; throws VendorEventError. */
  apply(request: ActionUrlRequest): VendorEvent[] {
    const { event, values } = request;
    this.learnIdentity(values);
    switch (event) {
      case 'incoming_call':
        return this.begin(values, 'in', 'offering');
      case 'outgoing_call':
        return this.begin(values, 'out', 'dialing');
      case 'call_established':
        return this.update(values, 'connected');
      case 'hold':
        return this.update(values, 'held');
      case 'unhold':
        return this.update(values, 'connected');
      case 'call_terminated':
      case 'missed_call':
        return this.end(values);
      case 'mute':
      case 'unmute':
        return this.setMuted(event === 'mute');
      case 'busy_to_idle':
        // The phone has no call left: whatever call the companion still tracks is over.
        return this.current ? this.end({}) : [];
      case 'idle_to_busy':
        return [];
    }
  }

  /** A command that changed the call succeeded (HOLD, UNHOLD, MUTE): what the phone now has. */
  commandSucceeded(change: { held: boolean } | { muted: boolean }): void {
    if ('muted' in change) {
      this.mutedNow = change.muted;
      if (this.current) this.current.muted = change.muted;
    } else if (this.current && (this.current.state === 'connected' || this.current.state === 'held')) {
      this.current.state = change.held ? 'held' : 'connected';
    }
  }

  private handleOf(values: ActionUrlRequest['values']): string {
    const id = values.call_id ?? this.current?.handle;
    if (id === undefined)
      throw new VendorEventError('a call event without a call_id, and no call to refer to');
    if (!CALL_ID.test(id)) throw new VendorEventError('call_id is not 1-64 letters, digits or ._~-');
    return id;
  }

  private begin(values: ActionUrlRequest['values'], direction: 'in' | 'out', state: VendorCall['state']) {
    const handle = this.handleOf(values);
    const number = remoteNumber(values.remote, values.display_remote);
    this.mutedNow = false;
    this.current = { handle, state, direction, number, muted: false };
    return [{ kind: 'call' as const, call: { ...this.current } }];
  }

  private update(values: ActionUrlRequest['values'], state: VendorCall['state']): VendorEvent[] {
    const handle = this.handleOf(values);
    if (this.current?.handle !== handle) {
      // A call the companion did not see begin (it started before the listener ran): take the phone's word.
      const number = remoteNumber(values.remote, values.display_remote);
      this.current = { handle, state, direction: 'out', number, muted: this.mutedNow };
    } else {
      this.current.state = state;
      if (values.remote !== undefined || values.display_remote !== undefined)
        this.current.number = remoteNumber(values.remote, values.display_remote) || this.current.number;
    }
    return [{ kind: 'call', call: { ...this.current } }];
  }

  private end(values: ActionUrlRequest['values']): VendorEvent[] {
    const handle = values.call_id ?? this.current?.handle;
    if (handle === undefined) return [];
    if (!CALL_ID.test(handle)) throw new VendorEventError('call_id is not 1-64 letters, digits or ._~-');
    const known = this.current?.handle === handle ? this.current : undefined;
    const call: VendorCall = {
      handle,
      state: 'ended',
      direction: known?.direction ?? 'in',
      number: known?.number ?? remoteNumber(values.remote, values.display_remote),
      muted: false,
    };
    if (known) {
      this.current = undefined;
      this.mutedNow = false;
    }
    return [{ kind: 'call', call }];
  }

  private setMuted(muted: boolean): VendorEvent[] {
    this.mutedNow = muted;
    if (this.current) this.current.muted = muted;
    return [{ kind: 'muted', muted }];
  }

  private learnIdentity(values: ActionUrlRequest['values']): void {
    if (values.model !== undefined && values.model.length <= 64) this.identity.model = values.model;
    if (values.firmware !== undefined && values.firmware.length <= 64)
      this.identity.firmware = values.firmware;
    const mac = values.mac === undefined ? undefined : normalizeMac(values.mac);
    if (mac !== undefined) this.identity.mac = mac;
  }
}
