// Environment: Node (main process core).
// HID headsets, handsets and HID phones in the running companion: found through an injected device source,
// each driven by a TelephonyController from its own report descriptor, all following the call of the paired
// phone. An incoming call rings them; Hook Switch answers or hangs up, the mute button mutes the phone, Hold and
// Flash hold and resume, the reject button rejects; the phone's call state is mirrored on their lights.
import { EventEmitter } from 'node:events';
import type { HeadsetSnapshot, HeadsetsSnapshot } from '../../contract/companion-ipc.js';
import type { TelephonyHidDeviceInfo } from '../../native-bridge/hid/discovery.js';
import { parseReportDescriptor } from '../../native-bridge/hid/report-descriptor.js';
import {
  TelephonyController,
  type TelephonyControllerOptions,
} from '../../native-bridge/hid/telephony-controller.js';
import type { CallEvent } from '../../native-bridge/link/messages.js';
import {
  type DeviceCall,
  type DeviceCallEvent,
  NO_CALL,
  type PhoneCallControl,
  deviceCallOf,
  sendToPhone,
  stepsTo,
} from './headset-calls.js';
import type { HeadsetListing, HeadsetSource } from './ports/headset-source.js';
import type { Verdict } from './rules/verdict.js';

/** The phones whose calls the headsets follow: PhoneLinks in the companion. */
export interface CallLines {
  on(event: 'call', listener: (phoneId: string, call: CallEvent) => void): unknown;
  on(event: 'connected', listener: (session: PhoneCallLine) => void): unknown;
  session(phoneId: string): (PhoneCallControl & PhoneCallLine) | undefined;
}

export interface PhoneCallLine {
  phone: { id: string };
  call: CallEvent | undefined;
  ping(): Promise<void>;
}

export interface HeadsetServiceEvents {
  log: [event: string, fields: Record<string, unknown>];
  /** What status() shows changed (a device came or went, a call state, mute). */
  changed: [];
}

export const HEADSET_RESCAN_MS = 5_000;

const CAPABILITIES = ['answer', 'reject', 'mute', 'hold', 'keypad', 'redial'] as const;

interface Headset {
  info: TelephonyHidDeviceInfo;
  controller: TelephonyController | undefined;
  problem: string | undefined;
}

/**
 * The device's name for status and logs. Its USB strings are the device's to choose, so control and bidi
 * characters (terminal escapes, reordering) are dropped and the length capped before they get near a terminal.
 */
function deviceName(d: TelephonyHidDeviceInfo): string {
  const name = [d.manufacturer, d.product]
    .filter(Boolean)
    .join(' ')
    .replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '')
    .trim()
    .slice(0, 64);
  return name || `HID device ${hex4(d.vendorId)}:${hex4(d.productId)}`;
}

const hex4 = (n: number) => n.toString(16).padStart(4, '0');

