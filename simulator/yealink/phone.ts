// Environment: Node (the Yealink simulator).
// A Yealink desk phone as its Action URI / Action URL documentation describes it (docs/vendor-phones.md, "Yealink"):
// `GET /servlet?key=VALUE` with Basic credentials, accepted only from features.action_uri_limit_ip, behind the
// "Allow remote control?" prompt, with an account lockout after repeated failed logins; a call model driven by
// those keys and by the phone's own user; and an Action URL GET per event with the $variables filled in. Its
// quirks are the real phone's: `key` not first or a trailing `&` and the request is ignored; an unescaped `+`
// arrives as a space.
import { EventEmitter } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createIdentity } from '../../native-bridge/link/identity.js';
import { type ActionUrlEvent, actionUrl } from '../../native-bridge/vendor/yealink/action-url.js';

export interface YealinkConfig {
  user: string;
  password: string;
  /** features.action_uri_limit_ip: addresses (`*` for any octet) allowed to send Action URIs; empty allows none. */
  limitIp: string[];
  /** features.show_action_uri_option: ask "Allow remote control?" on the first request. */
  prompt: boolean;
  lockoutAttempts: number;
  lockoutSeconds: number;
  answerDelayMs: number;
  model: string;
  firmware: string;
  /** 12 hex digits, as $mac gives it. */
  mac: string;
  /** The account the phone's line 1 is registered with. */
  account: string;
  /** The companion's listener (its layout: native-bridge/vendor/yealink/action-url.ts), if provisioned. */
  actionUrlBase?: string | undefined;
  /** action_url.<event> set one by one (override the base's). */
  actionUrls: Partial<Record<ActionUrlEvent, string>>;
}

export type CallState = 'ringing' | 'dialing' | 'connected' | 'held';

interface Call {
  id: string;
  direction: 'in' | 'out';
  number: string;
  state: CallState;
  muted: boolean;
}

export type SimulatorEvent =
  /** `certificate`: over HTTPS, the self-signed certificate (PEM) a client pins. */
  | { event: 'ready'; url: string; certificate?: string }
  | { event: 'request'; from: string; query: string; status: number }
  | { event: 'ignored'; reason: string }
  | { event: 'remote-control-prompt'; from: string }
  | { event: 'remote-control-accepted' }
  | { event: 'locked-out'; seconds: number }
  | {
      event: 'call';
      id: string;
      state: CallState | 'ended';
      direction: 'in' | 'out';
      number: string;
      muted: boolean;
    }
  | { event: 'action-url'; name: ActionUrlEvent; status: number | 'failed' };

/** One address against one features.action_uri_limit_ip entry (`10.1.*.*`). */
function allowedBy(entry: string, address: string): boolean {
  const want = entry.trim().split('.');
  const have = address.replace(/^::ffff:/, '').split('.');
  return want.length === 4 && have.length === 4 && want.every((part, i) => part === '*' || part === have[i]);
}

export class YealinkSimulator extends EventEmitter<{ event: [SimulatorEvent]; log: [string] }> {
  private server: http.Server | undefined;
  private failedLogins = 0;
  private lockedUntil = 0;
  private remoteControlAllowed: boolean;
  private call: Call | undefined;
  private nextCallId = 1000 + Math.floor(Math.random() * 8000);
  private answerTimer: NodeJS.Timeout | undefined;
  /** Action URL GETs go out one at a time, in the order things happened. */
  private actionUrlQueue: Promise<void> = Promise.resolve();
  private address = '127.0.0.1';

  constructor(private readonly config: YealinkConfig) {
    super();
    this.remoteControlAllowed = !config.prompt;
  }

  /** Over HTTPS (`secure`) with a fresh self-signed certificate, as a phone out of the box has. */
  async listen(host: string, port: number, secure = false): Promise<string> {
    const identity = secure ? createIdentity('yealink-sim') : undefined;
    const handler = (req: http.IncomingMessage, res: http.ServerResponse) => this.serve(req, res);
    const server = identity
      ? https.createServer({ key: identity.privateKeyPem, cert: identity.certificatePem }, handler)
      : http.createServer(handler);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.address = host;
    const scheme = identity ? 'https' : 'http';
    const url = `${scheme}://${host.includes(':') ? `[${host}]` : host}:${(server.address() as AddressInfo).port}`;
    this.emit('event', { event: 'ready', url, ...(identity && { certificate: identity.certificatePem }) });
    return url;
  }

  async close(): Promise<void> {
    clearTimeout(this.answerTimer);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    await this.actionUrlQueue;
  }

  /** The user pressed OK on "Allow remote control?". */
  acceptRemoteControl(): void {
    this.remoteControlAllowed = true;
    this.emit('event', { event: 'remote-control-accepted' });
  }

