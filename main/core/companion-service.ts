// Environment: Node (main process core).
import { EventEmitter } from 'node:events';
import {
  COMPANION_IPC_VERSION,
  type CommandRequest,
  type CommandResult,
  type CompanionHello,
  type CompanionSnapshot,
  type PhoneSnapshot,
  companionRequestSchema,
  rejectRequest,
} from '../../contract/companion-ipc.js';
import { type CommandContext, executeCommand, failure } from './commands.js';
import { APP_VERSION, type Companion, type DeviceView } from './companion.js';
import type { EventSink } from './companion-log.js';
import type { Settings } from './settings.js';
import { HeadsetService, headsetLines } from './headsets.js';
import { LockSync } from './lock-sync.js';
import { type DiscoverySetting, Nearby } from './nearby.js';
import { nearbyExecute, wantsDiscovery } from './nearby-command.js';
import { type KeeperEvent, type PendingPairing, PhoneKeeper } from './phone-keeper.js';
import { PhoneLinks } from './phone-links.js';
import { policyUsbVendorIds } from './policy.js';
import type { Desktop } from './ports/desktop.js';
import type { HeadsetSource } from './ports/headset-source.js';
import type { ListenLocal, LocalServer } from './ports/local-server.js';
import type { SessionLockSource } from './ports/session-lock.js';
import { StatusSnapshot } from './status-snapshot.js';
import { PhoneEventListener } from '../../native-bridge/vendor/event-listener.js';
import { VendorPhone } from './vendor-phone.js';
import { eventPort } from './vendor-phones.js';

/**
 * The long-running companion: keeps the paired phones connected, follows the PC's session lock, and serves
 * `btoe` commands. The daemon process and the desktop app each host one; they differ only in
 * the adapters they give it (lock sources, desktop, local server), wired in main/composition. `pending-pairing`
 * fires when the phone on this PC's port waits for the user's click to pair (or no longer does): the window and
 * the tray show it, and `btoe pair` without a DEVICE confirms it.
 */
export class CompanionService extends EventEmitter<{ 'pending-pairing': [PendingPairing | undefined] }> {
  readonly links: PhoneLinks;
  readonly lockSync: LockSync;
  readonly snapshot: StatusSnapshot;
  readonly startedAt = new Date();
  readonly lockSources: SessionLockSource[] = [];
  /** What the Ethernet keeper reports (a reset phone, a phone waiting for its code), for the app's notifications. */
  readonly ethernet = new EventEmitter<{ event: [KeeperEvent] }>();
  private nearby: Nearby | undefined;
  private keeper: PhoneKeeper | undefined;
  private usbWatcher: { stop(): void } | undefined;
  private headsets: HeadsetService | undefined;
  private server: LocalServer | undefined;
  private readonly context: CommandContext;
  /** Where vendor phones send their events (Poly notifications, Yealink Action URLs); bound on first use. */
  readonly phoneEvents: PhoneEventListener;
  /** Counts the changes among the phones heard on this PC's links (mDNS): the window lists those anew. */
  heardChanges = 0;

  constructor(
    readonly companion: Companion,
    readonly log: EventSink,
    desktop: Desktop,
  ) {
    super();
    this.links = new PhoneLinks(companion);
    this.lockSync = new LockSync(this.links, companion.rules);
    this.snapshot = new StatusSnapshot({
      companion,
      links: this.links,
      lockSync: this.lockSync,
      startedAt: this.startedAt,
      lockSources: () => this.lockSources.map((s) => s.name),
      onThisPcPort: (id) => this.keeper?.keeps(id) ?? false,
      headsets: () => this.headsets?.status() ?? null,
    });
    this.lockSync.on('log', (event, fields) => log.write(event, fields));
    this.context = this.commandContext(desktop);
    this.links.on('connected', (s) => log.write('phone-connected', { phone: s.phone.id }));
    this.links.on('disconnected', (id) => log.write('phone-disconnected', { phone: id }));
    this.phoneEvents = new PhoneEventListener({ port: eventPort() });
    this.phoneEvents.on('refused', (fields) => log.write('phone-event-refused', fields));
    this.links.on('connected', (driver) => {
      if (driver instanceof VendorPhone) void this.listenFor(driver);
    });
    this.links.on('call', (id, call) =>
      log.write('call', { phone: id, state: call.state, direction: call.direction, callId: call.callId }),
    );
  }

