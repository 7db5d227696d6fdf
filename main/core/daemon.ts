import { z } from 'zod';
import type { SessionLockSource } from '../host/session-lock.js';
import {
  type CommandContext,
  type CommandRequest,
  type CommandResult,
  executeCommand,
  failure,
} from './commands.js';
import { type DiscoverySetting, Nearby } from './nearby.js';
import { nearbyExecute, wantsDiscovery } from './nearby-command.js';
import { PhoneKeeper } from './phone-keeper.js';
import { type Companion, CompanionError, type DeviceView } from './companion.js';
import type { EventLog } from './event-log.js';
import { LockSync, type LockSyncState } from './lock-sync.js';
import { type PhoneLinkState, PhoneLinks } from './phone-links.js';
import type { PhoneSession } from './phone-session.js';
import type { LoadedPolicy } from './policy.js';
import { type Settings, saveSettings, withUserSettings } from './settings.js';

const ipcRequest = z.object({
  kind: z.literal('command'),
  request: z.object({
    command: z.string().max(64),
    args: z.array(z.string().max(4096)).max(16),
    device: z.string().max(1024).optional(),
    code: z.string().max(64).optional(),
    user: z.string().max(256).optional(),
    password: z.string().max(256).optional(),
    open: z.boolean().optional(),
    timeout: z.string().max(16).optional(),
  }),
});

/**
 * The long-running companion: keeps the paired phones connected, follows the PC's session lock, and serves
 * `btoe` commands and URL launches. The daemon process and the desktop app each host one.
 */
export class CompanionService {
  readonly links: PhoneLinks;
  readonly lockSync: LockSync;
  readonly startedAt = new Date();
  readonly lockSources: SessionLockSource[] = [];
  private nearby: Nearby | undefined;
  private keeper: PhoneKeeper | undefined;
  private usbWatcher: { stop(): void } | undefined;
  /** Counts the changes among the phones heard on this PC's links (mDNS). */
  heardChanges = 0;
  /** The admin's policy as loaded, before the user's settings apply to it. */
  readonly adminPolicy: LoadedPolicy;

  constructor(
    readonly companion: Companion,
    private settings: Settings,
    readonly log: EventLog,
  ) {
    this.adminPolicy = companion.policy;
    companion.policy = withUserSettings(companion.policy, settings);
    this.links = new PhoneLinks(companion);
    this.lockSync = new LockSync(this.links, {
      unlockAllowed: () => companion.policy.policy.UnlockPhoneWithPc,
      activated: (session) => this.activated(session),
      enabled: () => this.settings.lockSync !== false,
    });
    this.lockSync.on('log', (event, fields) => log.write(event, fields));
    this.context = this.commandContext();
    this.links.on('connected', (s) => log.write('phone-connected', { phone: s.phone.id }));
    this.links.on('disconnected', (id) => log.write('phone-disconnected', { phone: id }));
    this.links.on('call', (id, call) =>
      log.write('call', { phone: id, state: call.state, direction: call.direction, callId: call.callId }),
    );
  }

  /** Follows a session lock source: PC locks → phones lock; PC unlocks → phones unlock (where allowed). */
  async follow(source: SessionLockSource): Promise<void> {
    source.on('lock', () => void this.lockSync.pcLock());
    source.on('unlock', () => void this.lockSync.pcUnlock());
    source.on('error', (error) =>
      this.log.write('lock-source-error', { source: source.name, error: error.message }),
    );
    await source.start();
    this.lockSources.push(source);
    // Locked already when we start: the phones follow at once (the source reports only later changes).
    if (source.locked) void this.lockSync.pcLock();
  }

  /** A request from `btoe` (or a URL launch) over the local IPC channel; the payload is untrusted. */
  async handleIpc(body: unknown): Promise<CommandResult> {
    const parsed = ipcRequest.safeParse(body);
    if (!parsed.success) throw new Error('not a companion command');
    return this.run(parsed.data.request);
  }

  /**
   * Connects the paired phones. With discovery on, the phone on this PC's port is kept by the Ethernet keeper
   * (mDNS: asks when a link comes up, follows address changes, pairs in Auto mode when policy allows).
   */
  async start(discovery: DiscoverySetting = { enabled: false }, usb = false): Promise<void> {
    this.log.write('started', { pid: process.pid, store: this.companion.storeDir });
    if (usb) await this.watchUsb();
    if (discovery.enabled) {
      const nearby = await Nearby.open(this.companion, discovery);
      const keeper = new PhoneKeeper(nearby);
      this.nearby = nearby;
      this.keeper = keeper;
      this.links.delegate((id) => keeper.keeps(id));
      keeper.on('event', (event) => {
        this.log.write(`ethernet-${event.event}`, { ...event, event: undefined });
        if (event.event === 'paired') this.links.refresh();
        if (event.event === 'ready' && keeper.session) this.links.adopt(keeper.session);
      });
      // A phone heard, gone or changed on this PC's links: the window lists it (heardChanges keys that list).
      for (const event of ['up', 'down', 'update'] as const) {
        nearby.discovery.on(event, () => {
          this.heardChanges++;
          this.links.emit('changed');
        });
      }
      nearby.discovery.on('warning', (error: Error) =>
        this.log.write('discovery-warning', { error: error.message }),
      );
      keeper.start();
    }
    this.links.refresh();
  }

