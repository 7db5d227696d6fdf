// Environment: Node (main process core).
import { EventEmitter } from 'node:events';
import { ProtocolError } from '../../native-bridge/link/errors.js';
import type { CallEvent, Request, RequestBody } from '../../native-bridge/link/messages.js';
import type { PhoneConnection } from '../../native-bridge/link/phone-connection.js';
import type { PairedPhone } from './pairing-store.js';
import { BTOE_CAPABILITIES, type PhoneDriver, type PhoneDriverEvents } from './phone-driver.js';
import type { Rules } from './rules/rules.js';

export type { SignInRequest } from './phone-driver.js';
type SignInRequest = Extract<Request, { type: 'sign-in-request' }>;

/**
 * An authenticated session with a paired phone over the open protocol: commands that are acknowledged, and the
 * phone's events. The phone driver with every capability.
 */
export class PhoneSession extends EventEmitter<PhoneDriverEvents> implements PhoneDriver {
  readonly driver = 'btoe' as const;
  readonly capabilities = BTOE_CAPABILITIES;
  locked: boolean | undefined;
  user: string | null | undefined;
  call: CallEvent | undefined;
  private signInRequest: { request: SignInRequest; expiresAt: number } | undefined;

  constructor(
    readonly phone: PairedPhone,
    private readonly connection: PhoneConnection,
    /** The companion's rules: a dial is refused here, below every path that can ask for one. */
    private readonly rules: Rules,
    /** Where this session runs (tcp://…, serial:…). */
    readonly address: string = phone.address,
  ) {
    super();
    connection.link.on('close', (reason) => this.emit('close', reason));
    connection.link.handle((request) => this.onPhoneRequest(request));
  }

  get isClosed(): boolean {
    return !this.connection.link.isOpen;
  }

  get hello() {
    return this.connection.hello;
  }

  lock = () => this.command({ type: 'lock' });
  unlock = () => this.command({ type: 'unlock' });
  dial = async (number: string) => {
    // The phone's state (who is signed in) follows its hello; on a fresh session it may not be here yet, and the
    // phone sends it before it answers a ping.
    if (this.user === undefined) await this.ping();
    this.rules.assertMayDial(this);
    await this.command({ type: 'dial', number });
  };
  answer = () => this.command({ type: 'answer' });
  /** Declines a ringing call: a headset's reject button (main/core/headsets.ts), the app's Decline. */
  reject = () => this.command({ type: 'reject' });
  hangup = () => this.command({ type: 'hangup' });
  hold = () => this.command({ type: 'hold' });
  resume = () => this.command({ type: 'resume' });
  mute = (muted: boolean) => this.command({ type: 'mute', muted });
  ping = () => this.command({ type: 'ping' });
  /**
   * Credential hand-off: the password goes to the phone once and is kept nowhere, and only to a phone the user
   * chose (refused here, below every path that can ask for it).
   */
  signIn = async (user: string, password: string) => {
    this.rules.assertMayHandOffCredentials(this.phone);
    await this.command({ type: 'sign-in-response', method: 'credentials', user, password });
  };
  unpair = () => this.command({ type: 'unpair' });

  /** The phone's latest request to sign in via the PC; an expired web code is never offered. */
  pendingSignIn(now = Date.now()): { request: SignInRequest; expiresAt: number } | undefined {
    if (this.user) return undefined;
    return this.signInRequest && this.signInRequest.expiresAt > now ? this.signInRequest : undefined;
  }

  close(): void {
    this.connection.link.close();
  }

  private async command(body: RequestBody): Promise<void> {
    await this.connection.link.request(body);
  }

  private onPhoneRequest(request: Request): void {
    const link = this.connection.link;
    switch (request.type) {
      case 'call':
        this.call = request.state === 'ended' || request.state === 'failed' ? undefined : request;
        link.ack(request.id);
        this.emit('call', request);
        return;
      case 'lock-state':
        this.locked = request.locked;
        link.ack(request.id);
        this.emit('lock', request.locked);
        return;
      case 'sign-in-state':
        this.user = request.user;
        link.ack(request.id);
        this.emit('signIn', request.user);
        return;
      case 'sign-in-request':
        this.signInRequest = {
          request,
          expiresAt:
            request.method === 'web' ? Date.now() + request.expiresIn * 1000 : Number.POSITIVE_INFINITY,
        };
        link.ack(request.id);
        this.emit('signInRequest', request);
        return;
      default:
        link.fail(request.id, new ProtocolError('bad-message', `a phone does not send "${request.type}"`));
    }
  }
}
