// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { LinkError, ProtocolError } from './errors.js';
import { type Identity, deviceIdFromSpkiHash, spkiHashOf } from './identity.js';
import { MessageLink } from './link.js';
import { PROTOCOL_VERSION, type PhoneHello, type Request } from './messages.js';
import { type Purpose, type SecureChannel, connectSecure } from './tls.js';

export const HELLO_TIMEOUT_MS = 5_000;

export interface CompanionInfo {
  readonly name: string;
  readonly app: string;
}

/** The companion's end of an open connection to a phone, after the hello exchange. */
export interface PhoneConnection {
  readonly channel: SecureChannel;
  readonly link: MessageLink;
  readonly phoneId: string;
  readonly phoneSpkiHash: Uint8Array;
  readonly hello: PhoneHello;
}

/** The phone's certificate is not a pinned one: carries its hello so the caller can recognise a reset phone. */
export class UnpinnedPhoneError extends LinkError {
  constructor(
    readonly phoneId: string,
    readonly hello: PhoneHello,
  ) {
    super('not-paired', `the phone ${phoneId} is not paired with this PC`);
  }
}

/**
 * Connects the companion to a phone over an open transport: TLS 1.3 with the purpose's ALPN, the phone's
 * hello (the phone speaks first), the pin check for sessions, then our hello.
 */
export async function connectToPhone(
  transport: Duplex,
  options: {
    identity: Identity;
    purpose: Purpose;
    companion: CompanionInfo;
    isPinned?: (id: string) => boolean;
  },
): Promise<PhoneConnection> {
  const channel = await connectSecure(transport, options.identity, options.purpose);
  const link = new MessageLink(channel.socket);
  const phoneSpkiHash = spkiHashOf(channel.peerCertificate);
  const phoneId = deviceIdFromSpkiHash(phoneSpkiHash);
  try {
    const hello = await nextHello(link);
    if (options.purpose === 'session') {
      if (!options.isPinned?.(phoneId)) throw new UnpinnedPhoneError(phoneId, hello);
      link.authenticate();
    }
    await link.request({
      type: 'hello',
      protocol: PROTOCOL_VERSION,
      role: 'companion',
      name: options.companion.name.slice(0, 64),
      app: options.companion.app.slice(0, 64),
    });
    return { channel, link, phoneId, phoneSpkiHash, hello };
  } catch (error) {
    link.close();
    if (error instanceof ProtocolError && error.code === 'not-paired') {
      throw new LinkError('not-paired', `the phone ${phoneId} does not know this PC any more: pair again`);
    }
    throw error;
  }
}

async function nextHello(link: MessageLink): Promise<PhoneHello> {
  const closed = once(link, 'close').then(([reason]) => {
    throw reason ?? new LinkError('closed', 'the phone closed the connection before saying hello');
  });
  const timer = new Promise<never>((_, reject) =>
    setTimeout(
      () => reject(new LinkError('timeout', 'the phone did not say hello')),
      HELLO_TIMEOUT_MS,
    ).unref(),
  );
  const hello = new Promise<PhoneHello>((resolve, reject) => {
    link.handle((message: Request) => {
      link.handle(undefined);
      if (message.type !== 'hello' || message.role !== 'phone') {
        link.abort(new ProtocolError('bad-message', 'expected the phone\'s "hello" first'));
        reject(new LinkError('protocol', `the phone sent "${message.type}" before "hello"`));
        return;
      }
      link.ack(message.id);
      resolve(message);
    });
  });
  return Promise.race([hello, closed, timer]);
}
