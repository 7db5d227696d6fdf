// The real secure link over the HID report tunnel: the phone simulator (in this process) serves behind an
// in-memory HID device (simulator/hid-loopback.ts); the companion side talks node-hid's HIDAsync shape to it,
// with the tunnel's reports found in the synthetic "BToE phone over HID" descriptor. Pairing with the code the
// phone shows, a session over a new tunnel that locks the phone, and a device that disappears mid-session.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { fromHidAsync, fromHidDeviceEndpoint } from '../../native-bridge/hid/report-port.js';
import { HidTunnelListener, HidTunnelStream } from '../../native-bridge/hid/report-tunnel.js';
import { type TunnelReports, findTunnelReports } from '../../native-bridge/hid/tunnel-layout.js';
import { parseReportDescriptor } from '../../native-bridge/hid/report-descriptor.js';
import { LinkError } from '../../native-bridge/link/errors.js';
import { type Identity, createIdentity } from '../../native-bridge/link/identity.js';
import { normalizePairingCode } from '../../native-bridge/link/pairing-code.js';
import { pairWithPhone } from '../../native-bridge/link/companion-pairing.js';
import { type PhoneConnection, connectToPhone } from '../../native-bridge/link/phone-connection.js';
import { HidLoopback } from '../../simulator/hid-loopback.js';
import { PhoneIdentityStore } from '../../simulator/phone-identity.js';
import { type PhoneConfig, type PhoneEvent, PhoneSimulator } from '../../simulator/phone.js';

const DESCRIPTOR = parseReportDescriptor(
  Uint8Array.from(
    readFileSync(new URL('../fixtures/hid-descriptors/btoe-phone-hid-synthetic.hex', import.meta.url), 'utf8')
      .trim()
      .split(/\s+/),
    (b) => parseInt(b, 16),
  ),
);
const REPORTS: TunnelReports = findTunnelReports(DESCRIPTOR);
const COMPANION = { name: 'hid-tunnel test PC', app: 'vitest' };

const CONFIG: PhoneConfig = {
  vendor: 'Polycom',
  family: 'VVX',
  model: 'VVX 450',
  firmware: '6.4.3',
  serial: '0004F2HIDTUN',
  mac: '02:00:5e:10:00:01',
  lockType: 'phone-lock',
  pairingMode: 'manual',
  pairingWindowSeconds: 120,
  pcPortMacs: () => [],
  pin: '246810',
  user: null,
  answerDelayMs: 1000,
  webSignInSeconds: 900,
};

/** The simulator, its events, and the phone's end of a HID device that feeds it every link. */
class Rig {
  readonly events: PhoneEvent[] = [];
  readonly logs: string[] = [];
  loopback!: HidLoopback;
  listener!: HidTunnelListener;
  private readonly waiters = new Set<() => void>();

  constructor(readonly phone: PhoneSimulator) {
    phone.on('event', (e) => {
      this.events.push(e);
      this.wake();
    });
    phone.on('log', (line) => this.logs.push(line));
    this.plug();
  }

  static async start(): Promise<Rig> {
    return new Rig(new PhoneSimulator(CONFIG, await PhoneIdentityStore.open(undefined)));
  }

  /** A (new) device: the phone serves the tunnel on its end. */
  plug(): void {
    this.loopback = new HidLoopback();
    this.listener = new HidTunnelListener(
      fromHidDeviceEndpoint(this.loopback.device, { ...REPORTS, name: 'the simulated phone HID interface' }),
    );
    this.listener.on('link', (stream) => void this.phone.accept(stream, 'hid'));
  }

  /** The companion's end: a new node-hid handle on the device, and a link over it. */
  async tunnel(): Promise<HidTunnelStream> {
    const port = fromHidAsync(this.loopback.openHost(), { ...REPORTS, name: 'the HID device loopback:hid' });
    return HidTunnelStream.connect(port, { timeoutMs: 3_000 });
  }

  mark(): number {
    return this.events.length;
  }

