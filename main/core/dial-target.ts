// Environment: Node (main process core).
/**
 * Click-to-call: what the companion accepts as "a number to dial", and nothing else.
 *
 * Accepted: tel: URIs (RFC 3966: global numbers, local numbers with or without phone-context, visual
 * separators, `;ext=`, `;isub=`, other parameters in any order, percent-encoding, case-insensitive scheme and
 * parameter names), callto: and callto:// (Skype/NetMeeting style), sip:/sips: URIs whose user part is a phone
 * number (`;user=phone`, or a user part that is plainly a number: SIP addresses of names are refused), and
 * numbers typed by people ("+1 (201) 555-0123", "0044 20 7946 0958", "201 555 0123 x12").
 *
 * Every number is normalised to E.164 with libphonenumber-js (full metadata, strict validation); local numbers
 * need a default region. The dial string sent to the phone is built only from the digits this module checked
 * (`+`digits, optionally `,`extension digits): no text of the URI ever reaches the phone, a shell or a log.
 * Messages quote input only through printable(), which escapes everything outside printable ASCII.
 */
import {
  type CountryCode,
  type PhoneNumber,
  isSupportedCountry,
  ParseError,
  parsePhoneNumberWithError,
} from 'libphonenumber-js/max';

import { DialTargetError } from './dial-target-error.js';

export { DialTargetError, type DialTargetReason } from './dial-target-error.js';

export interface DialTarget {
  /** The number in E.164: `+` and 2 to 15 digits. */
  readonly e164: string;
  /** Extension digits, dialled as DTMF once the call connects. */
  readonly extension?: string;
  /** The dial message's `number` member: `+`digits, optionally `,` and the extension's digits. */
  readonly dialString: string;
  /** For people: "+44 20 7946 0958", "+1 201 555 0123 ext. 12". Printable ASCII. */
  readonly display: string;
}

export interface DialOptions {
  /**
   * ISO 3166 region (like "US", "GB") for numbers written without a country code. Undefined: such numbers are
   * refused. The daemon reads it from its settings, falling back to defaultRegionFromEnvironment().
   */
  readonly defaultRegion?: string | undefined;
}

/** Longest input considered at all (characters). Real tel: links are far shorter. */
export const MAX_INPUT_LENGTH = 256;
/** More digits than any number with an international prefix and an area code can have. */
const MAX_NUMBER_DIGITS = 20;
const MAX_EXTENSION_DIGITS = 15;

/** Parses a click-to-call target; throws DialTargetError with a message fit for the user. */
export function parseDialTarget(input: unknown, options: DialOptions = {}): DialTarget {
  const region = regionOption(options.defaultRegion);
  if (typeof input !== 'string') throw new DialTargetError(EMPTY_MESSAGE, 'empty');
  if (input.length > MAX_INPUT_LENGTH)
    throw new DialTargetError(
      `"${printable(input)}" is too long (${input.length} characters; at most ${MAX_INPUT_LENGTH})`,
      'too-long',
    );
  const bad = /[^\x20-\x7e]/u.exec(input);
  if (bad)
    throw new DialTargetError(
      `"${printable(input)}" contains ${describeCharacter(bad[0])}: phone numbers and tel:, callto: and sip: addresses are plain ASCII`,
      'bad-character',
    );
  const text = input.replace(/^ +| +$/g, '');
  if (text.length === 0) throw new DialTargetError(EMPTY_MESSAGE, 'empty');

  const context: Context = { input: text, region };
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text);
  if (!scheme) return typedNumber(text, context);
  const name = scheme[1]!;
  const rest = text.slice(name.length + 1);
  if (/^(?:tel|callto|sips?)$/i.test(name) && /%(?![0-9A-Fa-f]{2})/.test(rest))
    throw new DialTargetError(`"${printable(text)}" has broken percent-encoding`, 'bad-encoding');
  switch (name.toLowerCase()) {
    case 'tel':
      return telSubscriber(rest, context);
    case 'callto':
      return callto(rest, context);
    case 'sip':
    case 'sips':
      return sip(rest, context);
    default:
      throw new DialTargetError(
        `"${printable(name)}:" addresses cannot be dialled; use tel:, callto: or sip:`,
        'scheme',
      );
  }
}

/**
 * The dial string for a target (see parseDialTarget). Without options, the default region comes from the
 * environment (defaultRegionFromEnvironment); pass `{ defaultRegion }` to choose.
 */
