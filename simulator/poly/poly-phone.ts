// Environment: Node (the phone simulator). A Poly phone's REST API as Poly documents it (UC Software 5.4+): Basic
// auth as user Polycom, {"data": ...} bodies and {"Status": "2000", "data": ...} answers with the documented status
// codes, a call model, config/get|set, and the telephony notifications (XML POSTed to apps.telNotification.URL).
// Built from the documentation (native-bridge/vendor/poly/poly-api.ts), never from the client's behaviour.
import { timingSafeEqual } from 'node:crypto';
import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { compareVersions } from '../../native-bridge/firmware/minimums.js';
import { type Identity, createIdentity } from '../../native-bridge/link/identity.js';
import { certificateFingerprint } from '../../native-bridge/vendor/device-http.js';
import {
  ConfigGetBodySchema,
  ConfigSetBodySchema,
  DialBodySchema,
  MuteBodySchema,
  POLY_PATHS,
  POLY_STATUS,
  POLY_USER,
  type PolyCallState,
  type PolyStatus,
  RefBodySchema,
} from '../../native-bridge/vendor/poly/poly-api.js';

export interface PolySimConfig {
  model: string;
  /** UC Software version: before 5.8 the v2 endpoints do not exist (404), as on real phones. */
  firmware: string;
  /** Lower case, colon separated. */
  mac: string;
  /** The admin password: the REST API's password for the user Polycom. */
  password: string;
  /** The line's account. */
  lineAddress: string;
  /** How long the far end takes to answer an outgoing call. */
  answerDelayMs: number;
}

/** The failures an admin meets, switched on by the simulator's flags or stdin commands. */
export interface PolySimFaults {
  /** apps.restapi.enabled=0: every API path answers 404. */
  restDisabled: boolean;
  /** The factory admin password is still set: every request answers 4010. */
  defaultPassword: boolean;
  /** Call control answers 4001. */
  busy: boolean;
  /** The line is not registered: dial answers 4002, lineInfo says unregistered. */
  lineUnregistered: boolean;
}

interface SimCall {
  handle: string;
  state: PolyCallState;
  type: 'Incoming' | 'Outgoing';
  number: string;
  timer?: NodeJS.Timeout;
}

/** The simulator's JSON events (stdout of simulator/poly/cli.ts). */
export type PolySimEvent =
  | { event: 'ready'; url: string; sha256: string | null }
  | { event: 'call'; handle: string; state: PolyCallState; type: 'Incoming' | 'Outgoing'; number: string }
  | { event: 'muted'; muted: boolean }
  | { event: 'lock'; locked: boolean }
  | { event: 'config'; parameter: string; value: string }
  | { event: 'notified'; notification: string; status: number };

/** Bodies larger than this answer 4009 (the phone's "size limit"). */
const MAX_BODY = 8 * 1024;

export class PolyPhoneSimulator extends EventEmitter<{ event: [PolySimEvent]; log: [string] }> {
  readonly identity: Identity;
  readonly faults: PolySimFaults = {
    restDisabled: false,
    defaultPassword: false,
    busy: false,
    lineUnregistered: false,
  };
  /** The phone's configuration parameters that config/get|set reach. */
  readonly parameters = new Map<string, string>([
    ['apps.restapi.enabled', '1'],
    ['apps.telNotification.URL', ''],
    ['apps.telNotification.callStateChangeEvent', '0'],
    ['apps.telNotification.incomingEvent', '0'],
    ['apps.telNotification.outgoingEvent', '0'],
    ['apps.telNotification.offhookEvent', '0'],
    ['apps.telNotification.onhookEvent', '0'],
  ]);
  private readonly calls = new Map<string, SimCall>();
  private muted = false;
  private locked = false;
  private nextHandle = 0x1c2d3e00;
  private server: http.Server | undefined;
  /** Notifications go out one at a time, in order, as the phone's queue sends them. */
  private outbox: Promise<void> = Promise.resolve();
  private address = '127.0.0.1';

  constructor(readonly config: PolySimConfig) {
    super();
    // Poly's device certificates name the phone by its MAC, not by any address it is reached at.
    this.identity = createIdentity(config.mac.replace(/:/g, ''));
  }

