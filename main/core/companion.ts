// Environment: Node (main process core).
import { X509Certificate } from 'node:crypto';
import { type PhoneAddress, formatAddress, parseAddress } from '../../native-bridge/link/address.js';
import { LinkError, ProtocolError } from '../../native-bridge/link/errors.js';
import { type Identity, DEVICE_ID_PATTERN } from '../../native-bridge/link/identity.js';
import type { PhoneHello, PairingMode } from '../../native-bridge/link/messages.js';
import {
  type CompanionInfo,
  type PhoneConnection,
  UnpinnedPhoneError,
  connectToPhone,
} from '../../native-bridge/link/phone-connection.js';
import type { Purpose } from '../../native-bridge/link/tls.js';
import { ensurePrivateDir } from '../../native-bridge/persist/atomic-file.js';
import { openTransport } from '../../native-bridge/transport/connect.js';
import { APP_NAME, APP_VERSION } from './app-identity.js';
import { CompanionError } from './companion-error.js';
import { loadOrCreateIdentity } from './identity-store.js';
import { type PairedPhone, PairingStore, vendorSecretName } from './pairing-store.js';
import type { PhoneDriver } from './phone-driver.js';
import { type LoadedPolicy } from './policy.js';
import { Rules } from './rules/rules.js';
import { type Settings, loadSettings } from './settings.js';
import { PhoneSession } from './phone-session.js';
import { type SecretStore, openSecretStore } from './secret-store.js';

export { APP_NAME, APP_VERSION, defaultStoreDir } from './app-identity.js';
export { CompanionError } from './companion-error.js';

/** Ethernet first, then USB tethering, then HID: the order a phone reachable several ways is tried in. */
const TRANSPORT_PREFERENCE: Record<string, number> = { tcp: 0, serial: 1, hid: 2 };

export function transportRank(address: string): number {
  return TRANSPORT_PREFERENCE[address.slice(0, address.indexOf(':'))] ?? 9;
}

/** Every known address of a phone, best transport first; the last used first among equals. */
export function reachOrder(phone: PairedPhone): string[] {
  const known = [...new Set([phone.address, ...[...(phone.addresses ?? [])].reverse()])];
  return known.sort((a, b) => transportRank(a) - transportRank(b));
}

/** A phone as `btoe devices` shows it. */
export interface DeviceView {
  id: string;
  name: string;
  vendor: string;
  model: string;
  firmware: string;
  transport: PairedPhone['transport'];
  address: string;
  onThisPcPort: boolean;
  paired: boolean;
  reachable: boolean;
  /** Discovered phones: whether its TLS identity matched the id it announced (unverified claims otherwise). */
  verified?: boolean;
  pairingMode?: PairingMode;
  lockType?: PhoneHello['lockType'];
  /** Every address it answered at now (one phone over Ethernet and USB is one device). */
  addresses?: string[];
}

/** This PC's identity: the private key's name in the secret store, and the certificate's file in the store. */
export { IDENTITY_CERT_FILE, IDENTITY_KEY } from './identity-store.js';

/**
 * The companion's core without any UI: its identity, the paired phones, pairing and sessions. The `btoe`
 * command, the daemon and the desktop app all drive this one object.
 */
export class Companion {
  private constructor(
    readonly storeDir: string,
    readonly identity: Identity,
    readonly pairings: PairingStore,
    readonly secrets: SecretStore,
    private currentPolicy: LoadedPolicy,
    /** The user's settings (settings.json); a damaged file is reported here and the defaults apply. */
    private currentSettings: Settings,
    readonly settingsWarning: string | undefined,
  ) {
    this.rules = new Rules(
      () => this.policy.policy,
      () => this.currentSettings,
    );
  }

  get settings(): Settings {
    return this.currentSettings;
  }

  /** The user changed a setting while the companion runs (the desktop app): the rules apply it from now on. */
  applySettings(settings: Settings): void {
    this.currentSettings = settings;
  }

  /** Every rule (activation, policy, Device-Lock), decided in one place for every path that holds a Companion. */
  readonly rules: Rules;

