// Environment: any (plain TypeScript).
import { POLICY_KEYS, type PolicyKey, policyRow } from './policy-table.js';
import { POLICY_REGISTRY_PATH } from './policy-registry.js';

/**
 * What the Windows installers write besides files, as data: the click-to-call registration (so Windows' Default
 * Apps offers the app for tel:, callto: and sip:), the firewall rules for what the app listens on, start at
 * login for every user, `btoe` on the PATH, and machine policy from installer properties. The NSIS include
 * (build/installer.nsh) and the MSI's WiX fragment are generated from here (scripts/generate-windows-files.ts);
 * the wine test reads these same tables back from the registry.
 */
export const APP_NAME = 'BToE Companion';
export const APP_EXECUTABLE = 'BToE Companion.exe';
export const APP_DESCRIPTION = 'Dials tel:, callto: and sip: links on your desk phone.';
export const CLICK_TO_CALL_SCHEMES = ['tel', 'callto', 'sip'] as const;
export type ClickToCallScheme = (typeof CLICK_TO_CALL_SCHEMES)[number];

/** HKLM for a per-machine install, HKCU for a per-user one. */
export type InstallMode = 'machine' | 'user';
export type RegistryRoot = 'HKLM' | 'HKCU';

export interface RegistryEntry {
  readonly root: RegistryRoot;
  readonly key: string;
  /** "" for the key's default value. */
  readonly name: string;
  readonly type: 'REG_SZ' | 'REG_DWORD' | 'REG_EXPAND_SZ';
  readonly data: string;
}

export const progId = (scheme: ClickToCallScheme): string => `BToECompanion.${scheme}`;
export const CAPABILITIES_KEY = 'SOFTWARE\\BToE\\Companion\\Capabilities';
export const REGISTERED_APPLICATIONS_KEY = 'SOFTWARE\\RegisteredApplications';

/** `exe` is the app's full path; installers pass their own variable ($INSTDIR\…, [APPLICATIONFOLDER]…). */
export function clickToCallEntries(mode: InstallMode, exe: string): RegistryEntry[] {
  const root: RegistryRoot = mode === 'machine' ? 'HKLM' : 'HKCU';
  const sz = (key: string, name: string, data: string): RegistryEntry => ({
    root,
    key,
    name,
    type: 'REG_SZ',
    data,
  });
  return [
    ...CLICK_TO_CALL_SCHEMES.flatMap((scheme) => {
      const key = `SOFTWARE\\Classes\\${progId(scheme)}`;
      return [
        sz(key, '', `URL:${scheme} (${APP_NAME})`),
        sz(key, 'URL Protocol', ''),
        sz(`${key}\\DefaultIcon`, '', `"${exe}",0`),
        sz(`${key}\\shell\\open\\command`, '', `"${exe}" "%1"`),
      ];
    }),
    sz(CAPABILITIES_KEY, 'ApplicationName', APP_NAME),
    sz(CAPABILITIES_KEY, 'ApplicationDescription', APP_DESCRIPTION),
    ...CLICK_TO_CALL_SCHEMES.map((scheme) =>
      sz(`${CAPABILITIES_KEY}\\URLAssociations`, scheme, progId(scheme)),
    ),
    sz(REGISTERED_APPLICATIONS_KEY, APP_NAME, CAPABILITIES_KEY),
  ];
}

/**
 * The keys an uninstaller deletes whole (the ProgIDs and the app's own key) and the one value it deletes from a
 * shared key (RegisteredApplications). Nothing else of the table's is shared.
 */
export function clickToCallRemovals(mode: InstallMode): {
  keys: string[];
  values: Array<[string, string]>;
  root: RegistryRoot;
} {
  return {
    root: mode === 'machine' ? 'HKLM' : 'HKCU',
    keys: [...CLICK_TO_CALL_SCHEMES.map((s) => `SOFTWARE\\Classes\\${progId(s)}`), CAPABILITIES_KEY],
    values: [[REGISTERED_APPLICATIONS_KEY, APP_NAME]],
  };
}

