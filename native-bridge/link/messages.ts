// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { z } from 'zod';
import { displayText } from './display-text.js';
import { ERROR_CODES, ProtocolError } from './errors.js';

/**
 * The message set of the open protocol: the one source of truth for the wire contract in code, kept in step
 * with docs/protocol.md by the vector tests. Each schema lists its members in the canonical order that
 * encoders emit; decoders accept any order and ignore members they do not know (forward compatibility).
 */

export const PROTOCOL_VERSION = 1;

const id = z.number().int().min(1).max(0xffff_ffff);
const re = z.number().int().min(0).max(0xffff_ffff);
const text = (max: number) => z.string().max(max);
const hex = (bytes: number) =>
  z.string().regex(new RegExp(`^[0-9a-f]{${bytes * 2}}$`), `${bytes} bytes as lowercase hex`);
export const macAddress = z
  .string()
  .regex(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/, 'a MAC address like 00:04:f2:aa:bb:cc');
/** Dialable number as sent to the phone: digits with an optional leading '+', then '*', '#' or ',' for DTMF. */
const dialString = z
  .string()
  .regex(/^\+?[0-9*#]{1,32}(,[0-9*#]{1,32})?$/, 'digits, optional + and an extension');
const upn = text(256);

export const LOCK_TYPES = ['phone-lock', 'device-lock'] as const;
export const PAIRING_MODES = ['auto', 'manual'] as const;
export const CALL_STATES = [
  'dialing',
  'ringback',
  'offering',
  'connected',
  'held',
  'ended',
  'failed',
] as const;
export const CAPABILITIES = ['lock', 'call-control', 'sign-in', 'pair-then-session'] as const;
/**
 * The phone's capability that lets a pairing connection carry on as a session once paired (docs/protocol.md,
 * "Session after pairing"); a companion asks for it with pair-start `session` only when the phone lists it.
 */
export const PAIR_THEN_SESSION = 'pair-then-session';

const phoneHello = z.object({
  type: z.literal('hello'),
  id,
  protocol: z.literal(PROTOCOL_VERSION),
  role: z.literal('phone'),
  // Shown to people and stored: printable only (display-text.ts).
  vendor: displayText(64),
  family: displayText(64),
  model: displayText(64),
  firmware: displayText(64),
  serial: displayText(64),
  mac: macAddress,
  lockType: z.enum(LOCK_TYPES),
  capabilities: z.array(z.enum(CAPABILITIES).or(text(32))).max(16),
  pairing: z.object({
    mode: z.enum(PAIRING_MODES),
    window: z.enum(['open', 'closed']),
    // For this connection only: the phone saw its peer's layer-2 source on its PC port. No MAC leaves the phone.
    peerOnPcPort: z.boolean(),
  }),
});

const companionHello = z.object({
  type: z.literal('hello'),
  id,
  protocol: z.literal(PROTOCOL_VERSION),
  role: z.literal('companion'),
  app: displayText(64),
});

const bare = <T extends string>(type: T) => z.object({ type: z.literal(type), id });

export const messageSchemas = {
  pairStart: z.object({
    type: z.literal('pair-start'),
    id,
    mode: z.enum(PAIRING_MODES),
    sid: hex(16),
    share: hex(32),
    // true: once paired, this connection carries on as a session (the phone listed PAIR_THEN_SESSION).
    session: z.literal(true).optional(),
  }),
  pairConfirm: z.object({ type: z.literal('pair-confirm'), id, tag: hex(64) }),
  lock: bare('lock'),
  unlock: bare('unlock'),
  dial: z.object({ type: z.literal('dial'), id, number: dialString }),
  answer: bare('answer'),
  reject: bare('reject'),
  hangup: bare('hangup'),
  hold: bare('hold'),
  resume: bare('resume'),
  mute: z.object({ type: z.literal('mute'), id, muted: z.boolean() }),
  call: z.object({
    type: z.literal('call'),
    id,
    callId: z.number().int().min(1).max(0xffff_ffff),
    state: z.enum(CALL_STATES),
    direction: z.enum(['in', 'out']),
    number: text(64),
    muted: z.boolean(),
  }),
  lockState: z.object({ type: z.literal('lock-state'), id, locked: z.boolean() }),
  signInRequest: z.discriminatedUnion('method', [
    z.object({
      type: z.literal('sign-in-request'),
      id,
      method: z.literal('web'),
      verificationUri: text(512),
      userCode: text(32),
      expiresIn: z.number().int().min(1).max(3600),
      verificationUriComplete: text(512).optional(),
    }),
    z.object({ type: z.literal('sign-in-request'), id, method: z.literal('credentials') }),
  ]),
  signInResponse: z.discriminatedUnion('method', [
    z.object({
      type: z.literal('sign-in-response'),
      id,
      method: z.literal('credentials'),
      user: upn,
      password: text(256),
    }),
    z.object({ type: z.literal('sign-in-response'), id, method: z.literal('declined') }),
  ]),
  signInState: z.object({ type: z.literal('sign-in-state'), id, user: upn.nullable() }),
  unpair: bare('unpair'),
  ping: bare('ping'),
  ack: z.object({ type: z.literal('ack'), re }),
  error: z.object({ type: z.literal('error'), re, code: z.enum(ERROR_CODES), message: text(256) }),
  pairReply: z.object({ type: z.literal('pair-reply'), re, share: hex(32), tag: hex(64) }),
} as const;

const s = messageSchemas;
export const helloSchema = z.discriminatedUnion('role', [phoneHello, companionHello]);
export const messageSchema = z.discriminatedUnion('type', [
  helloSchema,
  s.pairStart,
  s.pairConfirm,
  s.lock,
  s.unlock,
  s.dial,
  s.answer,
  s.reject,
  s.hangup,
  s.hold,
  s.resume,
  s.mute,
  s.call,
  s.lockState,
  s.signInRequest,
  s.signInResponse,
  s.signInState,
  s.unpair,
  s.ping,
  s.ack,
  s.error,
  s.pairReply,
]);

export type Message = z.infer<typeof messageSchema>;
export type MessageType = Message['type'];
export type PhoneHello = z.infer<typeof phoneHello>;
export type CompanionHello = z.infer<typeof companionHello>;
export type CallEvent = z.infer<typeof s.call>;
export type CallState = (typeof CALL_STATES)[number];
export type PairingMode = (typeof PAIRING_MODES)[number];
export type LockType = (typeof LOCK_TYPES)[number];

/** Responses carry `re` (the id they answer); every other message carries `id` and gets exactly one response. */
export type Response = Extract<Message, { re: number }>;
export type Request = Exclude<Message, { re: number }>;
type Distribute<T> = T extends unknown ? Omit<T, 'id'> : never;
export type RequestBody = Distribute<Request>;

export function isResponse(message: Message): message is Response {
  return 're' in message;
}

const KNOWN_TYPES: ReadonlySet<unknown> = messageSchema._zod.propValues.type ?? new Set();

/**
 * The messages that are a type and one number (`id` for lock, ping, hangup…, `re` for ack), read off the schemas
 * above: the commonest on a link, encoded and decoded without a schema pass, to the same bytes and values.
 */
const TWO_MEMBER = new Map<unknown, { member: 'id' | 're'; min: number }>();
for (const schema of Object.values(messageSchemas)) {
  if (!(schema instanceof z.ZodObject)) continue;
  const shape: Record<string, unknown> = schema.shape;
  const keys = Object.keys(shape);
  const number = shape.id === id ? 'id' : shape.re === re ? 're' : undefined;
  if (!number || keys.length !== 2 || keys[0] !== 'type' || keys[1] !== number) continue;
  if (shape.type instanceof z.ZodLiteral)
    TWO_MEMBER.set(shape.type.value, { member: number, min: number === 'id' ? 1 : 0 });
}

const inRange = (value: unknown, min: number): value is number =>
  Number.isInteger(value) && (value as number) >= min && (value as number) <= 0xffff_ffff;

/** Canonical encoding: the schema's member order, no whitespace, UTF-8. */
export function encodeMessage(message: Message): Buffer {
  const m = message as Record<string, unknown>;
  const two = TWO_MEMBER.get(m.type);
  if (two && inRange(m[two.member], two.min) && Object.keys(m).length === 2) {
    return Buffer.from(`{"type":"${m.type as string}","${two.member}":${m[two.member] as number}}`, 'utf8');
  }
  return Buffer.from(JSON.stringify(messageSchema.parse(message)), 'utf8');
}

// Built once: constructing a zod schema per message cost more than the rest of a round trip.
const envelopeSchema = z.object({ type: z.string().max(64), id: id.optional() });

/**
 * Decodes one message body. Throws ProtocolError with `bad-message` (not JSON, bad members) or `unknown-type`;
 * `replyTo` on the error is the id to answer when the envelope was readable, so the link can answer and go on.
 */
export function decodeMessage(body: Uint8Array): Message {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    throw new DecodeError('bad-message', 'the message is not JSON', undefined);
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const v = value as Record<string, unknown>;
    const two = TWO_MEMBER.get(v.type);
    // An ack that also carries an `id` goes the long way, which checks that id as every envelope's.
    if (two && inRange(v[two.member], two.min) && (two.member === 'id' || v.id === undefined))
      return { type: v.type, [two.member]: v[two.member] } as Message;
  }
  const parsed = messageSchema.safeParse(value);
  if (parsed.success && inEnvelope(value)) return parsed.data;
  // Invalid: say why as precisely as the envelope allows, and whom to answer.
  const envelope = envelopeSchema.safeParse(value);
  if (!envelope.success) {
    const what = envelope.error.issues[0]?.path[0] === 'id' ? 'id' : 'type';
    throw new DecodeError('bad-message', `the message has no valid ${what}`, undefined);
  }
  const { type, id: requestId } = envelope.data;
  if (!KNOWN_TYPES.has(type))
    throw new DecodeError('unknown-type', `unknown message type "${type}"`, requestId);
  const issue = parsed.error?.issues[0];
  const where = issue && issue.path.length > 0 ? ` at ${issue.path.join('.')}` : '';
  throw new DecodeError(
    'bad-message',
    `invalid "${type}" message${where}: ${issue?.message ?? 'invalid'}`,
    requestId,
    type,
  );
}

/** What the envelope schema adds to a message that passed its own: an `id` member, if any, is a valid id. */
function inEnvelope(value: unknown): boolean {
  const requestId = (value as { id?: unknown }).id;
  return requestId === undefined || inRange(requestId, 1);
}

export class DecodeError extends ProtocolError {
  constructor(
    code: 'bad-message' | 'unknown-type',
    message: string,
    readonly replyTo: number | undefined,
    /** The message's type when it was a known one. */
    readonly type?: string,
  ) {
    super(code, message);
  }
}