  /** Listens on `url` (https://HOST:PORT or http://HOST:PORT; port 0 picks one); resolves to the URL it serves. */
  async listen(url: string): Promise<string> {
    const { protocol, hostname, port } = new URL(url);
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.serve(req, res);
    const server =
      protocol === 'https:'
        ? https.createServer(
            { key: this.identity.privateKeyPem, cert: this.identity.certificatePem },
            handler,
          )
        : http.createServer(handler);
    this.server = server;
    const host = hostname.replace(/^\[(.*)\]$/, '$1');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(Number(port || 0), host, () => resolve());
    });
    this.address = host;
    const actual = (server.address() as AddressInfo).port;
    const served = `${protocol}//${host.includes(':') ? `[${host}]` : host}:${actual}`;
    this.emit('event', {
      event: 'ready',
      url: served,
      sha256: protocol === 'https:' ? certificateFingerprint(this.identity.certificatePem) : null,
    });
    return served;
  }

  async close(): Promise<void> {
    for (const call of this.calls.values()) clearTimeout(call.timer);
    this.calls.clear();
    const server = this.server;
    this.server = undefined;
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    await this.outbox;
  }

  // --- The user at the phone (stdin commands) -------------------------------------------------------------

  incomingCall(number: string): string {
    const call: SimCall = { handle: this.handle(), state: 'Offering', type: 'Incoming', number };
    this.calls.set(call.handle, call);
    this.notify('incomingEvent', 'IncomingCallEvent', this.partyXml(call));
    this.setState(call, 'Offering');
    return call.handle;
  }

  /** Picks up the ringing call, as the user lifting the handset. */
  answer(): void {
    const call = [...this.calls.values()].find((c) => c.state === 'Offering');
    if (call === undefined) throw new Error('no call is ringing');
    this.setState(call, 'Connected');
  }

  /** Hangs up the talking (or any) call, as the user putting the handset down. */
  hangup(): void {
    const calls = [...this.calls.values()];
    const call = calls.find((c) => c.state === 'Connected') ?? calls[0];
    if (call === undefined) throw new Error('no call to hang up');
    this.end(call);
  }

  lock(locked: boolean): void {
    if (this.locked === locked) return;
    this.locked = locked;
    this.emit('event', { event: 'lock', locked });
    // The lock events have no enable parameter we could find documented: sent whenever a URL is set.
    this.notify(undefined, locked ? 'PhoneLockedEvent' : 'PhoneUnlockedEvent', '');
  }

  // --- The REST API ---------------------------------------------------------------------------------------

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const path = (req.url ?? '/').split('?')[0]!;
      const api = path.startsWith('/api/');
      if (!api || this.faults.restDisabled || this.parameters.get('apps.restapi.enabled') !== '1') {
        return plain(res, 404, 'Not Found');
      }
      if (!this.authorized(req.headers.authorization)) {
        res.setHeader('WWW-Authenticate', 'Basic realm="Poly"');
        return plain(res, 401, 'Unauthorized');
      }
      if (this.faults.defaultPassword) return answer(res, POLY_STATUS.defaultPassword);
      if (size > MAX_BODY) return answer(res, POLY_STATUS.sizeLimit);
      let body: unknown;
      if (req.method === 'POST') {
        try {
          body = chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          return answer(res, POLY_STATUS.invalidInput);
        }
      }
      const route = this.route(req.method ?? '', path, body);
      if (route === undefined) return plain(res, 404, 'Not Found');
      answer(res, route.status, route.data);
    });
  }

  private authorized(header: string | undefined): boolean {
    const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
    if (!match) return false;
    const given = Buffer.from(match[1]!, 'base64');
    const expected = Buffer.from(`${POLY_USER}:${this.config.password}`, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private route(
    method: string,
    path: string,
    body: unknown,
  ): { status: PolyStatus; data?: unknown } | undefined {
    const v2 = compareVersions(this.config.firmware, '5.8') >= 0;
    const get = method === 'GET';
    const post = method === 'POST';
    switch (path) {
      case POLY_PATHS.deviceInfoV2:
        return get && v2 ? ok(this.deviceInfoV2()) : undefined;
      case POLY_PATHS.deviceInfoV1:
        return get
          ? ok({
              ModelNumber: this.config.model,
              FirmwareRelease: this.config.firmware,
              MACAddress: this.macHex(),
            })
          : undefined;
      case POLY_PATHS.networkInfo:
        return get
          ? ok({
              IPV4Address: this.address,
              SubnetMask: '255.255.255.0',
              MACAddress: this.macHex(),
              DHCP: 'enabled',
            })
          : undefined;
      case POLY_PATHS.lineInfo:
        return get ? ok([this.lineInfo()]) : undefined;
      case POLY_PATHS.callStatusV2:
        return get && v2 ? ok([...this.calls.values()].map((c) => this.callStatus(c))) : undefined;
      case POLY_PATHS.callStatusV1: {
        if (!get) return undefined;
        // v1 describes one call: the first, when there is one.
        const first = this.calls.values().next().value;
        return first === undefined ? { status: POLY_STATUS.success } : ok(this.callStatus(first));
      }
      case POLY_PATHS.dial:
        return post ? this.dial(body) : undefined;
      case POLY_PATHS.answerCall:
        return post ? this.onCall(body, ['Offering'], (c) => this.setState(c, 'Connected')) : undefined;
      case POLY_PATHS.rejectCall:
      case POLY_PATHS.ignoreCall:
        return post ? this.onCall(body, ['Offering'], (c) => this.end(c)) : undefined;
      case POLY_PATHS.endCall:
        return post ? this.onCall(body, undefined, (c) => this.end(c)) : undefined;
      case POLY_PATHS.holdCall:
        return post ? this.onCall(body, ['Connected'], (c) => this.setState(c, 'Hold')) : undefined;
      case POLY_PATHS.resumeCall:
        return post ? this.onCall(body, ['Hold'], (c) => this.setState(c, 'Connected')) : undefined;
      case POLY_PATHS.mute:
        return post ? this.mute(body) : undefined;
      case POLY_PATHS.configGet:
        return post ? this.configGet(body) : undefined;
      case POLY_PATHS.configSet:
        return post ? this.configSet(body) : undefined;
      default:
        return undefined;
    }
  }

  private dial(body: unknown): { status: PolyStatus } {
    const parsed = DialBodySchema.safeParse(body);
    if (!parsed.success) return { status: POLY_STATUS.invalidInput };
    const { Dest, Line, Type } = parsed.data.data;
    if (Line !== '1') return { status: POLY_STATUS.lineMissing };
    if (Type === 'TEL' && !/^\+?[0-9*#]{1,32}$/.test(Dest)) return { status: POLY_STATUS.invalidInput };
    if (this.faults.busy) return { status: POLY_STATUS.busy };
    if (this.faults.lineUnregistered) return { status: POLY_STATUS.lineNotRegistered };
    if (this.locked) return { status: POLY_STATUS.notAllowed };
    const call: SimCall = { handle: this.handle(), state: 'Setup', type: 'Outgoing', number: Dest };
    this.calls.set(call.handle, call);
    this.notify('outgoingEvent', 'OutgoingCallEvent', this.partyXml(call));
    this.setState(call, 'Setup');
    // The call server is reached, the far end rings, and answers after the answer delay.
    setImmediate(() => {
      if (this.calls.get(call.handle) !== call) return;
      this.setState(call, 'Ringback');
      call.timer = setTimeout(() => {
        if (this.calls.get(call.handle) === call && call.state === 'Ringback')
          this.setState(call, 'Connected');
      }, this.config.answerDelayMs);
    });
    return { status: POLY_STATUS.success };
  }

  private onCall(
    body: unknown,
    from: PolyCallState[] | undefined,
    act: (call: SimCall) => void,
  ): { status: PolyStatus } {
    const parsed = RefBodySchema.safeParse(body);
    if (!parsed.success) return { status: POLY_STATUS.invalidInput };
    if (this.faults.busy) return { status: POLY_STATUS.busy };
    const call = this.calls.get(parsed.data.data.Ref);
    if (call === undefined) return { status: POLY_STATUS.noCall };
    if (from !== undefined && !from.includes(call.state)) return { status: POLY_STATUS.notAllowed };
    act(call);
    return { status: POLY_STATUS.success };
  }

  private mute(body: unknown): { status: PolyStatus } {
    const parsed = MuteBodySchema.safeParse(body);
    if (!parsed.success) return { status: POLY_STATUS.invalidInput };
    if (this.faults.busy) return { status: POLY_STATUS.busy };
    const muted = parsed.data.data.state === '1';
    if (muted !== this.muted) {
      this.muted = muted;
      this.emit('event', { event: 'muted', muted });
    }
    return { status: POLY_STATUS.success };
  }

  private configGet(body: unknown): { status: PolyStatus; data?: unknown } {
    const parsed = ConfigGetBodySchema.safeParse(body);
    if (!parsed.success) return { status: POLY_STATUS.invalidInput };
    return ok(Object.fromEntries(parsed.data.data.map((name) => [name, this.parameters.get(name) ?? ''])));
  }

  private configSet(body: unknown): { status: PolyStatus } {
    const parsed = ConfigSetBodySchema.safeParse(body);
    if (!parsed.success) return { status: POLY_STATUS.invalidInput };
    for (const [parameter, value] of Object.entries(parsed.data.data)) {
      if (
        parameter === 'apps.telNotification.URL' &&
        value !== '' &&
        !/^https?:\/\/[\x21-\x7e]+$/.test(value)
      ) {
        return { status: POLY_STATUS.invalidInput };
      }
    }
    for (const [parameter, value] of Object.entries(parsed.data.data)) {
      this.parameters.set(parameter, value);
      this.emit('event', { event: 'config', parameter, value });
    }
    return { status: POLY_STATUS.success };
  }

  // --- The call model -------------------------------------------------------------------------------------

  private setState(call: SimCall, state: PolyCallState): void {
    call.state = state;
    this.emit('event', { event: 'call', handle: call.handle, state, type: call.type, number: call.number });
    this.notify(
      'callStateChangeEvent',
      'CallStateChangeEvent',
      `<LineNumber>1</LineNumber><CallLineInfo><LineKeyNum>1</LineKeyNum><LineDirNum>${xml(this.lineNumber())}</LineDirNum><LineState>Active</LineState><CallInfo><CallState>${state}</CallState><CallType>${call.type}</CallType><UIAppearanceIndex>1*</UIAppearanceIndex>${this.partyXml(call, 'DirNum')}<CallReference>${call.handle}</CallReference><CallDuration>0</CallDuration></CallInfo></CallLineInfo>`,
      { CallReference: call.handle, CallState: state },
    );
  }

  private end(call: SimCall): void {
    clearTimeout(call.timer);
    this.setState(call, 'Disconnected');
    this.calls.delete(call.handle);
    if (this.calls.size === 0 && this.muted) {
      this.muted = false;
      this.emit('event', { event: 'muted', muted: false });
    }
  }

  private handle(): string {
    return `0x${(this.nextHandle++).toString(16)}`;
  }

  // --- Answers --------------------------------------------------------------------------------------------

  private macHex(): string {
    return this.config.mac.replace(/:/g, '');
  }

  private lineNumber(): string {
    return this.config.lineAddress.replace(/^sip:/, '').split('@')[0]!;
  }

  private deviceInfoV2() {
    return {
      ModelNumber: this.config.model,
      MACAddress: this.macHex(),
      DeviceVendor: 'Polycom',
      DeviceType: 'HardwareEndpoint',
      Firmware: {
        Application: `${this.config.firmware} 02-Jul-24 06:14`,
        Updater: '5.9.7.26508',
        BootBlock: '3.0.6.0098',
      },
      UpTime: { Days: '0', Hours: '1', Minutes: '3', Seconds: '1' },
      IPAddress: this.address,
      AppState: this.calls.size > 0 ? 'AppStateCall' : 'AppStateIdle',
      ReadyToUse: 'True',
    };
  }

  private lineInfo() {
    return {
      LineNumber: '1',
      SIPAddress: this.config.lineAddress.replace(/^sip:/, ''),
      RegistrationStatus: this.faults.lineUnregistered ? 'unregistered' : 'registered',
      Label: this.lineNumber(),
      LineType: 'private',
      Protocol: 'SIP',
      ProxyAddress: this.config.lineAddress.split('@')[1] ?? '',
      UserID: this.lineNumber(),
      Port: '0',
    };
  }

  private callStatus(call: SimCall) {
    return {
      CallHandle: call.handle,
      CallState: call.state,
      Type: call.type,
      LineId: '1',
      Protocol: 'Sip',
      RemotePartyName: call.number,
      RemotePartyNumber: call.number,
      Ringing: call.state === 'Offering' ? '1' : '0',
      Muted: this.muted ? '1' : '0',
      DurationSeconds: '0',
      CallSequence: '1',
      UIAppearanceIndex: '1*',
      StartTime: new Date().toISOString(),
    };
  }

  // --- Telephony notifications ----------------------------------------------------------------------------

  private partyXml(call: SimCall, suffix: 'Number' | 'DirNum' = 'Number'): string {
    const local = xml(this.lineNumber());
    const remote = xml(call.number);
    const [calling, called] = call.type === 'Incoming' ? [remote, local] : [local, remote];
    return `<CallingPartyName>${calling}</CallingPartyName><CallingParty${suffix}>${calling}</CallingParty${suffix}><CalledPartyName>${called}</CalledPartyName><CalledParty${suffix}>${called}</CalledParty${suffix}>`;
  }

  /** POSTs one event to apps.telNotification.URL when it is set and `enable` (a parameter suffix) is on. */
  private notify(
    enable: string | undefined,
    name: string,
    inner: string,
    attributes: Record<string, string> = {},
  ): void {
    const url = this.parameters.get('apps.telNotification.URL') ?? '';
    if (url === '' || (enable !== undefined && this.parameters.get(`apps.telNotification.${enable}`) !== '1'))
      return;
    const attrs = Object.entries(attributes)
      .map(([k, v]) => ` ${k}="${xml(v)}"`)
      .join('');
    const document = `<?xml version="1.0" encoding="UTF-8"?>\n<PolycomIPPhone><${name}${attrs}><PhoneIP>${xml(this.address)}</PhoneIP><MACAddress>${this.macHex()}</MACAddress>${inner}<TimeStamp>${new Date().toISOString()}</TimeStamp></${name}></PolycomIPPhone>`;
    this.outbox = this.outbox.then(() => this.post(url, name, document));
  }

  private post(url: string, name: string, document: string): Promise<void> {
    return new Promise((resolve) => {
      let target: URL;
      try {
        target = new URL(url);
      } catch {
        this.emit('log', `apps.telNotification.URL is not a URL`);
        resolve();
        return;
      }
      const client = target.protocol === 'https:' ? https : http;
      const req = client.request(
        target,
        {
          method: 'POST',
          headers: { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(document) },
          timeout: 5000,
          // The PC's listener is not the phone's to verify in this simulator.
          rejectUnauthorized: false,
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            this.emit('event', { event: 'notified', notification: name, status: res.statusCode ?? 0 });
            resolve();
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', (error) => {
        this.emit('log', `telNotification ${name} to ${target.origin}: ${error.message}`);
        resolve();
      });
      req.end(document);
    });
  }
}

function ok(data: unknown): { status: PolyStatus; data: unknown } {
  return { status: POLY_STATUS.success, data };
}

function answer(res: http.ServerResponse, status: PolyStatus, data?: unknown): void {
  const code = status === POLY_STATUS.success ? 200 : status === POLY_STATUS.failure ? 500 : 400;
  const body = JSON.stringify(data === undefined ? { Status: status } : { Status: status, data });
  res.writeHead(code, { 'content-type': 'application/json' }).end(body);
}

function plain(res: http.ServerResponse, code: number, text: string): void {
  res.writeHead(code, { 'content-type': 'text/html' }).end(`<html><body>${text}</body></html>`);
}

function xml(text: string): string {
  return text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}
