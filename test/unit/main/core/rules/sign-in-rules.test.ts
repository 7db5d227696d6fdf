// Environment: Node (vitest). Who may receive the user's password.
import { describe, expect, it } from 'vitest';
import { credentialHandOff } from '../../../../../main/core/rules/sign-in-rules.js';

const phone = { id: 'kq4i5xcivobsuiuia56vugqwiy', name: 'Poly VVX 450', address: 'tcp://169.254.20.2:24801' };

describe('credentialHandOff', () => {
  it('allows a phone paired with a code, and an Auto pairing the user confirmed', () => {
    expect(credentialHandOff({ ...phone, mode: 'manual' })).toEqual({ allowed: true });
    expect(credentialHandOff({ ...phone, mode: 'auto', confirmedByUser: true })).toEqual({ allowed: true });
  });

  it.each([false, undefined])(
    'refuses an Auto pairing the user never confirmed (confirmedByUser %s), naming the phone',
    (confirmedByUser) => {
      const verdict = credentialHandOff({
        ...phone,
        mode: 'auto',
        ...(confirmedByUser === undefined ? {} : { confirmedByUser }),
      });
      expect(verdict.allowed).toBe(false);
      expect(!verdict.allowed && verdict.reason).toMatch(
        /not sent: Poly VVX 450 \(kq4i5xcivobsuiuia56vugqwiy\) at tcp:\/\/169\.254\.20\.2:24801 .*btoe pair/,
      );
    },
  );
});