  async next<E extends PhoneEvent['event']>(
    event: E,
    from = 0,
    timeoutMs = 10_000,
  ): Promise<Extract<PhoneEvent, { event: E }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.slice(from).find((e) => e.event === event);
      if (found) return found as Extract<PhoneEvent, { event: E }>;
      if (Date.now() > deadline)
        throw new Error(`the phone sent no "${event}"; log: ${this.logs.join(' | ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  stop(): void {
    this.phone.stop();
    this.listener.close();
  }

  private wake(): void {
    const all = [...this.waiters];
    this.waiters.clear();
    for (const w of all) w();
  }
}

/** Pairs over one tunnel; resolves the phone's id (the pin for sessions). */
async function pairOverTunnel(rig: Rig, identity: Identity): Promise<string> {
  const from = rig.mark();
  rig.phone.openPairing();
  const { code } = await rig.next('pairing-code', from);
  const connection = await connectToPhone(await rig.tunnel(), {
    identity,
    purpose: 'pairing',
    companion: COMPANION,
  });
  try {
    await pairWithPhone(connection, identity, normalizePairingCode(code), 'manual', []);
    const paired = await rig.next('paired', from);
    expect(paired.peer).toBe(identity.id);
    return connection.phoneId;
  } finally {
    connection.link.close();
  }
}

/** A session over a new tunnel; the phone's events (state, lock-state...) are acknowledged, as the app does. */
async function session(rig: Rig, identity: Identity, phoneId: string): Promise<PhoneConnection> {
  const connection = await connectToPhone(await rig.tunnel(), {
    identity,
    purpose: 'session',
    companion: COMPANION,
    isPinned: (id) => id === phoneId,
  });
  connection.link.handle((event) => connection.link.ack(event.id));
  return connection;
}

const closed = (connection: PhoneConnection) =>
  new Promise<LinkError | undefined>((resolve) => connection.link.once('close', resolve));

let rig: Rig | undefined;
afterEach(() => {
  rig?.stop();
  rig = undefined;
});

describe('the secure link over the HID report tunnel', () => {
  it('finds the tunnel in the descriptor: 63-byte reports, input 1 and output 2', () => {
    expect(REPORTS).toMatchObject({ usagePage: 0xff00, inputReportId: 1, reportId: 2, reportSize: 63 });
  });

  it('pairs with the code the phone shows, then a session over a new tunnel locks the phone', async () => {
    rig = await Rig.start();
    const identity = createIdentity('hid-tunnel test PC');
    const phoneId = await pairOverTunnel(rig, identity);
    expect(phoneId).toBe(rig.phone.id);

    const from = rig.mark();
    const connection = await session(rig, identity, phoneId);
    expect(connection.hello.serial).toBe(CONFIG.serial);
    await connection.link.request({ type: 'lock' });
    await rig.next('locked', from);
    await connection.link.request({ type: 'unlock' });
    await rig.next('unlocked', from);

    // Many TLS records of every size: a ping storm, each one acknowledged in order.
    await Promise.all(Array.from({ length: 50 }, () => connection.link.request({ type: 'ping' })));

    const end = closed(connection);
    connection.link.close();
    expect(await end).toBeUndefined();
    // Every link ended cleanly: nothing was lost, out of place or from another link on either side.
    expect(rig.listener.stats).toMatchObject({ invalid: 0, gaps: 0, foreign: 0 });
  });

  it('a session from a PC that is not paired is refused, over the tunnel as over TCP', async () => {
    rig = await Rig.start();
    const stranger = createIdentity('stranger');
    await expect(session(rig, stranger, rig.phone.id)).rejects.toThrow(/not know this PC|not paired/);
  });

  it('a device that disappears mid-session ends the link with a clear error; the phone keeps serving', async () => {
    rig = await Rig.start();
    const identity = createIdentity('hid-tunnel test PC');
    const phoneId = await pairOverTunnel(rig, identity);
    const connection = await session(rig, identity, phoneId);
    await connection.link.request({ type: 'lock' });

    const end = closed(connection);
    rig.loopback.unplug('the USB cable was pulled');
    const reason = await end;
    expect(reason).toBeInstanceOf(LinkError);
    expect(reason!.message).toMatch(/went away.*unplugged or closed.*could not read data from device/);
    await expect(connection.link.request({ type: 'unlock' })).rejects.toThrow(/went away/);

    // Plugged in again: the same simulator serves a new session on the new device.
    rig.plug();
    const from = rig.mark();
    const again = await session(rig, identity, phoneId);
    await again.link.request({ type: 'unlock' });
    await rig.next('unlocked', from);
    again.link.close();
  });

  it('a device whose writes start failing ends the link with a clear error', async () => {
    rig = await Rig.start();
    const identity = createIdentity('hid-tunnel test PC');
    const phoneId = await pairOverTunnel(rig, identity);
    const host = rig.loopback.openHost();
    const stream = await HidTunnelStream.connect(
      fromHidAsync(host, { ...REPORTS, name: 'the HID device X' }),
    );
    const connection = await connectToPhone(stream, {
      identity,
      purpose: 'session',
      companion: COMPANION,
      isPinned: (id) => id === phoneId,
    });
    const end = closed(connection);
    // The device end stops without the hosts being told (a firmware hang): the next write fails.
    host.write = async () => {
      throw new Error('Cannot write to hid device: Broken pipe');
    };
    await expect(connection.link.request({ type: 'lock' })).rejects.toThrow(/HID device X went away/);
    expect((await end)!.message).toMatch(/HID device X went away.*Broken pipe/);
  });

  it('a companion that vanished without a word is replaced by the next link', async () => {
    rig = await Rig.start();
    const identity = createIdentity('hid-tunnel test PC');
    const phoneId = await pairOverTunnel(rig, identity);
    const first = await session(rig, identity, phoneId);
    const firstEnd = closed(first);
    // A second program opens the device and its own link: the phone ends the first (CLOSE, "replaced").
    const second = await session(rig, identity, phoneId);
    const reason = await firstEnd;
    expect(reason?.message).toMatch(/newer link replaced this one|another link/);
    const from = rig.mark();
    await second.link.request({ type: 'lock' });
    await rig.next('locked', from);
    second.link.close();
  });
});