  /** The effective admin policy; a running companion follows its changes (updatePolicy). */
  get policy(): LoadedPolicy {
    return this.currentPolicy;
  }

  updatePolicy(policy: LoadedPolicy): void {
    this.currentPolicy = policy;
  }

  static async open(options: { storeDir: string; policy: LoadedPolicy }): Promise<Companion> {
    await ensurePrivateDir(options.storeDir);
    const secrets = await openSecretStore(options.storeDir);
    const identity = await loadOrCreateIdentity(
      options.storeDir,
      secrets,
      // No host name in the certificate: any phone, or anything posing as one, sees it before authentication.
      APP_NAME,
    );
    const pairings = await PairingStore.open(options.storeDir);
    const { settings, warning } = await loadSettings(options.storeDir);
    return new Companion(options.storeDir, identity, pairings, secrets, options.policy, settings, warning);
  }

  /** Before authentication a phone learns the product and its version, not who or which PC this is. */
  private get info(): CompanionInfo {
    return { app: `${APP_NAME} ${APP_VERSION}` };
  }

  /** Resolves DEVICE (a device id or an address) or, without one, the only paired phone. */
  resolvePaired(selector: string | undefined): PairedPhone {
    const phones = this.pairings.list();
    if (selector === undefined) {
      if (phones.length === 1) return phones[0]!;
      if (phones.length === 0)
        throw new CompanionError('not-paired', 'no phone is paired yet: pair one with "btoe pair ADDRESS"');
      throw new CompanionError(
        'ambiguous',
        `${phones.length} phones are paired: choose one with --device ID (see "btoe devices")`,
      );
    }
    const byId = this.pairings.get(selector.toLowerCase());
    if (byId) return byId;
    if (!DEVICE_ID_PATTERN.test(selector)) {
      const address = formatAddress(parseAddress(selector));
      const byAddress = phones.find((p) => p.address === address);
      if (byAddress) return byAddress;
      throw new CompanionError(
        'not-paired',
        `no paired phone is at ${address}: pair it with "btoe pair ${address}"`,
      );
    }
    throw new CompanionError('not-paired', `no paired phone has the id ${selector} (see "btoe devices")`);
  }

  /**
   * Loads the pairing code ahead of a pairing that is likely soon (a phone said this PC is on its PC port), so the
   * pairing does not wait for it to compile while the phone holds the connection open.
   */
  preparePairing(): void {
    loadPairing().catch(() => undefined);
  }

  /** Reads a phone's hello over a pairing connection without pairing. */
  async probe(addressText: string): Promise<{ id: string; hello: PhoneHello; address: PhoneAddress }> {
    const address = parseAddress(addressText);
    const connection = await this.open(address, 'pairing');
    connection.link.close();
    // TLS proved the phone holds the key of the certificate it sent: if that is a pinned one, this address is one
    // more way to reach that paired phone (its USB port, say, beside its Ethernet).
    const paired = this.pairings.get(connection.phoneId);
    if (
      paired?.certificate !== undefined &&
      new X509Certificate(paired.certificate).raw.equals(connection.channel.peerCertificate)
    ) {
      await this.pairings.learnAddress(paired.id, formatAddress(address));
    }
    return { id: connection.phoneId, hello: connection.hello, address };
  }

  /**
   * Does the phone that sent this hello say this PC is plugged into its PC port? It judged that for the very
   * connection the hello came on, from its layer-2 source; it is still only a claim (a decoy can say yes).
   */
  onThisPcPort(hello: PhoneHello): boolean {
    return hello.pairing.peerOnPcPort;
  }

