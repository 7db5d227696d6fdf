// Every check of `btoe doctor` over injected facts: each branch's status, message and fix, and the exit code.
import { describe, expect, it } from 'vitest';
import type { Check } from '../../../../../contract/doctor-report.js';
import { runChecks } from '../../../../../main/core/doctor/checks.js';
import type { DoctorFacts, HeardPhone, InterfaceFact } from '../../../../../main/core/doctor/facts.js';
import { buildReport, formatReport } from '../../../../../main/core/doctor/report.js';

const PC_MAC = '02:00:00:00:00:10';
const PHONE_ID = 'aaaaaaaaaaaaaaaaaaaaaaaaaa';

const eth0: InterfaceFact = {
  name: 'eth0',
  kind: 'ethernet',
  mac: PC_MAC,
  up: true,
  carrier: true,
  addresses: [
    { family: 'IPv4', address: '169.254.20.10', prefix: 16 },
    { family: 'IPv6', address: 'fe80::1', prefix: 64 },
  ],
};

function heard(over: Partial<HeardPhone> & { id?: string; onPort?: boolean } = {}): HeardPhone {
  const id = over.id ?? PHONE_ID;
  const hello = {
    vendor: 'Polycom',
    family: 'VVX',
    model: 'VVX 450',
    firmware: '6.4.3',
    lockType: 'phone-lock' as const,
    pairingMode: 'auto' as const,
    peerOnPcPort: over.onPort ?? true,
  };
  return {
    instance: `Polycom VVX 450 ${id.slice(0, 4)}`,
    link: 'eth0',
    addresses: ['tcp://169.254.20.2:24801'],
    claims: { id, vendor: 'Polycom', model: 'VVX 450', firmware: '6.4.3' },
    probe: { address: 'tcp://169.254.20.2:24801', id, verified: true, hello },
    ...over,
  };
}

function facts(over: Partial<DoctorFacts> = {}): DoctorFacts {
  return {
    platform: 'linux',
    appVersion: '0.1.0',
    interfaces: [{ name: 'lo', kind: 'loopback', up: true, carrier: true, addresses: [] }, eth0],
    discovery: { state: 'ran', links: ['eth0'], seconds: 2, heard: [heard()] },
    directProbes: [],
    usbSerial: { ok: true, items: [] },
    hid: { ok: true, items: [] },
    store: {
      dir: '/home/u/.config/btoe-companion',
      pairings: { ok: true, phones: [] },
      secretStore: { ok: true, kind: 'os-keyring', description: 'OS keyring (Secret Service)' },
      identity: { certificate: true, key: true },
    },
    policy: {
      values: { EnableBetterTogetherOverEthernet: true, BetterTogetherOverEthernetPairingMode: 'Auto' },
      source: 'defaults',
      warnings: [],
    },
    session: undefined,
    companion: { running: true, pid: 42, version: '0.1.0', startedAt: '2026-12-04T10:00:00.000Z' },
    vendorPhones: [
      {
        id: 'c'.repeat(26),
        name: 'Yealink SIP-T54W',
        driver: 'yealink',
        url: 'http://192.0.2.30',
        facts: {
          vendor: 'Yealink',
          model: 'SIP-T54W',
          firmware: '96.86.0.100',
          mac: '80:5e:c0:aa:bb:cc',
          lines: [{ line: '1', address: '1001@pbx.example.com', registered: true }],
        },
      },
    ],
    ...over,
  };
}

const get = (checks: Check[], id: string): Check => checks.find((c) => c.id === id)!;

