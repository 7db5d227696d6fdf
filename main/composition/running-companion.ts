// Environment: Node (composition: the core wired to its adapters). Above main/core and main/host; used by
// `btoe daemon` (main/cli) and the desktop app (main/electron), so both run the very same companion.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { CompanionSnapshot, PhoneSnapshot } from '../../contract/companion-ipc.js';
import type {
  CallAction,
  CompanionView,
  DiagnosticsView,
  PhoneView,
  Result,
  SettingsRequest,
  SettingsView,
} from '../../contract/window.js';
import type { DoctorReport } from '../../contract/doctor-report.js';
import { formatAddress, parseAddress } from '../../native-bridge/link/address.js';
import { Companion, type DeviceView, defaultStoreDir } from '../core/companion.js';
import { CompanionService } from '../core/companion-service.js';
import { CompanionLog } from '../core/companion-log.js';
import { type CompanionNotice, watchNotices } from '../core/companion-notices.js';
import { discoverySetting } from '../core/nearby.js';
import type { PhoneDriver } from '../core/phone-driver.js';
import {
  type PolicyReader,
  effectivePolicy,
  followPolicy,
  loadPolicy,
  platformPolicyReader,
  settingsChoices,
} from '../core/policy.js';
import { type Settings, loadSettings, updateSettings } from '../core/settings.js';
import type { Desktop } from '../core/ports/desktop.js';
import type { SessionLockSource } from '../core/ports/session-lock.js';
import { redactForSupport } from '../core/redact.js';
import { verificationAddress } from '../core/sign-in.js';
import { IpcServer, ipcEndpoint } from '../host/companion-socket.js';
import { NodeHidHeadsetSource } from '../host/node-hid-headsets.js';
import { osDesktop } from '../host/os-desktop.js';

export interface RunningCompanionOptions {
  readonly storeDir?: string;
  /** Where the PC's session lock comes from: D-Bus sources for the daemon, powerMonitor for the app. */
  readonly lockSources: readonly SessionLockSource[];
  readonly desktop?: Desktop;
  /** Watch for phones plugged in over USB (default; tests without USB turn it off). */
  readonly usb?: boolean;
  /** Where machine policy is read: the platform's own sources unless a test gives its own. */
  readonly policyReader?: PolicyReader;
  /** The desktop app passes its own, so the shell's events (launches, crashes) land in the same file. */
  readonly log?: CompanionLog;
}

/**
 * One companion per user: opens the core, takes the per-user IPC endpoint (AlreadyRunningError when another
 * companion holds it), follows the lock sources and starts the links, discovery and USB watching.
 */
export async function startRunningCompanion(options: RunningCompanionOptions) {
  const storeDir = options.storeDir ?? defaultStoreDir();
  const { settings } = await loadSettings(storeDir);
  const reader = options.policyReader ?? platformPolicyReader();
  const companion = await Companion.open({
    storeDir,
    policy: await loadPolicy({ reader, choices: settingsChoices(settings) }),
  });
  const log = options.log ?? new CompanionLog(join(storeDir, 'logs'));
  log.setLevel(companion.policy.policy.LoggingLevel);
  const service = new CompanionService(companion, log, options.desktop ?? osDesktop);
  // The user's settings as they are now (the window may change them while the companion runs).
  const choices = () => settingsChoices(companion.settings);
  // Policy changes apply without a restart: the next pairing, lock or dial sees them, and so does the status.
  const stopFollowing = followPolicy(reader, choices, (next) => {
    companion.updatePolicy(next);
    log.setLevel(next.policy.LoggingLevel);
    log.write('policy-changed', { source: next.source, warnings: [...next.warnings] });
    service.snapshot.refresh();
  });
  const endpoint = ipcEndpoint(storeDir);
  try {
    await service.serve((handler) => IpcServer.listen(endpoint, handler));
  } catch (error) {
    await log.flush();
    throw error;
  }
  service.useHeadsets(new NodeHidHeadsetSource());
  for (const source of options.lockSources) await service.follow(source);
  await service.start(discoverySetting(), options.usb ?? true);
  return {
    companion,
    service,
    log,
    endpoint,
    /**
     * The user changed their settings (already written to settings.json): the rules see them at once, and the
     * policy is resolved again, since settings are the user's choices for the keys policy leaves open.
     */
    async applySettings(next: Settings): Promise<void> {
      service.applySettings(next);
      companion.updatePolicy(await loadPolicy({ reader, choices: choices() }));
      service.snapshot.refresh();
    },
    async stop(): Promise<void> {
      stopFollowing();
      await service.stop();
      await log.flush();
    },
  };
}