  /**
   * Pairs with the phone at `target` (an address, or the id of a paired phone to pair again). With a code:
   * Manual mode. Without: Auto mode, only when policy allows it and the phone reports this PC on its PC port.
   * `confirmedByUser` is false only for the Auto pairing the companion makes by itself after a cable came up.
   * `session`: keep the pairing connection as the phone's first session when the phone can (one TLS handshake
   * instead of two); `session` in the result is that session, to adopt (or close).
   */
  async pair(
    target: string,
    code: string | undefined,
    options: { confirmedByUser?: boolean; session?: boolean } = {},
  ): Promise<{ phone: PairedPhone; replaced?: PairedPhone; session?: PhoneSession }> {
    this.rules.assertMayPair(code === undefined ? 'auto' : 'manual');
    const known = DEVICE_ID_PATTERN.test(target) ? this.pairings.get(target) : undefined;
    const address = parseAddress(known ? known.address : target);
    const { normalizePairingCode } = await import('../../native-bridge/link/pairing-code.js');
    const password = code === undefined ? undefined : normalizePairingCode(code);
    const connection = await this.open(address, 'pairing');
    let session: PhoneSession | undefined;
    try {
      const mode: PairingMode = password === undefined ? 'auto' : 'manual';
      if (mode === 'auto') this.checkAutoPairing(connection.hello, formatAddress(address));
      const carriesOn = await runPairing(connection, this.identity, password ?? '', mode, options.session);
      const phone = phoneRecord(connection, address, mode);
      if (mode === 'auto') phone.confirmedByUser = options.confirmedByUser ?? true;
      const replaced = this.pairings.findReset({ serial: phone.serial, mac: phone.mac, id: phone.id });
      if (replaced) await this.pairings.remove(replaced.id);
      await this.pairings.upsert(phone);
      if (carriesOn) session = new PhoneSession(phone, connection, this.rules, formatAddress(address));
      return { phone, ...(replaced ? { replaced } : {}), ...(session ? { session } : {}) };
    } finally {
      if (!session) connection.link.close();
    }
  }

  private checkAutoPairing(hello: PhoneHello, address: string): void {
    const manual = `open pairing on the phone and run "btoe pair ${address} --code CODE" with the code it shows`;
    if (hello.pairing.mode !== 'auto') {
      throw new CompanionError('pairing-failed', `the phone is set to Manual pairing: ${manual}`);
    }
    if (!this.onThisPcPort(hello)) {
      throw new CompanionError(
        'pairing-failed',
        `Auto pairing needs the phone this PC is plugged into, and the phone at ${address} does not see this PC on its PC port: ${manual}`,
      );
    }
  }

  /**
   * The driver of a paired phone, whichever kind: an open-protocol session (connect), or a vendor phone (Poly,
   * Yealink) reached through its device API (vendor-phones.ts).
   */
  async reach(selector: string | undefined, at?: string): Promise<PhoneDriver> {
    const phone = this.resolvePaired(selector);
    if (!phone.driver) return this.connect(phone.id, at);
    const { openVendorPhone } = await import('./vendor-phones.js');
    return openVendorPhone(this, phone);
  }

  /** A session with a paired phone: the pinned certificate is checked, and a reset phone is named as such. */
  async connect(selector: string | undefined, at?: string): Promise<PhoneSession> {
    const phone = this.resolvePaired(selector);
    if (phone.driver)
      throw new CompanionError(
        'not-available',
        `${describe(phone)} is driven through its vendor's device API, not the open BToE protocol`,
      );
    // `at`: where discovery last heard the phone. Otherwise every known address, Ethernet first, then USB, then
    // HID: the first that answers with the pinned identity wins, so a phone whose cable was pulled is still
    // reached over USB.
    const candidates = at === undefined ? reachOrder(phone) : [at];
    let lastError: unknown;
    for (const address of candidates) {
      try {
        const session = await this.connectAt(phone, address);
        if (address !== phone.address)
          await this.pairings.updateAddress(phone.id, address).catch(() => undefined);
        return session;
      } catch (error) {
        // A different identity where the phone should be is never passed over for another address.
        if (error instanceof CompanionError) throw error;
        lastError = error;
      }
    }
    throw lastError;
  }

