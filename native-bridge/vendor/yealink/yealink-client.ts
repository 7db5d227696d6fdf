// Environment: Node (talks to phones). The Yealink client of the vendor-phone contract: commands through Action
// URI (action-uri.ts builds every request), call state from the phone's Action URL events (action-url.ts), device
// facts from `phonecfg=get` plus what the events say about the phone. Yealink documents no remote lock, no lock
// events, no call-status query and no sign-in, so this client has none of them.
import {
  type DeviceFacts,
  type DriverCapability,
  type PhoneNotification,
  type ProvisioningParameter,
  type VendorCall,
  type VendorEvent,
  type VendorPhoneClient,
  type VendorPhoneOptions,
  VendorPhoneError,
} from '../vendor-phone.js';
import { type DeviceAnswer, DeviceHttpClient } from '../device-http.js';
import { type ActionCommand, ActionUriError, actionPath } from './action-uri.js';
import {
  ACTION_URL_EVENTS,
  ACTION_URL_MAX,
  YealinkCallTracker,
  actionUrl,
  parseActionUrl,
} from './action-url.js';
import { parsePhoneConfig } from './phonecfg.js';

export const YEALINK_CAPABILITIES: ReadonlySet<DriverCapability> = new Set([
  'dial',
  'answer',
  'reject',
  'hangup',
  'hold',
  'resume',
  'mute',
  'call-state',
  'device-facts',
]);

/** What the client needs of the HTTP client (device-http.ts): one request, one answer. */
export type DeviceHttp = Pick<DeviceHttpClient, 'request'>;

export interface YealinkOptions extends VendorPhoneOptions {
  /** The account to dial from (outgoing_uri: `1001@pbx.example.com`); the phone's default account if absent. */
  account?: string | undefined;
}

export class YealinkClient implements VendorPhoneClient {
  readonly kind = 'yealink' as const;
  readonly capabilities = YEALINK_CAPABILITIES;
  private readonly tracker = new YealinkCallTracker();
  /** Set after a 401 or a lockout: the client sends nothing more, so it can never lock the account itself. */
  private stopped: { error: VendorPhoneError; until: number } | undefined;

  /** Throws VendorPhoneError('invalid-input') for a malformed URL or pinned certificate. */
  constructor(
    private readonly options: YealinkOptions,
    private readonly http: DeviceHttp = new DeviceHttpClient(options),
  ) {}

  async facts(): Promise<DeviceFacts> {
    const answer = await this.send({ kind: 'phonecfg' });
    const config = parsePhoneConfig(answer.body.toString('utf8'));
    if (!config)
      throw new VendorPhoneError('bad-answer', 'The phone answered phonecfg=get without a firmware version.');
    const { identity } = this.tracker;
    return {
      vendor: 'Yealink',
      // Only the phone's Action URLs carry $model and $mac: unknown ('') until the first event arrives.
      model: identity.model ?? '',
      firmware: config.firmware,
      mac: identity.mac ?? '',
      lines: config.lines,
    };
  }

  async dial(destination: string): Promise<void> {
    await this.send({ kind: 'dial', number: destination, account: this.options.account });
  }

  async answer(handle?: string): Promise<void> {
    const id = handle ?? this.ringing()?.handle;
    // Without a call_id (no incoming_call event yet), OK answers the ringing call as the phone's own key does.
    await this.send(
      id === undefined ? { kind: 'key', key: 'OK' } : { kind: 'call-key', key: 'ASW', callId: id },
    );
  }

  async reject(handle?: string): Promise<void> {
    const id = handle ?? this.ringing()?.handle;
    if (id === undefined) throw this.noCall('ringing');
    await this.send({ kind: 'call-key', key: 'CANCEL', callId: id });
  }

  async hangup(handle?: string): Promise<void> {
    const id = handle ?? this.tracker.call?.handle;
    await this.send(
      id === undefined ? { kind: 'key', key: 'CALLEND' } : { kind: 'call-key', key: 'CANCEL', callId: id },
    );
  }

  async hold(handle?: string): Promise<void> {
    await this.holdOrResume(true, handle);
  }

  async resume(handle?: string): Promise<void> {
    await this.holdOrResume(false, handle);
  }

  /** MUTE toggles: it is sent only when the phone's mute (as its events and our commands left it) must change. */
  async mute(muted: boolean): Promise<void> {
    if (!this.tracker.call) throw this.noCall('active');
    if (this.tracker.muted === muted) return;
    await this.send({ kind: 'key', key: 'MUTE' });
    this.tracker.commandSucceeded({ muted });
  }

  /** Yealink has no call-status query: call state comes only from Action URL events. */
  callStatus(): Promise<VendorCall[] | undefined> {
    return Promise.resolve(undefined);
  }

  parseNotification(request: PhoneNotification): VendorEvent[] {
    return this.tracker.apply(parseActionUrl(request.method, request.path, request.query));
  }

