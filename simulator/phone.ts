// Environment: Node (the phone simulator).
import { randomInt } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { CpaceError } from '../native-bridge/link/cpace.js';
import { LinkError, ProtocolError } from '../native-bridge/link/errors.js';
import { deviceIdFromSpkiHash, spkiHashOf } from '../native-bridge/link/identity.js';
import { MessageLink } from '../native-bridge/link/link.js';
import {
  PROTOCOL_VERSION,
  type CallState,
  type LockType,
  type PairingMode,
  type PhoneHello,
  PAIR_THEN_SESSION,
  type Request,
  type RequestBody,
} from '../native-bridge/link/messages.js';
import { formatPairingCode, generatePairingCode } from '../native-bridge/link/pairing-code.js';
import { PairingResponder, pairingChannelId } from '../native-bridge/link/pairing.js';
import { type SecureChannel, acceptSecure } from '../native-bridge/link/tls.js';
import type { PhoneIdentityStore } from './phone-identity.js';

/** How the simulated phone is provisioned (the simulator's flags). */
export interface PhoneConfig {
  vendor: string;
  family: string;
  model: string;
  firmware: string;
  serial: string;
  mac: string;
  lockType: LockType;
  pairingMode: PairingMode;
  pairingWindowSeconds: number;
  /**
   * Is the peer at this source address (a TCP connection's; undefined on serial and HID) plugged into the phone's
   * PC port? Asked once per connection, before the hello; never told by the peer (docs/protocol.md, "Auto mode").
   */
  peerOnPcPort: (remoteAddress: string | undefined) => Promise<boolean>;
  pin: string;
  user: string | null;
  /** How long the far end takes to answer an outgoing call. */
  answerDelayMs: number;
  /** How long a web sign-in code lasts (15 minutes on real phones). */
  webSignInSeconds: number;
}

/** The phone's JSON events on stdout (docs/phone-simulator.md). */
export type PhoneEvent =
  | { event: 'pairing-code'; code: string }
  | { event: 'paired'; peer: string; mode: PairingMode }
  | { event: 'pairing-failed'; reason: PairingFailure }
  | { event: 'unpaired'; peer: string }
  | { event: 'locked' }
  | { event: 'unlocked' }
  | { event: 'call'; state: CallState; direction: 'in' | 'out'; number: string; muted: boolean }
  | { event: 'sign-in'; user: string | null };

export type PairingFailure =
  | 'wrong-code'
  | 'code-replaced'
  | 'too-many-attempts'
  | 'window-expired'
  | 'abandoned'
  | 'not-on-pc-port'
  | 'auto-refused';

/** Limits from docs/protocol.md, "Pairing window" and "Limits before authentication". */
export const FAILURES_PER_CODE = 5;
export const FAILURES_PER_WINDOW = 20;
/** Connections past the TLS handshake whose peer is not authenticated; more are told `phone-busy`. */
export const MAX_UNAUTHENTICATED_CONNECTIONS = 4;
/** TLS handshakes under way; one more replaces the oldest, so a peer with a pinned certificate always gets in. */
export const MAX_HANDSHAKES = 4;
/** A pairing connection must have started pairing (the phone sent pair-reply) this long after its handshake. */
export const PAIR_START_TIMEOUT_MS = 10_000;
const CONFIRM_TIMEOUT_MS = 30_000;

interface PairingWindow {
  code: string;
  failuresOnCode: number;
  failures: number;
  timer: NodeJS.Timeout;
}

interface Call {
  id: number;
  state: CallState;
  direction: 'in' | 'out';
  number: string;
  muted: boolean;
  timer?: NodeJS.Timeout;
}

interface Connection {
  channel: SecureChannel;
  link: MessageLink;
  peerId: string;
  peerSpkiHash: Uint8Array;
  authenticated: boolean;
  /** Session semantics: a `btoe/1` connection, or a pairing connection that carries on once paired. */
  session: boolean;
  via: string;
  /** This connection's layer-2 source is on the phone's PC port (what the hello tells the peer). */
  peerOnPcPort: boolean;
  /** The pre-auth stage's deadline: pair-start, then pair-confirm, must come in time. */
  deadline?: NodeJS.Timeout;
}