  private async connectAt(phone: PairedPhone, addressText: string): Promise<PhoneSession> {
    const address = parseAddress(addressText);
    if (phone.certificate === undefined) throw new Error(`${describe(phone)} has no pinned certificate`);
    const pinned = new X509Certificate(phone.certificate).raw;
    let connection: PhoneConnection;
    try {
      connection = await this.open(address, 'session', (id) => id === phone.id);
    } catch (error) {
      if (error instanceof UnpinnedPhoneError) {
        const reset = this.pairings.findReset({
          serial: error.hello.serial,
          mac: error.hello.mac,
          id: error.phoneId,
        });
        if (reset?.id === phone.id) {
          throw new CompanionError(
            'identity-changed',
            `the phone ${describe(phone)} at ${addressText} has a new identity: it was reset. It is not trusted until you pair again: "btoe pair ${addressText}"`,
          );
        }
        throw new CompanionError(
          'identity-changed',
          `the device at ${addressText} is not the paired phone ${describe(phone)} (it is ${error.phoneId}); if the phone moved, pair again with its new address`,
        );
      }
      throw error;
    }
    if (!connection.channel.peerCertificate.equals(pinned)) {
      connection.link.close();
      throw new CompanionError(
        'identity-changed',
        `the phone at ${addressText} presented a certificate that differs from the pinned one: pair again`,
      );
    }
    return new PhoneSession(phone, connection, this.rules, formatAddress(address));
  }

  /** Forgets the phone on both sides; if the phone cannot be told, forgets it here and says so. */
  async unpair(
    selector: string | undefined,
  ): Promise<{ phone: PairedPhone; phoneInformed: boolean; why?: string }> {
    const phone = this.resolvePaired(selector);
    if (phone.driver) {
      // A vendor phone keeps no pairing of ours: forgetting it here, with its admin password, is all there is.
      await this.pairings.remove(phone.id);
      await this.secrets.delete(vendorSecretName(phone.id));
      return { phone, phoneInformed: false };
    }
    let phoneInformed = false;
    let why: string | undefined;
    try {
      const session = await this.connect(phone.id);
      try {
        await session.unpair();
        phoneInformed = true;
      } finally {
        session.close();
      }
    } catch (error) {
      why = (error as Error).message;
    }
    await this.pairings.remove(phone.id);
    return why === undefined ? { phone, phoneInformed } : { phone, phoneInformed, why };
  }

  /** Paired phones (reachable or not) and any phones at the given addresses. */
  async devices(addresses: readonly string[]): Promise<DeviceView[]> {
    const targets = new Map<string, PairedPhone | undefined>();
    const vendorPhones: PairedPhone[] = [];
    for (const phone of this.pairings.list()) {
      if (phone.driver) vendorPhones.push(phone);
      else for (const address of reachOrder(phone)) targets.set(address, phone);
    }
    for (const text of addresses) {
      const address = formatAddress(parseAddress(text));
      if (!targets.has(address)) targets.set(address, undefined);
    }
    const views = await Promise.all(
      [...targets].map(async ([address, paired]): Promise<DeviceView | undefined> => {
        try {
          const { id, hello } = await this.probe(address);
          const pairedHere = this.pairings.get(id);
          return {
            id,
            name: `${hello.vendor} ${hello.model}`,
            vendor: hello.vendor,
            model: hello.model,
            firmware: hello.firmware,
            transport: parseAddress(address).transport,
            address,
            onThisPcPort: this.onThisPcPort(hello),
            paired: pairedHere !== undefined,
            reachable: true,
            pairingMode: hello.pairing.mode,
            lockType: hello.lockType,
          };
        } catch {
          if (!paired) return undefined;
          return {
            id: paired.id,
            name: paired.name,
            vendor: paired.vendor,
            model: paired.model,
            firmware: paired.firmware,
            transport: paired.transport,
            address,
            onThisPcPort: false,
            paired: true,
            reachable: false,
          };
        }
      }),
    );
    // A vendor phone answers its API, not the open protocol: reachable when its driver opens.
    const vendorViews = await Promise.all(
      vendorPhones.map(async (phone): Promise<DeviceView> => {
        const reachable = await this.reach(phone.id).then(
          (driver) => (driver.close(), true),
          () => false,
        );
        const { id, name, vendor, model, firmware, transport, address } = phone;
        return {
          id,
          name,
          vendor,
          model,
          firmware,
          transport,
          address,
          onThisPcPort: false,
          paired: true,
          reachable,
        };
      }),
    );
    // One phone is one device however many ways it answered: shown at its best reachable address.
    const byId = new Map<string, DeviceView>(vendorViews.map((view) => [view.id, view]));
    const better = (a: DeviceView, b: DeviceView) =>
      a.reachable !== b.reachable ? a.reachable : transportRank(a.address) < transportRank(b.address);
    for (const view of views) {
      if (!view) continue;
      const held = byId.get(view.id);
      const addresses = [...new Set([...(held?.addresses ?? []), view.address])];
      byId.set(view.id, { ...(held && !better(view, held) ? held : view), addresses });
    }
    return [...byId.values()];
  }

