// Environment: Electron main (plain TypeScript: no electron import). Which of the user's switches admin policy
// takes over. Policy keys the user may also choose (StartAtLogin, LockSync) always have a value in the effective
// policy; only one set by machine or user policy (its source) is forced, and the user's switch is then read-only.
import type { LoadedPolicy } from '../core/policy.js';

export type UserChoiceKey = 'StartAtLogin' | 'LockSync';

type PolicySources = Partial<Record<string, { kind: string } | undefined>>;

/** The value policy forces for `key`, or undefined where it is not configured (or the policy has no such key). */
export function forcedByPolicy(loaded: LoadedPolicy, key: UserChoiceKey): boolean | undefined {
  const value: unknown = (loaded.policy as unknown as Record<string, unknown>)[key];
  const kind = (loaded as LoadedPolicy & { sources?: PolicySources }).sources?.[key]?.kind;
  return typeof value === 'boolean' && (kind === 'machine' || kind === 'user') ? value : undefined;
}
