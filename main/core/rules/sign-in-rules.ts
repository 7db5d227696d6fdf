// Environment: any (plain TypeScript).
import type { PairedPhone } from '../pairing-store.js';
import { ALLOWED, type Verdict, refused } from './verdict.js';

/**
 * Who may receive the user's password: a phone the user chose, paired with a code (Manual) or an Auto pairing
 * the user confirmed. An Auto pairing the companion made by itself right after a cable came up may be a decoy
 * that lied about its PC port (docs/protocol.md, "Auto mode").
 */
export function credentialHandOff(
  phone: Pick<PairedPhone, 'id' | 'name' | 'address' | 'mode' | 'confirmedByUser'>,
): Verdict {
  if (phone.mode === 'manual' || phone.confirmedByUser === true) return ALLOWED;
  return refused(
    `your password was not sent: ${phone.name} (${phone.id}) at ${phone.address} was paired in Auto mode without your confirmation. Confirm it with "btoe pair ${phone.id}", or pair with the code the phone shows, then sign in again`,
  );
}
