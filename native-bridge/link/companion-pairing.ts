// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { ProtocolError } from './errors.js';
import type { Identity } from './identity.js';
import { PAIR_THEN_SESSION, type PairingMode } from './messages.js';
import { PairingInitiator, pairingChannelId } from './pairing.js';
import type { PhoneConnection } from './phone-connection.js';

/** The phone did not answer as the exchange requires, or did not derive the same key. */
export class PairingExchangeError extends Error {
  override readonly name = 'PairingExchangeError';
  constructor(readonly kind: 'unexpected-reply' | 'key-confirmation') {
    super(
      kind === 'unexpected-reply'
        ? 'the phone answered pair-start with an ack, not its share'
        : 'key confirmation failed',
    );
  }
}

/**
 * The companion's side of the pairing exchange (docs/protocol.md, "Pairing") on an open pairing connection:
 * pair-start with our share, the phone's share and tag checked before anything depending on the password is
 * sent, then pair-confirm. Auto mode sends nothing about this PC: the phone judges adjacency from what it sees at
 * layer 2. The phone's refusals reject with ProtocolError, link failures with LinkError.
 *
 * `session`: the connection is to carry on as a session once paired, if the phone can ("Session after
 * pairing"); resolves true when it does (the link then has the authenticated limits), false when the phone
 * does not offer it and the caller must open a session as usual.
 */
export async function pairWithPhone(
  connection: PhoneConnection,
  identity: Identity,
  password: string,
  mode: PairingMode,
  session = false,
): Promise<boolean> {
  const carryOn = session && connection.hello.capabilities.includes(PAIR_THEN_SESSION);
  const initiator = new PairingInitiator({
    password,
    channelId: pairingChannelId(connection.channel.socket),
    companionSpkiHash: identity.spkiHash,
    phoneSpkiHash: connection.phoneSpkiHash,
  });
  const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
  const reply = await connection.link.request({
    type: 'pair-start',
    mode,
    sid: hex(initiator.sid),
    share: hex(initiator.share),
    ...(carryOn ? { session: true as const } : {}),
  });
  if (reply.type !== 'pair-reply') throw new PairingExchangeError('unexpected-reply');
  let tag: Uint8Array | undefined;
  try {
    tag = initiator.finish(Buffer.from(reply.share, 'hex'), Buffer.from(reply.tag, 'hex'));
  } catch (error) {
    connection.link.abort(new ProtocolError('bad-message', (error as Error).message));
  }
  if (!tag) {
    connection.link.abort(new ProtocolError('pairing-failed', 'key confirmation failed'));
    throw new PairingExchangeError('key-confirmation');
  }
  await connection.link.request({ type: 'pair-confirm', tag: hex(tag) });
  // Paired: the phone's certificate is the one just confirmed (and pinned by the caller).
  if (carryOn) connection.link.authenticate();
  return carryOn;
}
