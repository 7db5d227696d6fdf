// Environment: Node (main process core).
import { homedir, userInfo } from 'node:os';

/**
 * The one redaction every text goes through before it leaves this PC for support: the support bundle
 * (`btoe doctor --bundle`) and the app's "Copy report". It removes private keys, pairing and sign-in codes,
 * passwords, PINs, session and bearer tokens wherever they appear: as PEM blocks, as values of keys that name a
 * secret (JSON, KEY=value, headers, query strings, command-line flags), in prose ("the code ABCD-1234"), and as
 * long opaque tokens; and the person: accounts (UPNs, e-mail addresses), the home folder and the user name.
 * Certificates, phone ids, addresses and firmware are kept: support needs them. It errs on the side of removing
 * too much.
 */
export const REDACTED = '[redacted]';

/** A key, flag or variable name: `password`, `BTOE_SIGN_IN_TOKEN`, `userCode`, `x-api-key`, `session.token`. */
const KEY = '[A-Za-z][A-Za-z0-9_.-]*';

/** Words that make a name a secret's, wherever they stand in it (`userCode`, `AWS_SECRET_ACCESS_KEY`). */
const SECRET_WORDS = new Set([
  'password',
  'passwd',
  'passphrase',
  'passcode',
  'pass',
  'pwd',
  'secret',
  'token',
  'auth',
  'authorization',
  'cookie',
  'credential',
  'credentials',
  'code',
  'pin',
  'key',
  'apikey',
  'privatekey',
]);
/** Last words that make a name a setting about a secret rather than the secret (`BTOE_SECRET_STORE`, `pinLength`). */
const ABOUT_A_SECRET = new Set([
  'store',
  'file',
  'path',
  'dir',
  'type',
  'kind',
  'name',
  'mode',
  'length',
  'expires',
  'expiry',
  'at',
  'timeout',
  'url',
  'uri',
  'count',
  'hint',
  'policy',
  'enabled',
  'source',
  'required',
]);

/** Whether a name names a secret: one of its words (camelCase, snake_case, kebab-case, dotted) is a secret word. */
export function namesSecret(name: string): boolean {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .map((w) => w.toLowerCase())
    .filter((w) => w !== '');
  const last = words[words.length - 1];
  return words.some((w) => SECRET_WORDS.has(w)) && (last === undefined || !ABOUT_A_SECRET.has(last));
}

const RULES: ReadonlyArray<readonly [RegExp, (match: string, ...groups: string[]) => string]> = [
  // PEM private keys, whole or cut short (a crash dump can end mid-key), also JSON-escaped ("\n" as text).
  [
    /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY|ENCRYPTED PRIVATE KEY|[A-Z0-9 ]*SECRET[A-Z0-9 ]*)-----(?:[\s\S]*?-----END \1-----|[A-Za-z0-9+/=\s\\n]*)/g,
    () => `[redacted private key]`,
  ],
  // URL credentials: scheme://user:password@host.
  [/(\b[a-z][a-z0-9+.-]*:\/\/)[^\s/@:]+:[^\s/@]+@/gi, (_m, scheme: string) => `${scheme}${REDACTED}@`],
  // "Authorization: Bearer x", "Basic x", "token x" schemes.
  [
    /\b(Bearer|Basic|Digest|Negotiate)\s+[A-Za-z0-9._~+/=-]{6,}/g,
    (_m, scheme: string) => `${scheme} ${REDACTED}`,
  ],
  // JSON members: "password": "x", "pin": 1234, "userCode":"x" (escaped quotes inside the value too).
  [
    new RegExp(`("(${KEY})"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"|-?\\d[\\d.eE+-]*)`, 'g'),
    (match, head: string, key: string, value: string) =>
      !namesSecret(key) || isHarmless(key, value) ? match : `${head}"${REDACTED}"`,
  ],
  // Command-line flags: --code X, --password=X, and argv as a JSON array ("--code", "X") as crash reports keep it.
  [
    new RegExp(`--(${KEY})(=|"\\s*,\\s*"|\\s+)("[^"]*"|'[^']*'|[^\\s"]+)`, 'g'),
    (match, flag: string, sep: string, value: string) =>
      !namesSecret(flag) || value.startsWith('--') ? match : `--${flag}${sep}${REDACTED}`,
  ],
  // KEY=value and KEY: value (environment, headers, INI, query strings), also KEY='quoted value'.
  [
    new RegExp(
      `(^|[\\s?&;,({\\[]|\\\\n)(${KEY})(\\s*[=:]\\s*)("[^"\\n]*"|'[^'\\n]*'|[^\\s&;,'")\\]}]+)`,
      'gm',
    ),
    (match, lead: string, key: string, sep: string, value: string) =>
      !namesSecret(key) || isHarmless(key, value) ? match : `${lead}${key}${sep}${REDACTED}`,
  ],
  // Prose: "the code ABCD-1234", "pairing code gNCYoV19", "password is hunter2", "session token abc...".
  [
    /\b(code|pin|password|passcode|passphrase|token|secret)(\s*[=:]\s*|\s+(?:is|was|of|shown|typed|entered)\s+|\s+)(["'`]?)([^\s"'`,;)]{4,})/gi,
    (match, word: string, verb: string, quote: string, value: string) =>
      proseSecret(word, verb, value) ? `${word}${verb}${quote}${REDACTED}` : match,
  ],
  // JSON Web Tokens.
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, () => REDACTED],
  // Long opaque tokens: 32+ characters mixing upper case, lower case and digits (not paths: no slash).
  [
    /(?<![A-Za-z0-9_+=-])[A-Za-z0-9_+=-]{32,}(?![A-Za-z0-9_+=-])/g,
    (match) => (/[A-Z]/.test(match) && /[a-z]/.test(match) && /\d/.test(match) ? REDACTED : match),
  ],
];