export type RunningCompanion = Awaited<ReturnType<typeof startRunningCompanion>>;

/** What the window shows beyond the snapshot, read from memory (live sessions, phones looked up): no I/O. */
export interface WindowExtras {
  readonly pairingModeByPolicy: boolean;
  session(id: string): PhoneDriver | undefined;
  /** The phone was reset (its identity changed) or forgot this PC: it needs pairing again. */
  needsPairing(id: string): boolean;
  /** Phones not paired: looked up by address, or heard on this PC's links. */
  readonly unpaired: readonly DeviceView[];
  /** Where policy lets a phone send the user to sign in (WebSignInAllowedAddresses). */
  readonly webSignInAllowed: readonly string[];
}

const NO_EXTRAS: WindowExtras = {
  pairingModeByPolicy: false,
  session: () => undefined,
  needsPairing: () => false,
  unpaired: [],
  webSignInAllowed: [],
};

/** The window's view of the status snapshot (contract/window.ts): the window never sees more than this. */
export function companionView(snapshot: CompanionSnapshot, extras: WindowExtras = NO_EXTRAS): CompanionView {
  const auto = snapshot.policy.pairingMode === 'auto';
  const paired = snapshot.phones.map((p) => pairedView(p, extras, auto));
  const pairedAddresses = new Set(snapshot.phones.map((p) => p.address));
  const pairedIds = new Set(snapshot.phones.map((p) => p.id));
  const unpaired = extras.unpaired
    .filter((d) => !pairedIds.has(d.id) && !pairedAddresses.has(d.address))
    .map((d): PhoneView => ({
      id: d.id,
      name: d.name,
      vendor: d.vendor,
      model: d.model,
      firmware: d.firmware,
      address: d.address,
      transport: transportOf(d.address),
      paired: false,
      connected: false,
      onThisPcPort: d.onThisPcPort,
      verified: d.verified ?? true,
      mode: null,
      locked: null,
      lockSync: null,
      canAutoPair: auto && d.onThisPcPort,
      needsPairingAgain: false,
      problem: null,
      call: null,
      signIn: null,
      // Phones found on the links speak the open protocol; what they can do is known once paired.
      driver: 'btoe',
      capabilities: [],
      deviceFacts: null,
    }));
  return {
    version: snapshot.companion.version,
    pairingMode: snapshot.policy.pairingMode,
    policySource: snapshot.policy.source,
    pairingModeByPolicy: extras.pairingModeByPolicy,
    secretStore: snapshot.secretStore,
    pcLocked: snapshot.companion.pcLocked,
    phones: [...paired, ...unpaired],
  };
}

function pairedView(p: PhoneSnapshot, extras: WindowExtras, auto: boolean): PhoneView {
  const session = p.connected ? extras.session(p.id) : undefined;
  const call = session?.call;
  return {
    id: p.id,
    name: p.name,
    vendor: p.vendor,
    model: p.model,
    firmware: p.firmware,
    address: p.address,
    transport: transportOf(p.address),
    paired: true,
    connected: p.connected,
    onThisPcPort: p.onThisPcPort,
    verified: true,
    mode: p.mode,
    locked: p.locked,
    lockSync: p.lockSync ? { on: p.lockSync.syncing, reason: p.lockSync.reason } : null,
    canAutoPair: auto && p.onThisPcPort,
    needsPairingAgain: extras.needsPairing(p.id),
    problem: p.connected ? null : p.problem,
    call:
      call === undefined || call.state === 'ended' || call.state === 'failed'
        ? null
        : { state: call.state, direction: call.direction, remote: call.number, muted: call.muted },
    signIn: session ? signInView(session, extras.webSignInAllowed) : null,
    driver: p.driver,
    capabilities: p.capabilities,
    deviceFacts: p.deviceFacts,
  };
}

function signInView(session: PhoneDriver, allowed: readonly string[]): NonNullable<PhoneView['signIn']> {
  const pending = session.pendingSignIn();
  const user = session.user ?? null;
  if (!pending) return { user, pending: null };
  if (pending.request.method === 'credentials') return { user, pending: { method: 'credentials' } };
  const web = pending.request;
  try {
    return {
      user,
      pending: {
        method: 'web',
        address: verificationAddress(web.verificationUriComplete ?? web.verificationUri, allowed),
        userCode: web.userCode,
        expiresAt: new Date(pending.expiresAt).toISOString(),
      },
    };
  } catch {
    // An address policy does not allow is never offered (the command line refuses it the same way).
    return { user, pending: null };
  }
}

