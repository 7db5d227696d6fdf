// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
/**
 * CPace (draft-irtf-cfrg-cpace) over ristretto255 with SHA-512, initiator/responder transcript.
 * Section names below refer to that draft.
 */
import { randomBytes } from 'node:crypto';
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, concatBytes } from '@noble/curves/utils.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha512 } from '@noble/hashes/sha2.js';

const { Point } = ristretto255;
type RistrettoPoint = InstanceType<typeof Point>;

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** G_Ristretto255.DSI and G.DSI || b"_ISK" ("CPace group objects G_Ristretto255 ..."; "CPace protocol instructions"). */
const DSI = utf8('CPaceRistretto255');
const DSI_ISK = utf8('CPaceRistretto255_ISK');
/** H.s_in_bytes: SHA-512 input block size, which the generator string's zero padding fills. */
const SHA512_BLOCK_BYTES = 128;

export class CpaceError extends Error {
  override name = 'CpaceError';
}

/** prepend_len: LEB128 length (7 bits per byte, least significant first) followed by the data. */
export function prependLen(data: Uint8Array): Uint8Array {
  const len: number[] = [];
  let n = data.length;
  do {
    len.push(n >= 0x80 ? (n & 0x7f) | 0x80 : n);
    n >>>= 7;
  } while (n !== 0);
  return concatBytes(Uint8Array.from(len), data);
}

/** lv_cat: length-value encoding, so no field can bleed into the next. */
export function lvCat(...parts: Uint8Array[]): Uint8Array {
  return concatBytes(...parts.map(prependLen));
}

/**
 * generator_string ("Common function for computing generators"): the zero padding makes DSI and PRS fill
 * the whole first hash block, so its cost does not depend on the password length or on session data.
 */
export function generatorString(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  const zpad = Math.max(0, SHA512_BLOCK_BYTES - 1 - prependLen(prs).length - prependLen(DSI).length);
  return lvCat(DSI, prs, new Uint8Array(zpad), ci, sid);
}

/** calculate_generator: SHA-512 of the generator string through RFC 9496 element derivation. */
function generatorPoint(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): RistrettoPoint {
  // The generic hasher type marks deriveToCurve optional; the ristretto255 hasher always defines it.
  return ristretto255_hasher.deriveToCurve!(sha512(generatorString(prs, ci, sid)));
}

/** Encoding of the secret generator g (for tests and diagnostics; never send it). */
export function calculateGenerator(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array): Uint8Array {
  return generatorPoint(prs, ci, sid).toBytes();
}

/** Little-endian bytes to a scalar mod the group order (the draft's test vectors give scalars this way). */
export function scalarFromBytesLE(bytes: Uint8Array): bigint {
  return Point.Fn.create(bytesToNumberLE(bytes));
}

/**
 * sample_scalar ("Sampling of scalars"): oversample 64 bytes and reduce, so the bias is negligible;
 * 0 is rejected because it would make our share the identity, which the peer must refuse.
 */
export function randomScalar(): bigint {
  for (;;) {
    const s = scalarFromBytesLE(randomBytes(64));
    if (s !== 0n) return s;
  }
}

/** Our message Ya/Yb = scalar_mult(y, g) ("CPace protocol instructions"). */
export function cpaceShare(prs: Uint8Array, ci: Uint8Array, sid: Uint8Array, scalar: bigint): Uint8Array {
  return generatorPoint(prs, ci, sid).multiply(scalar).toBytes();
}

/**
 * scalar_mult_vfy: K = encode(y * decode(peerShare)). The draft maps an undecodable share to the identity
 * and requires aborting on the identity, so both cases throw here.
 */
export function cpaceSharedPoint(scalar: bigint, peerShare: Uint8Array): Uint8Array {
  let peer: RistrettoPoint;
  try {
    peer = Point.fromBytes(peerShare);
  } catch (e) {
    throw new CpaceError(`peer share is not a valid ristretto255 encoding: ${(e as Error).message}`);
  }
  const k = peer.multiply(scalar);
  if (k.is0()) throw new CpaceError('shared point is the identity element; aborting as the draft requires');
  return k.toBytes();
}

/** transcript_ir: initiator's message first, for runs with fixed initiator/responder roles. */
export function transcriptIr(
  shareA: Uint8Array,
  adA: Uint8Array,
  shareB: Uint8Array,
  adB: Uint8Array,
): Uint8Array {
  return concatBytes(lvCat(shareA, adA), lvCat(shareB, adB));
}

/** ISK = H.hash(lv_cat(G.DSI || b"_ISK", sid, K) || transcript_ir(Ya, ADa, Yb, ADb)). */
export function intermediateSessionKey(
  sid: Uint8Array,
  k: Uint8Array,
  shareA: Uint8Array,
  adA: Uint8Array,
  shareB: Uint8Array,
  adB: Uint8Array,
): Uint8Array {
  return sha512(concatBytes(lvCat(DSI_ISK, sid, k), transcriptIr(shareA, adA, shareB, adB)));
}

/** "Key confirmation": mac_key = H.hash(b"CPaceMac" || sid || ISK). */
export function confirmationKey(sid: Uint8Array, isk: Uint8Array): Uint8Array {
  return sha512(concatBytes(utf8('CPaceMac'), sid, isk));
}

/** "Key confirmation": each party tags the message it sent, T = HMAC-SHA512(mac_key, lv_cat(Y, AD)). */
export function confirmationTag(macKey: Uint8Array, share: Uint8Array, ad: Uint8Array): Uint8Array {
  return hmac(sha512, macKey, lvCat(share, ad));
}
