// Environment: Node (OS adapter).
import type { PolicyFact } from '../../core/doctor/facts.js';
import {
  type LoadedPolicy,
  type UserChoices,
  evaluatePolicyFile,
  loadPolicy,
  settingsChoices,
} from '../../core/policy.js';
import { loadSettings } from '../../core/settings.js';

/**
 * The policy the doctor shows: the one in force (read from the machine's policy sources the way the companion
 * reads them, with this user's own choices), or a candidate file an admin wants to try (`btoe doctor --policy
 * FILE`), evaluated with the same rules and labelled as a candidate: never applied.
 */
export async function effectivePolicy(storeDir: string): Promise<PolicyFact> {
  return toFact(await loadPolicy({ choices: await userChoices(storeDir) }));
}

export async function candidatePolicy(path: string, storeDir: string): Promise<PolicyFact> {
  return { ...toFact(await evaluatePolicyFile(path, await userChoices(storeDir))), candidate: path };
}

async function userChoices(storeDir: string): Promise<UserChoices> {
  const loaded = await loadSettings(storeDir).catch(() => undefined);
  return loaded ? settingsChoices(loaded.settings) : {};
}

function toFact(loaded: LoadedPolicy): PolicyFact {
  const sources = Object.fromEntries(
    Object.entries(loaded.sources).map(([key, source]) => [key, `${source.kind}: ${source.location}`]),
  );
  return { values: { ...loaded.policy }, source: loaded.source, sources, warnings: [...loaded.warnings] };
}
