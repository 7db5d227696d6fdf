import { EventEmitter } from 'node:events';
import type { LinkError } from '../../native-bridge/link/errors.js';
import { ProtocolError } from '../../native-bridge/link/errors.js';
import type { CallEvent, Request, RequestBody } from '../../native-bridge/link/messages.js';
import type { PhoneConnection } from '../../native-bridge/link/phone-connection.js';
import type { PairedPhone } from './pairing-store.js';

export interface PhoneSessionEvents {
  call: [CallEvent];
  lock: [boolean];
  signIn: [string | null];
  close: [LinkError | undefined];
}

/** An authenticated session with a paired phone: commands that are acknowledged, and the phone's events. */
export class PhoneSession extends EventEmitter<PhoneSessionEvents> {
  locked: boolean | undefined;
  user: string | null | undefined;
  call: CallEvent | undefined;

  constructor(
    readonly phone: PairedPhone,
    private readonly connection: PhoneConnection,
  ) {
    super();
    connection.link.on('close', (reason) => this.emit('close', reason));
    connection.link.handle((request) => this.onPhoneRequest(request));
  }

  get hello() {
    return this.connection.hello;
  }

  lock = () => this.command({ type: 'lock' });
  unlock = () => this.command({ type: 'unlock' });
  dial = (number: string) => this.command({ type: 'dial', number });
  answer = () => this.command({ type: 'answer' });
  reject = () => this.command({ type: 'reject' });
  hangup = () => this.command({ type: 'hangup' });
  hold = () => this.command({ type: 'hold' });
  resume = () => this.command({ type: 'resume' });
  mute = (muted: boolean) => this.command({ type: 'mute', muted });
  ping = () => this.command({ type: 'ping' });
  unpair = () => this.command({ type: 'unpair' });

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
      default:
        link.fail(
          request.id,
          new ProtocolError('unsupported', `the companion does not handle "${request.type}" yet`),
        );
    }
  }
}