export function dialableNumber(input: string, options?: DialOptions): string {
  return parseDialTarget(input, options ?? { defaultRegion: defaultRegionFromEnvironment() }).dialString;
}

/** Whether libphonenumber knows the region (ISO 3166 alpha-2, any case). */
export function isSupportedRegion(region: string): boolean {
  return isSupportedCountry(region.toUpperCase());
}

/**
 * The region the user's locale names, where that is a sensible guess: POSIX LC_ALL, then LC_TELEPHONE, then
 * LANG ("en_GB.UTF-8" → "GB"; "C", "POSIX" and "C.UTF-8" name none). On Windows and macOS, where those are
 * usually unset, the OS locale that Intl reports ("de-CH" → "CH"). Undefined when nothing names a region.
 */
export function defaultRegionFromEnvironment(
  env: NodeJS.ProcessEnv = process.env,
  platform: NodeJS.Platform = process.platform,
  intlLocale: () => string = () => Intl.DateTimeFormat().resolvedOptions().locale,
): string | undefined {
  const posix = env.LC_ALL || env.LC_TELEPHONE || env.LANG;
  if (posix) return regionOf(/^[A-Za-z]{2,3}_([A-Za-z]{2})(?:[.@].*)?$/.exec(posix)?.[1]);
  if (platform !== 'win32' && platform !== 'darwin') return undefined;
  try {
    return regionOf(new Intl.Locale(intlLocale()).region);
  } catch {
    return undefined;
  }
}

function regionOf(code: string | undefined): string | undefined {
  return code && /^[A-Za-z]{2}$/.test(code) && isSupportedRegion(code) ? code.toUpperCase() : undefined;
}

/**
 * Quotes untrusted text for messages and logs: printable ASCII only (backslash escapes for quotes,
 * backslashes, control characters, and any non-ASCII character, including direction marks), at most `max`
 * characters of output, cut with "...".
 */
export function printable(text: string, max = 60): string {
  let out = '';
  let cut = '';
  for (const char of text) {
    const piece = escapeCharacter(char);
    if (out.length + piece.length > max) return `${cut}...`;
    out += piece;
    if (out.length <= max - 3) cut = out;
  }
  return out;
}

function escapeCharacter(char: string): string {
  const code = char.codePointAt(0)!;
  if (char === '\\' || char === '"') return `\\${char}`;
  if (code >= 0x20 && code < 0x7f) return char;
  if (char === '\n') return '\\n';
  if (char === '\r') return '\\r';
  if (char === '\t') return '\\t';
  if (code < 0x100) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code < 0x10000) return `\\u${code.toString(16).padStart(4, '0')}`;
  return `\\u{${code.toString(16)}}`;
}

const EMPTY_MESSAGE = 'give a phone number or a tel:, callto: or sip: address';
const NOT_A_NUMBER = 'is not a phone number: use digits, an optional leading + and separators';

interface Context {
  readonly input: string;
  readonly region: CountryCode | undefined;
}

function regionOption(region: string | undefined): CountryCode | undefined {
  if (region === undefined || region === '') return undefined;
  const upper = region.toUpperCase();
  if (!isSupportedCountry(upper))
    throw new RangeError(
      `"${printable(region)}" is not a region libphonenumber knows (use codes like US, GB)`,
    );
  return upper;
}

function describeCharacter(char: string): string {
  const code = char.charCodeAt(0);
  if (code < 0x20 || code === 0x7f) return `a control character (${escapeCharacter(char)})`;
  return `a non-ASCII character (${escapeCharacter(char)})`;
}

/** Decodes %XX; the result must be printable ASCII too (no %00, %0A, no UTF-8 sequences). */
function percentDecode(text: string, context: Context): string {
  if (!text.includes('%')) return text;
  if (/%(?![0-9A-Fa-f]{2})/.test(text))
    throw new DialTargetError(`"${printable(context.input)}" has broken percent-encoding`, 'bad-encoding');
  const decoded = text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
  const bad = /[^\x20-\x7e]/.exec(decoded);
  if (bad)
    throw new DialTargetError(
      `"${printable(context.input)}" percent-encodes ${describeCharacter(bad[0])}`,
      'bad-encoding',
    );
  return decoded;
}

/** Visual separators: RFC 3966's - . ( ) plus the space and slash that people and web pages use. */
const SEPARATORS = /[ \-.()/]/g;

