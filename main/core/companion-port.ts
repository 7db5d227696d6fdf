// Environment: Node (main process core).
import { join } from 'node:path';
import { parseAddress } from '../../native-bridge/link/address.js';
import { discoverySetting } from './nearby.js';
import type {
  CallAction,
  CompanionView,
  DiagnosticsView,
  PhoneView,
  Result,
  SettingsRequest,
  SettingsView,
} from '../../preload/contract.js';
import { IpcServer, ipcEndpoint } from '../host/ipc.js';
import type { SessionLockSource } from '../host/session-lock.js';
import type { CommandRequest } from './commands.js';
import { Companion, type DeviceView, defaultStoreDir } from './companion.js';
import { CompanionService } from './daemon.js';
import { EventLog } from './event-log.js';
import { loadPolicy } from './policy.js';
import { redactForSupport } from './redact.js';
import { loadSettings, policySetsPairingMode } from './settings.js';
import { verificationAddress } from './sign-in.js';

/** How many of the log's last events the diagnostics page shows. */
export const DIAGNOSTIC_EVENTS = 200;

/** Addresses the user asked the window to look at (phones not heard by discovery); a few at most. */
const MAX_LOOKED_UP = 8;

export interface CompanionPortOptions {
  storeDir?: string;
  /** Watch for phones plugged in over USB (the app does; tests without USB do not). */
  usb?: boolean;
  /** This PC's MAC addresses (default: its interfaces'), which a phone reports on its PC port. */
  hostMacs?: () => string[];
}

/**
 * The desktop app's view of the core: what the window and the tray show, and every action they can take. Each
 * action is a thin call into the same command path as `btoe` (CompanionService.run), so the window and the
 * command line share one behaviour and one set of messages. The app hosts the same CompanionService as
 * `btoe daemon` and takes the same per-user IPC endpoint, so there is one companion per user: starting the app
 * while a daemon runs fails with AlreadyRunningError (and vice versa).
 */
