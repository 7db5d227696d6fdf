// Environment: Node (vitest).
import { describe, expect, it } from 'vitest';
import { type DeviceCall, deviceCallOf, sendToPhone, stepsTo } from '../../../../main/core/headset-calls.js';
import { TelephonyController } from '../../../../native-bridge/hid/telephony-controller.js';
import type { CallEvent, CallState } from '../../../../native-bridge/link/messages.js';
import { FakeHidDevice } from '../../native-bridge/hid/fake-hid-device.js';
import { fixture } from '../../native-bridge/hid/fixtures.js';

const call = (state: CallState, over: Partial<CallEvent> = {}): CallEvent => ({
  type: 'call',
  id: 1,
  callId: 7,
  state,
  direction: 'in',
  number: '+12015550123',
  muted: false,
  ...over,
});

describe('the phone call → what the device shows', () => {
  it('maps every call state', () => {
    expect(deviceCallOf(undefined)).toEqual({ state: 'idle', muted: false });
    expect(deviceCallOf(call('offering'))).toEqual({ state: 'ringing', muted: false });
    for (const state of ['dialing', 'ringback', 'connected'] as const)
      expect(deviceCallOf(call(state, { direction: 'out', muted: true }))).toEqual({
        state: 'active',
        muted: true,
      });
    expect(deviceCallOf(call('held', { muted: true }))).toEqual({ state: 'held', muted: true });
    expect(deviceCallOf(call('ended', { muted: true }))).toEqual({ state: 'idle', muted: false });
    expect(deviceCallOf(call('failed'))).toEqual({ state: 'idle', muted: false });
  });
});

describe('the controller steps from one device state to another', () => {
  const STATES: DeviceCall[] = [
    { state: 'idle', muted: false },
    { state: 'ringing', muted: false },
    { state: 'active', muted: false },
    { state: 'active', muted: true },
    { state: 'held', muted: false },
    { state: 'held', muted: true },
  ];

  /** A real controller (the Jabra's layout) brought to `state` by the host calls a softphone makes. */
  function controllerIn(state: DeviceCall): TelephonyController {
    const controller = new TelephonyController(new FakeHidDevice(), fixture('jabra-evolve-link-ms'));
    for (const step of stepsTo({ state: 'idle', muted: false }, state)) apply(controller, step);
    return controller;
  }

  function apply(controller: TelephonyController, step: ReturnType<typeof stepsTo>[number]): void {
    if (step.do === 'ring') controller.ring();
    else if (step.do === 'connect') controller.callConnected();
    else if (step.do === 'hold') controller.setHeld(step.held);
    else if (step.do === 'end') controller.callEnded();
    else expect(controller.setMuted(step.muted)).toBe(true);
  }

  it.each(STATES.flatMap((from) => STATES.map((to) => [from, to])))(
    '%o → %o reaches the target on a real controller',
    (from, to) => {
      const controller = controllerIn(from);
      expect({ state: controller.state, muted: controller.muted }).toEqual(from);
      for (const step of stepsTo(from, to)) apply(controller, step);
      expect({ state: controller.state, muted: controller.muted }).toEqual(to);
    },
  );

  it('takes no step when the device already shows the call, and keeps mute across hold', () => {
    for (const state of STATES) expect(stepsTo(state, state)).toEqual([]);
    expect(stepsTo({ state: 'held', muted: true }, { state: 'active', muted: true })).toEqual([
      { do: 'hold', held: false },
    ]);
    expect(stepsTo({ state: 'ringing', muted: false }, { state: 'active', muted: true })).toEqual([
      { do: 'connect' },
      { do: 'mute', muted: true },
    ]);
  });
});

describe('the device event → the phone request', () => {
  it('sends the matching call-control request', async () => {
    const sent: string[] = [];
    const phone = {
      answer: async () => void sent.push('answer'),
      reject: async () => void sent.push('reject'),
      hangup: async () => void sent.push('hangup'),
      hold: async () => void sent.push('hold'),
      resume: async () => void sent.push('resume'),
      mute: async (muted: boolean) => void sent.push(`mute:${muted}`),
    };
    for (const event of ['answer', 'reject', 'hangup', 'hold', 'resume'] as const)
      await sendToPhone(phone, { event });
    await sendToPhone(phone, { event: 'mute', muted: true });
    expect(sent).toEqual(['answer', 'reject', 'hangup', 'hold', 'resume', 'mute:true']);
  });
});
