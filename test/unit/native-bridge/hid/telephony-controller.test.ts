import { describe, expect, it } from 'vitest';
import {
  type TelephonyControllerEvents,
  TelephonyController,
  TelephonyLayoutError,
  telephonyLayout,
} from '../../../../native-bridge/hid/telephony-controller.js';
import {
  type ReportDescriptor,
  parseReportDescriptor,
  reportOf,
} from '../../../../native-bridge/hid/report-descriptor.js';
import type { TelephonyControl } from '../../../../native-bridge/hid/telephony.js';
import { FakeHidDevice } from './fake-hid-device.js';
import {
  DeviceUser,
  FIXTURES,
  type FixtureName,
  deviceLights,
  fixture,
  getBits,
  telephonyControls,
} from './fixtures.js';

/** The lights a call state should show, by the HID spec's names (devices show the subset they have). */
const IDLE = {
  'Off-Hook': 0,
  Ring: 0,
  Ringer: 0,
  Hold: 0,
  Mute: 0,
  Microphone: 0,
  'On-Line': 0,
  Speaker: 0,
};
type Lights = typeof IDLE;
const RINGING: Lights = { ...IDLE, Ring: 1, Ringer: 1 };
const ACTIVE: Lights = { ...IDLE, 'Off-Hook': 1, 'On-Line': 1 };
const MUTED: Lights = { ...ACTIVE, Mute: 1, Microphone: 1 };
const HELD: Lights = { ...IDLE, Hold: 1, 'On-Line': 1 };

class Harness {
  readonly device = new FakeHidDevice();
  readonly user: DeviceUser;
  readonly controller: TelephonyController;
  readonly events: string[] = [];
  clock = 1_000;
  private checked = 0;

  constructor(readonly descriptor: ReportDescriptor) {
    this.user = new DeviceUser(this.device, descriptor);
    this.controller = new TelephonyController(this.device, descriptor, { now: () => this.clock });
    const names: (keyof TelephonyControllerEvents)[] = [
      'answer',
      'hangup',
      'mute',
      'reject',
      'hold',
      'resume',
      'flash',
      'redial',
      'key',
    ];
    for (const name of names)
      this.controller.on(name, (...args: unknown[]) =>
        this.events.push(args.length ? `${name}:${args.join(',')}` : name),
      );
  }

  /** Output controls of the telephony collections, by report id. */
  private outputs(): Map<number, TelephonyControl[]> {
    const map = new Map<number, TelephonyControl[]>();
    for (const c of telephonyControls(this.descriptor)) {
      if (c.reportType !== 'output') continue;
      map.set(c.reportId, [...(map.get(c.reportId) ?? []), c]);
    }
    return map;
  }

  /**
   * Waits for the writes, then checks each new write: a whole output report (report id, or 0, first; the
   * report's full length) carrying every light of that report as `lights` says; and that the device as a
   * whole now shows `lights`.
   */
  async expectLights(lights: Lights): Promise<Buffer[]> {
    await this.controller.flush();
    const outputs = this.outputs();
    const fresh = this.device.writes.slice(this.checked);
    this.checked = this.device.writes.length;
    for (const write of fresh) {
      const id = this.descriptor.numbered ? write[0]! : 0;
      const controls = outputs.get(id);
      expect(controls, `write to report ${id} that is not a telephony output report`).toBeDefined();
      expect(write.length).toBe(1 + reportOf(this.descriptor, 'output', id)!.byteLength);
      if (!this.descriptor.numbered) expect(write[0]).toBe(0);
      const carried = Object.fromEntries(
        controls!.map((c) => [c.name, getBits(write.subarray(1), c.bitOffset, c.bitSize)]),
      );
      const wanted = Object.fromEntries(controls!.map((c) => [c.name, lights[c.name as keyof Lights] ?? 0]));
      expect(carried).toEqual(wanted);
    }
    const shown = Object.fromEntries(deviceLights(this.device, this.descriptor));
    const expected = Object.fromEntries(Object.entries(lights).filter(([name]) => name in shown));
    expect(shown).toEqual(expected);
    return fresh;
  }

  later(ms: number): void {
    this.clock += ms;
  }

  /** The reject button per vendor: Button 7, or Button 1 where pressing sends that (EPOS); none on some. */
  rejectButton(): TelephonyControl | undefined {
    const buttons = this.user.controls.filter(
      (c) => c.reportType === 'input' && (c.name === 'Button 7' || c.name === 'Button 1'),
    );
    // An array value of 0 is what the device sends at rest, so it cannot be a press.
    return buttons.find((c) => c.arrayValue === undefined || c.arrayValue !== 0);
  }
}

const ALL_DEVICES = FIXTURES.map((name) => [name] as [FixtureName]);

