import { type LoadedPolicy, type UserChoices, resolvePolicy } from '../../../../main/core/policy.js';

/**
 * The effective policy as the companion resolves it (resolvePolicy), with `values` set by machine or user policy,
 * or given as the user's own choices (settings), or nothing but the defaults.
 */
export function loadedPolicy(
  values: Record<string, unknown> = {},
  kind: 'machine' | 'user' | 'settings' | 'default' = 'machine',
): LoadedPolicy {
  if (kind === 'default') return resolvePolicy([]);
  if (kind === 'settings') return resolvePolicy([], values as UserChoices);
  return resolvePolicy([{ kind, location: `${kind} policy`, values }]);
}
