// Environment: Node (main process core).
import { EventEmitter } from 'node:events';
import type { DeviceFactsSnapshot, PhoneEventsSnapshot } from '../../contract/companion-ipc.js';
import { checkFirmware } from '../../native-bridge/firmware/minimums.js';
import type { CallEvent } from '../../native-bridge/link/messages.js';
import {
  type DeviceFacts,
  type DriverCapability,
  type VendorCall,
  type VendorEvent,
  type VendorKind,
  type VendorPhoneClient,
  VendorPhoneError,
} from '../../native-bridge/vendor/vendor-phone.js';
import type { PairedPhone } from './pairing-store.js';
import { type PhoneDriver, type PhoneDriverEvents, requireCapability } from './phone-driver.js';
import type { Rules } from './rules/rules.js';
import { type Timers, realTimers } from './timers.js';

/** How often a Poly phone's callStatus is asked while polling (no event yet, listener down, or in a call). */
export const POLL_INTERVAL_MS = 1_500;
/** How long a vendor phone may stay silent before the companion asks whether it still answers. */
export const LIVENESS_INTERVAL_MS = 15_000;

/** Failures that mean the phone is no longer usable as it is: the link is dropped and tried again with backoff. */
const LINK_FAILURES = new Set<VendorPhoneError['kind']>([
  'unreachable',
  'timeout',
  'certificate-changed',
  'wrong-password',
  'locked-out',
  'api-disabled',
  'not-allowed-from-this-pc',
]);

/** Where this phone's events come from, as the running companion set it up (VendorPhone.watch). */
export interface VendorEventRoute {
  /** The listener's URL for this phone; undefined when the listener could not be bound. */
  readonly url: string | undefined;
  readonly problem: string | undefined;
}

/**
 * A phone driven through its vendor's device API (Poly REST, Yealink Action URI/URL), as a PhoneDriver: the
 * commands its client has, the call and lock state its events (or Poly's callStatus polling) report, and a
 * refusal naming what would enable anything else. "Connected" means its API answered (facts) and still does.
 *
 * Who is signed in: neither API says (a line's SIP address is not the user's account), so `user` stays undefined
 * and activation does not hold a vendor phone back; adding it took the phone's admin password, which ties it to
 * this PC more firmly than a sign-in would (docs/vendor-phones.md).
 */
export class VendorPhone extends EventEmitter<PhoneDriverEvents> implements PhoneDriver {
  readonly driver: VendorKind;
  readonly capabilities: ReadonlySet<DriverCapability>;
  readonly hello = undefined;
  readonly user = undefined;
  locked: boolean | undefined;
  /** Events from the phone have reached this PC since the driver opened. */
  eventsSeen = false;
  route: VendorEventRoute | undefined;
  private readonly calls = new Map<string, { callId: number; call: VendorCall }>();
  private current: string | undefined;
  private nextCallId = 1;
  private closed = false;
  private timer: unknown;
  private lastContact = Date.now();
  private busy = false;

  constructor(
    readonly phone: PairedPhone,
    readonly client: VendorPhoneClient,
    /** What the phone answered when it was reached: model, firmware, MAC, lines. */
    public facts: DeviceFacts,
    /** The companion's rules: a dial is refused here, below every path that can ask for one. */
    private readonly rules: Rules,
    private readonly timers: Timers = realTimers,
  ) {
    super();
    this.driver = client.kind;
    this.capabilities = client.capabilities;
  }

  get address(): string {
    return this.phone.driver?.url ?? this.phone.address;
  }

  get call(): CallEvent | undefined {
    const entry = this.current === undefined ? undefined : this.calls.get(this.current);
    return entry ? callEvent(entry.callId, entry.call) : undefined;
  }

  /** Is the phone's call state polled now (Poly callStatus)? */
  get polling(): boolean {
    return this.pollable && (this.route?.url === undefined || !this.eventsSeen || this.current !== undefined);
  }

  private get pollable(): boolean {
    return this.capabilities.has('call-state') && this.driver === 'poly';
  }

  lock = async (): Promise<void> => requireCapability(this, 'lock', 'lock');
  unlock = async (): Promise<void> => requireCapability(this, 'lock', 'unlock');

  dial = async (number: string): Promise<void> => {
    this.rules.assertMayDial(this);
    requireCapability(this, 'dial', 'dial');
    await this.send(() => this.client.dial(number));
  };

  answer = () => this.command('answer', (c) => c.answer(this.handle('offering')));
  reject = () => this.command('reject', (c) => c.reject(this.handle('offering')));
  hangup = () => this.command('hangup', (c) => c.hangup(this.handle()));
  hold = () => this.command('hold', (c) => c.hold(this.handle()));
  resume = () => this.command('resume', (c) => c.resume(this.handle('held')));
  mute = async (muted: boolean): Promise<void> => {
    await this.command('mute', (c) => c.mute(muted));
    // Not every phone reports mute (Poly sends no event for it): the state follows the acknowledged command.
    this.apply({ kind: 'muted', muted });
  };

  signIn = async (): Promise<void> => requireCapability(this, 'sign-in', 'sign-in');
  pendingSignIn = () => undefined;

  /** The phone's calls now (Poly), or one question to see that its API still answers (Yealink). */
  ping = async (): Promise<void> => {
    const calls = await this.send(() => this.client.callStatus());
    if (calls) this.applyCalls(calls);
    else await this.send(() => this.client.facts());
  };