  /** A call rings on the phone. */
  incomingCall(number: string): void {
    if (this.call) throw new Error('the phone already has a call');
    this.startCall('in', number, 'ringing');
  }

  /** The phone's user picks up (a ringing call) or the far end answers (an outgoing one). */
  answer(): void {
    if (this.call?.state === 'ringing' || this.call?.state === 'dialing') this.setState('connected');
    else throw new Error('no call to answer');
  }

  /** The phone's user hangs up. */
  hangup(): void {
    if (!this.call) throw new Error('no call');
    this.endCall('call_terminated');
  }

  /** The caller gives up before anyone answered. */
  farEndHangup(): void {
    if (!this.call) throw new Error('no call');
    this.endCall(this.call.state === 'ringing' ? 'missed_call' : 'call_terminated');
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse): void {
    const from = (req.socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    const reply = (status: number, body: string, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'text/plain', ...headers });
      res.end(body);
      this.emit('event', { event: 'request', from, query, status });
    };
    const raw = req.url ?? '/';
    const mark = raw.indexOf('?');
    const path = mark < 0 ? raw : raw.slice(0, mark);
    const query = mark < 0 ? '' : raw.slice(mark + 1);
    if (req.method !== 'GET' || path !== '/servlet') return reply(404, 'Not Found');
    if (!this.config.limitIp.some((entry) => allowedBy(entry, from)))
      return reply(403, 'Forbidden: Action URI is not allowed from this address');
    const now = Date.now();
    if (now < this.lockedUntil) {
      const seconds = Math.ceil((this.lockedUntil - now) / 1000);
      return reply(403, `Forbidden: account locked after failed logins, try again in ${seconds} s`, {
        'retry-after': String(seconds),
      });
    }
    const credentials = /^Basic ([A-Za-z0-9+/=]+)$/.exec(req.headers.authorization ?? '')?.[1];
    const expected = Buffer.from(`${this.config.user}:${this.config.password}`).toString('base64');
    if (credentials !== expected) {
      if (credentials !== undefined && ++this.failedLogins >= this.config.lockoutAttempts) {
        this.failedLogins = 0;
        this.lockedUntil = now + this.config.lockoutSeconds * 1000;
        this.emit('event', { event: 'locked-out', seconds: this.config.lockoutSeconds });
      }
      return reply(401, 'Unauthorized', { 'www-authenticate': 'Basic realm="Yealink"' });
    }
    this.failedLogins = 0;
    if (!this.remoteControlAllowed) {
      this.emit('event', { event: 'remote-control-prompt', from });
      return reply(403, 'Forbidden: waiting for "Allow remote control?" to be confirmed on the phone');
    }
    const answer = this.perform(query);
    reply(200, answer);
  }

  /** What the phone does with one query, the way its firmware parses it; returns the answer's body. */
  private perform(query: string): string {
    if (query.endsWith('&')) return this.ignore('a trailing & breaks the request');
    // Form decoding, as the phone does: `+` is a space.
    const decode = (text: string) => {
      try {
        return decodeURIComponent(text.replace(/\+/g, ' '));
      } catch {
        return undefined;
      }
    };
    const pairs = query.split('&').map((pair) => {
      const eq = pair.indexOf('=');
      return eq < 0
        ? { name: pair, value: '' }
        : { name: pair.slice(0, eq), value: decode(pair.slice(eq + 1)) };
    });
    const first = pairs[0]!;
    if (first.value === undefined) return this.ignore('bad percent-escape');
    if (first.name === 'phonecfg' && first.value === 'get') return this.phoneConfig();
    if (first.name !== 'key') return this.ignore('key is not the first query parameter');
    const key = first.value;
    if (key.startsWith('number=')) {
      const account = pairs.find((p) => p.name === 'outgoing_uri')?.value;
      if (account !== undefined && account !== this.config.account)
        return this.ignore('unknown outgoing_uri');
      return this.dial(key.slice('number='.length));
    }
    const [name, callId] = key.split(':');
    const call = this.call;
    const matches = call !== undefined && (callId === undefined || callId === call.id);
    switch (name) {
      case 'OK':
      case 'ENTER':
      case 'SPEAKER':
      case 'ASW':
        if (!matches || call.state !== 'ringing') return this.ignore(`${name}: no ringing call`);
        this.setState('connected');
        return 'OK';
      case 'CANCEL':
      case 'CALLEND':
        if (!matches) return this.ignore(`${name}: no such call`);
        this.endCall('call_terminated');
        return 'OK';
      case 'HOLD':
      case 'UNHOLD':
      case 'F_HOLD': {
        if (!matches || (call.state !== 'connected' && call.state !== 'held'))
          return this.ignore(`${name}: no call to hold`);
        const hold = name === 'HOLD' || (name === 'F_HOLD' && call.state === 'connected');
        if (hold === (call.state === 'held')) return this.ignore(`${name}: already ${call.state}`);
        this.setState(hold ? 'held' : 'connected');
        return 'OK';
      }
      case 'MUTE':
        if (!call || call.state === 'ringing') return this.ignore('MUTE: only during a call');
        call.muted = !call.muted;
        this.report();
        this.sendActionUrl(call.muted ? 'mute' : 'unmute');
        return 'OK';
      default:
        return this.ignore(`unsupported key "${(name ?? '').slice(0, 32)}"`);
    }
  }

  private ignore(reason: string): string {
    this.emit('event', { event: 'ignored', reason });
    return 'OK';
  }

  private phoneConfig(): string {
    const user = this.config.account.split('@')[0] ?? '';
    return [
      `Firmware=${this.config.firmware}`,
      'DND=0',
      `Account1|${user}|${user}|${user}|2|${this.config.account}|`,
      'Account2||||0||',
      '',
    ].join('\n');
  }

  private dial(number: string): string {
    if (this.call) return this.ignore('dial: the phone already has a call');
    if (!/^(\+?[0-9*#]{1,32}|sips?:\S{1,200})$/.test(number)) {
      // A mangled `+` (a space) lands here, as a number the PBX would refuse.
      this.emit('log', `dial: "${number}" is not a dial string`);
    }
    this.startCall('out', number, 'dialing');
    clearTimeout(this.answerTimer);
    this.answerTimer = setTimeout(() => {
      if (this.call?.state === 'dialing') this.setState('connected');
    }, this.config.answerDelayMs);
    return 'OK';
  }

  private startCall(direction: 'in' | 'out', number: string, state: CallState): void {
    this.call = { id: String(this.nextCallId++), direction, number, state, muted: false };
    this.report();
    this.sendActionUrl('idle_to_busy');
    this.sendActionUrl(direction === 'in' ? 'incoming_call' : 'outgoing_call');
  }

  private setState(state: CallState): void {
    const call = this.call!;
    const was = call.state;
    call.state = state;
    this.report();
    if (state === 'connected' && (was === 'ringing' || was === 'dialing'))
      this.sendActionUrl('call_established');
    else if (state === 'held') this.sendActionUrl('hold');
    else if (state === 'connected' && was === 'held') this.sendActionUrl('unhold');
  }

  private endCall(how: 'call_terminated' | 'missed_call'): void {
    clearTimeout(this.answerTimer);
    const call = this.call!;
    this.emit('event', { event: 'call', ...call, state: 'ended' });
    this.sendActionUrl(how);
    this.sendActionUrl('busy_to_idle');
    this.call = undefined;
  }

  private report(): void {
    const call = this.call!;
    this.emit('event', { event: 'call', ...call });
  }

  /** The phone's Action URL for `name`, with its $variables filled in (percent-escaped), sent in order. */
  private sendActionUrl(name: ActionUrlEvent): void {
    const template =
      this.config.actionUrls[name] ??
      (this.config.actionUrlBase === undefined ? undefined : actionUrl(this.config.actionUrlBase, name));
    if (template === undefined) return;
    const call = this.call;
    const remote = call ? `${call.number}@${this.config.account.split('@')[1] ?? 'pbx'}` : '';
    const variables: Record<string, string> = {
      call_id: call?.id ?? '',
      local: this.config.account,
      remote,
      display_remote: call?.number ?? '',
      model: this.config.model,
      firmware: this.config.firmware,
      mac: this.config.mac,
      ip: this.address,
    };
    const url = template.replace(/\$([a-z_]+)/g, (whole, variable: string) =>
      variable in variables ? encodeURIComponent(variables[variable]!) : whole,
    );
    this.actionUrlQueue = this.actionUrlQueue.then(() => this.get(name, url));
  }

  private get(name: ActionUrlEvent, url: string): Promise<void> {
    return new Promise((resolve) => {
      const done = (status: number | 'failed') => {
        this.emit('event', { event: 'action-url', name, status });
        resolve();
      };
      try {
        const request = http.get(url, { timeout: 2000 }, (res) => {
          res.resume();
          res.on('end', () => done(res.statusCode ?? 0));
          res.on('error', () => done('failed'));
        });
        request.on('timeout', () => request.destroy(new Error('timeout')));
        request.on('error', (error) => {
          this.emit('log', `action URL ${name}: ${error.message}`);
          done('failed');
        });
      } catch (error) {
        this.emit('log', `action URL ${name}: ${(error as Error).message}`);
        done('failed');
      }
    });
  }
}
