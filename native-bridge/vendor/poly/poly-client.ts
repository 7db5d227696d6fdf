// Environment: Node (talks to phones). The client of a Poly phone's REST API (VVX, Trio, CCX; UC Software 5.4+;
// HTTPS from 5.8): click-to-call and call control, live call state, device facts, telephony notifications.
import type { z } from 'zod';
import { displayText } from '../../link/display-text.js';
import { DeviceHttpClient } from '../device-http.js';
import {
  type DeviceFacts,
  type DriverCapability,
  type LineFacts,
  type PhoneNotification,
  type ProvisioningParameter,
  type VendorCall,
  type VendorEvent,
  VendorEventError,
  VendorPhoneError,
  type VendorPhoneClient,
  type VendorPhoneOptions,
} from '../vendor-phone.js';
import { parsePolyNotification } from './notifications.js';
import {
  CallStatusSchema,
  DeviceInfoV1Schema,
  DeviceInfoV2Schema,
  EnvelopeSchema,
  LineInfoSchema,
  NetworkInfoSchema,
  POLY_API_DISABLED_MESSAGE,
  POLY_FAILURES,
  POLY_PATHS,
  type PolyCall,
  callStateOf,
  farEndNumber,
  wrongPasswordMessage,
} from './poly-api.js';

/** No remote lock and no sign-in: Poly documents neither in this API. */
export const POLY_CAPABILITIES: ReadonlySet<DriverCapability> = new Set<DriverCapability>([
  'dial',
  'answer',
  'reject',
  'hangup',
  'hold',
  'resume',
  'mute',
  'call-state',
  'lock-state',
  'device-facts',
]);

/** The line the companion dials on. */
const LINE = '1';

type Path = (typeof POLY_PATHS)[keyof typeof POLY_PATHS];

export class PolyClient implements VendorPhoneClient {
  readonly kind = 'poly' as const;
  readonly capabilities = POLY_CAPABILITIES;
  private readonly http: DeviceHttpClient;
  private readonly user: string;
  /** Set once the phone answered v1 where v2 was missing (firmware before 5.8): no second try each time. */
  private v1Only = false;