  /**
   * A vendor phone came up: its events are listened for on the interface that faces it; where that fails, the
   * driver polls what it can (Poly) and the snapshot says why.
   */
  private async listenFor(driver: VendorPhone): Promise<void> {
    const { id } = driver.phone;
    driver.on('close', () => {
      if (this.links.session(id) === undefined) this.phoneEvents.remove(id);
    });
    try {
      const url = await this.phoneEvents.add({
        id,
        host: new URL(driver.address).hostname,
        client: driver.client,
        deliver: (events) => {
          if (this.links.session(id) === driver) driver.notified(events);
        },
      });
      driver.watch({ url, problem: undefined });
      this.log.write('phone-events-listening', { phone: id, url });
    } catch (error) {
      const problem = `the event listener cannot be bound: ${(error as Error).message}`;
      driver.watch({ url: undefined, problem });
      this.log.write('phone-events-unavailable', { phone: id, error: (error as Error).message });
    }
    this.links.emit('changed');
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
    this.snapshot.refresh();
    // Locked already when we start: the phones follow at once (the source reports only later changes).
    if (source.locked) void this.lockSync.pcLock();
  }

  /** HID headsets and phones follow the paired phones' calls; the composition gives where they are found. */
  useHeadsets(source: HeadsetSource): void {
    this.headsets = new HeadsetService(source, this.links, {
      allowed: (vendorId) => this.companion.rules.hidDevice(vendorId),
    });
    this.headsets.on('log', (event, fields) => this.log.write(event, fields));
    this.headsets.on('changed', () => this.snapshot.refresh());
  }

  /** Serves `btoe` on the per-user local endpoint (the one-companion-per-user lock: rejects if taken). */
  async serve(listen: ListenLocal): Promise<void> {
    this.server = await listen((request) => this.answer(request));
  }

  /** One request from `btoe`, untrusted: checked against the contract before anything runs. */
  async answer(raw: unknown): Promise<unknown> {
    const parsed = companionRequestSchema.safeParse(raw);
    if (!parsed.success) return rejectRequest(raw, parsed.error);
    const request = parsed.data;
    if (request.kind === 'hello') return { v: COMPANION_IPC_VERSION, hello: this.hello() };
    return { v: COMPANION_IPC_VERSION, result: await this.run(request.request) };
  }

