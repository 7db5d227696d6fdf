// Environment: Electron main (plain TypeScript: no electron import). Which of the user's switches admin policy
// takes over. Policy keys the user may also choose (StartAtLogin, LockSync) always have a value in the effective
// policy; only one set by machine or user policy (its source) is forced, and the user's switch is then read-only.
import type { LoadedPolicy } from '../core/policy.js';

export type UserChoiceKey = 'StartAtLogin' | 'LockSync';

/** The value policy forces for `key`, or undefined where it is not configured (the user decides). */
export function forcedByPolicy(loaded: LoadedPolicy, key: UserChoiceKey): boolean | undefined {
  const kind = loaded.sources[key].kind;
  return kind === 'machine' || kind === 'user' ? loaded.policy[key] : undefined;
}
