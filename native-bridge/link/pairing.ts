// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import {
  confirmationKey,
  confirmationTag,
  cpaceShare,
  cpaceSharedPoint,
  intermediateSessionKey,
  lvCat,
  randomScalar,
} from './cpace.js';

/**
 * The pairing exchange's cryptography (docs/protocol.md, "Pairing"): CPace over ristretto255/SHA-512 with the
 * TLS exporter as channel identifier, both certificates' SPKI hashes and roles as associated data, then key
 * confirmation both ways. Pure functions of their inputs so that the documented transcript can be replayed.
 */

export const PAIRING_EXPORTER_LABEL = 'EXPORTER-BToE-pairing';
const utf8 = (s: string) => new TextEncoder().encode(s);

/** Channel identifier: 32 bytes of TLS exporter output, with an empty context. */
export function pairingChannelId(socket: TLSSocket): Uint8Array {
  return new Uint8Array(socket.exportKeyingMaterial(32, PAIRING_EXPORTER_LABEL, Buffer.alloc(0)));
}

export function associatedData(role: 'companion' | 'phone', spkiHash: Uint8Array): Uint8Array {
  return lvCat(utf8('BToE/1'), utf8(role), spkiHash);
}

/** What both sides feed in. The password is the normalised code in Manual mode and empty in Auto mode. */
export interface PairingInputs {
  readonly password: string;
  readonly channelId: Uint8Array;
  readonly companionSpkiHash: Uint8Array;
  readonly phoneSpkiHash: Uint8Array;
}

interface Keys {
  readonly macKey: Uint8Array;
  readonly companionAd: Uint8Array;
  readonly phoneAd: Uint8Array;
}

function deriveKeys(
  inputs: PairingInputs,
  sid: Uint8Array,
  k: Uint8Array,
  ya: Uint8Array,
  yb: Uint8Array,
): Keys {
  const companionAd = associatedData('companion', inputs.companionSpkiHash);
  const phoneAd = associatedData('phone', inputs.phoneSpkiHash);
  const isk = intermediateSessionKey(sid, k, ya, companionAd, yb, phoneAd);
  return { macKey: confirmationKey(sid, isk), companionAd, phoneAd };
}

const tagsEqual = (a: Uint8Array, b: Uint8Array) => a.length === b.length && timingSafeEqual(a, b);

/** The companion (CPace initiator A). */
export class PairingInitiator {
  readonly sid: Uint8Array;
  readonly share: Uint8Array;
  private readonly scalar: bigint;

  constructor(
    private readonly inputs: PairingInputs,
    fixed?: { sid: Uint8Array; scalar: bigint },
  ) {
    this.sid = fixed?.sid ?? new Uint8Array(randomBytes(16));
    this.scalar = fixed?.scalar ?? randomScalar();
    this.share = cpaceShare(utf8(inputs.password), inputs.channelId, this.sid, this.scalar);
  }

  /** Checks the phone's tag; returns ours, or undefined when the phone did not derive the same key. */
  finish(phoneShare: Uint8Array, phoneTag: Uint8Array): Uint8Array | undefined {
    const k = cpaceSharedPoint(this.scalar, phoneShare);
    const keys = deriveKeys(this.inputs, this.sid, k, this.share, phoneShare);
    if (!tagsEqual(confirmationTag(keys.macKey, phoneShare, keys.phoneAd), phoneTag)) return undefined;
    return confirmationTag(keys.macKey, this.share, keys.companionAd);
  }
}

/** The phone (CPace responder B): answers pair-start with its share and tag, then checks the companion's tag. */
export class PairingResponder {
  readonly share: Uint8Array;
  readonly tag: Uint8Array;
  private readonly expected: Uint8Array;

  constructor(
    inputs: PairingInputs,
    sid: Uint8Array,
    companionShare: Uint8Array,
    scalar: bigint = randomScalar(),
  ) {
    this.share = cpaceShare(utf8(inputs.password), inputs.channelId, sid, scalar);
    const k = cpaceSharedPoint(scalar, companionShare);
    const keys = deriveKeys(inputs, sid, k, companionShare, this.share);
    this.tag = confirmationTag(keys.macKey, this.share, keys.phoneAd);
    this.expected = confirmationTag(keys.macKey, companionShare, keys.companionAd);
  }

  confirms(companionTag: Uint8Array): boolean {
    return tagsEqual(this.expected, companionTag);
  }
}