interface Digits {
  readonly global: boolean;
  readonly digits: string;
}

/** "+1 (201) 555-0123" → { global, digits }. Refuses letters, misplaced '+', service codes. */
function numberDigits(text: string, context: Context): Digits {
  const compact = text.replace(SEPARATORS, '');
  if (/^\+?[0-9]+$/.test(compact)) {
    const global = compact.startsWith('+');
    const digits = global ? compact.slice(1) : compact;
    if (digits.length > MAX_NUMBER_DIGITS)
      throw new DialTargetError(
        `"${printable(context.input)}" has too many digits (${digits.length}) for a phone number`,
        'invalid-number',
      );
    return { global, digits };
  }
  if (/^\+?[0-9*#A-Fa-f]+$/.test(compact) && /[*#]/.test(compact))
    throw new DialTargetError(
      `"${printable(context.input)}" is a service code (with * or #), not a phone number that can be dialled from the PC`,
      'service-code',
    );
  if (/[A-Za-z]/.test(compact))
    throw new DialTargetError(
      `"${printable(context.input)}" ${NOT_A_NUMBER} (names and letters like 1-800-FLOWERS cannot be dialled)`,
      'name',
    );
  throw new DialTargetError(`"${printable(context.input)}" ${NOT_A_NUMBER}`, 'syntax');
}

function extensionDigits(text: string, context: Context): string {
  const digits = text.replace(SEPARATORS, '');
  if (!/^[0-9]+$/.test(digits) || digits.length > MAX_EXTENSION_DIGITS)
    throw new DialTargetError(
      `"${printable(context.input)}" has an extension that is not 1 to ${MAX_EXTENSION_DIGITS} digits`,
      'extension',
    );
  return digits;
}

/** Numbers typed by people: "+1 (201) 555-0123", "0044 20 7946 0958", "201 555 0123 x12", "ext. 12", "#12". */
function typedNumber(text: string, context: Context): DialTarget {
  const ext = /^(.*?)[ ]*(?:x|ext\.?|extn\.?|extension|#|,)[ ]*([0-9][0-9 \-.]*)$/i.exec(text);
  const numberText = ext ? ext[1]! : text;
  const extension = ext ? extensionDigits(ext[2]!, context) : undefined;
  return normalise(numberDigits(numberText, context), extension, context);
}

/** callto:+15550100, callto://+1-555-0100, percent-encoded or not; the body is read like a typed number. */
function callto(rest: string, context: Context): DialTarget {
  const body = rest.startsWith('//') ? rest.slice(2) : rest;
  if (/[?;@:]/.test(body))
    throw new DialTargetError(`"${printable(context.input)}" ${NOT_A_NUMBER}`, 'syntax');
  const decoded = percentDecode(body, context);
  if (decoded.replace(SEPARATORS, '') === '')
    throw new DialTargetError(`"${printable(context.input)}" ${NOT_A_NUMBER}`, 'syntax');
  return typedNumber(decoded.replace(/^ +| +$/g, ''), context);
}

/**
 * RFC 3966 pname is 1*(alphanum / "-"); this also asks for a leading letter, as every registered parameter has:
 * "tel:+49-30-123456;7" is far more likely a slip than a parameter named "7", and is refused.
 */
const PARAMETER_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;
/** RFC 3966 paramchar before decoding: unreserved, param-unreserved and pct-encoded. */
const PARAMETER_VALUE = /^(?:[A-Za-z0-9\-_.!~*'()[\]/:&+$]|%[0-9A-Fa-f]{2})+$/;

/**
 * An RFC 3966 telephone-subscriber (the part after "tel:", or a sip: user part with user=phone):
 * number *(";" name ["=" value]), names case-insensitive, any order, each at most once.
 */
function telSubscriber(text: string, context: Context): DialTarget {
  const [numberPart = '', ...parameterParts] = text.split(';');
  const parameters = new Map<string, string | undefined>();
  for (const part of parameterParts) {
    const equals = part.indexOf('=');
    const name = (equals < 0 ? part : part.slice(0, equals)).toLowerCase();
    const value = equals < 0 ? undefined : part.slice(equals + 1);
    if (!PARAMETER_NAME.test(name) || (value !== undefined && !PARAMETER_VALUE.test(value)))
      throw new DialTargetError(
        `"${printable(context.input)}" has a malformed parameter ";${printable(part, 30)}"`,
        'syntax',
      );
    if (parameters.has(name))
      throw new DialTargetError(
        `"${printable(context.input)}" gives the parameter "${printable(name, 30)}" more than once`,
        'syntax',
      );
    parameters.set(name, value === undefined ? undefined : percentDecode(value, context));
  }
  // The number itself: RFC 3966 phonedigits, but also the spaces (raw or %20) that real links carry.
  if (!/^[0-9A-Za-z+*#\-.()/ %]*$/.test(numberPart))
    throw new DialTargetError(`"${printable(context.input)}" ${NOT_A_NUMBER}`, 'syntax');
  const number = numberDigits(percentDecode(numberPart, context), context);

  const ext = parameters.get('ext');
  if (parameters.has('ext') && !ext)
    throw new DialTargetError(`"${printable(context.input)}" has an empty extension`, 'extension');
  const extension = ext === undefined ? undefined : extensionDigits(ext, context);
  // ;isub= (an ISDN subaddress) cannot be carried by a desk phone's dial; it was checked above and is dropped.
  if (parameters.has('isub') && !parameters.get('isub'))
    throw new DialTargetError(`"${printable(context.input)}" has an empty ISDN subaddress`, 'syntax');

  if (number.global || !parameters.has('phone-context')) return normalise(number, extension, context);
  const phoneContext = parameters.get('phone-context');
  if (!phoneContext)
    throw new DialTargetError(`"${printable(context.input)}" has an empty phone-context`, 'syntax');
  return withPhoneContext(number.digits, phoneContext, extension, context);
}

/**
 * A local number in an RFC 3966 phone-context. "+44" (a country code) reads the number as a national number
 * of that country (so a trunk prefix 0 is handled); "+1-201" (a longer prefix) is prepended. A domain name
 * names a private numbering plan, which cannot be written in E.164: refused.
 */
function withPhoneContext(
  local: string,
  phoneContext: string,
  extension: string | undefined,
  context: Context,
): DialTarget {
  if (!phoneContext.startsWith('+'))
    throw new DialTargetError(
      `"${printable(context.input)}" is a number in the private numbering plan of "${printable(phoneContext, 40)}"; only numbers that have an international form can be dialled`,
      'private-numbering',
    );
  const prefix = phoneContext.slice(1).replace(SEPARATORS, '');
  if (!/^[0-9]{1,15}$/.test(prefix))
    throw new DialTargetError(
      `"${printable(context.input)}" has a phone-context that is not a number prefix like +44`,
      'syntax',
    );
  const candidates = new Map<string, PhoneNumber>();
  const concatenated = tryParse(`+${prefix}${local}`, {});
  if (concatenated?.isValid()) candidates.set(concatenated.number, concatenated);
  const national = tryParse(local, { defaultCallingCode: prefix });
  if (national?.isValid()) candidates.set(national.number, national);
  if (candidates.size === 0)
    throw new DialTargetError(
      `"${printable(context.input)}" is not a valid phone number in the phone-context +${prefix}`,
      'invalid-number',
    );
  if (candidates.size > 1)
    throw new DialTargetError(
      `"${printable(context.input)}" could mean ${[...candidates.keys()].join(' or ')}; write it in international form`,
      'invalid-number',
    );
  return target([...candidates.values()][0]!, extension);
}

/**
 * sip:/sips: user[:password]@host[:port][;params][?headers]. Only the user part is used, and only when it is a
 * phone number: with ;user=phone it is a telephone-subscriber (parameters allowed); without, it must be
 * plainly a number. The password, host, parameters and headers are checked for shape and dropped.
 */
function sip(rest: string, context: Context): DialTarget {
  const at = rest.indexOf('@');
  if (at < 0 || rest.indexOf('@', at + 1) >= 0)
    throw new DialTargetError(`"${printable(context.input)}" has no user part to dial`, 'no-user');
  const userinfo = rest.slice(0, at);
  const afterAt = rest.slice(at + 1);
  const colon = userinfo.indexOf(':');
  const user = colon < 0 ? userinfo : userinfo.slice(0, colon);
  if (user === '')
    throw new DialTargetError(`"${printable(context.input)}" has no user part to dial`, 'no-user');
  const password = colon < 0 ? '' : userinfo.slice(colon + 1);
  if (
    !/^(?:[A-Za-z0-9\-_.!~*'()&=+$,;?/]|%[0-9A-Fa-f]{2})+$/.test(user) ||
    !/^(?:[A-Za-z0-9\-_.!~*'()&=+$,]|%[0-9A-Fa-f]{2})*$/.test(password)
  )
    throw new DialTargetError(`"${printable(context.input)}" has a malformed user part`, 'syntax');

  const question = afterAt.indexOf('?');
  const headers = question < 0 ? '' : afterAt.slice(question + 1);
  if (!/^(?:[A-Za-z0-9\-_.!~*'()[\]/?:+$&=]|%[0-9A-Fa-f]{2})*$/.test(headers))
    throw new DialTargetError(`"${printable(context.input)}" has malformed headers`, 'syntax');
  const [hostport = '', ...parameterParts] = (question < 0 ? afterAt : afterAt.slice(0, question)).split(';');
  if (!/^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?)(?::[0-9]{1,5})?$/.test(hostport))
    throw new DialTargetError(`"${printable(context.input)}" has a malformed host`, 'syntax');
  let userIsPhone = false;
  for (const part of parameterParts) {
    const [name = '', value, extra] = part.split('=');
    if (
      !PARAMETER_NAME.test(name) ||
      extra !== undefined ||
      (value !== undefined && !/^(?:[A-Za-z0-9\-_.!~*'()[\]/:&+$]|%[0-9A-Fa-f]{2})+$/.test(value))
    )
      throw new DialTargetError(
        `"${printable(context.input)}" has a malformed parameter ";${printable(part, 30)}"`,
        'syntax',
      );
    if (name.toLowerCase() === 'user' && value?.toLowerCase() === 'phone') userIsPhone = true;
  }
  if (userIsPhone) return telSubscriber(user, context);
  const decoded = percentDecode(user, context);
  if (!/^\+?[0-9 \-.()]+$/.test(decoded))
    throw new DialTargetError(
      `"${printable(context.input)}" is the SIP address of a name, not of a phone number (use ;user=phone for numbers)`,
      'name',
    );
  return normalise(numberDigits(decoded, context), undefined, context);
}

function tryParse(
  text: string,
  options: { defaultCountry?: CountryCode; defaultCallingCode?: string },
): PhoneNumber | undefined {
  try {
    return parsePhoneNumberWithError(text, { ...options, extract: false });
  } catch {
    // ParseError, or a plain Error for a calling code libphonenumber does not know.
    return undefined;
  }
}

function normalise(number: Digits, extension: string | undefined, context: Context): DialTarget {
  if (number.digits.length === 0)
    throw new DialTargetError(`"${printable(context.input)}" ${NOT_A_NUMBER}`, 'syntax');
  if (!number.global && !context.region)
    throw new DialTargetError(
      `"${printable(context.input)}" is a local number: set a default region (like US or GB) or write it in international form (+ and the country code)`,
      'needs-region',
    );
  const text = number.global ? `+${number.digits}` : number.digits;
  let parsed: PhoneNumber;
  try {
    parsed = parsePhoneNumberWithError(text, { defaultCountry: context.region, extract: false });
  } catch (error) {
    const problem = error instanceof ParseError ? parseProblem(error.message) : 'not a number';
    throw new DialTargetError(
      `"${printable(context.input)}" is not a valid phone number (${problem})`,
      'invalid-number',
    );
  }
  if (!parsed.isValid())
    throw new DialTargetError(
      `"${printable(context.input)}" is not a valid phone number${number.global ? '' : ` in region ${context.region}`} (${parsed.isPossible() ? 'no such number in that numbering plan' : 'wrong length for that numbering plan'})`,
      'invalid-number',
    );
  return target(parsed, extension);
}

function parseProblem(code: string): string {
  switch (code) {
    case 'INVALID_COUNTRY':
      return 'unknown country code';
    case 'TOO_SHORT':
      return 'too short';
    case 'TOO_LONG':
      return 'too long';
    default:
      return 'not a number';
  }
}

function target(parsed: PhoneNumber, extension: string | undefined): DialTarget {
  const e164 = parsed.number;
  if (!/^\+[1-9][0-9]{1,14}$/.test(e164))
    throw new DialTargetError(`${printable(e164)} is not an E.164 number`, 'invalid-number');
  const national = parsed.formatInternational();
  const display = (extension ? `${national} ext. ${extension}` : national).replace(/[^\x20-\x7e]/g, ' ');
  return extension === undefined
    ? { e164, dialString: e164, display }
    : { e164, extension, dialString: `${e164},${extension}`, display };
}
