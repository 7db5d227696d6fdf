// Environment: any (plain TypeScript).
import type { PhoneHello } from '../../../native-bridge/link/messages.js';
import { ALLOWED, type Verdict, refused } from './verdict.js';

/**
 * Device-Lock firmware: the phone locks itself as a device, not the user's phone session, and the companion
 * cannot drive that lock. Lock sync needs Phone-Lock, which comes with a firmware update.
 */
export function lockSyncSupported(name: string, hello: Pick<PhoneHello, 'lockType' | 'firmware'>): Verdict {
  if (hello.lockType === 'phone-lock') return ALLOWED;
  return refused(
    `${name} has the older Device-Lock (firmware ${hello.firmware}); lock sync needs Phone-Lock, which comes with a firmware update`,
  );
}