  private async open(
    address: PhoneAddress,
    purpose: Purpose,
    isPinned?: (id: string) => boolean,
  ): Promise<PhoneConnection> {
    this.rules.assertTransport(address.transport);
    const transport = await openTransport(address);
    return connectToPhone(transport, { identity: this.identity, purpose, companion: this.info, isPinned });
  }
}

/** Loaded on first use (or ahead, see preparePairing): CPace's curve arithmetic is only needed when pairing. */
const loadPairing = () => import('../../native-bridge/link/companion-pairing.js');

/** Resolves true when the connection carries on as a session (asked with `session`, and the phone can). */
async function runPairing(
  connection: PhoneConnection,
  identity: Identity,
  password: string,
  mode: PairingMode,
  session = false,
): Promise<boolean> {
  const { PairingExchangeError, pairWithPhone } = await loadPairing();
  try {
    return await pairWithPhone(connection, identity, password, mode, session);
  } catch (error) {
    if (!(error instanceof PairingExchangeError)) throw pairingError(error);
    if (error.kind === 'unexpected-reply') throw new CompanionError('pairing-failed', error.message);
    throw new CompanionError(
      'pairing-failed',
      mode === 'manual'
        ? "the code did not match: check the code on the phone's screen and try again (if it keeps failing, something between this PC and the phone may be interfering)"
        : 'Auto pairing could not be confirmed: something between this PC and the phone may be interfering; pair with a code instead',
    );
  }
}

function pairingError(error: unknown): Error {
  if (error instanceof ProtocolError) {
    const advice: Partial<Record<ProtocolError['code'], string>> = {
      'pairing-closed':
        'open pairing on the phone (it then shows a code) and try again within its time window',
      'pairing-busy': 'another PC is pairing with the phone right now: wait a moment and try again',
      'pairing-failed': 'the phone could not confirm the pairing: check the code and try again',
    };
    const next = advice[error.code];
    return new CompanionError(
      'pairing-failed',
      `the phone refused to pair (${error.code}): ${next ?? error.message}`,
      { cause: error },
    );
  }
  if (error instanceof LinkError && error.reason === 'timeout') {
    return new CompanionError('no-answer', `the phone did not answer during pairing: ${error.message}`, {
      cause: error,
    });
  }
  return error instanceof Error ? error : new Error(String(error));
}

function phoneRecord(connection: PhoneConnection, address: PhoneAddress, mode: PairingMode): PairedPhone {
  const h = connection.hello;
  return {
    id: connection.phoneId,
    name: `${h.vendor} ${h.model}`,
    vendor: h.vendor,
    family: h.family,
    model: h.model,
    firmware: h.firmware,
    serial: h.serial,
    mac: h.mac,
    lockType: h.lockType,
    transport: address.transport,
    address: formatAddress(address),
    certificate: new X509Certificate(connection.channel.peerCertificate).toString(),
    mode,
    pairedAt: new Date().toISOString(),
  };
}

function describe(phone: PairedPhone): string {
  return `${phone.name} (${phone.id})`;
}
