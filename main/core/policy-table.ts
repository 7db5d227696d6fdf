// Environment: any (plain TypeScript).
import { z } from 'zod';

/**
 * The admin policy, one row per key: the single source for the zod schema below, the ADMX/ADML templates
 * (scripts/generate-policy-templates.ts writes build/policy/), the table in docs/deploying.md and the MSI
 * properties. Adding a key is adding a row here and regenerating.
 *
 * Registry (HKLM/HKCU\SOFTWARE\Policies\BToE\Companion): booleans are REG_DWORD 0/1, choices and text REG_SZ,
 * lists REG_SZ with comma-separated items (or REG_MULTI_SZ). Linux (/etc/btoe-companion/policy.json): JSON
 * true/false, strings and arrays of strings.
 */
interface Text {
  /** Short title, as the Group Policy editor shows it. */
  readonly title: string;
  /** What the key does, one paragraph. */
  readonly explain: string;
}

interface Row<T> {
  readonly type: 'boolean' | 'choice' | 'list' | 'text';
  readonly schema: z.ZodType<T, unknown>;
  /** The effective value when no source sets the key. */
  readonly default: T;
  /**
   * The value used when a policy source holds an invalid value: the safe one, so a typo never opens up more
   * than the admin meant. `'default'` where no value is safer than another (logging, region).
   */
  readonly invalid: T | 'default';
  /** Whether the user's own settings choose the value when no policy sets it. */
  readonly userChoice: boolean;
  /** Choice values, or a list's allowed items (a pattern's description for free-form items). */
  readonly values: readonly string[];
  /** The public MSI property that seeds this key in machine policy (`msiexec ... NAME=value`). */
  readonly msiProperty: string;
  readonly en: Text;
  readonly fr: Text;
}

type RowInput<T> = Omit<Row<T>, 'type' | 'schema' | 'values' | 'userChoice'> & { userChoice?: boolean };

/** true/false; case-insensitive "true"/"false" is not accepted: an ambiguous boolean fails closed. */
function booleanKey(row: RowInput<boolean>): Row<boolean> {
  return {
    ...row,
    type: 'boolean',
    schema: z.boolean(),
    values: ['true', 'false'],
    userChoice: row.userChoice ?? false,
  };
}

/** One of `values`, matched case-insensitively and trimmed (admins type "manual" in GPO editors). */
function choiceKey<const V extends string>(values: readonly [V, ...V[]], row: RowInput<V>): Row<V> {
  const schema = z.string().transform((text, ctx) => {
    const found = values.find((v) => v.toLowerCase() === text.trim().toLowerCase());
    if (found === undefined) {
      ctx.addIssue({ code: 'custom', message: `must be one of ${values.map((v) => `"${v}"`).join(', ')}` });
      return z.NEVER;
    }
    return found;
  });
  return { ...row, type: 'choice', schema, values, userChoice: row.userChoice ?? false };
}

/**
 * A list of items, each one checked on its own: a bad item is dropped (and reported by the caller, which
 * compares lengths), the good ones kept, so a typo narrows what is allowed and never widens it.
 */
function listKey(
  item: { schema: z.ZodType<string, unknown>; values: readonly string[] },
  row: RowInput<readonly string[]>,
): Row<readonly string[]> {
  const schema = z.array(z.unknown()).transform((items) =>
    items.flatMap((raw) => {
      const parsed = item.schema.safeParse(raw);
      return parsed.success ? [parsed.data] : [];
    }),
  );
  return { ...row, type: 'list', schema, values: item.values, userChoice: row.userChoice ?? false };
}

function textKey(
  pattern: RegExp,
  description: string,
  normalise: (text: string) => string,
  row: RowInput<string>,
): Row<string> {
  const schema = z.string().transform(normalise).pipe(z.string().regex(pattern, description));
  return { ...row, type: 'text', schema, values: [description], userChoice: row.userChoice ?? false };
}

const TRANSPORTS = ['Ethernet', 'USB', 'HID'] as const;
export type Transport = (typeof TRANSPORTS)[number];

const transport = z.string().transform((text, ctx) => {
  const found = TRANSPORTS.find((t) => t.toLowerCase() === text.trim().toLowerCase());
  if (found === undefined) {
    ctx.addIssue({ code: 'custom', message: 'not a transport' });
    return z.NEVER;
  }
  return found as string;
});

/** A USB vendor id as four hex digits ("047F"), or "*" for any vendor. */
const usbVendorId = z
  .string()
  .transform((text) => text.trim().toUpperCase().replace(/^0X/, ''))
  .pipe(z.string().regex(/^([0-9A-F]{4}|\*)$/));

/** Microsoft's device-login pages (RFC 8628 verification URIs of Entra ID). */
export const MICROSOFT_DEVICE_LOGIN = [
  'microsoft.com/devicelogin',
  'www.microsoft.com/devicelogin',
  'login.microsoftonline.com',
  'login.microsoft.com',
] as const;

