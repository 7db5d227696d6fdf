import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import {
  CpaceError,
  calculateGenerator,
  confirmationKey,
  confirmationTag,
  cpaceShare,
  cpaceSharedPoint,
  generatorString,
  intermediateSessionKey,
  lvCat,
  prependLen,
  randomScalar,
  scalarFromBytesLE,
  transcriptIr,
} from '../../../../native-bridge/link/cpace.js';
import tv from '../../../fixtures/cpace/ristretto255-sha512.json' with { type: 'json' };

const b = hexToBytes;
const hex = bytesToHex;
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('CPace string utilities (draft appendix vectors)', () => {
  it('prepend_len uses LEB128', () => {
    expect(hex(prependLen(new Uint8Array(0)))).toBe('00');
    expect(hex(prependLen(utf8('1234')))).toBe('0431323334');
    const r127 = Uint8Array.from({ length: 127 }, (_, i) => i);
    expect(hex(prependLen(r127))).toBe('7f' + hex(r127));
    const r128 = Uint8Array.from({ length: 128 }, (_, i) => i);
    expect(hex(prependLen(r128))).toBe('8001' + hex(r128));
  });

  it('lv_cat', () => {
    expect(hex(lvCat(utf8('1234'), utf8('5'), new Uint8Array(0), utf8('678')))).toBe(
      '043132333401350003363738',
    );
  });
});

describe('CPace ristretto255/SHA-512 test vectors', () => {
  const prs = b(tv.PRS);
  const ci = b(tv.CI);
  const sid = b(tv.sid);
  const ya = scalarFromBytesLE(b(tv.ya));
  const yb = scalarFromBytesLE(b(tv.yb));

  it('generator string and its hash', () => {
    const gs = generatorString(prs, ci, sid);
    expect(hex(gs)).toBe(tv.generator_string);
    expect(hex(sha512(gs))).toBe(tv.hash_result);
  });

  it('generator g', () => {
    expect(hex(calculateGenerator(prs, ci, sid))).toBe(tv.g);
  });

  it('messages Ya and Yb', () => {
    expect(hex(cpaceShare(prs, ci, sid, ya))).toBe(tv.Ya);
    expect(hex(cpaceShare(prs, ci, sid, yb))).toBe(tv.Yb);
  });

  it('K both ways', () => {
    expect(hex(cpaceSharedPoint(ya, b(tv.Yb)))).toBe(tv.K);
    expect(hex(cpaceSharedPoint(yb, b(tv.Ya)))).toBe(tv.K);
  });

  it('transcript_ir and ISK_IR', () => {
    expect(hex(transcriptIr(b(tv.Ya), b(tv.ADa), b(tv.Yb), b(tv.ADb)))).toBe(tv.transcript_ir);
    expect(hex(intermediateSessionKey(sid, b(tv.K), b(tv.Ya), b(tv.ADa), b(tv.Yb), b(tv.ADb)))).toBe(
      tv.ISK_IR,
    );
  });

  it('scalar_mult_vfy with valid inputs', () => {
    expect(hex(cpaceSharedPoint(scalarFromBytesLE(b(tv.scalar_mult_s)), b(tv.scalar_mult_X)))).toBe(
      tv.scalar_mult_vfy_result,
    );
  });

  it('scalar_mult_vfy aborts on the invalid points', () => {
    const s = scalarFromBytesLE(b(tv.scalar_mult_s));
    expect(() => cpaceSharedPoint(s, b(tv.Y_i1))).toThrow(CpaceError);
    expect(() => cpaceSharedPoint(s, b(tv.Y_i2))).toThrow(CpaceError);
    expect(() => cpaceSharedPoint(s, b(tv.Y_i2))).toThrow(/identity/);
  });

  it('rejects a share of the wrong length', () => {
    expect(() => cpaceSharedPoint(ya, b(tv.Yb).subarray(1))).toThrow(CpaceError);
  });
});

describe('CPace round trip', () => {
  const ci = utf8('phone\0pc');
  const sid = Uint8Array.from({ length: 16 }, (_, i) => i);
  const adA = utf8('A');
  const adB = utf8('B');

  function run(prsA: string, prsB: string) {
    const ya = randomScalar();
    const yb = randomScalar();
    const shareA = cpaceShare(utf8(prsA), ci, sid, ya);
    const shareB = cpaceShare(utf8(prsB), ci, sid, yb);
    const iskA = intermediateSessionKey(sid, cpaceSharedPoint(ya, shareB), shareA, adA, shareB, adB);
    const iskB = intermediateSessionKey(sid, cpaceSharedPoint(yb, shareA), shareA, adA, shareB, adB);
    const keyA = confirmationKey(sid, iskA);
    const keyB = confirmationKey(sid, iskB);
    return {
      iskA,
      iskB,
      // Each side tags its own message; the peer recomputes that tag with its own key.
      taA: confirmationTag(keyA, shareA, adA),
      taAtB: confirmationTag(keyB, shareA, adA),
      tbB: confirmationTag(keyB, shareB, adB),
      tbAtA: confirmationTag(keyA, shareB, adB),
    };
  }

  it('same password: equal ISK and matching tags', () => {
    const r = run('123456', '123456');
    expect(r.iskA).toHaveLength(64);
    expect(hex(r.iskA)).toBe(hex(r.iskB));
    expect(r.taA).toHaveLength(64);
    expect(hex(r.taA)).toBe(hex(r.taAtB));
    expect(hex(r.tbB)).toBe(hex(r.tbAtA));
  });

  it('different passwords: ISK and tags differ', () => {
    const r = run('123456', '654321');
    expect(hex(r.iskA)).not.toBe(hex(r.iskB));
    expect(hex(r.taA)).not.toBe(hex(r.taAtB));
    expect(hex(r.tbB)).not.toBe(hex(r.tbAtA));
  });

  it('random scalars are nonzero and below the group order', () => {
    const order = 2n ** 252n + 27742317777372353535851937790883648493n;
    for (let i = 0; i < 32; i++) {
      const s = randomScalar();
      expect(s > 0n && s < order).toBe(true);
    }
  });
});