export class HeadsetService extends EventEmitter<HeadsetServiceEvents> {
  private readonly headsets = new Map<string, Headset>();
  private unavailable: string | undefined;
  /** The phone whose call the devices follow: the last one with a call in progress. */
  private phoneId: string | undefined;
  private call: DeviceCall = NO_CALL;
  private timer: NodeJS.Timeout | undefined;
  private scanning: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly source: HeadsetSource,
    private readonly lines: CallLines,
    private readonly options: {
      rescanMs?: number;
      controller?: TelephonyControllerOptions;
      /** Policy's word on a device (AllowedTransports, AllowedUsbVendorIds): a refused one is listed, never opened. */
      allowed?: (vendorId: string) => Verdict;
    } = {},
  ) {
    super();
    lines.on('call', (phoneId, call) => this.phoneCall(phoneId, call));
    lines.on('connected', (session) => this.reconnected(session));
  }

  /** Scans now and then every rescanMs (devices come and go; node-hid has no hotplug events). */
  async start(): Promise<void> {
    await this.scan();
    const every = this.options.rescanMs ?? HEADSET_RESCAN_MS;
    if (every > 0 && !this.stopped && this.unavailable === undefined) {
      this.timer = setInterval(() => void this.scan(), every);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.scanning;
    await Promise.all([...this.headsets.values()].map((h) => h.controller?.close().catch(() => undefined)));
    this.headsets.clear();
  }

  status(): HeadsetsSnapshot {
    const devices = [...this.headsets.values()].map(({ info, controller, problem }): HeadsetSnapshot => {
      const can = controller?.capabilities;
      return {
        path: info.path,
        name: deviceName(info),
        vendorId: info.vendorId,
        productId: info.productId,
        usable: controller !== undefined,
        problem: problem ?? null,
        call: controller?.state ?? null,
        muted: controller?.muted ?? null,
        can: can ? CAPABILITIES.filter((name) => can[name]) : [],
      };
    });
    return { available: this.unavailable === undefined, reason: this.unavailable ?? null, devices };
  }

  /** Opens devices that appeared and forgets those that went away; one scan at a time. */
  scan(): Promise<void> {
    this.scanning ??= this.rescan().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  private async rescan(): Promise<void> {
    const listing = await this.source
      .list()
      .catch((error: Error): HeadsetListing => ({ available: false, reason: error.message }));
    if (this.stopped) return;
    if (!listing.available) {
      if (this.unavailable !== listing.reason)
        this.emit('log', 'hid-unavailable', { reason: listing.reason });
      this.unavailable = listing.reason;
      clearInterval(this.timer);
      this.emit('changed');
      return;
    }
    this.unavailable = undefined;
    const present = new Set(listing.devices.map((d) => d.path));
    for (const [path, headset] of this.headsets)
      if (!present.has(path)) this.forget(path, headset, 'unplugged');
    // New devices, and those that could not be used (a udev rule may have given access since): opened again.
    const toOpen = listing.devices.flatMap((info): { info: TelephonyHidDeviceInfo; problem?: string }[] => {
      const known = this.headsets.get(info.path);
      return !known ? [{ info }] : known.problem === undefined ? [] : [known];
    });
    await Promise.all(toOpen.map(({ info, problem }) => this.open(info, problem)));
    this.emit('changed');
  }

  /** Opens a device; `before` is why it could not be used last time (logged again only when it changes). */
  private async open(info: TelephonyHidDeviceInfo, before?: string): Promise<void> {
    const headset: Headset = { info, controller: undefined, problem: before };
    this.headsets.set(info.path, headset);
    const verdict = this.options.allowed?.(hex4(info.vendorId));
    if (verdict !== undefined && !verdict.allowed) {
      headset.problem = verdict.reason;
      if (verdict.reason !== before)
        this.emit('log', 'headset-refused', {
          path: info.path,
          name: deviceName(info),
          reason: verdict.reason,
        });
      return;
    }
    try {
      const opened = await this.source.open(info);
      if (this.stopped || this.headsets.get(info.path) !== headset)
        return void opened.device.close().catch(() => undefined);
      try {
        headset.controller = new TelephonyController(
          opened.device,
          parseReportDescriptor(opened.descriptor),
          this.options.controller,
        );
        headset.problem = undefined;
      } catch (error) {
        void opened.device.close().catch(() => undefined);
        throw error;
      }
    } catch (error) {
      headset.problem = (error as Error).message;
      if (headset.problem === before) return;
      this.emit('log', 'headset-unusable', {
        path: info.path,
        name: deviceName(info),
        error: headset.problem,
      });
      return;
    }
    this.drive(headset, headset.controller);
    this.emit('log', 'headset-added', { path: info.path, name: deviceName(info) });
  }

  private drive(headset: Headset, controller: TelephonyController): void {
    const events = ['answer', 'reject', 'hangup', 'hold', 'resume'] as const;
    for (const event of events) controller.on(event, () => this.deviceEvent(headset, { event }));
    controller.on('mute', (muted) => this.deviceEvent(headset, { event: 'mute', muted }));
    controller.on('error', (error) => this.forget(headset.info.path, headset, error.message));
    this.show(controller, this.call);
  }

  private forget(path: string, headset: Headset, why: string): void {
    if (this.headsets.get(path) !== headset) return;
    this.headsets.delete(path);
    void headset.controller?.close().catch(() => undefined);
    this.emit('log', 'headset-removed', { path, name: deviceName(headset.info), why });
    this.emit('changed');
  }

  /**
   * The followed phone is back after a drop: its call, if it still has one, comes as a `call` event, and the
   * devices keep showing it meanwhile (no flicker of Off-Hook). A phone sends its state before it answers
   * anything (docs/protocol.md), so once a ping is answered, no call means the call ended while the link was down.
   */
  private reconnected(session: PhoneCallLine): void {
    const id = session.phone.id;
    if (id !== this.phoneId) return;
    session.ping().then(
      () => {
        if (this.phoneId === id && this.lines.session(id) === session && !session.call)
          this.phoneCall(id, undefined);
      },
      () => undefined, // the link dropped again: the next session asks again
    );
  }

  /** The phone's call changed: every device shows it. */
  private phoneCall(phoneId: string, call: CallEvent | undefined): void {
    const target = deviceCallOf(call);
    if (target.state !== 'idle') this.phoneId = phoneId;
    else if (phoneId !== this.phoneId)
      return; // another phone's call ended; ours goes on
    else this.phoneId = undefined;
    this.call = target;
    for (const { controller } of this.headsets.values()) if (controller) this.show(controller, target);
    this.emit('changed');
  }

  private show(controller: TelephonyController, target: DeviceCall): void {
    for (const step of stepsTo({ state: controller.state, muted: controller.muted }, target)) {
      if (step.do === 'ring') controller.ring();
      else if (step.do === 'connect') controller.callConnected();
      else if (step.do === 'hold') controller.setHeld(step.held);
      else if (step.do === 'end') controller.callEnded();
      else controller.setMuted(step.muted);
    }
  }

  /** The user acted on a device: the phone is asked; until it answers with its call, the others follow. */
  private deviceEvent(headset: Headset, event: DeviceCallEvent): void {
    const fields = { path: headset.info.path, event: event.event, phone: this.phoneId ?? null };
    const session = this.phoneId === undefined ? undefined : this.lines.session(this.phoneId);
    if (!session) {
      this.emit('log', 'headset-no-phone', fields);
      this.resync();
      return;
    }
    this.emit('log', 'headset-event', fields);
    this.emit('changed'); // the device already shows what the user did
    sendToPhone(session, event).then(
      () => undefined,
      (error: Error) => {
        this.emit('log', 'headset-request-failed', { ...fields, error: error.message });
        this.resync();
      },
    );
  }

  /** Back to the phone's last word on every device (a request failed, or there was no phone to ask). */
  private resync(): void {
    for (const { controller } of this.headsets.values()) if (controller) this.show(controller, this.call);
    this.emit('changed');
  }
}

/** `btoe status` lines for the headsets: what each is doing, or why none can be used. */
export function headsetLines(status: HeadsetsSnapshot): string[] {
  const title = 'Headsets and HID phones';
  if (!status.available) return [`${title}: not available (${status.reason})`];
  if (status.devices.length === 0) return [`${title}: none found`];
  return [
    `${title}:`,
    ...status.devices.map((d) => {
      if (!d.usable) return `  ${d.name} (${d.path}): cannot be used: ${d.problem}`;
      const call = d.call === 'idle' ? 'no call' : `call ${d.call}${d.muted ? ', muted' : ''}`;
      return `  ${d.name} (${d.path}): ${call}; ${d.can.length > 0 ? `can ${d.can.join(', ')}` : 'lights only'}`;
    }),
  ];
}