  /**
   * Connects the paired phones. With discovery on, the phone on this PC's port is kept by the Ethernet keeper
   * (mDNS: asks when a link comes up, follows address changes, pairs in Auto mode when policy allows).
   */
  async start(discovery: DiscoverySetting = { enabled: false }, usb = false): Promise<void> {
    this.log.write('started', { pid: process.pid, store: this.companion.storeDir });
    const { policy, source, warnings } = this.companion.policy;
    this.log.write('policy', { ...policy, source, warnings });
    if (usb) await this.watchUsb();
    if (discovery.enabled) {
      const nearby = await Nearby.open(this.companion, discovery);
      const keeper = new PhoneKeeper(nearby);
      this.nearby = nearby;
      this.keeper = keeper;
      this.links.delegate((id) => keeper.keeps(id));
      keeper.on('event', (event) => {
        this.log.write(`ethernet-${event.event}`, { ...event, event: undefined });
        if (event.event === 'paired' || event.event === 'auto-pairing-dropped') this.links.refresh();
        if (event.event === 'confirm-pairing') this.emit('pending-pairing', keeper.pendingPairing);
        if (event.event === 'paired' || event.event === 'manual-offered')
          this.emit('pending-pairing', undefined);
        if (event.event === 'ready' && keeper.session) this.links.adopt(keeper.session);
        this.ethernet.emit('event', event);
      });
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
    await this.headsets?.start();
  }
  /**
   * A phone plugged in over USB: a serial port no paired phone is known at is asked who it is; if it answers
   * with a pinned identity, it is one more way to reach that phone (Companion.probe learns it), used when the
   * Ethernet link is down.
   */
  private async watchUsb(): Promise<void> {
    const { PhonePortWatcher } = await import('../../native-bridge/usb/hotplug.js');
    // Vendor ids policy adds are looked for from the start; AllowedUsbVendorIds is checked on every port.
    const watcher = new PhonePortWatcher({ extraVendorIds: policyUsbVendorIds(this.companion.policy) });
    this.usbWatcher = watcher;
    watcher.on('scan-failed', (error) => this.log.write('usb-scan-failed', { error: error.message }));
    watcher.on('port-added', (port) => {
      const address = `serial:${port.path}`;
      const vendor = this.companion.rules.usbVendor(port.vendorId);
      if (!vendor.allowed) {
        this.log.write('usb-port-refused', { address, reason: vendor.reason });
        return;
      }
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

  /**
   * The user changed their settings (written already: the window's Settings page, the tray, the shell): the rules
   * follow at once, and a PC locked already locks the phones now that sync is on again.
   */
  applySettings(next: Settings): void {
    const syncTurnedOn = this.companion.settings.lockSync === false && next.lockSync !== false;
    this.companion.applySettings(next);
    this.log.write('settings-changed', { lockSync: next.lockSync !== false });
    if (syncTurnedOn && this.lockSync.isPcLocked) void this.lockSync.pcLock();
    this.snapshot.refresh();
    this.links.emit('changed');
  }

  /** The phones heard on this PC's links that are not paired (asked over TLS: who they are, verified). */
  async heardUnpaired(): Promise<DeviceView[]> {
    return this.nearby ? (await this.nearby.devices()).filter((d) => !d.paired) : [];
  }

  async stop(): Promise<void> {
    await this.server?.close();
    this.usbWatcher?.stop();
    await Promise.all(this.lockSources.map((s) => s.stop().catch(() => undefined)));
    this.keeper?.stop();
    this.nearby?.close();
    this.links.stop();
    await this.phoneEvents.close();
    await this.headsets?.stop();
    this.log.write('stopped', {});
  }

  hello(): CompanionHello {
    return {
      running: true as const,
      version: APP_VERSION,
      pid: process.pid,
      startedAt: this.startedAt.toISOString(),
      store: this.companion.storeDir,
    };
  }

  /** The phone on this PC's port that waits for the user's click to pair, if any. */
  get pendingPairing(): PendingPairing | undefined {
    return this.keeper?.pendingPairing;
  }

  async run(request: CommandRequest): Promise<CommandResult> {
    this.log.write('command', { command: request.command, device: request.device ?? null });
    const pending = this.pendingPairing;
    if (request.command === 'pair' && !request.args[0] && !request.device && !request.code && pending) {
      // `btoe pair` alone is the user's click for the phone that waits for it (checked again as it pairs).
      request = { ...request, args: [pending.id] };
    }
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

  private commandContext(desktop: Desktop): CommandContext {
    return {
      companion: this.companion,
      desktop,
      withSession: async (device, use) => {
        const phone = this.companion.resolvePaired(device);
        const live = this.links.session(phone.id);
        if (live) return use(live);
        // Not connected right now: one attempt of our own, and the background link retries at once too.
        this.links.retryNow();
        const session = await this.companion.reach(phone.id);
        try {
          return await use(session);
        } finally {
          session.close();
        }
      },
      pairingsChanged: () => this.links.refresh(),
      eventListenerUrl: async (phone) =>
        phone.driver
          ? this.phoneEvents.urlFor(new URL(phone.driver.url).hostname, phone.id).catch(() => undefined)
          : undefined,
      status: () => {
        const snapshot = this.snapshot.current;
        return {
          data: {
            companion: snapshot.companion,
            links: snapshot.phones,
            pendingPairing: this.pendingPairing ?? null,
            ...(snapshot.headsets ? { headsets: snapshot.headsets } : {}),
          },
          lines: [
            ...describeSnapshot(snapshot),
            ...(this.pendingPairing ? [`Waiting for you: ${this.pendingPairing.message}`] : []),
          ],
        };
      },
    };
  }
}

/** `btoe status`'s lines for the running companion, from the snapshot alone. */
export function describeSnapshot(snapshot: CompanionSnapshot): string[] {
  const { companion } = snapshot;
  return [
    `Companion running (pid ${companion.pid}, since ${companion.startedAt}); the PC is ${companion.pcLocked ? 'locked' : 'unlocked'}`,
    ...snapshot.phones.map(describePhone),
    ...(snapshot.headsets ? headsetLines(snapshot.headsets) : []),
  ];
}

/** One status line per phone: how it is reached, its lock and call, and why lock sync is off if it is. */
function describePhone(p: PhoneSnapshot): string {
  if (!p.connected) return `  ${p.name}: not connected${p.problem ? ` (${p.problem})` : ''}`;
  const parts = [`connected at ${p.address}`];
  if (p.locked !== null) parts.push(p.locked ? 'locked' : 'unlocked');
  if (p.call) parts.push(`call ${p.call.state}`);
  const sync = p.lockSync && !p.lockSync.syncing ? `; lock sync off: ${p.lockSync.reason}` : '';
  return [`  ${p.name}: ${parts.join(', ')}${sync}`, ...vendorLines(p)].join('\n');
}

/** A vendor phone's driver, device facts and where its events come from (and what to provision for them). */
function vendorLines(p: PhoneSnapshot): string[] {
  if (p.driver === 'btoe') return [];
  const lines = [`    driver: ${p.driver} device API (${p.capabilities.join(', ') || 'not reached yet'})`];
  const facts = p.deviceFacts;
  if (facts) {
    lines.push(
      `    MAC ${facts.mac}; firmware ${p.firmware}${facts.firmwareCheck ? `: ${facts.firmwareCheck.message}` : ''}`,
    );
    for (const l of facts.lines)
      lines.push(`    line ${l.line}: ${l.address} ${l.registered ? 'registered' : 'NOT registered'}`);
  }
  const events = p.events;
  if (events) {
    if (events.listener)
      lines.push(
        `    events: listening at ${events.listener}${events.polling ? ' (and polling the call status)' : ''}`,
      );
    else
      lines.push(
        `    events: ${events.problem ?? 'no listener'}${events.polling ? '; polling the call status instead' : ''}`,
      );
    for (const setting of events.provisioning)
      lines.push(`      provision ${setting.parameter} = ${setting.value}`);
  }
  return lines;
}