  provisioning(listenerUrl: string): ProvisioningParameter[] {
    const urls = ACTION_URL_EVENTS.map((event) => ({
      parameter: `action_url.${event}`,
      value: actionUrl(listenerUrl, event),
      why: `tells the companion about ${event.replace(/_/g, ' ')} (call state lives only in these events)`,
    }));
    const tooLong = urls.find((u) => u.value.length > ACTION_URL_MAX);
    if (tooLong)
      throw new VendorPhoneError(
        'invalid-input',
        `The listener URL makes ${tooLong.parameter} longer than 511 characters.`,
      );
    return [
      {
        parameter: 'features.action_uri.enable',
        value: '1',
        why: 'lets the companion send Action URI commands',
      },
      {
        parameter: 'features.action_uri_limit_ip',
        value: "this PC's address, as the phone sees it (several: comma-separated)",
        why: 'the phone refuses Action URI from any other address (blank refuses all)',
      },
      {
        parameter: 'features.show_action_uri_option',
        value: '0',
        why: 'no "Allow remote control?" prompt on the phone before the first command',
      },
      ...urls,
    ];
  }

  private ringing(): VendorCall | undefined {
    const call = this.tracker.call;
    return call?.state === 'offering' ? call : undefined;
  }

  private async holdOrResume(hold: boolean, handle: string | undefined): Promise<void> {
    const id = handle ?? this.tracker.call?.handle;
    // Without a call_id there is nothing to name; F_HOLD is no way out: it toggles, and blind could resume a call.
    if (id === undefined) throw this.noCall(hold ? 'active' : 'held');
    await this.send({ kind: 'call-key', key: hold ? 'HOLD' : 'UNHOLD', callId: id });
    this.tracker.commandSucceeded({ held: hold });
  }

  private noCall(which: 'ringing' | 'active' | 'held'): VendorPhoneError {
    return new VendorPhoneError(
      'no-call',
      `The phone has no ${which} call the companion knows of. Yealink reports calls only through Action URLs: ` +
        'check that the phone is provisioned with them (docs/vendor-phones.md, "Yealink").',
    );
  }

  /** One Action URI request, its answer mapped to the failures Yealink phones give. */
  private async send(command: ActionCommand): Promise<DeviceAnswer> {
    if (this.stopped) {
      if (Date.now() < this.stopped.until) throw this.stopped.error;
      this.stopped = undefined;
    }
    let path: string;
    try {
      path = actionPath(command);
    } catch (error) {
      if (error instanceof ActionUriError) throw new VendorPhoneError('invalid-input', `${error.message}.`);
      throw error;
    }
    const answer = await this.http.request({ method: 'GET', path });
    if (answer.status === 200) return answer;
    const error = failure(answer);
    if (error.kind === 'wrong-password') this.stopped = { error, until: Number.POSITIVE_INFINITY };
    if (error.kind === 'locked-out')
      this.stopped = { error, until: Date.now() + retryAfterSeconds(answer) * 1000 };
    throw error;
  }
}

const LOCKOUT_DEFAULT_SECONDS = 300;

function retryAfterSeconds(answer: DeviceAnswer): number {
  const header = answer.headers['retry-after'];
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  return Number.isInteger(seconds) && seconds > 0 && seconds <= 86400 ? seconds : LOCKOUT_DEFAULT_SECONDS;
}

/** What a non-200 answer means, in words for the admin (docs/vendor-phones.md lists these). */
function failure(answer: DeviceAnswer): VendorPhoneError {
  const body = answer.body.subarray(0, 512).toString('utf8');
  switch (answer.status) {
    case 401:
      return new VendorPhoneError(
        'wrong-password',
        "The phone refused the user name or password (HTTP 401). Enter the phone's admin credentials again: " +
          "the companion sends nothing more until then, so that retries cannot lock the phone's account.",
      );
    case 403: {
      if (/locked/i.test(body)) {
        const minutes = Math.ceil(retryAfterSeconds(answer) / 60);
        return new VendorPhoneError(
          'locked-out',
          `The phone locked its account after repeated failed logins. Wait ${minutes} minute${minutes === 1 ? '' : 's'} ` +
            'before trying again (the companion will not retry before then).',
        );
      }
      if (/remote control/i.test(body))
        return new VendorPhoneError(
          'remote-control-prompt',
          'The phone is asking "Allow remote control?". Press OK on the phone once, or provision ' +
            'features.show_action_uri_option = 0 so that it does not ask.',
        );
      const address = answer.localAddress?.replace(/^::ffff:/, '') ?? "this PC's address";
      return new VendorPhoneError(
        'not-allowed-from-this-pc',
        `The phone does not accept Action URI from this PC. Add ${address} to features.action_uri_limit_ip ` +
          '(web interface: Features > Remote Control > Action URI Allow IP List).',
      );
    }
    case 404:
      return new VendorPhoneError(
        'api-disabled',
        'The phone has no Action URI (HTTP 404). Provision features.action_uri.enable = 1, or check the address.',
      );
    default:
      return new VendorPhoneError(
        'failed',
        `The phone answered HTTP ${answer.status} to an Action URI request.`,
      );
  }
}
