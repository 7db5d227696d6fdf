// Environment: any (plain TypeScript).
// The mapping between the paired phone's call (its `call` events) and a HID telephony device (headset, handset,
// HID phone) driven by a TelephonyController: what the device should show for a call, the controller steps
// that get it there, and the phone request each of the device's own events stands for. The headset service
// (headsets.ts) applies them.
import type { CallState as DeviceCallState } from '../../native-bridge/hid/telephony-controller.js';
import type { CallEvent } from '../../native-bridge/link/messages.js';

/** What a device shows: its call state (lights, ringer, Off-Hook) and mute. */
export interface DeviceCall {
  state: DeviceCallState;
  muted: boolean;
}

export const NO_CALL: DeviceCall = { state: 'idle', muted: false };

/**
 * The device's state for the phone's call: an incoming call rings; a call being dialled, ringing at the far
 * end or connected takes the device off hook (as softphones do, so the headset carries the call's audio from
 * the start); held shows Hold; an ended or failed call, or none, is idle.
 */
export function deviceCallOf(call: CallEvent | undefined): DeviceCall {
  if (!call) return NO_CALL;
  switch (call.state) {
    case 'offering':
      return { state: 'ringing', muted: false };
    case 'dialing':
    case 'ringback':
    case 'connected':
      return { state: 'active', muted: call.muted };
    case 'held':
      return { state: 'held', muted: call.muted };
    case 'ended':
    case 'failed':
      return NO_CALL;
  }
}

/** One TelephonyController call: ring(), callConnected(), setHeld(), callEnded(), setMuted(). */
export type DeviceStep =
  | { do: 'ring' }
  | { do: 'connect' }
  | { do: 'hold'; held: boolean }
  | { do: 'end' }
  | { do: 'mute'; muted: boolean };

/**
 * The controller steps from what the device shows now to `target`. callConnected() from idle or ringing
 * clears mute and setHeld(false) keeps it, so mute is set last, and only where it would differ.
 */
export function stepsTo(current: DeviceCall, target: DeviceCall): DeviceStep[] {
  const steps: DeviceStep[] = [];
  let muted = current.muted;
  const inCall = (s: DeviceCallState) => s === 'active' || s === 'held';
  switch (target.state) {
    case 'idle':
      if (current.state !== 'idle') steps.push({ do: 'end' });
      return steps;
    case 'ringing':
      if (current.state === 'ringing') return steps;
      if (current.state !== 'idle') steps.push({ do: 'end' });
      steps.push({ do: 'ring' });
      return steps;
    case 'active':
      if (current.state === 'held') steps.push({ do: 'hold', held: false });
      else if (current.state !== 'active') steps.push({ do: 'connect' });
      break;
    case 'held':
      if (!inCall(current.state)) steps.push({ do: 'connect' });
      if (current.state !== 'held') steps.push({ do: 'hold', held: true });
      break;
  }
  if (!inCall(current.state)) muted = false;
  if (target.muted !== muted) steps.push({ do: 'mute', muted: target.muted });
  return steps;
}

/** A device event the phone has a request for (flash arrives as hold or resume; redial and keys have none). */
export type DeviceCallEvent =
  { event: 'answer' | 'reject' | 'hangup' | 'hold' | 'resume' } | { event: 'mute'; muted: boolean };

/** The phone's call control (a PhoneSession has it). */
export interface PhoneCallControl {
  answer(): Promise<void>;
  reject(): Promise<void>;
  hangup(): Promise<void>;
  hold(): Promise<void>;
  resume(): Promise<void>;
  mute(muted: boolean): Promise<void>;
}

/** Sends the phone the request the user made on the device. */
export function sendToPhone(phone: PhoneCallControl, event: DeviceCallEvent): Promise<void> {
  return event.event === 'mute' ? phone.mute(event.muted) : phone[event.event]();
}
