// Environment: Node (main process core).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { POLICY_KEYS, policyRow } from './policy-table.js';

/** Where Group Policy (and the MSI) put the companion's policy; the same path under HKLM and HKCU. */
export const POLICY_REGISTRY_PATH = 'SOFTWARE\\Policies\\BToE\\Companion';
export const MACHINE_POLICY_KEY = `HKLM\\${POLICY_REGISTRY_PATH}`;
export const USER_POLICY_KEY = `HKCU\\${POLICY_REGISTRY_PATH}`;

export interface RegistryValue {
  readonly name: string;
  readonly type: string;
  /** As reg.exe prints it: DWORD as 0x…, MULTI_SZ items joined by the two characters "\0". */
  readonly data: string;
}

/**
 * Runs `reg.exe ARGS` and gives its exit code and output. The app runs Windows' own reg.exe; the wine test
 * runs `wine reg`: both feed the same parser.
 */
export type RegRunner = (
  args: readonly string[],
) => Promise<{ code: number; stdout: string; stderr: string }>;

/** Windows' reg.exe, by full path: the search path is not consulted. */
export const windowsReg: RegRunner = (args) =>
  runProcess(join(process.env.SystemRoot ?? 'C:\\Windows', 'System32', 'reg.exe'), args);

export function runProcess(
  file: string,
  args: readonly string[],
  env?: NodeJS.ProcessEnv,
  timeoutMs = 60_000,
): ReturnType<RegRunner> {
  return new Promise((resolve) => {
    execFile(
      file,
      [...args],
      { encoding: 'utf8', windowsHide: true, timeout: timeoutMs, maxBuffer: 1 << 22, env },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr: stderr || (error && code === -1 ? error.message : '') });
      },
    );
  });
}

/**
 * Parses `reg query KEY` output: a line with the key's full name, then one line per value, four spaces,
 * name, four spaces, REG_TYPE, four spaces, data. Value names may contain spaces; data may be empty.
 */
export function parseRegQuery(output: string): RegistryValue[] {
  const values: RegistryValue[] = [];
  for (const line of output.split(/\r?\n/)) {
    const match = /^ {4}(.+?) {4}(REG_[A-Z_]+)(?: {4}(.*))?$/.exec(line.replace(/\r$/, ''));
    if (match) values.push({ name: match[1]!, type: match[2]!, data: match[3] ?? '' });
  }
  return values;
}

/**
 * The registry's values in the JSON shape the policy schema reads: a DWORD 0/1 for a boolean key becomes
 * false/true, a list key's REG_SZ is split at commas, REG_MULTI_SZ at its separators. Anything else is left
 * as it was, so the schema reports it. Value names match case-insensitively, as Windows does.
 */
export function registryToPolicyValues(values: readonly RegistryValue[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const value of values) {
    const key = POLICY_KEYS.find((k) => k.toLowerCase() === value.name.toLowerCase());
    if (key === undefined) {
      out[value.name] = value.data;
      continue;
    }
    const row = policyRow(key);
    if (value.type === 'REG_DWORD') {
      const number = Number.parseInt(value.data, 16);
      out[key] =
        row.type === 'boolean' && (number === 0 || number === 1) ? number === 1 : `DWORD ${value.data}`;
    } else if (value.type === 'REG_MULTI_SZ') {
      out[key] = value.data.split('\\0').filter((item) => item !== '');
    } else if (value.type === 'REG_SZ' || value.type === 'REG_EXPAND_SZ') {
      out[key] =
        row.type === 'list'
          ? value.data
              .split(',')
              .map((item) => item.trim())
              .filter((item) => item !== '')
          : value.data;
    } else out[key] = `${value.type} ${value.data}`.slice(0, 80);
  }
  return out;
}

export type RegistryRead =
  | { readonly found: false }
  | { readonly found: true; readonly values: Record<string, unknown> }
  | { readonly found: true; readonly error: string };

/** Reads one policy key; a missing key is "not configured", any other failure is an error to report. */
export async function readRegistryPolicy(key: string, reg: RegRunner): Promise<RegistryRead> {
  const result = await reg(['query', key]);
  if (result.code === 0) return { found: true, values: registryToPolicyValues(parseRegQuery(result.stdout)) };
  // reg.exe exits 1 for a missing key, with a message in the system's language ("ERROR: The system was unable
  // to find …", "ERREUR : le système n'a pas trouvé …"): only a refused read is an error (it fails closed).
  const message = result.stderr + result.stdout;
  if (result.code === 1 && !/denied|refus|verweigert|negad|negat/i.test(message)) return { found: false };
  return {
    found: true,
    error: `cannot read ${key} (reg query exit ${result.code}): ${(result.stderr || result.stdout).trim().slice(0, 200)}`,
  };
}
