// Environment: Node (OS adapter).
import { readFile } from 'node:fs/promises';
import type { PolicyFact } from '../../core/doctor/facts.js';
import { type LoadedPolicy, loadPolicy, parsePolicy } from '../../core/policy.js';

/**
 * The policy the doctor shows: the one in force (read the way the companion reads it), or a candidate file an
 * admin wants to try (`btoe doctor --policy FILE`), evaluated with the same rules and labelled as a candidate.
 * This is the one place the doctor touches policy loading: when policy gains its registry and layered sources,
 * these two functions are what change.
 */
export async function effectivePolicy(env: NodeJS.ProcessEnv = process.env): Promise<PolicyFact> {
  return toFact(await loadPolicy(env));
}

export async function candidatePolicy(path: string): Promise<PolicyFact> {
  let raw: unknown;
  try {
    // A byte order mark, as Windows tools write one, is not an error (as for the policy in force).
    raw = JSON.parse((await readFile(path, 'utf8')).replace(/^\uFEFF/, ''));
  } catch (error) {
    const why =
      error instanceof SyntaxError
        ? 'it is not valid JSON'
        : `it cannot be read (${(error as Error).message})`;
    return { values: {}, source: path, warnings: [`${path}: ${why}`], candidate: path };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { values: {}, source: path, warnings: [`${path} must hold a JSON object`], candidate: path };
  }
  const parsed = parsePolicy(raw as Record<string, unknown>, path);
  return { ...toFact({ ...parsed, source: path }), candidate: path };
}

function toFact(loaded: LoadedPolicy): PolicyFact {
  return { values: { ...loaded.policy }, source: loaded.source, warnings: [...loaded.warnings] };
}