/** Start at login for every user of a per-machine install (STARTATLOGIN=1): tray only. */
export const RUN_KEY = 'SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run';
export function startAtLoginEntry(exe: string): RegistryEntry {
  return { root: 'HKLM', key: RUN_KEY, name: APP_NAME, type: 'REG_SZ', data: `"${exe}" --hidden` };
}

/** The folder with btoe.cmd, appended to the system PATH by a per-machine install (the user PATH otherwise). */
export const CLI_FOLDER = 'bin';
export const SYSTEM_ENVIRONMENT_KEY = 'SYSTEM\\CurrentControlSet\\Control\\Session Manager\\Environment';

export interface FirewallRule {
  readonly name: string;
  readonly protocol: 'UDP' | 'TCP';
  readonly port: number;
  readonly why: string;
}

/** Every port the app listens on: mDNS discovery of phones on the PC's link. */
export const FIREWALL_RULES: readonly FirewallRule[] = [
  {
    name: 'BToE Companion mDNS (UDP 5353)',
    protocol: 'UDP',
    port: 5353,
    why: 'mDNS: hears the phones on this PC’s links',
  },
];

/** netsh's arguments that add a rule for `exe` (inbound, allow, every profile). */
export function firewallAddArgs(rule: FirewallRule, exe: string): string[] {
  return [
    'advfirewall',
    'firewall',
    'add',
    'rule',
    `name=${rule.name}`,
    'dir=in',
    'action=allow',
    `protocol=${rule.protocol}`,
    `localport=${rule.port}`,
    `program=${exe}`,
    'profile=any',
    'enable=yes',
  ];
}

export function firewallDeleteArgs(rule: FirewallRule): string[] {
  return ['advfirewall', 'firewall', 'delete', 'rule', `name=${rule.name}`];
}

/** netsh's arguments as one command line: `name=value with spaces` becomes `name="value with spaces"`. */
export function netshCommandLine(args: readonly string[]): string {
  return args.map((arg) => (/\s/.test(arg) ? arg.replace(/^([^=]*)=(.*)$/, '$1="$2"') : arg)).join(' ');
}

export interface PolicyRegistryValue {
  readonly key: PolicyKey;
  readonly type: 'REG_DWORD' | 'REG_SZ';
  readonly data: string;
}

/**
 * The machine-policy value an installer property seeds (`msiexec … PAIRINGMODE=Manual`, or the NSIS installer's
 * `/PAIRINGMODE=Manual`): booleans as REG_DWORD from 1/0 or true/false, everything else REG_SZ as given. The
 * app validates the value like any policy value (a bad one is reported and fails closed).
 */
export function policyFromInstallerProperty(key: PolicyKey, value: string): PolicyRegistryValue {
  if (policyRow(key).type !== 'boolean') return { key, type: 'REG_SZ', data: value };
  const text = value.trim().toLowerCase();
  const data = text === '1' || text === 'true' ? '1' : text === '0' || text === 'false' ? '0' : value;
  return { key, type: /^[01]$/.test(data) ? 'REG_DWORD' : 'REG_SZ', data };
}

/** Installer property name → policy key, from the table. */
export const INSTALLER_PROPERTIES: ReadonlyArray<{ property: string; key: PolicyKey }> = POLICY_KEYS.map(
  (key) => ({
    property: policyRow(key).msiProperty,
    key,
  }),
);

/** Every property given (public MSI properties are upper case) as machine-policy values. */
export function policyFromInstallerProperties(
  properties: Readonly<Record<string, string>>,
): PolicyRegistryValue[] {
  return INSTALLER_PROPERTIES.filter(({ property }) => properties[property] !== undefined).map(
    ({ property, key }) => policyFromInstallerProperty(key, properties[property]!),
  );
}

export const MACHINE_POLICY_REGISTRY_KEY = POLICY_REGISTRY_PATH;