/** A desk phone's side of the open protocol, faithful enough to pair, lock and call against. */
export class PhoneSimulator extends EventEmitter<{ event: [PhoneEvent]; log: [string] }> {
  private window: PairingWindow | undefined;
  private pairingInProgress = false;
  private readonly handshakes = new Set<Duplex>();
  private readonly unauthenticated = new Set<Connection>();
  private readonly sessions = new Set<Connection>();
  private locked = false;
  private call: Call | undefined;
  private nextCallId = 1;
  private user: string | null;
  private outbox: Array<() => void> | undefined;
  private signInRequest: Extract<RequestBody, { type: 'sign-in-request' }> | undefined;
  private signInRequestedAt = 0;

  constructor(
    readonly config: PhoneConfig,
    private readonly store: PhoneIdentityStore,
  ) {
    super();
    this.user = config.user;
  }

  get id(): string {
    return this.store.identity.id;
  }

  /** The user pressed "pair" on the phone: open the window, or show a fresh code if it is open. */
  openPairing(): void {
    if (this.window) return this.replaceCode();
    const timer = setTimeout(
      () => this.closeWindow('window-expired'),
      this.config.pairingWindowSeconds * 1000,
    );
    timer.unref();
    this.window = { code: generatePairingCode(), failuresOnCode: 0, failures: 0, timer };
    this.emit('event', { event: 'pairing-code', code: formatPairingCode(this.window.code) });
  }

  /**
   * One transport connection (TCP, serial, HID). Never throws: bad peers only lose their link. `via` names the
   * transport (tcp, serial...) so one of them can be dropped alone. Every stage before authentication has a
   * deadline and a bounded number of places (docs/protocol.md, "Limits before authentication").
   */
  async accept(transport: Duplex, via = 'tcp'): Promise<void> {
    if (this.faults.refuseConnections) {
      transport.destroy();
      return;
    }
    if (this.handshakes.size >= MAX_HANDSHAKES) {
      const oldest = this.handshakes.values().next().value!;
      this.handshakes.delete(oldest);
      oldest.destroy();
      this.emit('log', 'a new connection replaced the oldest unfinished TLS handshake');
    }
    this.handshakes.add(transport);
    const remoteAddress =
      via === 'tcp' ? (transport as Duplex & { remoteAddress?: string }).remoteAddress : undefined;
    const adjacency = via === 'tcp' ? this.config.peerOnPcPort(remoteAddress) : Promise.resolve(false);
    let c: Connection;
    try {
      const channel = await acceptSecure(transport, this.store.identity);
      const peerSpkiHash = spkiHashOf(channel.peerCertificate);
      c = {
        channel,
        link: new MessageLink(channel.socket),
        peerId: deviceIdFromSpkiHash(peerSpkiHash),
        peerSpkiHash,
        authenticated: false,
        session: channel.purpose === 'session',
        via,
        peerOnPcPort: await adjacency,
      };
    } catch (error) {
      this.emit('log', `connection refused: ${(error as Error).message}`);
      return;
    } finally {
      this.handshakes.delete(transport);
    }
    const pinned = c.channel.purpose === 'session' && this.store.get(c.peerId) !== undefined;
    if (!pinned && this.unauthenticated.size >= MAX_UNAUTHENTICATED_CONNECTIONS) {
      this.emit('log', `told ${c.peerId} the phone is busy: too many unauthenticated connections`);
      c.link.abort(
        new ProtocolError(
          'phone-busy',
          `the phone is busy: ${MAX_UNAUTHENTICATED_CONNECTIONS} other connections are waiting to authenticate; try again in a few seconds`,
        ),
      );
      return;
    }
    this.unauthenticated.add(c);
    c.link.on('close', (reason) => {
      clearTimeout(c.deadline);
      this.unauthenticated.delete(c);
      this.sessions.delete(c);
      if (reason && reason.reason !== 'closed')
        this.emit('log', `link to ${c.peerId} closed: ${reason.message}`);
    });
    this.sendHello(c);
    if (c.channel.purpose === 'session') {
      if (!pinned) {
        c.link.abort(new ProtocolError('not-paired', 'this phone is not paired with that PC: pair again'));
        return;
      }
      this.authenticate(c);
      this.sessions.add(c);
    } else {
      c.deadline = setTimeout(() => {
        this.emit('log', `closed a pairing connection from ${c.peerId}: no pairing within the deadline`);
        c.link.close();
      }, PAIR_START_TIMEOUT_MS);
    }
    c.link.handle((request) => this.onRequest(c, request));
  }

