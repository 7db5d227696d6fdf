// Environment: Node (vitest). Fakes for the core's unit tests: timers the test advances, and a link that
// records what the companion sends and lets the test answer as the phone would. Sessions themselves are real.
import { EventEmitter } from 'node:events';
import { LinkError, ProtocolError } from '../../../../native-bridge/link/errors.js';
import type { PhoneHello, Request, RequestBody } from '../../../../native-bridge/link/messages.js';
import type { PhoneConnection } from '../../../../native-bridge/link/phone-connection.js';
import type { PairedPhone } from '../../../../main/core/pairing-store.js';
import { PhoneSession } from '../../../../main/core/phone-session.js';
import { DEFAULT_POLICY, type CompanionPolicy, resolvePolicy } from '../../../../main/core/policy.js';
import { Rules } from '../../../../main/core/rules/rules.js';
import type { Settings } from '../../../../main/core/settings.js';
import type { Timers } from '../../../../main/core/timers.js';

/** Timers that fire only when the test advances them; nothing waits on the wall clock. */
export class ManualTimers implements Timers {
  now = 0;
  #next = 1;
  readonly #pending = new Map<number, { at: number; callback: () => void }>();

  setTimeout(callback: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#pending.set(id, { at: this.now + ms, callback });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#pending.delete(handle as number);
  }

  /** The delays of the timers waiting now, soonest first. */
  get waiting(): number[] {
    return [...this.#pending.values()].map((t) => t.at - this.now).sort((a, b) => a - b);
  }

  /** Moves the clock on by `ms`, firing what falls due in order, and lets the promises they start settle. */
  async advance(ms: number): Promise<void> {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.#pending].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.#pending.delete(due[0]);
      this.now = due[1].at;
      due[1].callback();
      await settle();
    }
    this.now = until;
    await settle();
  }
}

/** Lets every queued promise callback run (a few rounds: chains of awaits). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

type Answer = 'ack' | 'never' | ProtocolError | LinkError;

/** The part of MessageLink a PhoneSession uses, played by the test as the phone. */
export class FakeLink extends EventEmitter<{ close: [LinkError | undefined] }> {
  readonly sent: RequestBody[] = [];
  readonly acked: number[] = [];
  /** How the phone answers each request; by default it acknowledges. */
  answer: (body: RequestBody) => Answer = () => 'ack';
  #handler: ((request: Request) => void) | undefined;
  #nextId = 1;
  closed = false;

  get isOpen(): boolean {
    return !this.closed;
  }

  handle(handler: ((request: Request) => void) | undefined): void {
    this.#handler = handler;
  }

  request(body: RequestBody): Promise<unknown> {
    if (this.closed) return Promise.reject(new LinkError('closed', 'the link is closed'));
    this.sent.push(body);
    const answer = this.answer(body);
    if (answer === 'never') return new Promise(() => undefined);
    if (answer === 'ack') return Promise.resolve({ type: 'ack', re: this.#nextId++ });
    return Promise.reject(answer);
  }

  ack(re: number): void {
    this.acked.push(re);
  }

  fail(): void {}

  close(): void {
    this.drop(undefined);
  }

  /** The connection ends (reason undefined: closed by us). */
  drop(reason: LinkError | undefined = new LinkError('closed', 'the peer closed the connection')): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', reason);
  }

  /** The phone sends a request of its own (lock-state, call, sign-in-state…). */
  phoneSends(request: RequestBody): void {
    this.#handler?.({ ...request, id: this.#nextId++ } as Request);
  }

  sentTypes(): string[] {
    return this.sent.map((b) => b.type);
  }
}

export function pairedPhone(overrides: Partial<PairedPhone> = {}): PairedPhone {
  return {
    id: 'aaaaaaaaaaaaaaaaaaaaaaaaaa',
    name: 'Poly VVX 450',
    vendor: 'Poly',
    family: 'VVX',
    model: 'VVX 450',
    firmware: '6.4.3',
    serial: '0004F2000001',
    mac: '02:00:5e:10:00:01',
    lockType: 'phone-lock',
    transport: 'tcp',
    address: 'tcp://192.0.2.10:24801',
    certificate: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
    mode: 'manual',
    pairedAt: '2026-12-01T09:00:00.000Z',
    ...overrides,
  };
}

export function phoneHello(overrides: Partial<PhoneHello> = {}): PhoneHello {
  return {
    type: 'hello',
    id: 1,
    protocol: 1,
    role: 'phone',
    vendor: 'Poly',
    family: 'VVX',
    model: 'VVX 450',
    firmware: '6.4.3',
    serial: '0004F2000001',
    mac: '02:00:5e:10:00:01',
    lockType: 'phone-lock',
    capabilities: ['lock', 'call-control', 'sign-in'],
    pairing: { mode: 'manual', window: 'closed', peerOnPcPort: false },
    ...overrides,
  };
}

export function rules(policy: Partial<CompanionPolicy> = {}, settings: Partial<Settings> = {}): Rules {
  return new Rules(
    () => ({ ...DEFAULT_POLICY, ...policy }),
    () => ({ version: 1, ...settings }),
  );
}

/** A real PhoneSession over a FakeLink. */
export function fakeSession(
  options: {
    phone?: PairedPhone;
    hello?: Partial<PhoneHello>;
    rules?: Rules;
    address?: string;
  } = {},
): { session: PhoneSession; link: FakeLink } {
  const link = new FakeLink();
  const phone = options.phone ?? pairedPhone();
  const connection = { link, hello: phoneHello(options.hello) } as unknown as PhoneConnection;
  const session = new PhoneSession(
    phone,
    connection,
    options.rules ?? rules(),
    options.address ?? phone.address,
  );
  return { session, link };
}

/** The part of Companion that PhoneLinks and the snapshot use: pairings, policy and connect, answered by the test. */
export class FakeCompanion {
  phones: PairedPhone[] = [pairedPhone()];
  connects: Array<{ id: string; at: string | undefined }> = [];
  links: FakeLink[] = [];
  /** What connect does next: a session at that address, or an error. */
  outcome: (id: string, at: string | undefined) => Error | string = (id, at) => at ?? this.get(id)!.address;
  /** The phone closes the next sessions before connect returns them (a phone shutting down accepts, then exits). */
  closeOnArrival = false;

  readonly pairings = { list: () => this.phones, get: (id: string) => this.get(id) };
  readonly storeDir = '/home/amosm/.config/btoe-companion';
  readonly secrets = { description: 'a file readable only by you' };
  policy = resolvePolicy([]);
  readonly rules = rules();

  get(id: string): PairedPhone | undefined {
    return this.phones.find((p) => p.id === id);
  }

  /** Every phone in these tests speaks the open protocol: its driver is its session. */
  reach(id: string, at?: string): Promise<PhoneSession> {
    return this.connect(id, at);
  }

  async connect(id: string, at?: string): Promise<PhoneSession> {
    this.connects.push({ id, at });
    const outcome = this.outcome(id, at);
    if (outcome instanceof Error) throw outcome;
    const { session, link } = fakeSession({ phone: this.get(id)!, address: outcome });
    this.links.push(link);
    if (this.closeOnArrival) link.drop();
    return session;
  }
}
