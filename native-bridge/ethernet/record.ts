// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { z } from 'zod';
import { displayText } from '../link/display-text.js';
import { DEVICE_ID_PATTERN } from '../link/identity.js';
import { PAIRING_MODES, PROTOCOL_VERSION } from '../link/messages.js';

/**
 * The DNS-SD record a phone publishes: `_btoe._tcp.local`, port = where it accepts the protocol, TXT as below
 * (docs/protocol.md, "Discovery"). Everything in it is a claim: the device id is only trusted once the phone's
 * TLS certificate hashes to it, and the PC-port MACs only decide whether Auto pairing is *offered*; the phone's
 * hello over TLS is asked again before pairing.
 *
 * TXT keys: id (device id), vendor, model, fw (firmware), pv (protocol version, "1"), mode (auto|manual: how the
 * phone is provisioned), pcmac (the MACs the phone's switch has learned on its PC port, 12 hex digits each,
 * comma-separated, at most 8: what the adjacency check needs).
 */
export const SERVICE_TYPE = 'btoe';
export const SERVICE_PROTOCOL = 'tcp';
export const SERVICE_NAME = `_${SERVICE_TYPE}._${SERVICE_PROTOCOL}.local`;
/** RFC 6763 recommends TXT records stay small; ours fit in ~200 bytes, and anything over this is refused. */
export const MAX_TXT_BYTES = 512;
export const MAX_PC_PORT_MACS = 8;

// Shown in `btoe devices` and the window before any TLS: printable only (display-text.ts).
const short = displayText(64, 1);
const macList = z
  .string()
  .max(MAX_PC_PORT_MACS * 13)
  .regex(/^([0-9a-f]{12}(,[0-9a-f]{12})*)?$/, 'MACs as 12 lowercase hex digits, comma-separated');

export const txtSchema = z.object({
  id: z.string().regex(DEVICE_ID_PATTERN, 'a device id'),
  vendor: short,
  model: short,
  fw: short,
  pv: z.literal(String(PROTOCOL_VERSION)),
  mode: z.enum(PAIRING_MODES),
  pcmac: macList.optional(),
});

export interface PhoneClaims {
  id: string;
  vendor: string;
  model: string;
  firmware: string;
  protocol: number;
  pairingMode: (typeof PAIRING_MODES)[number];
  pcPortMacs: string[];
}

/** The TXT key/value pairs for a phone's claims (what the advertiser publishes). */
export function encodeTxt(claims: Omit<PhoneClaims, 'protocol'>): Record<string, string> {
  const macs = claims.pcPortMacs.slice(0, MAX_PC_PORT_MACS).map((m) => m.replace(/[:-]/g, '').toLowerCase());
  return {
    id: claims.id,
    vendor: claims.vendor,
    model: claims.model,
    fw: claims.firmware,
    pv: String(PROTOCOL_VERSION),
    mode: claims.pairingMode,
    pcmac: macs.join(','),
  };
}

export class RecordError extends Error {
  override readonly name = 'RecordError';
}

/**
 * Validates a raw TXT record (the wire's strings) and returns the claims. Refuses a record over MAX_TXT_BYTES
 * before decoding it, duplicate keys (RFC 6763: the first wins, but a phone that sends two is not ours), and
 * anything the schema does not accept.
 */
export function decodeTxt(raw: readonly Uint8Array[]): PhoneClaims {
  let size = 0;
  for (const entry of raw) size += entry.length + 1;
  if (size > MAX_TXT_BYTES) throw new RecordError(`TXT record of ${size} bytes (at most ${MAX_TXT_BYTES})`);
  const values: Record<string, string> = {};
  for (const entry of raw) {
    const text = Buffer.from(entry).toString('utf8');
    const eq = text.indexOf('=');
    const key = (eq < 0 ? text : text.slice(0, eq)).toLowerCase();
    if (key === '') continue;
    if (Object.hasOwn(values, key)) throw new RecordError(`TXT key "${key.slice(0, 16)}" appears twice`);
    values[key] = eq < 0 ? '' : text.slice(eq + 1);
  }
  const parsed = txtSchema.safeParse(values);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RecordError(`TXT ${issue?.path.join('.') || 'record'}: ${issue?.message ?? 'invalid'}`);
  }
  const t = parsed.data;
  return {
    id: t.id,
    vendor: t.vendor,
    model: t.model,
    firmware: t.fw,
    protocol: Number(t.pv),
    pairingMode: t.mode,
    pcPortMacs: (t.pcmac ?? '')
      .split(',')
      .filter((m) => m !== '')
      .map((m) => m.match(/../g)!.join(':')),
  };
}
