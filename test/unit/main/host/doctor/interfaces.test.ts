// Network interfaces as the doctor sees them: kinds by name where the OS says no more, and this machine's list.
import { describe, expect, it } from 'vitest';
import { interfaceFacts, kindByName } from '../../../../../main/host/doctor/interfaces.js';

describe('interfaces by name (Windows and macOS)', () => {
  it.each([
    ['Ethernet', 'ethernet'],
    ['Ethernet 2', 'ethernet'],
    ['Wi-Fi', 'wifi'],
    ['WLAN', 'wifi'],
    ['wlan0', 'wifi'],
    ['vEthernet (WSL)', 'virtual'],
    ['VirtualBox Host-Only Network', 'virtual'],
    ['docker0', 'virtual'],
    ['Cisco AnyConnect Secure Mobility Client Connection', 'vpn'],
    ['OpenVPN TAP-Windows6', 'vpn'],
    ['WireGuard Tunnel', 'vpn'],
    ['utun3', 'vpn'],
    ['tun0', 'vpn'],
  ])('%s is %s', (name, kind) => {
    expect(kindByName(name)).toBe(kind);
  });
});

describe('interfaces on this machine', () => {
  it('lists loopback as loopback and every interface with its addresses', () => {
    const facts = interfaceFacts();
    expect(facts.some((i) => i.kind === 'loopback')).toBe(true);
    for (const i of facts) {
      for (const a of i.addresses) expect(a.address).not.toContain('%');
    }
  });
});