function transportOf(address: string): PhoneView['transport'] {
  try {
    const { transport } = parseAddress(address);
    return transport === 'tcp' ? 'ethernet' : transport === 'serial' ? 'usb' : 'hid';
  } catch {
    return 'ethernet';
  }
}

/** How many of the log's last events the diagnostics page shows. */
export const DIAGNOSTIC_EVENTS = 200;

/** Addresses the user asked the window to look at (phones not heard by discovery); a few at most. */
const MAX_LOOKED_UP = 8;
/** Seconds the window's doctor listens for phones (the CLI's default is longer). */
const DOCTOR_LISTEN_SECONDS = 1;

/** The bundle's default file name, stamped so that bundles saved one after another never overwrite. */
export function supportBundleName(now = new Date()): string {
  return `btoe-support-${now.toISOString().replace(/[:.]/g, '-')}.zip`;
}

export type CompanionPortOptions = Omit<RunningCompanionOptions, 'lockSources' | 'desktop'>;

/** "Add a Poly or Yealink phone…": what the window sends (the password is kept only in the secret store). */
export interface AddPhoneRequest {
  vendor: 'poly' | 'yealink';
  url: string;
  user: string;
  password: string;
  /** The fingerprint the user confirmed (from a `confirmCertificate` answer, or typed). */
  certificateSha256?: string;
}

/**
 * The phone added, or, for an HTTPS phone without a fingerprint yet, its certificate for the user to confirm:
 * the window shows it and calls again with its `sha256`.
 */
export type AddPhoneResult =
  | { id: string; name: string; certificateSha256?: string }
  | { confirmCertificate: { sha256: string; subject: string; validTo: string } };

/**
 * The desktop app's port to the companion (main/electron/window-ipc-handlers.ts's CompanionPort): the window
 * and the tray map from the status snapshot, and each action is a thin call into the same command path as
 * `btoe` (CompanionService.run), so the window and the command line share one behaviour and one set of
 * messages.
 */
