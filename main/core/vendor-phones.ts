// Environment: Node (main process core).
import { isDisplayText } from '../../native-bridge/link/display-text.js';
import {
  DEFAULT_EVENT_PORT,
  eventUrl,
  facingAddress,
  phoneAddressOf,
} from '../../native-bridge/vendor/event-listener.js';
import { lockTypeFor } from '../../native-bridge/firmware/minimums.js';
import {
  type DeviceFacts,
  type VendorKind,
  type VendorPhoneClient,
  VENDOR_KINDS,
  VendorPhoneError,
} from '../../native-bridge/vendor/vendor-phone.js';
import { type Companion, CompanionError } from './companion.js';
import {
  type PairedPhone,
  type VendorDriverRecord,
  vendorDeviceId,
  vendorSecretName,
} from './pairing-store.js';
import { vendorName } from './phone-driver.js';
import { type PhoneCertificate, readPhoneCertificate, vendorClients } from './vendor-clients.js';
import { VendorPhone } from './vendor-phone.js';

/** What `btoe add` and the window's "Add a Poly or Yealink phone…" ask for. */
export interface AddPhoneRequest {
  vendor: VendorKind;
  url: string;
  user: string;
  password: string;
  /** The SHA-256 fingerprint the user expects (hex, colons and case ignored); HTTPS only. */
  certificateSha256?: string;
  /**
   * Without a fingerprint, an HTTPS phone's certificate is pinned as it is (the CLI: trust on first use, printed)
   * or shown for the user to confirm first (the window): 'pin' or 'confirm'.
   */
  unconfirmedCertificate: 'pin' | 'confirm';
}

export type AddPhoneOutcome =
  | {
      added: PairedPhone;
      replaced: boolean;
      certificate: PhoneCertificate | undefined;
      facts: DeviceFacts;
      client: VendorPhoneClient;
    }
  | { confirmCertificate: PhoneCertificate };

/** The API's base URL as stored: http(s), a host, an optional port, nothing else. */
export function vendorUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CompanionError('usage', `"${printable(text)}" is not a URL like https://10.0.0.5`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new CompanionError(
      'usage',
      `the phone's URL must start with https:// or http://, not ${url.protocol}//`,
    );
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== ''))
    throw new CompanionError(
      'usage',
      `the phone's URL is its address only (like https://10.0.0.5 or http://10.0.0.5:8080): no path, query or user in it`,
    );
  return url;
}

export function isVendorKind(text: string | undefined): text is VendorKind {
  return (VENDOR_KINDS as readonly string[]).includes(text ?? '');
}

/** Hex, lower case, no separators: how fingerprints are compared. */
export function normalizeFingerprint(text: string): string {
  const hex = text.replace(/[:\s]/g, '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new CompanionError(
      'usage',
      `--certificate is a SHA-256 fingerprint: 64 hex digits (colons allowed)`,
    );
  return hex;
}

/**
 * Adds a Poly or Yealink phone: the same policy as pairing (BToE on, Ethernet allowed), its certificate read and
 * pinned (or checked against the fingerprint the user gave), its facts asked with the admin credentials, then
 * stored beside the paired phones, the password only in the secret store.
 */
export async function addVendorPhone(
  companion: Companion,
  request: AddPhoneRequest,
): Promise<AddPhoneOutcome> {
  companion.rules.assertMayPair('manual');
  companion.rules.assertTransport('tcp');
  const url = vendorUrl(request.url);
  if (request.user === '') throw new CompanionError('usage', 'add needs the API user: --user USER');
  if (request.password === '') throw new CompanionError('usage', "add needs the phone's admin password");
  const expected =
    request.certificateSha256 === undefined ? undefined : normalizeFingerprint(request.certificateSha256);
  let certificate: PhoneCertificate | undefined;
  if (url.protocol === 'https:') {
    certificate = await readPhoneCertificate(url.origin);
    if (expected === undefined && request.unconfirmedCertificate === 'confirm')
      return { confirmCertificate: certificate };
    if (expected !== undefined && normalizeFingerprint(certificate.sha256) !== expected)
      throw new CompanionError(
        'identity-changed',
        `the phone at ${url.origin} presented a certificate with the SHA-256 fingerprint ${certificate.sha256}, not the one you gave: check the fingerprint on the phone (its web interface, Certificates) before trusting it`,
      );
  } else if (expected !== undefined) {
    throw new CompanionError('usage', '--certificate is for an https:// phone; this one is http://');
  }
  const client = await vendorClients(request.vendor, {
    url: url.origin,
    credentials: { user: request.user, password: request.password },
    ...(certificate ? { pinnedCertificate: certificate.pem } : {}),
  });
  const facts = await client.facts();
  const driver: VendorDriverRecord = {
    kind: request.vendor,
    url: url.origin,
    user: request.user,
    ...(certificate ? { certificate: certificate.pem } : {}),
  };
  const phone = vendorRecord(request.vendor, facts, driver);
  const replaced = companion.pairings.get(phone.id) !== undefined;
  // The secret first: a record without its password could not be reached; a password without a record is
  // overwritten by the next add and deleted by unpair.
  await companion.secrets.set(vendorSecretName(phone.id), new TextEncoder().encode(request.password));
  await companion.pairings.upsert(phone);
  return { added: phone, replaced, certificate, facts, client };
}