describe('doctor checks', () => {
  it('a healthy PC: every check passes, exit code 0', () => {
    const report = buildReport(facts());
    expect(report.checks.filter((c) => c.status !== 'pass')).toEqual([]);
    expect(report).toMatchObject({ status: 'pass', exitCode: 0 });
    expect(formatReport(report)).toMatch(/0 failed, 0 warned, 16 passed \(exit code 0\)\.$/);
  });

  it('warnings only: exit code 20; a failure: 21', () => {
    expect(buildReport(facts({ companion: { running: false } }))).toMatchObject({
      status: 'warn',
      exitCode: 20,
    });
    expect(buildReport(facts({ session: { kind: 'rdp', evidence: 'SESSIONNAME=RDP-Tcp#1' } }))).toMatchObject(
      {
        status: 'fail',
        exitCode: 21,
      },
    );
  });

  it('no wired interface at all', () => {
    const c = get(runChecks(facts({ interfaces: [{ ...eth0, name: 'wlan0', kind: 'wifi' }] })), 'port-link');
    expect(c).toMatchObject({ status: 'fail', summary: 'this PC has no wired network interface' });
  });

  it('an interface turned off, and one without a carrier', () => {
    const off = facts({
      interfaces: [{ ...eth0, up: false, carrier: false }],
      discovery: { state: 'off', reason: 'x' },
    });
    expect(get(runChecks(off), 'port-link')).toMatchObject({ status: 'fail', summary: 'eth0 is turned off' });
    const down = facts({
      interfaces: [{ ...eth0, carrier: false }],
      discovery: { state: 'off', reason: 'x' },
    });
    expect(get(runChecks(down), 'port-link').summary).toMatch(/^eth0: link down/);
    expect(get(runChecks(down), 'link-address').status).toBe('skip');
  });

  it('the interface a claimant was heard on is the one facing the phone, among several', () => {
    const eth1 = { ...eth0, name: 'eth1', mac: '02:00:00:00:00:11' };
    const checks = runChecks(
      facts({
        interfaces: [eth1, eth0],
        discovery: { state: 'ran', links: ['eth0', 'eth1'], seconds: 2, heard: [heard()] },
      }),
    );
    expect(get(checks, 'port-link')).toMatchObject({
      status: 'pass',
      summary: 'eth0: link up (a phone there reports this PC on its PC port)',
    });
    expect(get(checks, 'other-links')).toMatchObject({ status: 'warn' });
    expect(get(checks, 'other-links').fix).toContain('BTOE_DISCOVERY=eth0');
  });

  it('Wi-Fi and a VPN up while the cable is in', () => {
    const checks = runChecks(
      facts({
        interfaces: [
          eth0,
          {
            ...eth0,
            name: 'wlan0',
            kind: 'wifi',
            addresses: [{ family: 'IPv4', address: '10.1.1.5', prefix: 24 }],
          },
          {
            ...eth0,
            name: 'tun0',
            kind: 'vpn',
            mac: undefined,
            addresses: [{ family: 'IPv4', address: '10.8.0.2', prefix: 24 }],
          },
          { ...eth0, name: 'docker0', kind: 'virtual' },
        ],
      }),
    );
    const c = get(checks, 'other-links');
    expect(c.status).toBe('warn');
    expect(c.details).toEqual(['wlan0: Wi-Fi, on while the cable is in', 'tun0: VPN adapter, up']);
    expect(c.fix).toMatch(/^Allow local network access in the VPN client \(tun0\).*turn Wi-Fi \(wlan0\) off/);
  });

  it('addresses: none, IPv6 link-local only, DHCP', () => {
    const none = runChecks(facts({ interfaces: [{ ...eth0, addresses: [] }] }));
    expect(get(none, 'link-address').status).toBe('fail');
    const v6 = runChecks(facts({ interfaces: [{ ...eth0, addresses: [eth0.addresses[1]!] }] }));
    expect(get(v6, 'link-address')).toMatchObject({ status: 'warn' });
    const dhcp = runChecks(
      facts({ interfaces: [{ ...eth0, addresses: [{ family: 'IPv4', address: '10.0.0.7', prefix: 24 }] }] }),
    );
    expect(get(dhcp, 'link-address')).toMatchObject({ status: 'pass', summary: 'eth0: 10.0.0.7/24' });
  });

  it('mDNS off, failed, silent, and blocked (a paired phone answers directly)', () => {
    expect(
      get(runChecks(facts({ discovery: { state: 'off', reason: 'BTOE_DISCOVERY=off' } })), 'mdns').status,
    ).toBe('warn');
    expect(
      get(runChecks(facts({ discovery: { state: 'failed', error: 'EADDRINUSE' } })), 'mdns'),
    ).toMatchObject({ status: 'fail' });
    const silent = facts({ discovery: { state: 'ran', links: ['eth0'], seconds: 2, heard: [] } });
    expect(get(runChecks(silent), 'mdns').summary).toBe('no phone announced _btoe._tcp on eth0 in 2 s');
    expect(get(runChecks(silent), 'adjacency').status).toBe('skip');
    const blocked = facts({
      discovery: { state: 'ran', links: ['eth0'], seconds: 2, heard: [] },
      directProbes: [
        {
          id: PHONE_ID,
          name: 'Polycom VVX 450',
          address: 'tcp://169.254.20.2:24801',
          answered: true,
          answeredAs: PHONE_ID,
        },
      ],
    });
    expect(get(runChecks(blocked), 'mdns').summary).toMatch(/mDNS is blocked$/);
    // Another phone answering at the paired phone's old address proves nothing about mDNS.
    const moved = facts({
      discovery: { state: 'ran', links: ['eth0'], seconds: 2, heard: [] },
      directProbes: [
        {
          id: PHONE_ID,
          name: 'Polycom VVX 450',
          address: 'tcp://169.254.20.2:24801',
          answered: true,
          answeredAs: 'b'.repeat(26),
        },
      ],
    });
    expect(get(runChecks(moved), 'mdns').summary).not.toMatch(/blocked/);
  });

  it('adjacency: not on the port, two claimants, one that cannot be asked, one whose certificate differs', () => {
    const another = runChecks(
      facts({
        discovery: {
          state: 'ran',
          links: ['eth0'],
          seconds: 2,
          heard: [heard({ onPort: false })],
        },
      }),
    );
    expect(get(another, 'adjacency').status).toBe('fail');
    expect(get(another, 'adjacency').details![0]).toMatch(/does not see this PC on its PC port$/);
    const two = runChecks(
      facts({
        discovery: {
          state: 'ran',
          links: ['eth0'],
          seconds: 2,
          heard: [heard(), heard({ id: 'b'.repeat(26) })],
        },
      }),
    );
    expect(get(two, 'adjacency').summary).toMatch(/^2 phones claim this PC/);
    const sameTwice = runChecks(
      facts({
        discovery: {
          state: 'ran',
          links: ['eth0'],
          seconds: 2,
          heard: [heard(), heard({ instance: 'again' })],
        },
      }),
    );
    expect(get(sameTwice, 'adjacency').status).toBe('pass');
    const unverified = heard();
    const noAnswer = runChecks(
      facts({
        discovery: {
          state: 'ran',
          links: ['eth0'],
          seconds: 2,
          heard: [{ ...unverified, probe: { verified: false, error: 'no answer within 2000 ms' } }],
        },
      }),
    );
    // Records say nothing about the PC port: a phone that cannot be asked is no claimant.
    expect(get(noAnswer, 'adjacency')).toMatchObject({ status: 'fail' });
    expect(get(noAnswer, 'adjacency').details![0]).toMatch(/could not be asked$/);
    const h = heard();
    const otherCertificate = { ...h, probe: { ...h.probe, verified: false } };
    const differs = runChecks(
      facts({ discovery: { state: 'ran', links: ['eth0'], seconds: 2, heard: [otherCertificate] } }),
    );
    expect(get(differs, 'adjacency')).toMatchObject({ status: 'warn' });
    expect(get(differs, 'adjacency').summary).toMatch(/certificate does not match/);
  });

  it('serial and HID: missing library, no permission', () => {
    const checks = runChecks(
      facts({
        usbSerial: {
          ok: false,
          message:
            'cannot list serial ports: udevadm is missing (install the "udev" package, e.g. apt-get install udev)',
        },
        hid: {
          ok: true,
          items: [{ path: '/dev/hidraw0', product: 'Blackwire 3220', vendorId: '047f', accessible: false }],
        },
      }),
    );
    expect(get(checks, 'usb-serial')).toMatchObject({
      status: 'warn',
      fix: 'Install the "udev" package, e.g. apt-get install udev, then run "btoe doctor" again.',
    });
    expect(get(checks, 'hid')).toMatchObject({
      status: 'fail',
      summary: 'this user may not open /dev/hidraw0',
    });
    const denied = runChecks(
      facts({
        usbSerial: {
          ok: true,
          items: [{ path: '/dev/ttyACM0', vendor: 'Polycom', vendorId: '095d', accessible: false }],
        },
      }),
    );
    expect(get(denied, 'usb-serial').fix).toMatch(/dialout/);
  });

  it('stores: damaged pairings, unreadable key, half an identity, ignored settings', () => {
    const store = facts().store;
    const damaged = runChecks(
      facts({ store: { ...store, pairings: { ok: false, message: 'pairings.json is not valid JSON' } } }),
    );
    expect(get(damaged, 'pairing-store')).toMatchObject({
      status: 'fail',
      fix: 'Move /home/u/.config/btoe-companion/pairings.json aside (keep it for support) and pair the phone again.',
    });
    expect(
      get(
        runChecks(facts({ store: { ...store, identity: { certificate: true, key: 'unreadable' } } })),
        'secret-store',
      ).status,
    ).toBe('fail');
    expect(
      get(
        runChecks(facts({ store: { ...store, identity: { certificate: false, key: true } } })),
        'secret-store',
      ).summary,
    ).toMatch(/the certificate is missing/);
    expect(
      get(runChecks(facts({ store: { ...store, settingsWarning: 'bad region' } })), 'settings').status,
    ).toBe('warn');
  });

  it('policy: invalid values, BToE off, a candidate file labelled as such', () => {
    const p = facts().policy;
    expect(
      get(runChecks(facts({ policy: { ...p, warnings: ['x: must be true or false'] } })), 'policy').status,
    ).toBe('warn');
    expect(
      get(
        runChecks(facts({ policy: { ...p, values: { EnableBetterTogetherOverEthernet: false } } })),
        'policy',
      ).summary,
    ).toMatch(/turned off by policy/);
    const layered = runChecks(
      facts({ policy: { ...p, sources: { BetterTogetherOverEthernetPairingMode: 'machine policy' } } }),
    );
    expect(get(layered, 'policy').details).toContain(
      'BetterTogetherOverEthernetPairingMode = "Auto" (machine policy)',
    );
    const candidate = buildReport(
      facts({ policy: { ...p, source: '/tmp/new.json', candidate: '/tmp/new.json' } }),
    );
    expect(candidate.candidatePolicy).toBe('/tmp/new.json');
    expect(get(candidate.checks, 'policy').title).toBe(
      'Policy: CANDIDATE file /tmp/new.json (evaluated, not in force)',
    );
    expect(formatReport(candidate)).toContain(
      'Policy checked: the CANDIDATE file /tmp/new.json (not the policy in force)',
    );
  });

  it('firmware and Phone-Lock, from the phone now or from its pairing record', () => {
    const old = heard();
    const deviceLock = {
      ...old,
      probe: {
        ...old.probe,
        hello: { ...old.probe.hello!, firmware: '5.4.0', lockType: 'device-lock' as const },
      },
    };
    const checks = runChecks(
      facts({
        discovery: { state: 'ran', links: ['eth0'], seconds: 2, heard: [deviceLock] },
        store: {
          ...facts().store,
          pairings: {
            ok: true,
            phones: [
              {
                id: 'c'.repeat(26),
                name: 'AudioCodes 450HD',
                vendor: 'AudioCodes',
                family: '400HD',
                model: '450HD',
                firmware: '3.0.0.459.1',
                lockType: 'phone-lock',
                address: 'tcp://10.0.0.9:24801',
                mode: 'manual',
              },
            ],
          },
        },
      }),
    );
    const firmware = get(checks, 'firmware');
    expect(firmware.status).toBe('fail');
    expect(firmware.details).toEqual([
      `Polycom VVX 450 (${PHONE_ID}): 5.4.0, minimum for Polycom VVX 5.4.0A: too old`,
      `AudioCodes 450HD (${'c'.repeat(26)}): 3.0.0.459.1 (when paired), minimum for AudioCodes 3.0.0.459.1: ok`,
    ]);
    expect(get(checks, 'phone-lock')).toMatchObject({ status: 'warn' });
    expect(get(runChecks(facts({ discovery: { state: 'off', reason: 'x' } })), 'firmware').status).toBe(
      'skip',
    );
  });

  it('the running companion: none, another version, unknown', () => {
    expect(
      get(runChecks(facts({ companion: { running: true, pid: 7, version: '0.0.9' } })), 'companion').summary,
    ).toMatch(/at version 0\.0\.9, and this btoe is 0\.1\.0/);
    expect(get(runChecks(facts({ companion: { running: true, pid: 7 } })), 'companion').summary).toMatch(
      /unknown/,
    );
    expect(
      get(runChecks(facts({ companion: { running: 'unknown', error: 'EACCES' } })), 'companion').status,
    ).toBe('warn');
  });
});