export async function createCompanionPort(
  lockSources: SessionLockSource[],
  options: CompanionPortOptions = {},
) {
  const running = await startRunningCompanion({ lockSources, ...options });
  const { service, companion } = running;
  // Phones the user looked up by address, as they answered then; heard phones when their list changes.
  const lookedUp = new Map<string, DeviceView>();
  let heard: { changes: number; devices: DeviceView[] } = { changes: -1, devices: [] };

  /** Asks the phone at `at` who it is (one TLS probe) and lists it. */
  const remember = async (at: string): Promise<DeviceView> => {
    const [device] = (await companion.devices([at])).filter(
      (d) => d.address === at || (d.addresses ?? []).includes(at),
    );
    if (device === undefined || !device.reachable) throw new Error(`no phone answered at ${at}`);
    lookedUp.delete(device.address);
    lookedUp.set(device.address, device);
    if (lookedUp.size > MAX_LOOKED_UP) lookedUp.delete(lookedUp.keys().next().value!);
    return device;
  };

  const extras = (): WindowExtras => {
    const states = new Map(service.links.states().map((s) => [s.id, s]));
    return {
      pairingModeByPolicy: ['machine', 'user'].includes(
        companion.policy.sources.BetterTogetherOverEthernetPairingMode.kind,
      ),
      session: (id) => service.links.session(id),
      needsPairing: (id) => states.get(id)?.needsPairing ?? false,
      unpaired: [...lookedUp.values(), ...heard.devices],
      webSignInAllowed: companion.policy.policy.WebSignInAllowedAddresses,
    };
  };
  const status = async (): Promise<CompanionView> => {
    if (heard.changes !== service.heardChanges) {
      const changes = service.heardChanges;
      heard = { changes, devices: await service.heardUnpaired() };
    }
    return companionView(service.snapshot.current, extras());
  };

  const listeners = new Set<(view: CompanionView) => void>();
  // Bursts (a call's states, a reconnect) give one view each.
  let pending: Promise<void> | undefined;
  let again = false;
  const notify = (): void => {
    if (pending) {
      again = true;
      return;
    }
    pending = status()
      .then((view) => {
        for (const listener of listeners) listener(view);
      })
      .catch((error: Error) => running.log.write('status-failed', { error: error.message }))
      .finally(() => {
        pending = undefined;
        if (again) {
          again = false;
          notify();
        }
      });
  };
  service.snapshot.on('changed', notify);
  // Not in the snapshot: a sign-in request, a call's number, a phone heard or given up on.
  service.links.on('changed', notify);
  service.links.on('call', notify);

  const run = async (request: Parameters<typeof service.run>[0]): Promise<Result> => {
    const result = await service.run(request);
    return { ok: result.code === 0, message: result.human };
  };
  const connected = () => service.links.states().filter((s) => s.connected);

  const settingsView = (): SettingsView => {
    const s = companion.settings;
    return {
      user: s.user ?? null,
      defaultRegion: s.defaultRegion ?? null,
      lockSync: s.lockSync !== false,
      startAtLogin: s.startAtLogin !== false,
      language: s.language ?? null,
      pairingMode: s.pairingMode ?? null,
    };
  };

  const diagnostics = async (): Promise<DiagnosticsView> => {
    const { source, warnings } = companion.policy;
    const states = new Map(service.links.states().map((s) => [s.id, s]));
    const transports = companion.pairings.list().flatMap((phone) =>
      [...new Set([phone.address, ...(phone.addresses ?? [])])].map((address) => ({
        phone: phone.name,
        address,
        transport: transportOf(address),
        inUse: states.get(phone.id)?.address === address,
      })),
    );
    const events = (await running.log.tail(DIAGNOSTIC_EVENTS)).map(({ time, event, ...details }) => ({
      time: typeof time === 'string' ? time : '',
      event: typeof event === 'string' ? event : 'unknown',
      details: Object.entries(details)
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join('  '),
    }));
    return {
      transports,
      policy: {
        source,
        rows: effectivePolicy(companion.policy).map((row) => ({
          key: row.key,
          value: Array.isArray(row.value) ? row.value.join(', ') : String(row.value),
          from: row.source.location,
        })),
        warnings: [...warnings],
      },
      secretStore: companion.secrets.description,
      events,
    };
  };

  return {
    status,
    pair: (device: string, code?: string) =>
      run({ command: 'pair', args: [device], ...(code === undefined ? {} : { code }) }),
    /**
     * Adds a Poly or Yealink phone through its device API (the same checks as `btoe add`). Throws CompanionError
     * or VendorPhoneError with the message to show (wrong password, API disabled, certificate changed...).
     */
    async addPhone(request: AddPhoneRequest): Promise<AddPhoneResult> {
      const { addVendorPhone } = await import('../core/vendor-phones.js');
      running.log.write('command', { command: 'add', vendor: request.vendor });
      const outcome = await addVendorPhone(companion, {
        vendor: request.vendor,
        url: request.url,
        user: request.user,
        password: request.password,
        ...(request.certificateSha256 === undefined ? {} : { certificateSha256: request.certificateSha256 }),
        unconfirmedCertificate: 'confirm',
      });
      if ('confirmCertificate' in outcome) {
        const { sha256, subject, validTo } = outcome.confirmCertificate;
        return { confirmCertificate: { sha256, subject, validTo } };
      }
      service.links.refresh();
      notify();
      const { id, name } = outcome.added;
      return outcome.certificate ? { id, name, certificateSha256: outcome.certificate.sha256 } : { id, name };
    },
    /** Asks a phone at an address who it is; it is listed from then on. */
    async lookUp(address: string): Promise<Result> {
      try {
        const device = await remember(formatAddress(parseAddress(address)));
        notify();
        return { ok: true, message: `Found ${device.name} (${device.id}) at ${device.address}.` };
      } catch (error) {
        return { ok: false, message: (error as Error).message };
      }
    },
    async unpair(device: string): Promise<Result> {
      const phone = companion.pairings.list().find((p) => p.id === device);
      // Still there, now unpaired: its card stays (no gap while the pairing goes), with Pair, for the user who
      // changes their mind; asked again afterwards, and dropped if it does not answer.
      if (phone) {
        const { id, name, vendor, model, firmware, transport, address } = phone;
        const known = { id, name, vendor, model, firmware, transport, address };
        lookedUp.set(address, { ...known, onThisPcPort: false, paired: false, reachable: true });
      }
      const result = await run({ command: 'unpair', args: [device] });
      if (phone) await remember(phone.address).catch(() => lookedUp.delete(phone.address));
      notify();
      return result;
    },
    /**
     * The dial box and click-to-call launches: the command `btoe dial` runs; without a phone named, on the one
     * connected phone (with several, the core says which to choose).
     */
    dial(target: string, device?: string): Promise<Result> {
      const phones = connected();
      const on = device ?? (phones.length === 1 ? phones[0]!.id : undefined);
      return run({ command: 'dial', args: [target], ...(on === undefined ? {} : { device: on }) });
    },
    /** Locks every connected phone now (the tray's "Lock phone now"). */
    async lockPhonesNow(): Promise<Result> {
      const phones = connected();
      if (phones.length === 0) return run({ command: 'lock', args: [] });
      const results = await Promise.all(phones.map((s) => run({ command: 'lock', args: [], device: s.id })));
      return results.find((r) => !r.ok) ?? results[0]!;
    },
    /** Answer or Decline on an incoming-call notification. */
    callAction: (phoneId: string, action: 'answer' | 'decline') =>
      run({ command: action, args: [], device: phoneId }),
    call: (action: CallAction, device?: string) =>
      run({ command: action, args: [], ...(device === undefined ? {} : { device }) }),
    /** The credential hand-off: the password goes to the phone once and is kept and logged nowhere. */
    signIn: (device: string, user: string, password: string) =>
      run({ command: 'sign-in', args: [device], user, password }),
    openSignIn: (device: string) => run({ command: 'sign-in', args: [device], open: true }),
    settings: settingsView,
    async setSettings(next: SettingsRequest): Promise<SettingsView> {
      // Only what the window shows changes; nothing else in the file is the window's to drop.
      const saved = await updateSettings(companion.storeDir, {
        user: next.user ?? undefined,
        defaultRegion: next.defaultRegion ?? undefined,
        lockSync: next.lockSync,
        startAtLogin: next.startAtLogin,
        language: next.language ?? undefined,
        pairingMode: next.pairingMode ?? undefined,
      });
      await running.applySettings(saved);
      notify();
      return settingsView();
    },
    diagnostics,
    /** What "Copy report" puts on the clipboard: status and diagnostics, redacted for support. */
    async report(): Promise<{ text: string }> {
      const [view, diag] = await Promise.all([status(), diagnostics()]);
      // A pending web sign-in's address carries its code (e.g. ?otc=): support needs only that one is pending.
      const phones = view.phones.map((p) =>
        p.signIn?.pending
          ? { ...p, signIn: { ...p.signIn, pending: { method: p.signIn.pending.method } } }
          : p,
      );
      const text = JSON.stringify(
        { app: service.hello(), status: { ...view, phones }, diagnostics: diag, settings: settingsView() },
        null,
        2,
      );
      return { text: redactForSupport(text) };
    },
    /** The Diagnostics page's checks; a short listen keeps the button responsive. */
    async doctor(): Promise<DoctorReport> {
      const { runDoctor } = await loadDoctor();
      return (await runDoctor({ storeDir: companion.storeDir, listenSeconds: DOCTOR_LISTEN_SECONDS })).report;
    },
    /**
     * "Save support bundle…": to the file the app's save dialog chose, else under the store; the renderer
     * never names a path.
     */
    async saveBundle(chosen?: string): Promise<Result> {
      try {
        const { runDoctor, writeSupportBundle } = await loadDoctor();
        const { facts, report } = await runDoctor({
          storeDir: companion.storeDir,
          listenSeconds: DOCTOR_LISTEN_SECONDS,
        });
        let file = chosen;
        if (file === undefined) {
          const dir = join(companion.storeDir, 'support');
          await mkdir(dir, { recursive: true, mode: 0o700 });
          file = join(dir, supportBundleName());
        }
        await writeSupportBundle(file, { storeDir: companion.storeDir, facts, report });
        return { ok: true, message: `Support bundle saved to ${file}` };
      } catch (error) {
        return { ok: false, message: `The support bundle could not be saved: ${(error as Error).message}` };
      }
    },
    onStatusChanged(listener: (view: CompanionView) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    /** The tray's switches and the shell's settings (written already) apply at once. */
    applySettings: (settings: Settings) => running.applySettings(settings),
    onNotice: (listener: (notice: CompanionNotice) => void) => watchNotices(service, listener),
    /** Stops the companion and frees the per-user endpoint (the app quits; tests). */
    close: () => running.stop(),
  };
}

export type CompanionPort = Awaited<ReturnType<typeof createCompanionPort>>;

/** The doctor and the support bundle (zip), loaded when the window first asks: not resident all day. */
async function loadDoctor() {
  const [{ runDoctor }, { writeSupportBundle }] = await Promise.all([
    import('../host/doctor/gather.js'),
    import('../host/doctor/bundle.js'),
  ]);
  return { runDoctor, writeSupportBundle };
}