  // Phone-side user actions (stdin commands of the simulator).

  incomingCall(number: string): void {
    if (this.call) throw new Error('a call is already in progress');
    this.call = { id: this.nextCallId++, state: 'offering', direction: 'in', number, muted: false };
    this.publishCall();
  }

  answer(): void {
    if (this.call?.state !== 'offering') throw new Error('no call is ringing');
    this.setCallState('connected');
  }

  hangup(): void {
    if (!this.call) throw new Error('there is no call to hang up');
    this.setCallState('ended');
  }

  lockByUser(): void {
    this.setLocked(true);
  }

  unlockWithPin(pin: string): void {
    if (pin !== this.config.pin) throw new Error('wrong PIN');
    this.setLocked(false);
  }

  /** Faults for support and tests: a network that drops, a phone that stops answering. */
  readonly faults = { refuseConnections: false, silent: false };

  /** Every session drops at once (or those over one transport), as when the cable is pulled. */
  dropLinks(via?: string): void {
    for (const session of this.sessions) if (via === undefined || session.via === via) session.link.close();
  }

  stop(): void {
    if (this.window) clearTimeout(this.window.timer);
    if (this.call?.timer) clearTimeout(this.call.timer);
    for (const session of this.sessions) session.link.close();
  }

  private hello(peerOnPcPort: boolean): PhoneHello {
    const c = this.config;
    return {
      type: 'hello',
      id: 0,
      protocol: PROTOCOL_VERSION,
      role: 'phone',
      vendor: c.vendor,
      family: c.family,
      model: c.model,
      firmware: c.firmware,
      serial: c.serial,
      mac: c.mac,
      lockType: c.lockType,
      capabilities: [
        ...(c.lockType === 'phone-lock' ? ['lock'] : []),
        'call-control',
        'sign-in',
        PAIR_THEN_SESSION,
      ],
      pairing: {
        mode: c.pairingMode,
        window: this.window ? 'open' : 'closed',
        peerOnPcPort,
      },
    };
  }

  private sendHello(c: Connection): void {
    const { id: _, ...body } = this.hello(c.peerOnPcPort);
    this.notify(c, body);
  }

  private authenticate(c: Connection): void {
    c.authenticated = true;
    this.unauthenticated.delete(c);
    clearTimeout(c.deadline);
    c.link.authenticate();
  }

  private onRequest(c: Connection, request: Request): void {
    if (this.faults.silent && c.session) return;
    // Events caused by a request (lock-state after lock) go out after its response, so the ack is not delayed.
    this.outbox = [];
    try {
      const handled = c.session ? this.onSessionRequest(c, request) : this.onPairingRequest(c, request);
      if (!handled) throw new ProtocolError('bad-message', `"${request.type}" is not expected here`);
    } catch (error) {
      const e =
        error instanceof ProtocolError
          ? error
          : new ProtocolError('internal', `the phone failed: ${(error as Error).message}`);
      c.link.fail(request.id, e);
    } finally {
      const outbox = this.outbox;
      this.outbox = undefined;
      for (const send of outbox) send();
    }
  }

  private onPairingRequest(c: Connection, request: Request): boolean {
    switch (request.type) {
      case 'hello':
        c.link.ack(request.id);
        return true;
      case 'pair-start':
        this.startPairing(c, request);
        return true;
      default:
        return false;
    }
  }

