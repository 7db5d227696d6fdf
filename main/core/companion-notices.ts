// Environment: Node (main process core). The moments the running companion must tell its user about even when
// no window is open: the desktop app turns each into a notification.
import type { CallEvent } from '../../native-bridge/link/messages.js';
import type { CompanionService } from './companion-service.js';
import type { KeeperEvent } from './phone-keeper.js';

export type CompanionNotice =
  | { kind: 'incoming-call'; phoneId: string; phoneName: string; callId: number; number: string }
  /** The incoming call stopped ringing (answered, declined, ended): its notification goes. */
  | { kind: 'call-settled'; phoneId: string; callId: number }
  | { kind: 'sign-in-request'; phoneId: string; phoneName: string }
  | { kind: 'pair-again'; phoneId: string; phoneName: string }
  /**
   * A phone on this PC's port waits to be paired: for the user's click (Auto pairing long after the cable came
   * up), or with its code because several phones claim the port and Auto pairing cannot choose.
   */
  | { kind: 'pair-request'; phoneNames: string[] };

/** Calls `listener` with every notice the service raises; returns the function that stops. */
export function watchNotices(
  service: CompanionService,
  listener: (notice: CompanionNotice) => void,
): () => void {
  const { links, ethernet, companion } = service;
  const nameOf = (phoneId: string): string => companion.pairings.get(phoneId)?.name ?? phoneId;
  const ringing = new Set<string>();

  const onCall = (phoneId: string, call: CallEvent): void => {
    const key = `${phoneId}/${call.callId}`;
    if (call.direction === 'in' && call.state === 'offering') {
      if (ringing.has(key)) return;
      ringing.add(key);
      listener({
        kind: 'incoming-call',
        phoneId,
        phoneName: nameOf(phoneId),
        callId: call.callId,
        number: call.number,
      });
    } else if (ringing.delete(key)) {
      listener({ kind: 'call-settled', phoneId, callId: call.callId });
    }
  };
  const onSignIn = (phoneId: string): void =>
    listener({ kind: 'sign-in-request', phoneId, phoneName: nameOf(phoneId) });
  const onPairAgain = (phoneId: string): void =>
    listener({ kind: 'pair-again', phoneId, phoneName: nameOf(phoneId) });
  // A phone waiting for the user's click is told of once per run, however often the keeper asks again.
  const offered = new Set<string>();
  const onEthernet = (event: KeeperEvent): void => {
    if (event.event === 'confirm-pairing' && !offered.has(event.id)) {
      offered.add(event.id);
      listener({ kind: 'pair-request', phoneNames: [event.name] });
    }
    if (event.event === 'pair-again')
      listener({ kind: 'pair-again', phoneId: event.id, phoneName: nameOf(event.id) });
    if (event.event === 'manual-offered') listener({ kind: 'pair-request', phoneNames: event.claimants });
  };

  links.on('call', onCall);
  links.on('signInRequest', onSignIn);
  links.on('pairAgain', onPairAgain);
  ethernet.on('event', onEthernet);
  return () => {
    links.off('call', onCall);
    links.off('signInRequest', onSignIn);
    links.off('pairAgain', onPairAgain);
    ethernet.off('event', onEthernet);
  };
}