/** `host` or `host/path`: a DNS name (no scheme, port, query or wildcard) and an optional path; lowercased. */
const signInPage = z
  .string()
  .transform((text) => text.trim().toLowerCase().replace(/\/+$/, ''))
  .pipe(
    z
      .string()
      .max(256)
      .regex(
        /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+(\/[a-z0-9._~!$&'()*+,;=:@%/-]*)?$/,
      ),
  );

export const POLICY_TABLE = {
  EnableBetterTogetherOverEthernet: booleanKey({
    default: true,
    invalid: false,
    msiProperty: 'ENABLEBTOE',
    en: {
      title: 'Enable Better Together over Ethernet',
      explain:
        'Whether this PC may pair with and control a desk phone at all. Off: no pairing, no lock sync, no click-to-call through the phone.',
    },
    fr: {
      title: 'Activer Better Together over Ethernet',
      explain:
        "Indique si ce PC peut s'associer à un téléphone de bureau et le piloter. Désactivé : ni association, ni synchronisation du verrouillage, ni appel par clic via le téléphone.",
    },
  }),
  BetterTogetherOverEthernetPairingMode: choiceKey(['Auto', 'Manual'], {
    default: 'Auto',
    invalid: 'Manual',
    // Where no policy sets it, the user chooses in the window (Phones); set by policy, it is shown read-only.
    userChoice: true,
    msiProperty: 'PAIRINGMODE',
    en: {
      title: 'Pairing mode',
      explain:
        'Auto: the phone whose PC port this PC is plugged into pairs without a code. Manual: every pairing needs the code the phone shows.',
    },
    fr: {
      title: "Mode d'association",
      explain:
        "Auto : le téléphone dont le port PC est relié à ce PC s'associe sans code. Manuel : chaque association demande le code affiché par le téléphone.",
    },
  }),
  UnlockPhoneWithPc: booleanKey({
    default: true,
    invalid: false,
    msiProperty: 'UNLOCKPHONEWITHPC',
    en: {
      title: 'Unlock the phone with the PC',
      explain:
        'Whether unlocking the PC also unlocks the paired phone. Locking always follows the PC. Off: the phone stays locked until it is unlocked on the phone.',
    },
    fr: {
      title: 'Déverrouiller le téléphone avec le PC',
      explain:
        'Indique si le déverrouillage du PC déverrouille aussi le téléphone associé. Le verrouillage suit toujours le PC. Désactivé : le téléphone reste verrouillé jusqu’à son déverrouillage sur le téléphone.',
    },
  }),
  LockSync: booleanKey({
    default: true,
    invalid: true,
    userChoice: true,
    msiProperty: 'LOCKSYNC',
    en: {
      title: 'Lock sync',
      explain:
        'Forces lock sync (the phone locks when the PC locks) on or off. Not configured: each user turns it on or off in the app.',
    },
    fr: {
      title: 'Synchronisation du verrouillage',
      explain:
        "Force la synchronisation du verrouillage (le téléphone se verrouille quand le PC se verrouille). Non configuré : chaque utilisateur l'active ou la désactive dans l'application.",
    },
  }),
  AllowClickToCall: booleanKey({
    default: true,
    invalid: false,
    msiProperty: 'ALLOWCLICKTOCALL',
    en: {
      title: 'Allow click-to-call',
      explain:
        'Whether tel:, callto: and sip: links opened on this PC dial on the paired phone. Off: such links are refused with a notification that says so.',
    },
    fr: {
      title: "Autoriser l'appel par clic",
      explain:
        'Indique si les liens tel:, callto: et sip: ouverts sur ce PC composent le numéro sur le téléphone associé. Désactivé : ces liens sont refusés avec une notification qui le dit.',
    },
  }),
  AllowedTransports: listKey(
    { schema: transport, values: TRANSPORTS },
    {
      default: [...TRANSPORTS],
      invalid: [],
      msiProperty: 'ALLOWEDTRANSPORTS',
      en: {
        title: 'Allowed transports',
        explain:
          'How the PC may reach the phone: Ethernet, USB (USB tethering), HID (USB HID reports), comma-separated. An unknown item is ignored; an empty list allows none.',
      },
      fr: {
        title: 'Transports autorisés',
        explain:
          'Les moyens de joindre le téléphone : Ethernet, USB (partage de connexion USB), HID (rapports HID USB), séparés par des virgules. Un élément inconnu est ignoré ; une liste vide n’en autorise aucun.',
      },
    },
  ),
  AllowedUsbVendorIds: listKey(
    { schema: usbVendorId, values: ['four hex digits, e.g. 047F', '*'] },
    {
      default: ['*'],
      invalid: [],
      msiProperty: 'ALLOWEDUSBVENDORIDS',
      en: {
        title: 'Allowed USB vendor ids',
        explain:
          'The USB vendor ids (four hex digits, e.g. 047F) of phones the PC may use over USB and HID, comma-separated; * allows the phone makers the app knows. An id not in that list is added to it.',
      },
      fr: {
        title: 'Identifiants de fabricant USB autorisés',
        explain:
          'Les identifiants de fabricant USB (quatre chiffres hexadécimaux, par ex. 047F) des téléphones utilisables en USB et HID, séparés par des virgules ; * autorise les fabricants de téléphones connus de l’application. Un identifiant absent de cette liste y est ajouté.',
      },
    },
  ),
  WebSignInAllowedAddresses: listKey(
    {
      schema: signInPage,
      values: ['a host, e.g. login.microsoftonline.com', 'a host and path, e.g. microsoft.com/devicelogin'],
    },
    {
      default: MICROSOFT_DEVICE_LOGIN,
      invalid: [],
      msiProperty: 'WEBSIGNINALLOWEDADDRESSES',
      en: {
        title: 'Allowed web sign-in addresses',
        explain:
          "The identity provider's sign-in pages a phone may send the user to for web sign-in, as host or host/path (a path also admits what lies below it), comma-separated. Any other address is refused, so a phone cannot open a page of its own asking for the user's password. Not configured: Microsoft's device login pages.",
      },
      fr: {
        title: 'Adresses de connexion web autorisées',
        explain:
          "Les pages de connexion du fournisseur d'identité vers lesquelles un téléphone peut envoyer l'utilisateur, sous la forme hôte ou hôte/chemin (un chemin admet aussi ce qui est en dessous), séparées par des virgules. Toute autre adresse est refusée : un téléphone ne peut pas ouvrir sa propre page demandant le mot de passe de l'utilisateur. Non configuré : les pages de connexion par appareil de Microsoft.",
      },
    },
  ),
  StartAtLogin: booleanKey({
    default: true,
    invalid: 'default',
    userChoice: true,
    // Not STARTATLOGIN: that property only registers the start for every user (HKLM Run), which each user may
    // still turn off; this one forces it.
    msiProperty: 'FORCESTARTATLOGIN',
    en: {
      title: 'Start at login',
      explain:
        "Forces starting the companion (tray only) when a user signs in, on or off. Not configured: each user's own setting decides (the installer property STARTATLOGIN=1 starts it for every user who has not turned it off).",
    },
    fr: {
      title: "Démarrer à l'ouverture de session",
      explain:
        "Force le démarrage du compagnon (dans la zone de notification) à l'ouverture de session, activé ou désactivé. Non configuré : le réglage de chaque utilisateur décide (la propriété d'installation STARTATLOGIN=1 le démarre pour chaque utilisateur qui ne l'a pas désactivé).",
    },
  }),
  LoggingLevel: choiceKey(['error', 'warn', 'info', 'debug'], {
    default: 'info',
    invalid: 'default',
    msiProperty: 'LOGGINGLEVEL',
    en: {
      title: 'Logging level',
      explain:
        'How much the companion writes to its log: error, warn, info or debug. Logs never contain codes, keys or passwords.',
    },
    fr: {
      title: 'Niveau de journalisation',
      explain:
        'Ce que le compagnon écrit dans son journal : error, warn, info ou debug. Les journaux ne contiennent jamais de codes, de clés ni de mots de passe.',
    },
  }),
  DefaultRegion: textKey(/^([A-Z]{2})?$/, 'two letters, e.g. US', (text) => text.trim().toUpperCase(), {
    default: '',
    invalid: 'default',
    userChoice: true,
    msiProperty: 'DEFAULTREGION',
    en: {
      title: 'Default region',
      explain:
        'The ISO 3166 region (two letters, e.g. US, FR) for numbers dialled without a country code. Not configured: the user’s own setting.',
    },
    fr: {
      title: 'Région par défaut',
      explain:
        'La région ISO 3166 (deux lettres, par ex. FR, US) des numéros composés sans indicatif de pays. Non configuré : le réglage de l’utilisateur.',
    },
  }),
} as const;

export type PolicyKey = keyof typeof POLICY_TABLE;
export const POLICY_KEYS = Object.keys(POLICY_TABLE) as PolicyKey[];

/** The effective value of every key. */
export type CompanionPolicy = {
  readonly [K in PolicyKey]: (typeof POLICY_TABLE)[K] extends Row<infer T> ? T : never;
};

/** The whole policy as one zod schema (every key optional, unknown keys kept for a warning). */
export const PolicySchema = z
  .object(Object.fromEntries(POLICY_KEYS.map((key) => [key, POLICY_TABLE[key].schema.optional()])))
  .loose();

export function policyRow(key: PolicyKey): Row<unknown> {
  return POLICY_TABLE[key] as Row<unknown>;
}

export const DEFAULT_POLICY: CompanionPolicy = Object.freeze(
  Object.fromEntries(POLICY_KEYS.map((key) => [key, POLICY_TABLE[key].default])),
) as CompanionPolicy;

/** The value a key takes when a source holds an invalid value for it. */
export function invalidValue(key: PolicyKey): unknown {
  const row = policyRow(key);
  return row.invalid === 'default' ? row.default : row.invalid;
}