  private startPairing(c: Connection, request: Extract<Request, { type: 'pair-start' }>): void {
    if (request.mode === 'auto') {
      if (this.config.pairingMode !== 'auto') {
        this.emit('event', { event: 'pairing-failed', reason: 'auto-refused' });
        throw new ProtocolError(
          'auto-refused',
          'this phone is set to Manual pairing: open pairing on the phone and enter its code',
        );
      }
      // What this connection's own layer-2 source told the phone, never anything in the request.
      if (!c.peerOnPcPort) {
        this.emit('event', { event: 'pairing-failed', reason: 'not-on-pc-port' });
        throw new ProtocolError(
          'not-on-pc-port',
          "this PC is not plugged into the phone's PC port: pair with a code",
        );
      }
    } else if (!this.window) {
      throw new ProtocolError(
        'pairing-closed',
        'pairing is not open on the phone: open it there and enter the code it shows',
      );
    }
    if (this.pairingInProgress)
      throw new ProtocolError('pairing-busy', 'another PC is pairing with this phone: try again');
    const password = request.mode === 'manual' ? this.window!.code : '';
    let responder: PairingResponder;
    try {
      responder = new PairingResponder(
        {
          password,
          channelId: pairingChannelId(c.channel.socket),
          companionSpkiHash: c.peerSpkiHash,
          phoneSpkiHash: this.store.identity.spkiHash,
        },
        Buffer.from(request.sid, 'hex'),
        Buffer.from(request.share, 'hex'),
      );
    } catch (error) {
      if (error instanceof CpaceError) throw new ProtocolError('bad-message', error.message);
      throw error;
    }
    this.pairingInProgress = true;
    let settled = false;
    const finish = (confirmed: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      this.pairingInProgress = false;
      if (!confirmed && request.mode === 'manual') this.countFailure();
    };
    // A run that reaches our reply and is not confirmed is a spent guess, whether the peer aborts or vanishes.
    clearTimeout(c.deadline);
    const timer = setTimeout(() => {
      finish(false);
      c.link.close();
    }, CONFIRM_TIMEOUT_MS);
    c.link.once('close', () => finish(false));
    c.link.handle((next) => {
      if (next.type !== 'pair-confirm') {
        finish(false);
        c.link.abort(new ProtocolError('bad-message', 'expected "pair-confirm"'));
        return;
      }
      if (!responder.confirms(Buffer.from(next.tag, 'hex'))) {
        finish(false);
        c.link.fail(
          next.id,
          new ProtocolError(
            'pairing-failed',
            'the pairing could not be confirmed: check the code and try again',
          ),
        );
        c.link.close();
        return;
      }
      settled = true;
      clearTimeout(timer);
      void this.completePairing(c, request.mode, next.id, request.session === true);
    });
    c.link.respond({
      type: 'pair-reply',
      re: request.id,
      share: Buffer.from(responder.share).toString('hex'),
      tag: Buffer.from(responder.tag).toString('hex'),
    });
  }

  /**
   * Pins the companion and acks its pair-confirm. With `session` (pair-start asked for it) the connection then
   * carries on as a session with the companion just pinned, as a `btoe/1` one would after its hello: the state
   * events follow the ack.
   */
  private async completePairing(
    c: Connection,
    mode: PairingMode,
    confirmId: number,
    session: boolean,
  ): Promise<void> {
    try {
      await this.store.add({
        id: c.peerId,
        name: c.peerId,
        certificate: c.channel.peerCertificate.toString('base64'),
        mode,
        pairedAt: new Date().toISOString(),
      });
    } catch (error) {
      this.pairingInProgress = false;
      c.link.fail(
        confirmId,
        new ProtocolError('internal', `the phone could not save the pairing: ${(error as Error).message}`),
      );
      return;
    }
    this.pairingInProgress = false;
    if (mode === 'manual') this.closeWindow(undefined);
    this.authenticate(c);
    c.link.ack(confirmId);
    this.emit('event', { event: 'paired', peer: c.peerId, mode });
    if (!session) return;
    c.session = true;
    this.sessions.add(c);
    c.link.handle((request) => this.onRequest(c, request));
    this.sendState(c);
  }

