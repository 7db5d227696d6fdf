// Environment: Node (OS adapter).
import { constants, existsSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { DiscoveredPhone } from '../../../native-bridge/ethernet/discovery.js';
import { parseAddress } from '../../../native-bridge/link/address.js';
import { type Identity, createIdentity } from '../../../native-bridge/link/identity.js';
import type { PhoneHello } from '../../../native-bridge/link/messages.js';
import { connectToPhone } from '../../../native-bridge/link/phone-connection.js';
import { openTransport } from '../../../native-bridge/transport/connect.js';
import { APP_NAME, APP_VERSION, IDENTITY_CERT_FILE, IDENTITY_KEY, reachOrder } from '../../core/companion.js';
import type {
  CompanionFact,
  DirectProbe,
  VendorPhoneFact,
  DiscoveryFact,
  DoctorFacts,
  EnumerationFact,
  HeardPhone,
  HelloFact,
  HidDeviceFact,
  SerialPortFact,
  StoreFact,
} from '../../core/doctor/facts.js';
import {
  COMPANION_IPC_VERSION,
  type CompanionRequest,
  companionResponseSchemas,
} from '../../../contract/companion-ipc.js';
import { describeInvalid } from '../../../contract/describe-invalid.js';
import type { DoctorReport } from '../../../contract/doctor-report.js';
import { buildReport } from '../../core/doctor/report.js';
import { detectRemoteSession } from '../../core/doctor/session.js';
import { discoverySetting } from '../../core/nearby.js';
import { type PairedPhone, PairingStore } from '../../core/pairing-store.js';
import { openSecretStore } from '../../core/secret-store.js';
import { loadSettings } from '../../core/settings.js';
import { callIpc, ipcEndpoint } from '../companion-socket.js';
import { interfaceFacts } from './interfaces.js';
import { candidatePolicy, effectivePolicy } from './policy-source.js';

export interface DoctorOptions {
  storeDir: string;
  env?: NodeJS.ProcessEnv;
  /** How long to listen for phones on this PC's links. */
  listenSeconds?: number;
  /** `--policy FILE`: evaluate this candidate policy file instead of the policy in force. */
  policyFile?: string | undefined;
}

export const DEFAULT_LISTEN_SECONDS = 2;
const PROBE_TIMEOUT_MS = 2_000;
const MAX_PROBES = 32;

/**
 * Runs every check: gathers the facts from this PC (the adapters below) and judges them (main/core/doctor).
 * `btoe doctor` prints the report; the app's Diagnostics page calls this same function.
 */
export async function runDoctor(
  options: DoctorOptions,
): Promise<{ facts: DoctorFacts; report: DoctorReport }> {
  const facts = await gatherDoctorFacts(options);
  return { facts, report: buildReport(facts) };
}

async function gatherDoctorFacts(options: DoctorOptions): Promise<DoctorFacts> {
  const env = options.env ?? process.env;
  const seconds = options.listenSeconds ?? DEFAULT_LISTEN_SECONDS;
  const store = await storeFacts(options.storeDir);
  const paired = store.paired;
  // Asking phones over TLS needs a certificate; a throwaway one leaves this PC's identity untouched.
  const identity = createIdentity('BToE Companion doctor');
  const [discovery, directProbes, usbSerial, hid, policy, companion, vendorPhones] = await Promise.all([
    discoveryFacts(env, seconds, identity),
    Promise.all(paired.filter((p) => !p.driver).map((p) => probePaired(p, identity))),
    serialFacts(),
    hidFacts(),
    options.policyFile
      ? candidatePolicy(options.policyFile, options.storeDir)
      : effectivePolicy(options.storeDir),
    companionFacts(options.storeDir),
    vendorPhoneFacts(options.storeDir, paired),
  ]);
  return {
    platform: process.platform,
    appVersion: APP_VERSION,
    // Read after listening: a link that came up meanwhile is described as it is now.
    interfaces: interfaceFacts(),
    discovery,
    directProbes,
    usbSerial,
    hid,
    store: store.fact,
    policy,
    session: detectRemoteSession(env, process.platform),
    companion,
    vendorPhones,
  };
}

/** Each Poly or Yealink phone asked for its facts through its API, with the password from the secret store. */
async function vendorPhoneFacts(storeDir: string, paired: PairedPhone[]): Promise<VendorPhoneFact[]> {
  const vendors = paired.filter((p) => p.driver);
  if (vendors.length === 0) return [];
  const { openSecretStore } = await import('../../core/secret-store.js');
  const { vendorSecretName } = await import('../../core/pairing-store.js');
  const { vendorClients } = await import('../../core/vendor-clients.js');
  const secrets = await openSecretStore(storeDir);
  return Promise.all(
    vendors.map(async (p): Promise<VendorPhoneFact> => {
      const driver = p.driver!;
      const base = { id: p.id, name: p.name, driver: driver.kind, url: driver.url };
      try {
        const secret = await secrets.get(vendorSecretName(p.id));
        if (!secret)
          return { ...base, error: `its admin password is not in ${secrets.description}: add it again` };
        const client = await vendorClients(driver.kind, {
          url: driver.url,
          credentials: { user: driver.user, password: new TextDecoder().decode(secret) },
          ...(driver.certificate ? { pinnedCertificate: driver.certificate } : {}),
        });
        const { vendor, model, firmware, mac, lines } = await client.facts();
        return { ...base, facts: { vendor, model, firmware, mac, lines } };
      } catch (error) {
        return { ...base, error: (error as Error).message };
      }
    }),
  );
}

// ---------------------------------------------------------------------------------------------------------

async function storeFacts(dir: string): Promise<{ fact: StoreFact; paired: PairedPhone[] }> {
  let pairings: StoreFact['pairings'] = { ok: true, phones: [] };
  let paired: PairedPhone[] = [];
  if (existsSync(dir)) {
    try {
      paired = (await PairingStore.open(dir)).list();
      pairings = {
        ok: true,
        phones: paired.map(({ id, name, vendor, family, model, firmware, lockType, address, mode }) => ({
          id,
          name,
          vendor,
          family,
          model,
          firmware,
          lockType,
          address,
          mode,
        })),
      };
    } catch (error) {
      pairings = { ok: false, message: (error as Error).message };
    }
  }
  const { warning } = await loadSettings(dir).catch((error: Error) => ({ warning: error.message }));
  let secretStore: StoreFact['secretStore'];
  let key: boolean | 'unreadable' = false;
  try {
    const secrets = await openSecretStore(dir);
    secretStore = { ok: true, kind: secrets.kind, description: secrets.description };
    try {
      key = (await secrets.get(IDENTITY_KEY)) !== undefined;
    } catch {
      key = 'unreadable';
    }
  } catch (error) {
    secretStore = { ok: false, message: (error as Error).message };
  }
  return {
    fact: {
      dir,
      pairings,
      ...(warning ? { settingsWarning: warning } : {}),
      secretStore,
      identity: { certificate: existsSync(join(dir, IDENTITY_CERT_FILE)), key },
    },
    paired,
  };
}

async function discoveryFacts(
  env: NodeJS.ProcessEnv,
  seconds: number,
  identity: Identity,
): Promise<DiscoveryFact> {
  const setting = discoverySetting(env);
  if (!setting.enabled) return { state: 'off', reason: 'discovery is off here (BTOE_DISCOVERY=off)' };
  const { PhoneDiscovery } = await import('../../../native-bridge/ethernet/discovery.js');
  let discovery;
  try {
    discovery = await PhoneDiscovery.start({ interfaces: setting.interfaces, watchLinks: false });
  } catch (error) {
    return { state: 'failed', error: (error as Error).message };
  }
  try {
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const links = discovery.links().map((l) => l.name);
    const phones = discovery.phones().slice(0, MAX_PROBES);
    const heard = await Promise.all(phones.map((p) => probeHeard(p, identity)));
    return {
      state: 'ran',
      links,
      seconds,
      heard,
      ...(setting.interfaces ? { only: setting.interfaces } : {}),
    };
  } finally {
    discovery.stop();
  }
}

async function probeHeard(p: DiscoveredPhone, identity: Identity): Promise<HeardPhone> {
  const base = {
    instance: p.instance,
    link: p.link,
    addresses: [...p.addresses],
    claims: {
      id: p.claims.id,
      vendor: p.claims.vendor,
      model: p.claims.model,
      firmware: p.claims.firmware,
    },
  };
  let error = 'no address';
  for (const address of p.addresses) {
    try {
      const { id, hello } = await readHello(address, identity);
      return { ...base, probe: { address, id, verified: id === p.claims.id, hello: helloFact(hello) } };
    } catch (e) {
      error = (e as Error).message;
    }
  }
  return { ...base, probe: { verified: false, error } };
}

/** A paired phone asked at its Ethernet addresses (USB and HID ports are left to the running companion). */
async function probePaired(phone: PairedPhone, identity: Identity): Promise<DirectProbe> {
  const addresses = reachOrder(phone).filter((a) => a.startsWith('tcp:'));
  let error = 'no Ethernet address known';
  for (const address of addresses) {
    try {
      const { id, hello } = await readHello(address, identity);
      return {
        id: phone.id,
        name: phone.name,
        address,
        answered: true,
        answeredAs: id,
        hello: helloFact(hello),
      };
    } catch (e) {
      error = (e as Error).message;
    }
  }
  return { id: phone.id, name: phone.name, address: addresses[0] ?? phone.address, answered: false, error };
}

/** Reads a phone's hello over a pairing connection, then hangs up: nothing is paired or changed. */
async function readHello(address: string, identity: Identity): Promise<{ id: string; hello: PhoneHello }> {
  const transport = await openTransport(parseAddress(address), PROBE_TIMEOUT_MS);
  // A phone that accepts the connection but never finishes TLS or its hello is hung up on.
  const timer = setTimeout(
    () => transport.destroy(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)),
    PROBE_TIMEOUT_MS,
  );
  try {
    const connection = await connectToPhone(transport, {
      identity,
      purpose: 'pairing',
      companion: { app: `${APP_NAME} ${APP_VERSION} doctor` },
    });
    connection.link.close();
    return { id: connection.phoneId, hello: connection.hello };
  } catch (error) {
    transport.destroy();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

function helloFact(h: PhoneHello): HelloFact {
  return {
    vendor: h.vendor,
    family: h.family,
    model: h.model,
    firmware: h.firmware,
    lockType: h.lockType,
    pairingMode: h.pairing.mode,
    peerOnPcPort: h.pairing.peerOnPcPort,
  };
}

/** Whether this user may read and write a device node (undefined on Windows, where only opening it tells). */
async function accessible(path: string): Promise<boolean | undefined> {
  if (process.platform === 'win32') return undefined;
  try {
    await access(path, constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function serialFacts(): Promise<EnumerationFact<SerialPortFact>> {
  try {
    const { listPhonePorts } = await import('../../../native-bridge/usb/serial-transport.js');
    const ports = await listPhonePorts();
    return {
      ok: true,
      items: await Promise.all(
        ports.map(async (p) => ({
          path: p.path,
          vendor: p.vendor,
          vendorId: p.vendorId,
          accessible: await accessible(p.path),
        })),
      ),
    };
  } catch (error) {
    return { ok: false, message: (error as Error).message };
  }
}

async function hidFacts(): Promise<EnumerationFact<HidDeviceFact>> {
  const { discoverTelephonyDevices } = await import('../../../native-bridge/hid/discovery.js');
  const found = await discoverTelephonyDevices();
  if (!found.available) return { ok: false, message: found.reason };
  return {
    ok: true,
    items: await Promise.all(
      found.devices.map(async (d) => ({
        path: d.path,
        product: d.product ?? 'unnamed device',
        vendorId: d.vendorId.toString(16).padStart(4, '0'),
        accessible: process.platform === 'linux' ? await accessible(d.path) : undefined,
      })),
    ),
  };
}

async function companionFacts(storeDir: string): Promise<CompanionFact> {
  try {
    const request: CompanionRequest = { v: COMPANION_IPC_VERSION, kind: 'hello' };
    const raw = await callIpc(ipcEndpoint(storeDir), request, 2_000);
    if (raw === undefined) return { running: false };
    const answer = companionResponseSchemas.hello.safeParse(raw);
    if (!answer.success)
      return { running: 'unknown', error: describeInvalid("The companion's answer", answer.error) };
    if ('error' in answer.data) return { running: 'unknown', error: answer.data.error.message };
    const { hello } = answer.data;
    return { running: true, pid: hello.pid, version: hello.version, startedAt: hello.startedAt };
  } catch (error) {
    return { running: 'unknown', error: (error as Error).message };
  }
}