  /**
   * A phone plugged in over USB: a serial port no paired phone is known at is asked who it is; if it answers
   * with a pinned identity, it is one more way to reach that phone (Companion.probe learns it), used when the
   * Ethernet link is down.
   */
  private async watchUsb(): Promise<void> {
    const { PhonePortWatcher } = await import('../../native-bridge/usb/hotplug.js');
    const watcher = new PhonePortWatcher();
    this.usbWatcher = watcher;
    watcher.on('scan-failed', (error) => this.log.write('usb-scan-failed', { error: error.message }));
    watcher.on('port-added', (port) => {
      const address = `serial:${port.path}`;
      const known = this.companion.pairings
        .list()
        .some((p) => (p.addresses ?? [p.address]).includes(address));
      const learn = known ? Promise.resolve() : this.companion.probe(address).then(() => undefined);
      learn.then(
        () => this.links.retryNow(),
        (error: Error) => this.log.write('usb-port-unknown', { address, error: error.message }),
      );
    });
    const status = await watcher.start();
    this.log.write('usb-watch', { ...status });
  }

  /** Every phone the companion knows now: heard on this PC's links (discovery on), paired, or at `extra`. */
  devices(extra: readonly string[] = []): Promise<DeviceView[]> {
    return this.nearby ? this.nearby.devices(extra) : this.companion.devices(extra);
  }

  async stop(): Promise<void> {
    this.usbWatcher?.stop();
    await Promise.all(this.lockSources.map((s) => s.stop().catch(() => undefined)));
    this.keeper?.stop();
    this.nearby?.close();
    this.links.stop();
    this.log.write('stopped', {});
  }

  /** Paired but not activated when the phone is signed in as someone other than the PC's user. */
  activated(session: PhoneSession): boolean {
    const pcUser = this.settings.user?.toLowerCase();
    const phoneUser = session.user?.toLowerCase();
    return !pcUser || !phoneUser || pcUser === phoneUser;
  }

  get currentSettings(): Settings {
    return this.settings;
  }

  /**
   * Saves the user's settings and applies them at once: the dial region, the PC's user (activation) and lock
   * sync take effect for the next dial and the next lock; a PC already locked locks the phones now sync is on.
   */
  async updateSettings(next: Settings): Promise<void> {
    await saveSettings(this.companion.storeDir, next);
    const syncTurnedOn = this.settings.lockSync === false && next.lockSync !== false;
    this.settings = next;
    this.companion.policy = withUserSettings(this.adminPolicy, next);
    this.log.write('settings-changed', { fields: Object.keys(next) });
    if (syncTurnedOn && this.lockSync.isPcLocked) void this.lockSync.pcLock();
    this.links.emit('changed');
  }

  hello() {
    return {
      running: true,
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      store: this.companion.storeDir,
    };
  }

  async run(request: CommandRequest): Promise<CommandResult> {
    this.log.write('command', { command: request.command, device: request.device ?? null });
    if (this.nearby && wantsDiscovery(request)) {
      try {
        const result = await nearbyExecute(this.nearby, request, 0);
        if (result) {
          if (request.command === 'pair') this.links.refresh();
          return result;
        }
      } catch (error) {
        return failure(error);
      }
    }
    return executeCommand(this.context, request);
  }

  private readonly context: CommandContext;

  private commandContext(): CommandContext {
    const settings = () => this.settings;
    return {
      companion: this.companion,
      // A getter: the settings can change while the companion runs.
      get defaultRegion() {
        return settings().defaultRegion;
      },
      withSession: async (device, use) => {
        const phone = this.companion.resolvePaired(device);
        const live = this.links.session(phone.id);
        if (live) return use(live);
        // Not connected right now: one attempt of our own, and the background link retries at once too.
        this.links.retryNow();
        const session = await this.companion.connect(phone.id);
        try {
          return await use(session);
        } finally {
          session.close();
        }
      },
      mayDial: (session) => {
        if (!this.activated(session)) {
          throw new CompanionError(
            'refused',
            `click-to-call is off: ${session.phone.name} is signed in as ${session.user}, not as this PC's user (paired but not activated)`,
          );
        }
      },
      pairingsChanged: () => this.links.refresh(),
      status: () => {
        const states = this.links.states().map((state) => {
          const session = this.links.session(state.id);
          return { ...state, lockSync: session ? this.lockSync.stateOf(session) : undefined };
        });
        return {
          data: { companion: { ...this.hello(), pcLocked: this.lockSync.isPcLocked }, links: states },
          lines: [
            `Companion running (pid ${process.pid}, since ${this.startedAt.toISOString()}); the PC is ${this.lockSync.isPcLocked ? 'locked' : 'unlocked'}`,
            ...states.map(describeLink),
          ],
        };
      },
    };
  }
}

/** One status line per phone: how it is reached, its lock and call, and why lock sync is off if it is. */
function describeLink(s: PhoneLinkState & { lockSync: LockSyncState | undefined }): string {
  if (!s.connected) return `  ${s.name}: not connected${s.problem ? ` (${s.problem})` : ''}`;
  const parts = [`connected at ${s.address}`];
  if (s.locked !== undefined) parts.push(s.locked ? 'locked' : 'unlocked');
  if (s.call) parts.push(`call ${s.call.state}`);
  const sync = s.lockSync && !s.lockSync.syncing ? `; lock sync off: ${s.lockSync.reason}` : '';
  return `  ${s.name}: ${parts.join(', ')}${sync}`;
}