  /** Throws VendorPhoneError('invalid-input') for a malformed URL or pinned certificate. */
  constructor(options: VendorPhoneOptions) {
    this.http = new DeviceHttpClient({
      url: options.url,
      credentials: options.credentials,
      ...(options.pinnedCertificate === undefined ? {} : { pinnedCertificate: options.pinnedCertificate }),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    this.user = options.credentials.user;
  }

  async facts(): Promise<DeviceFacts> {
    const device = await this.versioned(POLY_PATHS.deviceInfoV2, POLY_PATHS.deviceInfoV1);
    let vendor = 'Polycom';
    let model: string;
    let firmware: string;
    let mac: string | undefined;
    if (device.version === 2) {
      const info = shape(DeviceInfoV2Schema, device.data, 'device/info');
      vendor = info.DeviceVendor || vendor;
      model = info.ModelNumber;
      // "5.9.3.2857 02-Jul-19 06:14": the version is the first word.
      firmware = info.Firmware.Application.trim().split(/\s+/)[0] ?? '';
      mac = info.MACAddress;
    } else {
      const info = shape(DeviceInfoV1Schema, device.data, 'device/info');
      model = info.ModelNumber;
      firmware = info.FirmwareRelease.trim().split(/\s+/)[0] ?? '';
      mac = info.MACAddress;
    }
    if (mac === undefined || mac === '') {
      mac = shape(
        NetworkInfoSchema,
        await this.send('GET', POLY_PATHS.networkInfo),
        'network/info',
      ).MACAddress;
    }
    const lines = shape(LineInfoSchema, await this.send('GET', POLY_PATHS.lineInfo), 'lineInfo').map(
      (line): LineFacts => ({
        line: printable(String(line.LineNumber), 8, 'lineInfo LineNumber'),
        address: printable(line.SIPAddress ?? line.Username ?? '', 256, 'lineInfo SIPAddress'),
        registered: line.RegistrationStatus.trim().toLowerCase() === 'registered',
      }),
    );
    return {
      vendor: printable(vendor, 64, 'device/info DeviceVendor'),
      model: printable(model, 64, 'device/info ModelNumber'),
      firmware: printable(firmware, 64, 'device/info firmware'),
      mac: macOf(mac),
      lines,
    };
  }

  async dial(destination: string): Promise<void> {
    // The phone puts sip: in front of a SIP destination itself.
    const sip = /^sips?:/i.test(destination);
    const Dest = sip ? destination.replace(/^sips?:/i, '') : destination;
    await this.send('POST', POLY_PATHS.dial, { data: { Dest, Line: LINE, Type: sip ? 'SIP' : 'TEL' } });
  }

  async answer(handle?: string): Promise<void> {
    await this.onCall(POLY_PATHS.answerCall, handle, ['offering'], 'answer');
  }

  async reject(handle?: string): Promise<void> {
    await this.onCall(POLY_PATHS.rejectCall, handle, ['offering'], 'reject');
  }

  async hangup(handle?: string): Promise<void> {
    await this.onCall(
      POLY_PATHS.endCall,
      handle,
      ['connected', 'held', 'ringback', 'dialing', 'offering'],
      'end',
    );
  }

  async hold(handle?: string): Promise<void> {
    await this.onCall(POLY_PATHS.holdCall, handle, ['connected'], 'hold');
  }

  async resume(handle?: string): Promise<void> {
    await this.onCall(POLY_PATHS.resumeCall, handle, ['held'], 'resume');
  }

  async mute(muted: boolean): Promise<void> {
    await this.send('POST', POLY_PATHS.mute, { data: { state: muted ? '1' : '0' } });
  }

  async callStatus(): Promise<VendorCall[]> {
    const answer = await this.versioned(POLY_PATHS.callStatusV2, POLY_PATHS.callStatusV1);
    return shape(CallStatusSchema, answer.data, 'callStatus').flatMap((call) => {
      const vendorCall = vendorCallOf(call);
      return vendorCall === undefined ? [] : [vendorCall];
    });
  }

  parseNotification(request: PhoneNotification): VendorEvent[] {
    if (request.method !== 'POST')
      throw new VendorEventError(`Poly phones POST their notifications, not ${request.method.slice(0, 16)}`);
    return parsePolyNotification(request.body.toString('utf8'));
  }

  provisioning(listenerUrl: string): ProvisioningParameter[] {
    return polyProvisioning(listenerUrl);
  }

  /**
   * `handle` given: that call. Omitted: the call in one of `states`, the earlier state in the list first (the
   * ringing call to answer, the talking one to hang up).
   */
  private async onCall(
    path: Path,
    handle: string | undefined,
    states: VendorCall['state'][],
    verb: string,
  ): Promise<void> {
    let ref = handle;
    if (ref === undefined) {
      const calls = await this.callStatus();
      ref = states.map((state) => calls.find((c) => c.state === state)).find((c) => c !== undefined)?.handle;
      if (ref === undefined) {
        throw new VendorPhoneError('no-call', `the phone has no call to ${verb}`);
      }
    }
    await this.send('POST', path, { data: { Ref: ref } });
  }

  /** v2 where the firmware has it (5.8+), v1 before: a 404 on v2 alone means an older phone, on both a disabled API. */
  private async versioned(v2: Path, v1: Path): Promise<{ version: 1 | 2; data: unknown }> {
    if (!this.v1Only) {
      try {
        return { version: 2, data: await this.send('GET', v2) };
      } catch (error) {
        if (
          !(error instanceof VendorPhoneError) ||
          (error.kind !== 'api-disabled' && error.kind !== 'not-supported')
        ) {
          throw error;
        }
      }
    }
    const data = await this.send('GET', v1);
    this.v1Only = true;
    return { version: 1, data };
  }

  /** One request; its answer's `data` on status 2000, the documented failure otherwise. */
  private async send(method: 'GET' | 'POST', path: Path, body?: unknown): Promise<unknown> {
    const answer = await this.http.request({
      method,
      path,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const envelope = envelopeOf(answer.body);
    if (envelope !== undefined) {
      if (envelope.Status === '2000') return envelope.data;
      const failure = POLY_FAILURES[envelope.Status as keyof typeof POLY_FAILURES];
      if (failure !== undefined) throw new VendorPhoneError(failure.kind, failure.message);
      throw new VendorPhoneError(
        'bad-answer',
        `the phone answered with a status Poly does not document (${printableOrNot(envelope.Status)})`,
      );
    }
    if (answer.status === 404) throw new VendorPhoneError('api-disabled', POLY_API_DISABLED_MESSAGE);
    if (answer.status === 401) throw new VendorPhoneError('wrong-password', wrongPasswordMessage(this.user));
    if (answer.status === 403) {
      throw new VendorPhoneError(
        'not-allowed',
        "the phone forbids this request (HTTP 403): check that the REST API is enabled and the admin password is the phone's",
      );
    }
    throw new VendorPhoneError(
      answer.status >= 200 && answer.status < 300 ? 'bad-answer' : 'failed',
      `the phone answered HTTP ${answer.status} without a Poly status: is this a Poly phone's REST API?`,
    );
  }
}

/** The settings that make a Poly phone work with the companion, for docs/vendor-phones.md and `btoe add`. */
export function polyProvisioning(listenerUrl: string): ProvisioningParameter[] {
  return [
    {
      parameter: 'apps.restapi.enabled',
      value: '1',
      why: 'turns on the REST API the companion dials and controls calls through (UC Software 5.4 or later)',
    },
    {
      parameter: 'apps.telNotification.URL',
      value: listenerUrl,
      why: "where the phone POSTs its telephony events: the companion's listener on this PC",
    },
    {
      parameter: 'apps.telNotification.callStateChangeEvent',
      value: '1',
      // incomingEvent and outgoingEvent say the same without the call's reference: not needed.
      why: 'every call state change (ringing, dialling, talking, held, ended) with the call it concerns',
    },
  ];
}

function envelopeOf(body: Buffer): z.infer<typeof EnvelopeSchema> | undefined {
  if (body.length === 0) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = EnvelopeSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

function shape<T extends z.ZodType>(schema: T, data: unknown, what: string): z.output<T> {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new VendorPhoneError(
      'bad-answer',
      `the phone's ${what} answer is not what Poly documents (${issue?.path.join('.') || 'data'}: ${issue?.message ?? 'invalid'})`,
    );
  }
  return parsed.data;
}

function vendorCallOf(call: PolyCall): VendorCall | undefined {
  const state = callStateOf(call.CallState.trim());
  if (state === undefined) return undefined;
  const type = call.Type?.trim().toLowerCase();
  const number = farEndNumber(call.RemotePartyNumber);
  if (number === undefined)
    throw new VendorPhoneError('bad-answer', "the phone's callStatus names a party in unprintable text");
  return {
    handle: printable(call.CallHandle.trim(), 64, 'callStatus CallHandle'),
    state,
    direction: type === 'incoming' ? 'in' : type === 'outgoing' ? 'out' : state === 'offering' ? 'in' : 'out',
    number,
    muted: call.Muted?.trim() === '1',
  };
}

function printable(value: string, max: number, what: string): string {
  if (!displayText(max).safeParse(value).success) {
    throw new VendorPhoneError(
      'bad-answer',
      `the phone's ${what} is not printable text of at most ${max} characters`,
    );
  }
  return value;
}

function printableOrNot(value: string): string {
  return displayText(16).safeParse(value).success ? value : 'unprintable';
}

/** "0004f214b8e7", "00-04-F2-14-B8-E7" or "00:04:f2:14:b8:e7" → "00:04:f2:14:b8:e7". */
function macOf(raw: string | undefined): string {
  const hex = (raw ?? '').replace(/[:.\-\s]/g, '').toLowerCase();
  if (!/^[0-9a-f]{12}$/.test(hex)) {
    throw new VendorPhoneError('bad-answer', "the phone's MAC address in device/info is not a MAC address");
  }
  return hex.replace(/..(?!$)/g, '$&:');
}