/** Whose home folder and user name to take out (this process's user unless a test says otherwise). */
export interface Person {
  readonly home?: string | undefined;
  readonly user?: string | undefined;
}

/** Redacts every secret this module knows how to recognise in `text`, then the person. Idempotent. */
export function redactForSupport(text: string, person: Person = thisUser()): string {
  // Certificates are public and support needs them whole: set aside, so the token rules leave their lines alone.
  const certificates: string[] = [];
  let out = text.replace(CERTIFICATE, (block) => `\uE000cert${certificates.push(block) - 1}\uE000`);
  for (const [pattern, replace] of RULES) {
    out = out.replace(pattern, replace as (substring: string, ...args: unknown[]) => string);
  }
  out = out.replace(/[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+/g, ACCOUNT);
  const { home, user } = person;
  if (home && home.length > 1) {
    // As written, and as JSON writes it (C:\\Users\\amosm in a JSON string).
    for (const form of new Set([home, JSON.stringify(home).slice(1, -1)]))
      out = out.replace(new RegExp(`${escape(form)}(?=[\\\\/"'\\s:;,)]|$)`, 'gm'), '~');
  }
  if (user && user.length > 2) out = out.replace(new RegExp(`\\b${escape(user)}\\b`, 'g'), USER);
  return out.replace(/\uE000cert(\d+)\uE000/g, (_m, index: string) => certificates[Number(index)]!);
}

export const ACCOUNT = '[account]';
export const USER = '[user]';

function thisUser(): Person {
  let user: string | undefined;
  try {
    user = userInfo().username;
  } catch {
    // no entry for this uid (a container): no name to take out
  }
  return { home: homedir(), user };
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s\\n]*?-----END CERTIFICATE-----/g;

/**
 * Values of secret-looking keys that carry no secret and that support needs: exit codes and error codes are
 * numbers or words ("code": 3, "code": "pairing-busy"), booleans and nulls, and what was already redacted.
 */
function isHarmless(key: string, quoted: string): boolean {
  const value = quoted.replace(/^["']|["']$/g, '');
  if (value.startsWith('[redacted') || value === '' || /^(true|false|null|undefined)$/i.test(value))
    return true;
  if (/^(code|exit[-_]?code|error[-_]?code|status[-_]?code)$/i.test(key)) {
    // An exit or status code is a small number; an error code a lower-case word with hyphens, or errno's E-name.
    return /^\d{1,5}$/.test(value) || /^[a-z][a-z-]*$/.test(value) || /^E[A-Z]+$/.test(value);
  }
  return false;
}

/**
 * In prose, a password follows "password is" or "password:"; a bare "secret store" or "the code did" is not
 * one. Codes and tokens have capitals or digits; PINs are digits; "exit code 3" is a number, not a secret.
 */
function proseSecret(word: string, verb: string, value: string): boolean {
  if (value === REDACTED || value.startsWith('[')) return false;
  const explicit = verb.trim() !== '';
  const w = word.toLowerCase();
  if (w === 'pin') return /\d{4,}/.test(value);
  if (/^\d{1,5}$/.test(value)) return false;
  if (explicit && w !== 'code' && w !== 'token') return true;
  return /[A-Z]/.test(value) || /\d/.test(value) || (w !== 'code' && /[^A-Za-z-]/.test(value));
}
