// Environment: any (plain TypeScript).

/**
 * The one redaction every text goes through before it leaves this PC for support: the support bundle
 * (`btoe doctor --bundle`) and the app's "Copy report". It removes private keys, pairing and sign-in codes,
 * passwords, PINs, session and bearer tokens wherever they appear: as PEM blocks, as values of keys that name a
 * secret (JSON, KEY=value, headers, query strings, command-line flags), in prose ("the code ABCD-1234"), and as
 * long opaque tokens. Certificates are public and are kept. It errs on the side of removing too much.
 */
export const REDACTED = '[redacted]';

/** Words that make a key or flag name a secret: `password`, `BTOE_SIGN_IN_TOKEN`, `userCode`, `x-api-key`... */
const SECRET_WORD =
  'pass(?:word|wd|phrase|code)?|secret|token|api[-_]?key|private[-_]?key|authorization|auth|cookie|session[-_]?(?:id|key)|credentials?|(?:user|pairing|sign[-_]?in|device|verification)[-_]?code|code|pin';
/** A key name containing a secret word, with anything around it (`"password"`, `BTOE_PAIRING_CODE`). */
const KEY = `[A-Za-z0-9_.-]*(?:${SECRET_WORD})[A-Za-z0-9_.-]*`;

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
    new RegExp(`("${KEY}"\\s*:\\s*)("(?:[^"\\\\]|\\\\.)*"|-?\\d[\\d.eE+-]*)`, 'gi'),
    (match, head: string, value: string) => (isHarmless(head, value) ? match : `${head}"${REDACTED}"`),
  ],
  // Command-line flags: --code X, --password=X, and argv as a JSON array ("--code", "X") as crash reports keep it.
  [
    new RegExp(`(--${KEY})(=|"\\s*,\\s*"|\\s+)("[^"]*"|'[^']*'|[^\\s"]+)`, 'gi'),
    (_m, flag: string, sep: string) => `${flag}${sep}${REDACTED}`,
  ],
  // KEY=value and KEY: value (environment, headers, INI, query strings), also KEY='quoted value'.
  [
    new RegExp(
      `(^|[\\s?&;,({\\[]|\\\\n)(${KEY})(\\s*[=:]\\s*)("[^"\\n]*"|'[^'\\n]*'|[^\\s&;,'")\\]}]+)`,
      'gim',
    ),
    (match, lead: string, key: string, sep: string, value: string) =>
      isHarmless(`"${key}"`, value) ? match : `${lead}${key}${sep}${REDACTED}`,
  ],
  // Prose: "the code ABCD-1234", "pairing code gNCYoV19", "password is hunter2", "session token abc...".
  [
    /\b(code|pin|password|passcode|passphrase|token|secret)(\s*[=:]|\s+(?:is|was|of|shown|typed|entered))?(\s*["'`]?)([^\s"'`,;)]{4,})/gi,
    (match, word: string, verb: string | undefined, gap: string, value: string) =>
      proseSecret(word, value) ? `${word}${verb ?? ''}${gap}${REDACTED}` : match,
  ],
  // JSON Web Tokens.
  [/\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g, () => REDACTED],
  // Long opaque tokens: 32+ characters mixing upper case, lower case and digits (not paths: no slash).
  [
    /(?<![A-Za-z0-9_+=-])[A-Za-z0-9_+=-]{32,}(?![A-Za-z0-9_+=-])/g,
    (match) => (/[A-Z]/.test(match) && /[a-z]/.test(match) && /\d/.test(match) ? REDACTED : match),
  ],
];

/** Redacts every secret this module knows how to recognise in `text`. Idempotent. */
export function redact(text: string): string {
  // Certificates are public and support needs them whole: set aside, so the token rules leave their lines alone.
  const certificates: string[] = [];
  let out = text.replace(CERTIFICATE, (block) => `\uE000cert${certificates.push(block) - 1}\uE000`);
  for (const [pattern, replace] of RULES) {
    out = out.replace(pattern, replace as (substring: string, ...args: unknown[]) => string);
  }
  return out.replace(/\uE000cert(\d+)\uE000/g, (_m, index: string) => certificates[Number(index)]!);
}

const CERTIFICATE = /-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s\\n]*?-----END CERTIFICATE-----/g;

/**
 * Values of secret-looking keys that carry no secret and that support needs: exit codes and error codes are
 * numbers or words ("code": 3, "code": "pairing-busy"), booleans and nulls, and what was already redacted.
 */
function isHarmless(head: string, value: string): boolean {
  const key = (/"([^"]*)"/.exec(head)?.[1] ?? head).toLowerCase();
  const bare = value.replace(/^"|"$/g, '');
  if (bare === REDACTED || bare === '' || /^(true|false|null|undefined)$/i.test(bare)) return true;
  if (/^(code|exitcode|exit_code|errorcode|statuscode)$/.test(key)) {
    // An exit/status code is a small number; an error code is a lower-case word with hyphens.
    return /^\d{1,5}$/.test(bare) || /^[a-z][a-z-]*$/.test(bare) || /^E[A-Z]+$/.test(bare);
  }
  return false;
}

/** In prose, a code or token is mixed-case, or has digits and letters; ordinary lower-case words are not secrets. */
function proseSecret(word: string, value: string): boolean {
  if (value === REDACTED || value.startsWith('[')) return false;
  const w = word.toLowerCase();
  if (w === 'password' || w === 'passcode' || w === 'passphrase' || w === 'secret') {
    return !/^(is|was|for|and|the|of|to|in|on|not|never|from|with|typed|asked|field)$/i.test(value);
  }
  if (w === 'pin') return /\d{4,}/.test(value);
  if (/^\d{1,5}$/.test(value)) return false; // "exit code 3", "code 1603"
  return /[A-Z]/.test(value) || /\d/.test(value);
}