  /**
   * The running companion keeps this phone: its events arrive through `route` (the listener), and where they
   * cannot (or have not yet) the calls are polled; a phone that stops answering is dropped and reconnected.
   */
  watch(route: VendorEventRoute): void {
    this.route = route;
    this.schedule();
  }

  /** Events one request from the phone carried (the listener parsed them with this phone's client). */
  notified(events: readonly VendorEvent[]): void {
    this.eventsSeen = true;
    this.lastContact = Date.now();
    for (const event of events) this.apply(event);
  }

  close(reason?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.timers.clearTimeout(this.timer);
    this.emit('close', reason);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private async command(
    name: 'answer' | 'reject' | 'hangup' | 'hold' | 'resume' | 'mute',
    run: (client: VendorPhoneClient) => Promise<void>,
  ): Promise<void> {
    requireCapability(this, name, name);
    await this.send(() => run(this.client));
  }

  /** One request to the phone; a failure that means the phone is gone drops the link (PhoneLinks reconnects). */
  private async send<T>(request: () => Promise<T>): Promise<T> {
    try {
      const answer = await request();
      this.lastContact = Date.now();
      return answer;
    } catch (error) {
      if (error instanceof VendorPhoneError && LINK_FAILURES.has(error.kind)) this.close(error);
      throw error;
    }
  }

  /** The vendor handle of the call a command is for: the one in `state` if asked, else the current one. */
  private handle(state?: VendorCall['state']): string | undefined {
    if (state !== undefined) {
      for (const [handle, { call }] of this.calls) if (call.state === state) return handle;
    }
    return this.current;
  }

  private apply(event: VendorEvent): void {
    if (event.kind === 'lock') {
      if (this.locked === event.locked) return;
      this.locked = event.locked;
      this.emit('lock', event.locked);
      return;
    }
    if (event.kind === 'muted') {
      const entry = this.current === undefined ? undefined : this.calls.get(this.current);
      if (entry) this.update({ ...entry.call, muted: event.muted });
      return;
    }
    this.update(event.call);
  }

  /** Poly's callStatus: every call it lists, and the end of every call it no longer lists. */
  private applyCalls(calls: readonly VendorCall[]): void {
    const listed = new Set(calls.map((c) => c.handle));
    for (const [handle, { call }] of [...this.calls]) {
      if (!listed.has(handle)) this.update({ ...call, state: 'ended' });
    }
    for (const call of calls) this.update(call);
  }

  private update(call: VendorCall): void {
    const known = this.calls.get(call.handle);
    const ended = call.state === 'ended' || call.state === 'failed';
    if (!known && ended) return;
    if (
      known &&
      known.call.state === call.state &&
      known.call.muted === call.muted &&
      known.call.number === call.number
    )
      return;
    const callId = known?.callId ?? this.nextCallId++;
    if (ended) {
      this.calls.delete(call.handle);
      if (this.current === call.handle) this.current = [...this.calls.keys()].at(-1);
    } else {
      this.calls.set(call.handle, { callId, call });
      this.current = call.handle;
    }
    this.emit('call', callEvent(callId, call));
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.timers.setTimeout(() => void this.tick(), POLL_INTERVAL_MS);
  }

  private async tick(): Promise<void> {
    if (this.closed || this.busy) return this.schedule();
    const quietFor = Date.now() - this.lastContact;
    if (!this.polling && quietFor < LIVENESS_INTERVAL_MS) return this.schedule();
    this.busy = true;
    try {
      await this.ping();
    } catch {
      // A failure that means the phone is gone closed the driver already; anything else is tried again.
    } finally {
      this.busy = false;
    }
    this.schedule();
  }
}

function callEvent(callId: number, call: VendorCall): CallEvent {
  return {
    type: 'call',
    id: 0,
    callId,
    state: call.state,
    direction: call.direction,
    number: call.number,
    muted: call.muted,
  };
}

/** The facts `btoe status`, the window and the doctor show, the firmware checked against the minimums table. */
export function deviceFactsOf(facts: DeviceFacts): DeviceFactsSnapshot {
  return {
    mac: facts.mac,
    lines: facts.lines.map(({ line, address, registered }) => ({ line, address, registered })),
    firmwareCheck: firmwareCheckOf(facts),
  };
}

export function firmwareCheckOf(facts: Pick<DeviceFacts, 'vendor' | 'model' | 'firmware'>) {
  const verdict = checkFirmware({ vendor: facts.vendor, model: facts.model }, facts.firmware);
  switch (verdict.kind) {
    case 'unknown-family':
      return null;
    case 'ok':
      return {
        ok: true,
        minimum: verdict.minimum,
        message: `firmware ${facts.firmware} meets the ${verdict.family} minimum ${verdict.minimum}`,
      };
    case 'too-old':
      return {
        ok: false,
        minimum: verdict.minimum,
        message: `firmware ${facts.firmware} is older than the ${verdict.family} minimum ${verdict.minimum}: update the phone`,
      };
    case 'unreadable':
      return {
        ok: false,
        minimum: verdict.minimum,
        message: `firmware "${facts.firmware}" cannot be compared with the ${verdict.family} minimum ${verdict.minimum}`,
      };
  }
}

/** How this phone's events reach the PC, for the snapshot. */
export function eventsOf(phone: VendorPhone): PhoneEventsSnapshot {
  const url = phone.route?.url;
  return {
    listener: url ?? null,
    polling: phone.polling,
    provisioning: url === undefined ? [] : phone.client.provisioning(url).map((p) => ({ ...p })),
    problem: phone.route?.problem ?? null,
  };
}