describe('vendor phones in the doctor', () => {
  const yealink = (over: Partial<NonNullable<DoctorFacts['vendorPhones']>[number]> = {}) => ({
    ...facts().vendorPhones![0]!,
    ...over,
  });

  it('skips without vendor phones; fails on one that does not answer or has old firmware; warns on an unregistered line', () => {
    expect(get(runChecks(facts({ vendorPhones: [] })), 'vendor-phones').status).toBe('skip');
    const silent = get(
      runChecks(facts({ vendorPhones: [yealink({ facts: undefined, error: 'wrong password' })] })),
      'vendor-phones',
    );
    expect(silent).toMatchObject({ status: 'fail', summary: 'Yealink SIP-T54W: wrong password' });
    const old = yealink({ facts: { ...yealink().facts!, firmware: '96.7.0.1' } });
    expect(get(runChecks(facts({ vendorPhones: [old] })), 'vendor-phones')).toMatchObject({
      status: 'fail',
      summary: 'Yealink SIP-T54W: update its firmware to X.8.1.52 or later',
    });
    const idle = yealink({
      facts: { ...yealink().facts!, lines: [{ line: '1', address: '1001@pbx', registered: false }] },
    });
    expect(get(runChecks(facts({ vendorPhones: [idle] })), 'vendor-phones')).toMatchObject({
      status: 'warn',
      summary: 'Yealink SIP-T54W: line 1 (1001@pbx) is not registered',
    });
  });
});
