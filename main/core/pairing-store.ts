// Environment: Node (main process core).
import { X509Certificate, createHash } from 'node:crypto';
import { join } from 'node:path';
import { z } from 'zod';
import { displayText } from '../../native-bridge/link/display-text.js';
import { DEVICE_ID_PATTERN, deviceIdFromSpkiHash } from '../../native-bridge/link/identity.js';
import { LOCK_TYPES, macAddress, PAIRING_MODES } from '../../native-bridge/link/messages.js';
import { ensurePrivateDir, readJsonFile, writeFileAtomic } from '../../native-bridge/persist/atomic-file.js';
import { VENDOR_KINDS, type VendorKind } from '../../native-bridge/vendor/vendor-phone.js';

const MAX_ADDRESSES = 8;

const pemCertificate = z
  .string()
  .regex(/^-----BEGIN CERTIFICATE-----\r?\n[\s\S]+-----END CERTIFICATE-----\s*$/, 'a PEM certificate')
  // The shape is not enough: a damaged body would only fail later, deep in a connection, as a crash.
  .refine(isCertificate, 'a PEM certificate (this one cannot be parsed)');

/**
 * A phone driven through its vendor's device API instead of the open protocol (docs/vendor-phones.md). Its admin
 * password is never here: only in the secret store, under vendorSecretName(id).
 */
const vendorDriverSchema = z.strictObject({
  kind: z.enum(VENDOR_KINDS),
  /** The API's base URL (https://10.0.0.5, http://10.0.0.5:8080). */
  url: z.url({ protocol: /^https?$/ }).max(512),
  /** The API user (Poly: "Polycom"; Yealink: the web user). */
  user: displayText(64, 1),
  /** Yealink: the account calls are placed on (outgoing_uri), when not the phone's default. */
  account: displayText(256).optional(),
  /** HTTPS: the phone's certificate the user confirmed, pinned (a phone's certificate names its MAC, not its IP). */
  certificate: pemCertificate.optional(),
});
export type VendorDriverRecord = z.infer<typeof vendorDriverSchema>;

const phoneShape = {
  id: z.string().regex(DEVICE_ID_PATTERN, 'a device id: 26 characters of a-z and 2-7'),
  // What the phone's hello said (printable only, as the protocol requires), checked again when read back.
  name: displayText(129),
  vendor: displayText(64),
  family: displayText(64),
  model: displayText(64),
  firmware: displayText(64),
  serial: displayText(64),
  /** Empty only for a vendor phone whose API does not tell it (Yealink says it only in its events). */
  mac: macAddress.or(z.literal('')),
  lockType: z.enum(LOCK_TYPES),
  transport: z.enum(['tcp', 'serial', 'hid']),
  /** Where the phone answered last. */
  address: z.string(),
  /** Every address the phone answered at with its pinned identity (Ethernet, USB...): one device, several ways. */
  addresses: z.array(z.string()).max(MAX_ADDRESSES).optional(),
  /** The open protocol's pinned certificate; vendor phones (with `driver`) have none here. */
  certificate: pemCertificate.optional(),
  mode: z.enum(PAIRING_MODES),
  /**
   * Auto mode only: the user confirmed this phone (a click, "btoe pair"). An Auto pairing made by itself, right
   * after the cable was plugged in, is not confirmed: no password is handed to it (docs/protocol.md, "Auto mode").
   */
  confirmedByUser: z.boolean().optional(),
  pairedAt: z.iso.datetime({ offset: true }),
  /** A vendor phone (Poly, Yealink): how to reach its device API. Absent: the open protocol. */
  driver: vendorDriverSchema.optional(),
};

/** An open-protocol phone has its pinned certificate; a vendor phone has its driver instead. */
function certificateOrDriver(
  phone: { certificate?: string; driver?: unknown; mac: string },
  ctx: z.RefinementCtx,
): void {
  if (phone.driver !== undefined) return;
  if (phone.certificate === undefined)
    ctx.addIssue({ code: 'custom', path: ['certificate'], message: 'a PEM certificate (missing)' });
  if (phone.mac === '')
    ctx.addIssue({ code: 'custom', path: ['mac'], message: 'a MAC address like 00:04:f2:aa:bb:cc' });
}

/**
 * A phone this companion is paired with. Strict: a key this version does not know (written by a newer one) is
 * an error rather than silently dropped on the next write.
 */
export const PairedPhoneSchema = z.strictObject(phoneShape).superRefine(certificateOrDriver);
export type PairedPhone = z.infer<typeof PairedPhoneSchema>;

/** What upsert accepts: callers may pass richer objects; only the stored fields are kept. */
const PhoneInputSchema = z.object(phoneShape).superRefine(certificateOrDriver);

/** The name of a vendor phone's admin password in the secret store. */
export function vendorSecretName(id: string): string {
  return `vendor-admin.${id}`;
}

