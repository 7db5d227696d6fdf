// Environment: Node (vitest).
// The headset service through the real call model: the phone simulator (in this process, on loopback TCP),
// paired with a real Companion whose PhoneLinks keep the session; the headsets are the seven real descriptors
// of test/fixtures/hid-descriptors behind node-hid's shape (FakeHidDevice), found and opened by the real
// node-hid adapter. Calls on the phone show on every headset; the user's actions on a headset reach the phone.
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Device } from 'node-hid';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { readDescriptor } from '../../../../native-bridge/hid/descriptor-source.js';
import type { NodeHid } from '../../../../native-bridge/hid/discovery.js';
import { Companion } from '../../../../main/core/companion.js';
import { CompanionService } from '../../../../main/core/companion-service.js';
import { EventLog } from '../../../../main/core/event-log.js';
import { HeadsetService, headsetLines } from '../../../../main/core/headsets.js';
import { PhoneLinks } from '../../../../main/core/phone-links.js';
import type { Verdict } from '../../../../main/core/rules/verdict.js';
import { resolvePolicy } from '../../../../main/core/policy.js';
import { NodeHidHeadsetSource } from '../../../../main/host/node-hid-headsets.js';
import { PhoneIdentityStore } from '../../../../simulator/phone-identity.js';
import { type PhoneConfig, type PhoneEvent, PhoneSimulator } from '../../../../simulator/phone.js';
import { FakeHidDevice } from '../../native-bridge/hid/fake-hid-device.js';
import {
  DeviceUser,
  FIXTURES,
  type FixtureName,
  deviceLights,
  fixture,
} from '../../native-bridge/hid/fixtures.js';

const CONFIG: PhoneConfig = {
  vendor: 'Polycom',
  family: 'VVX',
  model: 'VVX 450',
  firmware: '6.4.3',
  serial: '0004F2HEADSET',
  mac: '02:00:5e:10:00:02',
  lockType: 'phone-lock',
  pairingMode: 'manual',
  pairingWindowSeconds: 120,
  peerOnPcPort: () => Promise.resolve(false),
  pin: '246810',
  user: null,
  answerDelayMs: 50,
  webSignInSeconds: 900,
};

const fixtureFile = (name: FixtureName) =>
  fileURLToPath(new URL(`../../../fixtures/hid-descriptors/${name}.hex`, import.meta.url));