/** Reaches a stored vendor phone: its password from the secret store, its facts asked (the phone answers). */
export async function openVendorPhone(companion: Companion, phone: PairedPhone): Promise<VendorPhone> {
  const driver = phone.driver!;
  companion.rules.assertTransport('tcp');
  const secret = await companion.secrets.get(vendorSecretName(phone.id));
  if (secret === undefined)
    throw new CompanionError(
      'not-paired',
      `the admin password of ${phone.name} (${phone.id}) is not in ${companion.secrets.description}: add the phone again with "btoe add ${driver.kind} ${driver.url} --user ${driver.user} --password-stdin"`,
    );
  const client = await vendorClients(driver.kind, {
    url: driver.url,
    credentials: { user: driver.user, password: new TextDecoder().decode(secret) },
    ...(driver.certificate ? { pinnedCertificate: driver.certificate } : {}),
  });
  const facts = await client.facts();
  if (facts.mac !== '' && phone.mac !== '' && facts.mac.toLowerCase() !== phone.mac)
    throw new CompanionError(
      'identity-changed',
      `the phone at ${driver.url} is not ${phone.name} (${phone.id}): its MAC is ${facts.mac}, not ${phone.mac}. If the phone was replaced, add the new one with "btoe add ${driver.kind} ${driver.url} --user ${driver.user} --password-stdin"`,
    );
  return new VendorPhone(phone, client, facts, companion.rules);
}

function vendorRecord(kind: VendorKind, facts: DeviceFacts, driver: VendorDriverRecord): PairedPhone {
  const mac = facts.mac.toLowerCase();
  if (mac !== '' && !/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(mac))
    throw new VendorPhoneError(
      'bad-answer',
      `the phone reported a MAC address that cannot be read: ${printable(mac)}`,
    );
  const vendor = printable(facts.vendor || vendorName(kind), 64);
  const model = printable(facts.model, 64);
  const firmware = printable(facts.firmware, 64);
  return {
    id: vendorDeviceId(kind, mac, driver.url),
    name: printable(model === '' ? `${vendor} phone` : `${vendor} ${model}`, 129),
    vendor,
    family: vendorName(kind),
    model,
    firmware,
    serial: '',
    mac,
    lockType: lockTypeFor(vendor, firmware),
    transport: 'tcp',
    address: driver.url,
    mode: 'manual',
    confirmedByUser: true,
    pairedAt: new Date().toISOString(),
    driver,
  };
}

/** What a phone reported, made safe to store and print (it is checked as display text when read back). */
function printable(text: string, max = 80): string {
  const clean = [...text].filter((c) => isDisplayText(c)).join('');
  return clean.length > max ? clean.slice(0, max) : clean;
}

/** The port of the event listener: BTOE_EVENT_PORT (0: any free one, for tests), else the documented default. */
export function eventPort(env: NodeJS.ProcessEnv = process.env): number {
  const text = env['BTOE_EVENT_PORT'];
  if (text === undefined || text === '') return DEFAULT_EVENT_PORT;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CompanionError(
      'usage',
      `BTOE_EVENT_PORT must be a port number (0-65535), not "${printable(text)}"`,
    );
  return port;
}

/**
 * Where the running companion listens for this phone's events, worked out without sending anything (the route
 * to the phone); undefined when the port is picked at run time (BTOE_EVENT_PORT=0) or no route faces the phone.
 */
export async function expectedEventUrl(phone: PairedPhone): Promise<string | undefined> {
  const port = eventPort();
  if (port === 0 || !phone.driver) return undefined;
  try {
    const local = await facingAddress(await phoneAddressOf(new URL(phone.driver.url).hostname));
    return eventUrl(local, port, phone.id);
  } catch {
    return undefined;
  }
}
