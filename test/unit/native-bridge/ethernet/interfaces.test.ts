// Environment: Node (unit test).
// Lines of `ip -o monitor link`, as captured from iproute2 on Debian while a veth pair went up, bounced and was
// deleted: the watcher must tell which link lost its carrier from them alone.
import { describe, expect, it } from 'vitest';
import { carrierLost } from '../../../../native-bridge/ethernet/interfaces.js';

const tail =
  ' mtu 1500 qdisc noqueue state UP group default \\    link/ether 16:87:65:c1:cd:99 brd ff:ff:ff:ff:ff:ff';

describe('carrierLost', () => {
  it('names a link that reports no carrier, or lost its lower layer', () => {
    expect(carrierLost(`3: va@vb: <NO-CARRIER,BROADCAST,MULTICAST,UP,M-DOWN>${tail}`)).toBe('va');
    // A transient report with both flags: the carrier is gone.
    expect(carrierLost(`2: vb@va: <NO-CARRIER,BROADCAST,MULTICAST,UP,LOWER_UP>${tail}`)).toBe('vb');
    expect(carrierLost(`2: vb@va: <BROADCAST,MULTICAST>${tail}`)).toBe('vb');
    expect(carrierLost(`4: enp3s0: <BROADCAST,MULTICAST,UP>${tail}`)).toBe('enp3s0');
  });

  it('names a deleted link', () => {
    expect(carrierLost(`Deleted 3: va@NONE: <BROADCAST,MULTICAST>${tail}`)).toBe('va');
  });

  it('says nothing of a link with its carrier, an address line, or a line it cannot read', () => {
    expect(carrierLost(`2: vb@va: <BROADCAST,MULTICAST,UP,LOWER_UP>${tail}`)).toBeUndefined();
    expect(carrierLost(`3: pc0    inet 169.254.20.1/16 brd 169.254.255.255 scope link pc0`)).toBeUndefined();
    expect(carrierLost('')).toBeUndefined();
    expect(carrierLost('garbage: <NO-CARRIER>')).toBeUndefined();
  });
});
