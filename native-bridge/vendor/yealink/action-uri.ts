// Environment: any (plain TypeScript).
// The one builder of Yealink Action URI requests (`GET /servlet?key=VALUE`, Yealink admin guides, "Action URI").
// The phone's parser is strict in ways a generic URL encoder does not respect, so every request goes through
// here: `key` (or `phonecfg`) is the first query parameter or the phone ignores the request; a trailing `&` breaks
// it; an unescaped `+` reaches the phone as a space (a dialled "+33..." would become " 33..."), so every character
// of a value that is not unreserved (RFC 3986) is percent-escaped, `+ * # : @ ; = & ?` included.

/** The phone keys the driver presses: each is a documented Action URI value. */
export const PLAIN_KEYS = ['OK', 'ENTER', 'SPEAKER', 'MUTE', 'F_HOLD', 'CALLEND'] as const;
export type PlainKey = (typeof PLAIN_KEYS)[number];

/** The documented keys that act on one call, named by its call_id (`ASW:33093`). */
export const CALL_KEYS = ['ASW', 'CANCEL', 'HOLD', 'UNHOLD'] as const;
export type CallKey = (typeof CALL_KEYS)[number];

export type ActionCommand =
  | { kind: 'key'; key: PlainKey }
  | { kind: 'call-key'; key: CallKey; callId: string }
  /** `key=number=NUMBER&outgoing_uri=ACCOUNT`: dial NUMBER from ACCOUNT (the phone's default account if absent). */
  | { kind: 'dial'; number: string; account?: string | undefined }
  /** `phonecfg=get&accounts=1&dnd=0&fw=1`: firmware and account registrations. */
  | { kind: 'phonecfg' };

export class ActionUriError extends Error {
  override readonly name = 'ActionUriError';
}

/** A dial string (digits, +, *, #) or a sip:/sips: URI of printable ASCII. */
const DIAL_STRING = /^(\+?[0-9*#]{1,32}|sips?:[\x21-\x7e]{1,200})$/;
/** A Yealink call_id ($call_id: a number in practice); unreserved characters only, so it can never add syntax. */
export const CALL_ID = /^[A-Za-z0-9._~-]{1,64}$/;
/** An account's outgoing URI (`1001@pbx.example.com`) or its index on the phone. */
const ACCOUNT = /^[\x21-\x7e]{1,128}$/;

/** Percent-escapes everything but RFC 3986's unreserved characters (encodeURIComponent leaves `!'()*` raw). */
export function escapeValue(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** The query of one request: `key=...` or `phonecfg=...` first, no trailing `&`. */
export function actionQuery(command: ActionCommand): string {
  switch (command.kind) {
    case 'key':
      if (!(PLAIN_KEYS as readonly string[]).includes(command.key)) throw new ActionUriError('unknown key');
      return `key=${command.key}`;
    case 'call-key':
      if (!(CALL_KEYS as readonly string[]).includes(command.key))
        throw new ActionUriError('unknown call key');
      if (!CALL_ID.test(command.callId))
        throw new ActionUriError('a call_id is 1-64 letters, digits or ._~-');
      return `key=${command.key}:${escapeValue(command.callId)}`;
    case 'dial': {
      if (!DIAL_STRING.test(command.number))
        throw new ActionUriError('a number to dial is digits, +, * and # (32 at most) or a sip: URI');
      const dial = `key=number=${escapeValue(command.number)}`;
      if (command.account === undefined || command.account === '') return dial;
      if (!ACCOUNT.test(command.account))
        throw new ActionUriError('an outgoing account is 1-128 printable ASCII');
      return `${dial}&outgoing_uri=${escapeValue(command.account)}`;
    }
    case 'phonecfg':
      return 'phonecfg=get&accounts=1&dnd=0&fw=1';
  }
}

/** The request's path and query, sent as is: `/servlet?` + the query. */
export function actionPath(command: ActionCommand): string {
  return `/servlet?${actionQuery(command)}`;
}