describe.each(ALL_DEVICES)('%s', (name) => {
  const descriptor = fixture(name);

  it('a full call: ring, answer by hook, mute with LED ack, hold and resume, hang up by hook', async () => {
    const h = new Harness(descriptor);
    const { controller, user } = h;

    controller.ring();
    expect(controller.state).toBe('ringing');
    await h.expectLights(RINGING);

    // Answer on the device: Off-Hook on and Ring off, in one write where they share a report.
    user.set('Hook Switch', 1);
    expect(controller.state).toBe('active');
    const answerWrites = await h.expectLights(ACTIVE);
    const offHook = user.controls.find((c) => c.reportType === 'output' && c.name === 'Off-Hook')!;
    const ring = user.controls.find((c) => c.reportType === 'output' && c.name === 'Ring')!;
    if (offHook.reportId === ring.reportId)
      expect(answerWrites.filter((w) => w[0] === offHook.reportId)).toHaveLength(1);
    user.send(user.input('Hook Switch').reportId); // the device's echo: nothing happens
    h.later(600);

    // Mute: a relative toggle, acted on the press only; the host acknowledges with the lights.
    user.set('Phone Mute', 1);
    expect(controller.muted).toBe(true);
    const ack = await h.expectLights(MUTED);
    expect(ack.length).toBeGreaterThan(0);
    user.set('Phone Mute', 0); // the release does not toggle
    expect(controller.muted).toBe(true);
    user.press('Phone Mute');
    expect(controller.muted).toBe(false);
    await h.expectLights(ACTIVE);

    // Hold from the host: Off-Hook off, Hold on; the device's hook = 0 that follows is not a hang-up.
    h.later(600);
    expect(controller.setHeld(true)).toBe(true);
    await h.expectLights(HELD);
    h.later(20);
    user.set('Hook Switch', 0);
    expect(controller.state).toBe('held');
    h.later(1_000);
    user.send(user.input('Hook Switch').reportId); // a late repeat of the same level: still held
    expect(controller.state).toBe('held');

    // Resume on the device: the hook goes up again.
    user.set('Hook Switch', 1);
    expect(controller.state).toBe('active');
    await h.expectLights(ACTIVE);

    // Hold and resume with Flash.
    h.later(600);
    user.press('Flash');
    expect(controller.state).toBe('held');
    await h.expectLights(HELD);
    user.set('Hook Switch', 0); // the echo of Off-Hook = 0
    h.later(600);
    user.press('Flash');
    expect(controller.state).toBe('active');
    await h.expectLights(ACTIVE);
    h.later(100);
    user.set('Hook Switch', 1); // the echo of Off-Hook = 1

    // Hang up on the device.
    h.later(600);
    user.set('Hook Switch', 0);
    expect(controller.state).toBe('idle');
    await h.expectLights(IDLE);

    expect(h.events).toEqual([
      'answer',
      'mute:true',
      'mute:false',
      'resume',
      'flash',
      'hold',
      'flash',
      'resume',
      'hangup',
    ]);
  });

  it('a rejected call: the reject button while ringing turns everything off', async () => {
    const h = new Harness(descriptor);
    h.controller.ring();
    await h.expectLights(RINGING);
    const button = h.rejectButton();
    expect(h.controller.capabilities.reject).toBe(button !== undefined);
    if (!button) {
      // The Blackwire 3220 has no reject button: its other buttons do not reject; the PC rejects.
      expect(name).toBe('plantronics-blackwire3220');
      h.user.press('Flash');
      h.user.press('Phone Mute');
      expect(h.controller.state).toBe('ringing');
      h.controller.callEnded();
      await h.expectLights(IDLE);
      expect(h.events).toEqual(['flash']);
      return;
    }
    h.user.setControl(button, 1);
    expect(h.controller.state).toBe('idle');
    await h.expectLights(IDLE);
    h.user.setControl(button, 0); // release
    expect(h.events).toEqual(['reject']);
    // The same button during a call is not a reject.
    h.controller.callConnected();
    h.user.setControl(button, 1);
    h.user.setControl(button, 0);
    expect(h.controller.state).toBe('active');
    expect(h.events).toEqual(['reject']);
  });

  it('echo suppression: hook input within 500 ms of a host change of Off-Hook is ignored', async () => {
    const h = new Harness(descriptor);
    h.controller.ring();
    await h.expectLights(RINGING);
    h.controller.callConnected(); // answered on the PC
    await h.expectLights(ACTIVE);
    h.later(10);
    h.user.set('Hook Switch', 1); // echo
    h.later(100);
    h.user.set('Hook Switch', 0); // the device settling: not a hang-up
    expect(h.controller.state).toBe('active');
    h.later(389); // 499 ms after the change
    h.user.set('Hook Switch', 1);
    h.user.set('Hook Switch', 0);
    expect(h.controller.state).toBe('active');
    h.later(2); // 501 ms
    h.user.set('Hook Switch', 1);
    h.user.set('Hook Switch', 0);
    expect(h.controller.state).toBe('idle');
    expect(h.events).toEqual(['hangup']);
    await h.expectLights(IDLE);
  });

  it('mute works only off hook, and only the telephony collection is driven', async () => {
    const h = new Harness(descriptor);
    h.user.press('Phone Mute');
    expect(h.controller.muted).toBe(false);
    expect(h.events).toEqual([]);
    await h.expectLights(IDLE);
    h.controller.ring();
    // Reports of the other collections (same bits in vendor mirrors, consumer keys) do nothing.
    const telephonyInputs = new Set(
      h.user.controls.filter((c) => c.reportType === 'input').map((c) => c.reportId),
    );
    for (const report of descriptor.reports) {
      if (report.type !== 'input' || telephonyInputs.has(report.id)) continue;
      h.user.raw([report.id, ...new Array<number>(report.byteLength).fill(0xff)]);
    }
    expect(h.controller.state).toBe('ringing');
    expect(h.events).toEqual([]);
    await h.expectLights(RINGING);
  });

  it('host commands: callConnected, setMuted, setHeld, callEnded; every write a whole report', async () => {
    const h = new Harness(descriptor);
    expect(h.controller.setMuted(true)).toBe(false); // no call
    h.controller.callConnected();
    await h.expectLights(ACTIVE);
    expect(h.controller.setMuted(true)).toBe(true);
    await h.expectLights(MUTED);
    expect(h.controller.setHeld(true)).toBe(true);
    await h.expectLights({ ...HELD, Mute: 1, Microphone: 1 });
    expect(h.controller.setHeld(false)).toBe(true);
    await h.expectLights(MUTED);
    h.controller.callEnded();
    await h.expectLights(IDLE);
    expect(h.events).toEqual([]);
  });
});

