// Environment: Node (OS adapter).
import type { PolicyFact } from '../../core/doctor/facts.js';
import {
  type LoadedPolicy,
  effectivePolicy as perKey,
  evaluatePolicyFile,
  loadPolicy,
  settingsChoices,
} from '../../core/policy.js';
import { loadSettings } from '../../core/settings.js';

/**
 * The policy the doctor shows: the one in force (read from the places the companion reads: machine policy, user
 * policy, the user's settings, the defaults), or a candidate file an admin wants to try (`btoe doctor --policy
 * FILE`), evaluated with the same rules and every value labelled "candidate".
 */
export async function effectivePolicy(storeDir: string): Promise<PolicyFact> {
  const { settings } = await loadSettings(storeDir);
  return toFact(await loadPolicy({ choices: settingsChoices(settings) }));
}

export async function candidatePolicy(path: string): Promise<PolicyFact> {
  return { ...toFact(await evaluatePolicyFile(path)), candidate: path };
}

function toFact(loaded: LoadedPolicy): PolicyFact {
  return {
    values: { ...loaded.policy },
    source: loaded.source,
    sources: Object.fromEntries(
      perKey(loaded).map(({ key, source }) => [
        key,
        source.kind === 'default' || source.kind === 'settings'
          ? source.location
          : `${source.kind}: ${source.location}`,
      ]),
    ),
    warnings: [...loaded.warnings],
  };
}
