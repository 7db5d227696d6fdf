import { DEFAULT_POLICY, type LoadedPolicy } from '../../../../main/core/policy.js';

/**
 * A loaded policy shaped as the admin's policy table makes it: every key has a value, and `sources` says where
 * each set one came from (machine or user policy force it; settings and defaults do not).
 */
export function loadedPolicy(
  values: Record<string, unknown> = {},
  kind: 'machine' | 'user' | 'settings' | 'default' = 'machine',
): LoadedPolicy {
  const sources = Object.fromEntries(Object.keys(values).map((key) => [key, { kind, location: kind }]));
  return { policy: { ...DEFAULT_POLICY, ...values }, source: kind, warnings: [], sources } as LoadedPolicy;
}
