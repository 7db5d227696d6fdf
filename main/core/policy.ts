// Environment: Node (main process core).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Admin policy, under the names admins know from Set-CsIPPhonePolicy. The Enterprise issue adds registry and
 * GPO sources; here it is a JSON file at a machine-wide path (or BTOE_POLICY_FILE). A value that is not valid
 * fails closed: pairing off, or Manual, with a warning that says what to fix.
 */
export interface CompanionPolicy {
  readonly EnableBetterTogetherOverEthernet: boolean;
  readonly BetterTogetherOverEthernetPairingMode: 'Auto' | 'Manual';
  /** Ours, not Microsoft's: may a PC unlock unlock the phone too (locking always follows the PC)? */
  readonly UnlockPhoneWithPc: boolean;
}

export const DEFAULT_POLICY: CompanionPolicy = {
  EnableBetterTogetherOverEthernet: true,
  BetterTogetherOverEthernetPairingMode: 'Auto',
  UnlockPhoneWithPc: true,
};

export interface LoadedPolicy {
  readonly policy: CompanionPolicy;
  /** The file read, or "defaults". */
  readonly source: string;
  readonly warnings: readonly string[];
}

export function defaultPolicyPath(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32')
    return join(env.ProgramData ?? 'C:\\ProgramData', 'BToE Companion', 'policy.json');
  if (process.platform === 'darwin') return '/Library/Application Support/BToE Companion/policy.json';
  return '/etc/btoe-companion/policy.json';
}

export async function loadPolicy(env: NodeJS.ProcessEnv = process.env): Promise<LoadedPolicy> {
  const path = env.BTOE_POLICY_FILE || defaultPolicyPath(env);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { policy: DEFAULT_POLICY, source: 'defaults', warnings: [] };
    return failClosed(path, [`cannot read the policy file ${path}: ${(error as Error).message}`]);
  }
  let raw: unknown;
  try {
    // Windows tools (PowerShell 5.1's Set-Content -Encoding UTF8, older Notepad) write a byte order mark.
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return failClosed(path, [`the policy file ${path} is not valid JSON: fix it or remove it`]);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return failClosed(path, [`the policy file ${path} must hold a JSON object`]);
  }
  return { ...parsePolicy(raw as Record<string, unknown>, path), source: path };
}

export function parsePolicy(raw: Record<string, unknown>, origin: string): Omit<LoadedPolicy, 'source'> {
  const warnings: string[] = [];
  const bool = (
    key: 'EnableBetterTogetherOverEthernet' | 'UnlockPhoneWithPc',
    consequence: string,
  ): boolean => {
    const value = raw[key];
    if (value === undefined) return DEFAULT_POLICY[key];
    if (typeof value === 'boolean') return value;
    warnings.push(
      `${origin}: ${key} must be true or false, not ${JSON.stringify(value)}; ${consequence} until it is fixed`,
    );
    return false;
  };
  const enabled = bool('EnableBetterTogetherOverEthernet', 'pairing is off');
  const unlock = bool('UnlockPhoneWithPc', 'the phone stays locked when the PC unlocks');
  let mode = DEFAULT_POLICY.BetterTogetherOverEthernetPairingMode;
  const pairingMode = raw.BetterTogetherOverEthernetPairingMode;
  if (pairingMode !== undefined) {
    const normalised = typeof pairingMode === 'string' ? pairingMode.trim().toLowerCase() : '';
    if (normalised === 'auto' || normalised === 'manual') mode = normalised === 'auto' ? 'Auto' : 'Manual';
    else {
      mode = 'Manual';
      warnings.push(
        `${origin}: BetterTogetherOverEthernetPairingMode must be "Auto" or "Manual", not ${JSON.stringify(pairingMode)}; using Manual until it is fixed`,
      );
    }
  }
  for (const key of Object.keys(raw)) {
    if (!Object.hasOwn(DEFAULT_POLICY, key))
      warnings.push(`${origin}: unknown policy setting "${key.slice(0, 64)}" is ignored`);
  }
  return {
    policy: {
      EnableBetterTogetherOverEthernet: enabled,
      BetterTogetherOverEthernetPairingMode: mode,
      UnlockPhoneWithPc: unlock,
    },
    warnings,
  };
}

function failClosed(path: string, warnings: string[]): LoadedPolicy {
  return {
    policy: {
      EnableBetterTogetherOverEthernet: false,
      BetterTogetherOverEthernetPairingMode: 'Manual',
      UnlockPhoneWithPc: false,
    },
    source: path,
    warnings,
  };
}