async function until<T>(probe: () => T | undefined | false, what: () => string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** One headset: its node-hid listing, the device the adapter opens, and the user's hands on it. */
class Headset {
  readonly device: FakeHidDevice;
  readonly user: DeviceUser;
  readonly listing: Device;

  constructor(
    readonly name: FixtureName,
    index: number,
  ) {
    this.listing = {
      vendorId: 0x0b0e,
      productId: 0x0300 + index,
      path: `/dev/hidraw${index}`,
      product: name,
      release: 0x0100,
      interface: 3,
      usagePage: 0x0b,
      usage: 0x05,
    };
    this.device = new FakeHidDevice(this.listing);
    this.user = new DeviceUser(this.device, fixture(name));
  }

  lights(): Record<string, number> {
    return Object.fromEntries(deviceLights(this.device, fixture(this.name)));
  }
}

let dir: string;
let phone: PhoneSimulator;
let server: net.Server;
let links: PhoneLinks;
let service: HeadsetService | undefined;
const events: PhoneEvent[] = [];
let clock = 0;

beforeEach(async () => {
  vi.stubEnv('BTOE_SECRET_STORE', 'file');
  dir = await mkdtemp(join(tmpdir(), 'btoe-headsets-'));
  phone = new PhoneSimulator(CONFIG, await PhoneIdentityStore.open(undefined));
  phone.on('event', (e) => events.push(e));
  server = net.createServer((socket) => void phone.accept(socket, 'tcp'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const companion = await Companion.open({
    storeDir: dir,
    policy: resolvePolicy([]),
  });
  events.length = 0;
  phone.openPairing();
  const shown = events.find((e) => e.event === 'pairing-code') as { code: string };
  await companion.pair(address, shown.code);
  links = new PhoneLinks(companion);
  links.refresh();
  await until(
    () => links.sessions()[0],
    () => 'the phone session',
  );
});

afterEach(async () => {
  denied.clear();
  await service?.stop();
  service = undefined;
  links.stop();
  phone.stop();
  server.close();
  vi.unstubAllEnvs();
  await rm(dir, { recursive: true, force: true });
});

/** Paths node-hid may not open (no permission on the hidraw node). */
const denied = new Set<string>();

/** The companion's headset service over the node-hid adapter, which finds `headsets` in node-hid's shape. */
async function startService(
  headsets: Headset[],
  extra: Device[] = [],
  allowed?: (vendorId: string) => Verdict,
): Promise<HeadsetService> {
  const nodeHid: NodeHid = {
    devicesAsync: async () => [...headsets.map((h) => h.listing), ...extra],
    HIDAsync: {
      open: async (path) => {
        const headset = headsets.find((h) => h.listing.path === path);
        if (!headset || denied.has(path)) throw new Error(`cannot open device with path ${path}`);
        return headset.device;
      },
    },
  };
  const fixtureAt = (path: string) => headsets.find((h) => h.listing.path === path)?.name;
  const source = new NodeHidHeadsetSource(
    async () => nodeHid,
    async (path) => (await readDescriptor(fixtureFile(fixtureAt(path)!))).bytes,
  );
  service = new HeadsetService(source, links, {
    rescanMs: 0,
    controller: { now: () => clock },
    ...(allowed && { allowed }),
  });
  await service.start();
  return service;
}

const phoneCall = (state: string) =>
  until(
    () => events.some((e) => e.event === 'call' && e.state === state),
    () => `a ${state} call on the phone; events ${JSON.stringify(events)}`,
  );

const RINGING = { call: 'ringing', lights: { Ring: 1, 'Off-Hook': 0 } };
const ACTIVE = { call: 'active', lights: { Ring: 0, 'Off-Hook': 1 } };
const MUTED = { call: 'active', lights: { Ring: 0, 'Off-Hook': 1, Mute: 1 } };
const IDLE = { call: 'idle', lights: { Ring: 0, 'Off-Hook': 0, Mute: 0 } };

/** Every headset is in the `call` state, and shows its `lights` (those of them it has). */
function allShow(headsets: Headset[], want: { call: string; lights: Record<string, number> }) {
  const shows = (h: Headset) => {
    const shown = h.lights();
    return Object.entries(want.lights).every(([name, on]) => !(name in shown) || shown[name] === on);
  };
  return until(
    () => {
      const states = new Map(service!.status().devices.map((d) => [d.path, d.call]));
      return headsets.every((h) => states.get(h.listing.path!) === want.call && shows(h));
    },
    () =>
      `${JSON.stringify(want)} on every headset: ${headsets.map((h) => `${h.name} ${JSON.stringify(h.lights())}`).join('; ')}; ${JSON.stringify(service!.status())}`,
  );
}

describe('headsets follow the paired phone', () => {
  it('an incoming call rings every headset; off-hook answers; mute mutes the phone; hook down hangs up', async () => {
    const headsets = FIXTURES.map((name, i) => new Headset(name, i + 1));
    const svc = await startService(headsets);
    expect(svc.status()).toMatchObject({ available: true });
    expect(svc.status().devices.map((d) => [d.path, d.usable])).toEqual(
      headsets.map((h) => [h.listing.path, true]),
    );

    phone.incomingCall('+12015550123');
    await allShow(headsets, RINGING);
    expect(headsetLines(svc.status())).toContain(
      '  jabra-evolve-link-ms (/dev/hidraw1): call ringing; can answer, reject, mute, hold, keypad, redial',
    );

    // Answered on the Jabra: the phone connects the call, and every headset goes off hook.
    const jabra = headsets[0]!;
    jabra.user.set('Hook Switch', 1);
    await phoneCall('connected');
    await allShow(headsets, ACTIVE);

    // Mute on the Poly BT700: the phone's call is muted, and every headset's mute light says so.
    clock += 1_000;
    const poly = headsets.find((h) => h.name === 'poly-bt700')!;
    poly.user.press('Phone Mute');
    await until(
      () => events.some((e) => e.event === 'call' && e.muted),
      () => 'the phone muted',
    );
    await allShow(headsets, MUTED);

    // Hung up on the Jabra: the phone ends the call, and every headset is idle.
    jabra.user.set('Hook Switch', 0);
    await phoneCall('ended');
    await allShow(headsets, IDLE);
  });

  it('the phone side drives them too: hang-up on the phone, a rejected call, an outgoing call', async () => {
    const epos = new Headset('epos-impact-dw', 1);
    const jabra = new Headset('jabra-evolve-link-ms', 2);
    const headsets = [epos, jabra];
    await startService(headsets);

    phone.incomingCall('+12015550123');
    await allShow(headsets, RINGING);
    phone.hangup(); // the caller gave up
    await allShow(headsets, IDLE);

    // Rejected with the EPOS's Drop button: the phone ends the ringing call.
    events.length = 0;
    phone.incomingCall('+12015550124');
    await allShow(headsets, RINGING);
    epos.user.press('Drop');
    await phoneCall('ended');
    await allShow(headsets, IDLE);

    // An outgoing call takes the headsets off hook from dialling; hung up on the phone, they go idle.
    events.length = 0;
    await links.sessions()[0]!.dial('+12015550125');
    await phoneCall('connected');
    await allShow(headsets, ACTIVE);
    await links.sessions()[0]!.hangup();
    await allShow(headsets, IDLE);
  });

  it('the link drops mid-call: the call stays lit, or goes out if it ended meanwhile', async () => {
    const jabra = new Headset('jabra-evolve-link-ms', 1);
    await startService([jabra]);
    phone.incomingCall('+12015550123');
    await allShow([jabra], RINGING);
    jabra.user.set('Hook Switch', 1);
    await phoneCall('connected');
    await allShow([jabra], ACTIVE);

    // Dropped and back, the call going on: the headset never leaves it (no write at all).
    const writes = jabra.device.writes.length;
    const first = links.sessions()[0];
    phone.dropLinks();
    const second = await until(
      () => links.sessions().find((s) => s !== first && s.call),
      () => 'the session back with its call',
    );
    await second.ping();
    expect(jabra.device.writes.length).toBe(writes);
    expect(service!.status().devices[0]).toMatchObject({ call: 'active' });

    // Dropped, and the call ends on the phone while the link is down: the headset goes idle once it is back.
    phone.dropLinks();
    phone.hangup();
    await until(
      () => links.sessions().find((s) => s !== second),
      () => 'the session back',
    );
    await allShow([jabra], IDLE);
  });

  it('a headset plugged in mid-call shows the call; unplugged, it is forgotten', async () => {
    const jabra = new Headset('jabra-biz2400ii', 1);
    const late = new Headset('plantronics-blackwire3220', 2);
    const present = [jabra];
    const svc = await startService(present);
    phone.incomingCall('+12015550123');
    await allShow([jabra], RINGING);
    present.push(late);
    await svc.scan();
    await allShow([late], RINGING);
    present.splice(0, 1);
    await svc.scan();
    expect(svc.status().devices.map((d) => d.path)).toEqual([late.listing.path]);
    expect(jabra.device.closed).toBe(true);
  });

  it('a device it cannot drive is listed with the reason; the others work', async () => {
    const jabra = new Headset('jabra-evolve-link-ms', 1);
    const windows: Device = { ...jabra.listing, path: '\\\\?\\HID#VID_0B0E&PID_0999&Col02' };
    const svc = await startService([jabra], [windows]);
    const [driven, unusable] = svc.status().devices;
    expect(driven).toMatchObject({ path: '/dev/hidraw1', usable: true, call: 'idle' });
    expect(unusable).toMatchObject({ usable: false, problem: expect.stringMatching(/cannot be read on/) });
    expect(headsetLines(svc.status())).toEqual([
      'Headsets and HID phones:',
      '  jabra-evolve-link-ms (/dev/hidraw1): no call; can answer, reject, mute, hold, keypad, redial',
      expect.stringMatching(/^ {2}jabra-evolve-link-ms \(.*Col02\): cannot be used: the report descriptor/),
    ]);
  });

  it('a device policy does not allow is listed with the reason and never opened', async () => {
    const jabra = new Headset('jabra-evolve-link-ms', 1);
    const svc = await startService([jabra], [], (vendorId) => ({
      allowed: false,
      reason: `your administrator does not allow USB devices of vendor ${vendorId.toUpperCase()}`,
    }));
    expect(svc.status().devices[0]).toMatchObject({
      usable: false,
      problem: 'your administrator does not allow USB devices of vendor 0B0E',
    });
    expect(headsetLines(svc.status())[1]).toMatch(/cannot be used: your administrator does not allow/);
  });

  it('a device this user may not open is retried at the next scan, and logged once', async () => {
    const jabra = new Headset('jabra-evolve-link-ms', 1);
    denied.add('/dev/hidraw1');
    const svc = await startService([jabra]);
    const logged: string[] = [];
    svc.on('log', (event) => logged.push(event));
    expect(svc.status().devices[0]).toMatchObject({
      usable: false,
      problem: expect.stringMatching(
        /cannot open the HID device \/dev\/hidraw1: check that this user may read/,
      ),
    });
    await svc.scan();
    expect(logged).toEqual([]);
    denied.clear(); // a udev rule now gives access
    await svc.scan();
    expect(svc.status().devices[0]).toMatchObject({ usable: true, call: 'idle' });
    expect(svc.status().devices[0]!.problem).toBeNull();
    expect(logged).toEqual(['headset-added']);
    phone.incomingCall('+12015550123');
    await allShow([jabra], RINGING);
  });

  it("a device's USB strings cannot reach the terminal as escapes", async () => {
    const hostile = new Headset('poly-bt700', 1);
    hostile.listing.manufacturer = '\u001b]0;owned\u0007Plantronics';
    hostile.listing.product = 'BT700\u001b[2J\r\u202e' + 'x'.repeat(200);
    const svc = await startService([hostile]);
    const [view] = svc.status().devices;
    expect(view!.name).toBe(`]0;ownedPlantronics BT700[2J${'x'.repeat(36)}`);
    for (const line of headsetLines(svc.status())) expect(line).not.toMatch(/[\p{Cc}\u202e]/u);
    const unnamed = new Headset('jabra-biz2400ii', 2);
    unnamed.listing.product = '\u0000';
    await service!.stop();
    expect((await startService([unnamed])).status().devices[0]!.name).toBe('HID device 0b0e:0302');
  });

  it('the running companion: its status snapshot and btoe status show the headsets', async () => {
    const jabra = new Headset('jabra-evolve-link-ms', 1);
    const nodeHid: NodeHid = {
      devicesAsync: async () => [jabra.listing],
      HIDAsync: { open: async () => jabra.device },
    };
    const companion = await Companion.open({
      storeDir: dir,
      policy: resolvePolicy([]),
    });
    const running = new CompanionService(companion, new EventLog(join(dir, 'logs')), {
      openBrowser: () => Promise.reject(new Error('no browser in this test')),
      copyToClipboard: async () => false,
    });
    running.useHeadsets(
      new NodeHidHeadsetSource(
        async () => nodeHid,
        async () => (await readDescriptor(fixtureFile('jabra-evolve-link-ms'))).bytes,
      ),
    );
    try {
      await running.start();
      expect(running.snapshot.current.headsets).toMatchObject({
        available: true,
        devices: [{ path: '/dev/hidraw1', usable: true, call: 'idle' }],
      });
      await until(
        () => running.links.sessions()[0],
        () => 'the companion session',
      );
      phone.incomingCall('+12015550123');
      await until(
        () => running.snapshot.current.headsets?.devices[0]?.call === 'ringing',
        () =>
          `the snapshot to show the ringing headset: ${JSON.stringify(running.snapshot.current.headsets)}`,
      );
      const status = await running.run({ command: 'status', args: [] });
      expect(status.human).toContain(
        'Headsets and HID phones:\n  jabra-evolve-link-ms (/dev/hidraw1): call ringing;',
      );
      expect(status.data).toMatchObject({ headsets: { devices: [{ call: 'ringing' }] } });
    } finally {
      await running.stop();
    }
  });

  it('a node-hid that cannot load is reported, not a crash', async () => {
    const source = new NodeHidHeadsetSource(() =>
      Promise.reject(new Error('libudev.so.1: cannot open shared object file: No such file or directory')),
    );
    service = new HeadsetService(source, links, { rescanMs: 0 });
    await service.start();
    expect(service.status()).toEqual({
      available: false,
      reason: expect.stringMatching(/libudev is missing/),
      devices: [],
    });
    expect(headsetLines(service.status())).toEqual([
      expect.stringMatching(/^Headsets and HID phones: not available \(HID devices cannot be used: libudev/),
    ]);
  });
});
