// Environment: Node (main process core).
import { type FSWatcher, watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import {
  type CompanionPolicy,
  DEFAULT_POLICY,
  POLICY_KEYS,
  type PolicyKey,
  invalidValue,
  policyRow,
} from './policy-table.js';
import {
  MACHINE_POLICY_KEY,
  type RegRunner,
  USER_POLICY_KEY,
  readRegistryPolicy,
  windowsReg,
} from './policy-registry.js';
import type { Settings } from './settings.js';

export { type CompanionPolicy, DEFAULT_POLICY, POLICY_KEYS, type PolicyKey } from './policy-table.js';

/**
 * Admin policy, under the names admins know from Set-CsIPPhonePolicy (the keys are in policy-table.ts).
 * Sources, highest first: machine policy (Windows HKLM\SOFTWARE\Policies\BToE\Companion, Linux
 * /etc/btoe-companion/policy.json), user policy (Windows HKCU\SOFTWARE\Policies\BToE\Companion: only
 * administrators and Group Policy can write there; Linux has no such place), the user's own settings for the
 * keys policy leaves to the user, then the defaults. A running companion reads only those places: no
 * environment variable or argument replaces them. A value that is not valid is reported and fails closed on
 * its own; the other keys still apply.
 */
export type PolicySourceKind = 'machine' | 'user' | 'settings' | 'default' | 'candidate';

export interface PolicySource {
  readonly kind: PolicySourceKind;
  /** The registry key or file, or "user settings" / "defaults". */
  readonly location: string;
}

/** What one policy source holds: nothing (not configured), its values, or why it could not be read. */
export interface PolicyLayer {
  readonly kind: 'machine' | 'user' | 'candidate';
  readonly location: string;
  readonly values?: Record<string, unknown>;
  readonly error?: string;
}

export interface LoadedPolicy {
  readonly policy: CompanionPolicy;
  /** The places that set at least one key, highest first, or "defaults". */
  readonly source: string;
  /** Where each key's value came from. */
  readonly sources: { readonly [K in PolicyKey]: PolicySource };
  readonly warnings: readonly string[];
}

/** The user's own choices for the keys policy may leave to the user (StartAtLogin, LockSync, DefaultRegion, the pairing mode). */
export type UserChoices = { readonly [K in PolicyKey]?: CompanionPolicy[K] };

/** The user's settings file, as choices for the keys policy may leave to the user. */
export function settingsChoices(settings: Settings): UserChoices {
  return {
    ...(settings.defaultRegion === undefined ? {} : { DefaultRegion: settings.defaultRegion }),
    ...(settings.startAtLogin === undefined ? {} : { StartAtLogin: settings.startAtLogin }),
    ...(settings.lockSync === undefined ? {} : { LockSync: settings.lockSync }),
    ...(settings.pairingMode === undefined
      ? {}
      : { BetterTogetherOverEthernetPairingMode: settings.pairingMode === 'auto' ? 'Auto' : 'Manual' }),
  };
}

const DEFAULTS: PolicySource = { kind: 'default', location: 'defaults' };
const SETTINGS: PolicySource = { kind: 'settings', location: 'user settings' };

/** Merges the sources, highest first. */
export function resolvePolicy(layers: readonly PolicyLayer[], choices: UserChoices = {}): LoadedPolicy {
  const warnings: string[] = [];
  const policy: Record<string, unknown> = {};
  const sources: Record<string, PolicySource> = {};
  for (const layer of layers) {
    if (layer.error !== undefined) warnings.push(`${layer.error}; every setting it could hold fails closed`);
    else if (layer.values !== undefined) {
      for (const name of Object.keys(layer.values)) {
        if (!(POLICY_KEYS as string[]).includes(name))
          warnings.push(`${layer.location}: unknown policy setting "${name.slice(0, 64)}" is ignored`);
      }
    }
  }
  for (const key of POLICY_KEYS) {
    const row = policyRow(key);
    let decided = false;
    for (const layer of layers) {
      const source: PolicySource = { kind: layer.kind, location: layer.location };
      if (layer.error !== undefined) {
        // An unreadable source could have set anything: the safe value, not a lower source's.
        [policy[key], sources[key], decided] = [invalidValue(key), source, true];
        break;
      }
      if (layer.values === undefined || !Object.hasOwn(layer.values, key)) continue;
      const raw = layer.values[key];
      const parsed = row.schema.safeParse(raw);
      const length = Array.isArray(raw) ? raw.length : 0;
      if (parsed.success) {
        policy[key] = parsed.data;
        if (row.type === 'list' && (parsed.data as unknown[]).length < length)
          warnings.push(
            `${layer.location}: ${key} has items that are not ${describeValues(key)}: ${show(raw)}; they are ignored`,
          );
      } else {
        policy[key] = invalidValue(key);
        warnings.push(
          `${layer.location}: ${key} must be ${describeValues(key)}, not ${show(raw)}; using ${show(policy[key])} until it is fixed`,
        );
      }
      [sources[key], decided] = [source, true];
      break;
    }
    if (decided) continue;
    const choice = choices[key];
    if (row.userChoice && choice !== undefined && row.schema.safeParse(choice).success) {
      [policy[key], sources[key]] = [row.schema.parse(choice), SETTINGS];
    } else [policy[key], sources[key]] = [DEFAULT_POLICY[key], DEFAULTS];
  }
  const used = [...new Set(Object.values(sources).map((s) => s.location))].filter(
    (l) => l !== DEFAULTS.location && l !== SETTINGS.location,
  );
  return {
    policy: policy as CompanionPolicy,
    source: used.length === 0 ? 'defaults' : used.join(', '),
    sources: sources as LoadedPolicy['sources'],
    warnings,
  };
}

function describeValues(key: PolicyKey): string {
  const row = policyRow(key);
  if (row.type === 'boolean') return 'true or false (REG_DWORD 1 or 0)';
  if (row.type === 'choice') return row.values.map((v) => `"${v}"`).join(' or ');
  if (row.type === 'list') return `a list of ${row.values.join(', ')}`;
  return row.values.join(', ');
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

/** One row per key: the effective value and where it came from (for status, Diagnostics, doctor, the bundle). */
export function effectivePolicy(
  loaded: LoadedPolicy,
): Array<{ key: PolicyKey; value: CompanionPolicy[PolicyKey]; source: PolicySource }> {
  return POLICY_KEYS.map((key) => ({ key, value: loaded.policy[key], source: loaded.sources[key] }));
}

/** The vendor ids policy names explicitly, to look for beside the phone makers the companion knows. */
export function policyUsbVendorIds(loaded: LoadedPolicy): string[] {
  return loaded.policy.AllowedUsbVendorIds.filter((id) => id !== '*');
}

/** Where a platform keeps its policy, and how a change there is noticed. */
export interface PolicyReader {
  read(): Promise<PolicyLayer[]>;
  /** Calls `changed` (at most once a minute where it has to poll); returns the function that stops watching. */
  watch(changed: () => void): () => void;
}

/** Linux's machine policy; macOS's equivalent. */
export const MACHINE_POLICY_FILE =
  process.platform === 'darwin'
    ? '/Library/Application Support/BToE Companion/policy.json'
    : '/etc/btoe-companion/policy.json';

/** A JSON policy file as one layer: missing is "not configured"; unreadable or malformed fails closed. */
export async function readPolicyFile(path: string, kind: PolicyLayer['kind']): Promise<PolicyLayer> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { kind, location: path };
    return {
      kind,
      location: path,
      error: `cannot read the policy file ${path}: ${(error as Error).message}`,
    };
  }
  let raw: unknown;
  try {
    // Windows tools (PowerShell 5.1's Set-Content -Encoding UTF8, older Notepad) write a byte order mark.
    raw = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return { kind, location: path, error: `the policy file ${path} is not valid JSON: fix it or remove it` };
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    return { kind, location: path, error: `the policy file ${path} must hold a JSON object` };
  return { kind, location: path, values: raw as Record<string, unknown> };
}

/** Linux (and macOS): one machine-wide file, watched through its directory (it may not exist yet). */
export function filePolicyReader(path = MACHINE_POLICY_FILE): PolicyReader {
  return {
    read: async () => [await readPolicyFile(path, 'machine')],
    watch(changed) {
      let watcher: FSWatcher | undefined;
      let timer: NodeJS.Timeout | undefined;
      const fire = () => {
        clearTimeout(timer);
        // Editors write in several steps: one reload after they settle.
        timer = setTimeout(changed, 200);
      };
      const dir = dirname(path);
      const start = (target: string, name: string) => {
        try {
          watcher = watch(target, { persistent: false }, (_event, file) => {
            if (file !== null && file !== name) return;
            if (target !== dir) {
              // The directory appeared: watch it instead of its parent.
              watcher?.close();
              start(dir, basename(path));
            }
            fire();
          });
          watcher.on('error', () => watcher?.close());
          return true;
        } catch {
          return false;
        }
      };
      if (!start(dir, basename(path))) start(dirname(dir), basename(dir));
      return () => {
        clearTimeout(timer);
        watcher?.close();
      };
    },
  };
}

/** How often Windows' policy keys are read again: Group Policy refreshes every 90 minutes by default. */
export const REGISTRY_POLL_MS = 60_000;

/**
 * Windows: HKLM then HKCU through reg.exe. A change is noticed by reading both keys again once a minute
 * (RegNotifyChangeKeyValue needs a native addon; a poll of two small keys costs little).
 */
export function registryPolicyReader(reg: RegRunner = windowsReg, pollMs = REGISTRY_POLL_MS): PolicyReader {
  const layer = async (kind: 'machine' | 'user', key: string): Promise<PolicyLayer> => {
    const read = await readRegistryPolicy(key, reg);
    if (!read.found) return { kind, location: key };
    return 'error' in read
      ? { kind, location: key, error: read.error }
      : { kind, location: key, values: read.values };
  };
  let last = '';
  const snapshot = async () =>
    JSON.stringify(await Promise.all([layer('machine', MACHINE_POLICY_KEY), layer('user', USER_POLICY_KEY)]));
  return {
    read: async () => [await layer('machine', MACHINE_POLICY_KEY), await layer('user', USER_POLICY_KEY)],
    watch(changed) {
      // One reading at a time: a slow reg.exe never lets an older reading overwrite a newer one.
      let reading: Promise<void> | undefined = snapshot().then((s) => {
        last = s;
        reading = undefined;
      });
      const timer = setInterval(() => {
        reading ??= snapshot().then((s) => {
          reading = undefined;
          if (s === last) return;
          last = s;
          changed();
        });
      }, pollMs);
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}

export function platformPolicyReader(): PolicyReader {
  return process.platform === 'win32' ? registryPolicyReader() : filePolicyReader();
}

/** The effective policy from this machine's policy sources (and the user's choices where policy leaves them). */
export async function loadPolicy(
  options: { reader?: PolicyReader; choices?: UserChoices } = {},
): Promise<LoadedPolicy> {
  const reader = options.reader ?? platformPolicyReader();
  return resolvePolicy(await reader.read(), options.choices);
}

/**
 * A candidate policy file evaluated on its own (`btoe doctor --policy FILE`): what it would give on this
 * machine, every value labelled "candidate". It is never applied.
 */
export async function evaluatePolicyFile(path: string, choices: UserChoices = {}): Promise<LoadedPolicy> {
  return resolvePolicy([await readPolicyFile(path, 'candidate')], choices);
}

/**
 * Follows policy changes: reads the sources again when the reader says they changed and calls `apply` with the
 * new effective policy. Returns the function that stops following.
 */
export function followPolicy(
  reader: PolicyReader,
  choices: () => UserChoices,
  apply: (loaded: LoadedPolicy) => void,
): () => void {
  return reader.watch(() => {
    void reader.read().then(
      (layers) => apply(resolvePolicy(layers, choices())),
      () => undefined,
    );
  });
}