/**
 * A vendor phone's device id: derived from its vendor and MAC (it has no key of ours), in the same form as an
 * open-protocol phone's, so `--device` and every list treat both alike; adding the same phone again finds it.
 * A phone whose API does not tell its MAC (Yealink, before its first event) is known by its API's URL instead.
 */
export function vendorDeviceId(kind: VendorKind, mac: string, url: string): string {
  const key = mac === '' ? `url:${new URL(url).origin}` : mac.toLowerCase();
  return deviceIdFromSpkiHash(createHash('sha256').update(`btoe-vendor:${kind}:${key}`).digest());
}

const PairingsFileSchema = z.strictObject({
  version: z.literal(1),
  phones: z.array(PairedPhoneSchema).superRefine((phones, ctx) => {
    const seen = new Set<string>();
    phones.forEach((phone, index) => {
      if (seen.has(phone.id))
        ctx.addIssue({ code: 'custom', path: [index, 'id'], message: 'duplicate phone id' });
      seen.add(phone.id);
    });
  }),
});

/**
 * The paired phones, in `<storeDir>/pairings.json`. One in-memory copy is the truth for this process; each
 * mutation rewrites the whole file atomically, one at a time, and updates memory only once the file is written.
 */
export class PairingStore {
  private pending: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    private phones: ReadonlyMap<string, PairedPhone>,
  ) {}

  /** Throws StoreFileError, naming the file and what to do, when pairings.json is unreadable or invalid. */
  static async open(storeDir: string): Promise<PairingStore> {
    await ensurePrivateDir(storeDir);
    const path = join(storeDir, 'pairings.json');
    const file = await readJsonFile(path, PairingsFileSchema);
    return new PairingStore(path, new Map((file?.phones ?? []).map((phone) => [phone.id, phone])));
  }

  list(): PairedPhone[] {
    return [...this.phones.values()];
  }

  get(id: string): PairedPhone | undefined {
    return this.phones.get(id);
  }

  /** A paired phone with the candidate's serial or MAC but another id: the same hardware, factory-reset. */
  findReset(candidate: { serial: string; mac: string; id: string }): PairedPhone | undefined {
    const mac = candidate.mac.toLowerCase();
    return this.list().find(
      (phone) =>
        phone.id !== candidate.id &&
        ((candidate.serial !== '' && phone.serial === candidate.serial) || phone.mac === mac),
    );
  }

  /** Stores a pairing; the addresses a phone with that id was already known at are kept. */
  async upsert(phone: PairedPhone): Promise<void> {
    const stored = PhoneInputSchema.parse(phone);
    await this.mutate((phones) => {
      const before = phones.get(stored.id);
      phones.set(stored.id, withAddresses(stored, merge(before, stored.address, stored.addresses)));
      return true;
    });
  }

  /** The phone answered at `address` with its pinned identity: remember it as one more way to reach it. */
  async learnAddress(id: string, address: string): Promise<void> {
    await this.mutate((phones) => {
      const phone = phones.get(id);
      if (!phone || (phone.addresses ?? [phone.address]).includes(address)) return false;
      phones.set(id, withAddresses(phone, merge(phone, address)));
      return true;
    });
  }

  /** Resolves false when no phone had that id. */
  async remove(id: string): Promise<boolean> {
    return this.mutate((phones) => phones.delete(id));
  }

  async updateAddress(id: string, address: string): Promise<void> {
    await this.mutate((phones) => {
      const phone = phones.get(id);
      if (!phone) throw new Error(`no paired phone with id ${id}`);
      if (phone.address === address) return false;
      phones.set(id, withAddresses({ ...phone, address }, merge(phone, address)));
      return true;
    });
  }

  /** Runs `change` on a copy after earlier mutations settle; writes and adopts the copy if it reports a change. */
  private mutate(change: (phones: Map<string, PairedPhone>) => boolean): Promise<boolean> {
    const run = this.pending.then(async () => {
      const draft = new Map(this.phones);
      if (!change(draft)) return false;
      const file = { version: 1, phones: [...draft.values()] };
      await writeFileAtomic(this.path, JSON.stringify(file, null, 2) + '\n', 0o600);
      this.phones = draft;
      return true;
    });
    // A failed write must not block later mutations; its caller still sees the rejection.
    this.pending = run.catch(() => undefined);
    return run;
  }
}

/** A phone known at one address only keeps no list: the file stays as simple as the common case. */
function withAddresses(phone: PairedPhone, addresses: string[]): PairedPhone {
  const { addresses: _, ...rest } = phone;
  return addresses.length === 1 && addresses[0] === phone.address ? rest : { ...rest, addresses };
}

/** Known addresses, most recently learned last, capped (the oldest go first). */
function merge(phone: PairedPhone | undefined, ...more: Array<string | string[] | undefined>): string[] {
  const all = [
    ...(phone?.addresses ?? (phone ? [phone.address] : [])),
    ...more.flat().filter((a) => a !== undefined),
  ];
  return [...new Set(all.reverse())].reverse().slice(-MAX_ADDRESSES);
}

function isCertificate(pem: string): boolean {
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}