describe('device-specific controls', () => {
  it('Drop hangs up a call and rejects a ringing one (Sennheiser, EPOS)', async () => {
    for (const name of ['sennheiser-sc660-anc-usb', 'epos-impact-dw'] as const) {
      const h = new Harness(fixture(name));
      h.controller.ring();
      await h.expectLights(RINGING);
      h.user.press('Drop');
      expect(h.controller.state).toBe('idle');
      await h.expectLights(IDLE);
      h.controller.ring();
      await h.expectLights(RINGING);
      h.user.set('Hook Switch', 1);
      await h.expectLights(ACTIVE);
      h.later(600);
      h.user.press('Drop');
      expect(h.controller.state).toBe('idle');
      await h.expectLights(IDLE);
      expect(h.events).toEqual(['reject', 'answer', 'hangup']);
    }
  });

  it('Redial and the keypad (Jabra)', () => {
    for (const name of ['jabra-evolve-link-ms', 'jabra-biz2400ii'] as const) {
      const h = new Harness(fixture(name));
      h.user.press('Redial');
      for (const key of ['Phone Key 5', 'Phone Key Pound', 'Phone Key 0', 'Phone Key Star'])
        h.user.press(key);
      expect(h.events).toEqual(['redial', 'key:5', 'key:#', 'key:0', 'key:*']);
    }
  });

  it('EPOS: Consumer volume bits in the telephony report are not call controls', () => {
    const h = new Harness(fixture('epos-impact-dw'));
    h.controller.ring();
    h.user.press('Volume Increment');
    h.user.press('Volume Decrement');
    expect(h.controller.state).toBe('ringing');
    expect(h.events).toEqual([]);
  });
});

describe('unnumbered reports and failures', () => {
  // A handset without report ids: Hook Switch and Phone Mute in, Off-Hook, Ring and Mute out.
  const unnumbered = parseReportDescriptor(
    Uint8Array.from(
      '05 0b 09 01 a1 01 15 00 25 01 75 01 09 20 95 01 81 22 09 2f 81 06 95 06 81 01 05 08 09 17 09 18 09 09 95 03 91 22 95 05 91 01 c0'
        .split(' ')
        .map((b) => parseInt(b, 16)),
    ),
  );

  it('report id 0: inputs without an id byte, writes starting with 0', async () => {
    const h = new Harness(unnumbered);
    h.controller.ring();
    await h.expectLights(RINGING);
    expect(h.device.writes.map((w) => [...w])).toEqual([[0, 0b010]]);
    h.device.input([0b01]); // Hook Switch = 1
    expect(h.controller.state).toBe('active');
    await h.expectLights(ACTIVE);
    h.later(600);
    h.device.input([0b11]);
    await h.expectLights(MUTED);
    expect([...h.device.writes.at(-1)!]).toEqual([0, 0b101]);
  });

  it('a descriptor without a telephony collection is refused', () => {
    const mouse = parseReportDescriptor(
      Uint8Array.from([0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0xc0]),
    );
    expect(() => telephonyLayout(mouse)).toThrow(TelephonyLayoutError);
  });

  it('write failures and device errors become error events; short reports are ignored', async () => {
    const h = new Harness(fixture('jabra-evolve-link-ms'));
    const errors: Error[] = [];
    h.controller.on('error', (e) => errors.push(e));
    h.device.failWrites = new Error('could not write to HID device');
    h.controller.ring();
    await h.controller.flush();
    h.device.emit('error', new Error('read error'));
    expect(errors.map((e) => e.message)).toEqual(['could not write to HID device', 'read error']);
    h.device.input([2]); // report id only
    expect(h.controller.state).toBe('ringing');
  });

  it('close waits for the writes, closes the device and ignores later input', async () => {
    const h = new Harness(fixture('plantronics-blackwire3220'));
    h.controller.ring();
    await h.controller.close();
    expect(h.device.closed).toBe(true);
    expect(h.device.writes).toHaveLength(6); // one per LED report, all written before the close
  });
});