  private countFailure(): void {
    const w = this.window;
    if (!w) return;
    w.failures++;
    w.failuresOnCode++;
    this.emit('event', { event: 'pairing-failed', reason: 'wrong-code' });
    if (w.failures >= FAILURES_PER_WINDOW) this.closeWindow('too-many-attempts');
    else if (w.failuresOnCode >= FAILURES_PER_CODE) this.replaceCode();
  }

  /** A code is burnt after its failures (or on request) and a new one shown in the same window. */
  private replaceCode(): void {
    const w = this.window!;
    w.code = generatePairingCode();
    w.failuresOnCode = 0;
    this.emit('event', { event: 'pairing-code', code: formatPairingCode(w.code) });
  }

  private closeWindow(reason: PairingFailure | undefined): void {
    if (!this.window) return;
    clearTimeout(this.window.timer);
    this.window = undefined;
    if (reason) this.emit('event', { event: 'pairing-failed', reason });
  }

  private onSessionRequest(c: Connection, request: Request): boolean {
    switch (request.type) {
      case 'hello':
        c.link.ack(request.id);
        this.sendState(c);
        return true;
      case 'ping':
        break;
      case 'lock':
        if (this.config.lockType !== 'phone-lock') {
          throw new ProtocolError(
            'unsupported',
            `this phone has Device-Lock only (firmware ${this.config.firmware}); Phone-Lock needs newer firmware`,
          );
        }
        this.setLocked(true);
        break;
      case 'unlock':
        if (this.config.lockType !== 'phone-lock')
          throw new ProtocolError('unsupported', 'this phone has Device-Lock only');
        this.setLocked(false);
        break;
      case 'dial':
        this.dial(request.number);
        break;
      case 'answer':
        if (this.call?.state !== 'offering') throw new ProtocolError('invalid-state', 'no call is ringing');
        this.setCallState('connected');
        break;
      case 'reject':
        if (this.call?.state !== 'offering') throw new ProtocolError('invalid-state', 'no call is ringing');
        this.setCallState('ended');
        break;
      case 'hangup':
        if (!this.call) throw new ProtocolError('invalid-state', 'there is no call to hang up');
        this.setCallState('ended');
        break;
      case 'hold':
        if (this.call?.state !== 'connected')
          throw new ProtocolError('invalid-state', 'there is no connected call to hold');
        this.setCallState('held');
        break;
      case 'resume':
        if (this.call?.state !== 'held')
          throw new ProtocolError('invalid-state', 'there is no held call to resume');
        this.setCallState('connected');
        break;
      case 'mute':
        if (this.call?.state !== 'connected' && this.call?.state !== 'held') {
          throw new ProtocolError('invalid-state', 'mute needs a call in progress');
        }
        this.call.muted = request.muted;
        this.publishCall();
        break;
      case 'sign-in-response':
        if (this.user)
          throw new ProtocolError('invalid-state', `the phone is already signed in as ${this.user}`);
        this.signInRequest = undefined;
        if (request.method === 'credentials') {
          if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(request.user) || request.password.length === 0) {
            throw new ProtocolError(
              'bad-message',
              'the sign-in needs a user name like amosm@contoso.com and a password',
            );
          }
          this.setUser(request.user);
        }
        break;
      case 'unpair':
        c.link.ack(request.id);
        void this.store.remove(c.peerId).then(() => {
          this.emit('event', { event: 'unpaired', peer: c.peerId });
          c.link.close();
        });
        return true;
      default:
        return false;
    }
    c.link.ack(request.id);
    return true;
  }

  private dial(number: string): void {
    if (this.call && this.call.state !== 'ended' && this.call.state !== 'failed') {
      throw new ProtocolError('busy', 'the phone is already in a call');
    }
    this.call = { id: this.nextCallId++, state: 'dialing', direction: 'out', number, muted: false };
    this.publishCall();
    const call = this.call;
    setImmediate(() => {
      if (this.call !== call || call.state !== 'dialing') return;
      this.setCallState('ringback');
      call.timer = setTimeout(() => {
        if (this.call === call && call.state === 'ringback') this.setCallState('connected');
      }, this.config.answerDelayMs);
    });
  }

  private setCallState(state: CallState): void {
    const call = this.call!;
    if (call.timer) clearTimeout(call.timer);
    call.state = state;
    this.publishCall();
    if (state === 'ended' || state === 'failed') this.call = undefined;
  }

  private publishCall(): void {
    const { id, state, direction, number, muted } = this.call!;
    this.emit('event', { event: 'call', state, direction, number, muted });
    this.broadcast({ type: 'call', callId: id, state, direction, number, muted });
  }

  private setLocked(locked: boolean): void {
    if (this.locked === locked) return;
    this.locked = locked;
    this.emit('event', { event: locked ? 'locked' : 'unlocked' });
    this.broadcast({ type: 'lock-state', locked });
  }

  /**
   * The phone asks to be signed in via the PC: web sign-in (address and code, 15 minutes) or credentials.
   * `address`: another verification page than Microsoft's (a phone provisioned for another identity provider,
   * or a rogue one).
   */
  requestSignIn(method: 'web' | 'credentials', address = 'https://microsoft.com/devicelogin'): void {
    if (this.user) throw new Error(`already signed in as ${this.user}`);
    const code = Array.from({ length: 9 }, () => 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789'[randomInt(32)]).join('');
    this.signInRequest =
      method === 'web'
        ? {
            type: 'sign-in-request',
            method,
            verificationUri: address,
            userCode: code,
            expiresIn: this.config.webSignInSeconds,
            verificationUriComplete: `${address}?otc=${code}`,
          }
        : { type: 'sign-in-request', method };
    this.signInRequestedAt = Date.now();
    this.broadcast(this.signInRequest);
  }

  /** The user finished web sign-in in the browser (the identity provider tells the phone). */
  completeWebSignIn(user: string): void {
    if (this.signInRequest?.method !== 'web') throw new Error('no web sign-in is pending');
    this.signInRequest = undefined;
    this.setUser(user);
  }

  signOut(): void {
    this.setUser(null);
  }

  private setUser(user: string | null): void {
    this.user = user;
    this.emit('event', { event: 'sign-in', user });
    this.broadcast({ type: 'sign-in-state', user });
  }

  /** What a newly connected PC needs to know, sent after its hello. */
  private sendState(c: Connection): void {
    this.notify(c, { type: 'lock-state', locked: this.locked });
    this.notify(c, { type: 'sign-in-state', user: this.user });
    const pending = this.pendingSignIn();
    if (pending) this.notify(c, pending);
    if (this.call) {
      const { id, state, direction, number, muted } = this.call;
      this.notify(c, { type: 'call', callId: id, state, direction, number, muted });
    }
  }

  /** A web code is offered with the time it has left, and not at all once it has expired. */
  private pendingSignIn(): RequestBody | undefined {
    const request = this.signInRequest;
    if (!request || this.user) return undefined;
    if (request.method !== 'web') return request;
    const left = request.expiresIn - Math.floor((Date.now() - this.signInRequestedAt) / 1000);
    return left > 0 ? { ...request, expiresIn: left } : undefined;
  }

  private broadcast(body: RequestBody): void {
    const send = () => {
      for (const session of this.sessions) this.notify(session, body);
    };
    if (this.outbox) this.outbox.push(send);
    else send();
  }

  /** Events are acknowledged; a PC that does not acknowledge only costs it its own link. */
  private notify(c: Connection, body: RequestBody): void {
    c.link.request(body).catch((error: Error) => {
      if (!(error instanceof LinkError && error.reason === 'closed'))
        this.emit('log', `${body.type} to ${c.peerId}: ${error.message}`);
    });
  }
}