export async function createCompanionPort(
  lockSources: SessionLockSource[],
  { storeDir = defaultStoreDir(), usb = true, hostMacs }: CompanionPortOptions = {},
) {
  const companion = await Companion.open({
    storeDir,
    policy: await loadPolicy(),
    ...(hostMacs && { hostMacs }),
  });
  const { settings } = await loadSettings(storeDir);
  const service = new CompanionService(companion, settings, new EventLog(join(storeDir, 'logs')));
  const server = await IpcServer.listen(
    ipcEndpoint(storeDir),
    (body) => service.handleIpc(body),
    () => service.hello(),
  );
  for (const source of lockSources) await service.follow(source);
  await service.start(discoverySetting(), usb);
  const listeners = new Set<(view: CompanionView) => void>();
  const lookedUp: string[] = [];

  const run = async (request: CommandRequest): Promise<Result> => {
    const result = await service.run(request);
    return { ok: result.code === 0, message: result.human };
  };

  const phoneView = (d: DeviceView, resetAddresses: Set<string>): PhoneView => {
    const session = d.paired ? service.links.session(d.id) : undefined;
    const link = service.links.states().find((s) => s.id === d.id);
    const policy = companion.policy.policy;
    const sync = session ? service.lockSync.stateOf(session) : undefined;
    return {
      id: d.id,
      name: d.name,
      vendor: d.vendor,
      model: d.model,
      firmware: d.firmware,
      address: session?.address ?? d.address,
      transport: transportOf(session?.address ?? d.address),
      paired: d.paired,
      connected: session !== undefined,
      onThisPcPort: d.onThisPcPort,
      verified: d.verified ?? true,
      mode: companion.pairings.get(d.id)?.mode ?? null,
      locked: session?.locked ?? null,
      lockSync: sync ? { on: sync.syncing, reason: sync.syncing ? null : sync.reason } : null,
      canAutoPair:
        policy.EnableBetterTogetherOverEthernet &&
        policy.BetterTogetherOverEthernetPairingMode === 'Auto' &&
        d.onThisPcPort,
      needsPairingAgain:
        (link?.needsPairing ?? false) ||
        (!d.paired && (d.addresses ?? [d.address]).some((a) => resetAddresses.has(a))),
      problem: session ? null : (link?.problem ?? null),
      call:
        session?.call === undefined || session.call.state === 'ended' || session.call.state === 'failed'
          ? null
          : {
              state: session.call.state,
              direction: session.call.direction,
              remote: session.call.number,
              muted: session.call.muted,
            },
      signIn: session ? signInView(session) : null,
    };
  };

  const signInView = (session: NonNullable<ReturnType<typeof service.links.session>>) => {
    const pending = session.pendingSignIn();
    const user = session.user ?? null;
    if (!pending) return { user, pending: null };
    if (pending.request.method === 'credentials')
      return { user, pending: { method: 'credentials' as const } };
    const web = pending.request;
    try {
      return {
        user,
        pending: {
          method: 'web' as const,
          address: verificationAddress(web.verificationUriComplete ?? web.verificationUri),
          userCode: web.userCode,
          expiresAt: new Date(pending.expiresAt).toISOString(),
        },
      };
    } catch {
      // An address that is not plain https is never offered (the command line refuses it the same way).
      return { user, pending: null };
    }
  };

  // Listing the phones asks each one over TLS. A call, lock or sign-in change leaves the list as it was (the
  // card's live state comes from the session): it is asked again only when pairings, addresses looked up or
  // connections change.
  let listed: { key: string; devices: Promise<DeviceView[]> } | undefined;
  const knownDevices = (): Promise<DeviceView[]> => {
    const key = JSON.stringify([
      companion.pairings.list().map((p) => [p.id, p.address]),
      lookedUp,
      service.heardChanges,
      service.links.states().map((s) => [s.id, s.connected, s.needsPairing]),
    ]);
    if (listed?.key !== key) {
      const devices = service.devices(lookedUp);
      listed = { key, devices };
      // A failed listing is not kept: the next status asks again.
      devices.catch(() => {
        if (listed?.devices === devices) listed = undefined;
      });
    }
    return listed.devices;
  };

  const status = async (): Promise<CompanionView> => {
    const { policy, source } = companion.policy;
    // A reset phone answers at its old address with a new identity: its card says so.
    const resetAddresses = new Set(
      service.links
        .states()
        .filter((s) => s.needsPairing)
        .flatMap((s) => {
          const phone = companion.pairings.get(s.id);
          return phone ? [phone.address, ...(phone.addresses ?? [])] : [];
        }),
    );
    const devices = await knownDevices();
    return {
      pairingMode: !policy.EnableBetterTogetherOverEthernet
        ? 'off'
        : policy.BetterTogetherOverEthernetPairingMode === 'Auto'
          ? 'auto'
          : 'manual',
      policySource: source,
      pairingModeByPolicy: policySetsPairingMode(service.adminPolicy),
      secretStore: companion.secrets.description,
      pcLocked: service.lockSync.isPcLocked,
      phones: devices.map((d) => phoneView(d, resetAddresses)),
    };
  };

  // Status changes come in bursts (a call's states, a reconnect): one view per burst is enough.
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
      .catch((error: Error) => service.log.write('status-failed', { error: error.message }))
      .finally(() => {
        pending = undefined;
        if (again) {
          again = false;
          notify();
        }
      });
  };
  service.links.on('changed', notify);
  for (const source of lockSources) {
    source.on('lock', notify);
    source.on('unlock', notify);
  }

  const settingsView = (): SettingsView => {
    const s = service.currentSettings;
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
    const { policy, source, warnings } = companion.policy;
    const states = new Map(service.links.states().map((s) => [s.id, s]));
    const transports = companion.pairings.list().flatMap((phone) =>
      [...new Set([phone.address, ...(phone.addresses ?? [])])].map((address) => ({
        phone: phone.name,
        address,
        transport: transportOf(address),
        inUse: states.get(phone.id)?.address === address,
      })),
    );
    const events = (await service.log.tail(DIAGNOSTIC_EVENTS)).map(({ time, event, ...details }) => ({
      time: typeof time === 'string' ? time : '',
      event: typeof event === 'string' ? event : 'unknown',
      details: Object.entries(details)
        .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join('  '),
    }));
    return {
      transports,
      policy: { source, values: { ...policy }, warnings: [...warnings] },
      secretStore: companion.secrets.description,
      events,
    };
  };

  return {
    service,
    status,
    pair: (device: string, code?: string) => run({ command: 'pair', args: [device], code }),
    /** Asks a phone at an address who it is; it is listed from then on. */
    async lookUp(address: string): Promise<Result> {
      try {
        const { id, hello } = await companion.probe(address);
        if (!lookedUp.includes(address)) lookedUp.push(address);
        if (lookedUp.length > MAX_LOOKED_UP) lookedUp.shift();
        notify();
        return { ok: true, message: `Found ${hello.vendor} ${hello.model} (${id}) at ${address}.` };
      } catch (error) {
        return { ok: false, message: (error as Error).message };
      }
    },
    async unpair(device: string): Promise<Result> {
      const result = await run({ command: 'unpair', args: [device] });
      notify();
      return result;
    },
    dial: (target: string, device?: string) => run({ command: 'dial', args: [target], device }),
    call: (action: CallAction, device?: string) => run({ command: action, args: [], device }),
    /** The credential hand-off: the password goes to the phone once and is kept and logged nowhere. */
    signIn: (device: string, user: string, password: string) =>
      run({ command: 'sign-in', args: [device], user, password }),
    openSignIn: (device: string) => run({ command: 'sign-in', args: [device], open: true }),
    settings: settingsView,
    async setSettings(next: SettingsRequest): Promise<SettingsView> {
      const current = service.currentSettings;
      await service.updateSettings({
        version: 1,
        ...(next.user !== null && { user: next.user }),
        ...(next.defaultRegion !== null && { defaultRegion: next.defaultRegion }),
        ...(!next.lockSync && { lockSync: false }),
        ...(!next.startAtLogin && { startAtLogin: false }),
        ...(next.language !== null && { language: next.language }),
        ...(next.pairingMode !== null && { pairingMode: next.pairingMode }),
        // Nothing else in the file is the window's to drop.
        ...Object.fromEntries(
          Object.entries(current).filter(
            ([key]) =>
              !['user', 'defaultRegion', 'lockSync', 'startAtLogin', 'language', 'pairingMode'].includes(key),
          ),
        ),
      });
      return settingsView();
    },
    diagnostics,
    /** What "Copy report" puts on the clipboard: status and diagnostics, redacted for support. */
    async report(): Promise<{ text: string }> {
      const [view, diag] = await Promise.all([status(), diagnostics()]);
      const text = JSON.stringify(
        { app: service.hello(), status: view, diagnostics: diag, settings: settingsView() },
        null,
        2,
      );
      return { text: redactForSupport(text) };
    },
    onStatusChanged(listener: (view: CompanionView) => void): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close(): Promise<void> {
      await service.stop();
      await server.close();
    },
  };
}

export type CompanionPort = Awaited<ReturnType<typeof createCompanionPort>>;

function transportOf(address: string): PhoneView['transport'] {
  try {
    const { transport } = parseAddress(address);
    return transport === 'tcp' ? 'ethernet' : transport === 'serial' ? 'usb' : 'hid';
  } catch {
    return 'ethernet';
  }
}
