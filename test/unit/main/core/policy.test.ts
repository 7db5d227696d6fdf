import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  type PolicyLayer,
  effectivePolicy,
  evaluatePolicyFile,
  filePolicyReader,
  followPolicy,
  loadPolicy,
  policyUsbVendorIds,
  readPolicyFile,
  resolvePolicy,
  settingsChoices,
} from '../../../../main/core/policy.js';
import { POLICY_KEYS, PolicySchema } from '../../../../main/core/policy-table.js';

const machine = (
  values: Record<string, unknown>,
  location = '/etc/btoe-companion/policy.json',
): PolicyLayer => ({
  kind: 'machine',
  location,
  values,
});
const user = (values: Record<string, unknown>): PolicyLayer => ({ kind: 'user', location: 'HKCU', values });

describe('DEFAULT_POLICY', () => {
  it('turns pairing on in Auto mode and allows every transport', () => {
    expect(DEFAULT_POLICY).toEqual({
      EnableBetterTogetherOverEthernet: true,
      BetterTogetherOverEthernetPairingMode: 'Auto',
      UnlockPhoneWithPc: true,
      LockSync: true,
      AllowClickToCall: true,
      AllowedTransports: ['Ethernet', 'USB', 'HID'],
      AllowedUsbVendorIds: ['*'],
      WebSignInAllowedAddresses: [
        'microsoft.com/devicelogin',
        'www.microsoft.com/devicelogin',
        'login.microsoftonline.com',
        'login.microsoft.com',
      ],
      StartAtLogin: true,
      LoggingLevel: 'info',
      DefaultRegion: '',
    });
  });

  it('passes its own schema', () => {
    expect(PolicySchema.safeParse(DEFAULT_POLICY).success).toBe(true);
  });
});

describe('resolvePolicy', () => {
  it('gives the defaults, each labelled so, with no source', () => {
    const loaded = resolvePolicy([]);
    expect(loaded.policy).toEqual(DEFAULT_POLICY);
    expect(loaded.source).toBe('defaults');
    expect(loaded.warnings).toEqual([]);
    for (const key of POLICY_KEYS)
      expect(loaded.sources[key]).toEqual({ kind: 'default', location: 'defaults' });
  });

  it('takes machine policy over user policy over user settings over defaults, key by key', () => {
    const loaded = resolvePolicy(
      [
        machine({ BetterTogetherOverEthernetPairingMode: 'Manual' }, 'HKLM'),
        user({ BetterTogetherOverEthernetPairingMode: 'Auto', LockSync: false }),
      ],
      { LockSync: true, StartAtLogin: false, DefaultRegion: 'fr' },
    );
    expect(loaded.policy).toMatchObject({
      BetterTogetherOverEthernetPairingMode: 'Manual',
      LockSync: false,
      StartAtLogin: false,
      DefaultRegion: 'FR',
      UnlockPhoneWithPc: true,
    });
    expect(loaded.sources.BetterTogetherOverEthernetPairingMode).toEqual({
      kind: 'machine',
      location: 'HKLM',
    });
    expect(loaded.sources.LockSync).toEqual({ kind: 'user', location: 'HKCU' });
    expect(loaded.sources.StartAtLogin).toEqual({ kind: 'settings', location: 'user settings' });
    expect(loaded.sources.UnlockPhoneWithPc.kind).toBe('default');
    expect(loaded.source).toBe('HKLM, HKCU');
    expect(effectivePolicy(loaded)).toContainEqual({
      key: 'LockSync',
      value: false,
      source: { kind: 'user', location: 'HKCU' },
    });
  });

  it('lets user settings choose only the keys the table leaves to users', () => {
    const loaded = resolvePolicy([], { EnableBetterTogetherOverEthernet: false, AllowClickToCall: false });
    expect(loaded.policy.EnableBetterTogetherOverEthernet).toBe(true);
    expect(loaded.policy.AllowClickToCall).toBe(true);
  });

  it('lets the user choose the pairing mode only where no policy sets it', () => {
    const choice = settingsChoices({ version: 1, pairingMode: 'manual' });
    const chosen = resolvePolicy([], choice);
    expect(chosen.policy.BetterTogetherOverEthernetPairingMode).toBe('Manual');
    expect(chosen.sources.BetterTogetherOverEthernetPairingMode.kind).toBe('settings');
    const set = resolvePolicy([machine({ BetterTogetherOverEthernetPairingMode: 'Auto' })], choice);
    expect(set.policy.BetterTogetherOverEthernetPairingMode).toBe('Auto');
    expect(set.sources.BetterTogetherOverEthernetPairingMode.kind).toBe('machine');
  });

  it.each(['true', 'false', 1, 0, null, 'yes', [], {}])(
    'turns pairing off for EnableBetterTogetherOverEthernet %j, says so, and keeps the other keys',
    (value) => {
      const { policy, warnings, sources } = resolvePolicy([
        machine({ EnableBetterTogetherOverEthernet: value, BetterTogetherOverEthernetPairingMode: 'Auto' }),
      ]);
      expect(policy).toEqual({ ...DEFAULT_POLICY, EnableBetterTogetherOverEthernet: false });
      expect(sources.EnableBetterTogetherOverEthernet.kind).toBe('machine');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(
        '/etc/btoe-companion/policy.json: EnableBetterTogetherOverEthernet must be true or false',
      );
      expect(warnings[0]).toContain(`not ${JSON.stringify(value)}`);
      expect(warnings[0]).toContain('using false until it is fixed');
    },
  );

  it('does not let a lower source fill in for an invalid machine value', () => {
    const { policy, sources } = resolvePolicy([
      machine({ BetterTogetherOverEthernetPairingMode: 'Always' }),
      user({ BetterTogetherOverEthernetPairingMode: 'Auto' }),
    ]);
    expect(policy.BetterTogetherOverEthernetPairingMode).toBe('Manual');
    expect(sources.BetterTogetherOverEthernetPairingMode.kind).toBe('machine');
  });

  it.each([
    ['manual', 'Manual'],
    ['MANUAL', 'Manual'],
    [' Manual ', 'Manual'],
    ['auto', 'Auto'],
    ['\tAuto\n', 'Auto'],
  ])('reads the pairing mode %j case-insensitively', (value, mode) => {
    const result = resolvePolicy([machine({ BetterTogetherOverEthernetPairingMode: value })]);
    expect(result.policy.BetterTogetherOverEthernetPairingMode).toBe(mode);
    expect(result.warnings).toEqual([]);
  });

  it.each(['Automatic', '', 'off', 1, true, null, ['Auto'], { mode: 'Auto' }])(
    'falls back to Manual for BetterTogetherOverEthernetPairingMode %j and says so',
    (value) => {
      const { policy, warnings } = resolvePolicy([
        machine({ BetterTogetherOverEthernetPairingMode: value }, 'registry'),
      ]);
      expect(policy.BetterTogetherOverEthernetPairingMode).toBe('Manual');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(
        'registry: BetterTogetherOverEthernetPairingMode must be "Auto" or "Manual"',
      );
      expect(warnings[0]).toContain('using "Manual" until it is fixed');
    },
  );

  it('keeps the valid items of a list, drops and reports the others (never widening)', () => {
    const { policy, warnings } = resolvePolicy([
      machine({
        AllowedTransports: ['ethernet', 'Bluetooth', 'HID', 7],
        AllowedUsbVendorIds: ['047f', '0x1234', 'nope'],
      }),
    ]);
    expect(policy.AllowedTransports).toEqual(['Ethernet', 'HID']);
    expect(policy.AllowedUsbVendorIds).toEqual(['047F', '1234']);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('AllowedTransports has items that are not a list of Ethernet, USB, HID');
  });

  it('WebSignInAllowedAddresses: hosts and host/paths, lowercased; a bad item is dropped, never widening', () => {
    const { policy, warnings } = resolvePolicy([
      machine({
        WebSignInAllowedAddresses: [
          'Login.Contoso.com',
          'idp.contoso.com/device/',
          'https://evil.example',
          '*.x.com',
        ],
      }),
    ]);
    expect(policy.WebSignInAllowedAddresses).toEqual(['login.contoso.com', 'idp.contoso.com/device']);
    expect(warnings.join()).toContain('WebSignInAllowedAddresses');
    expect(
      resolvePolicy([machine({ WebSignInAllowedAddresses: 'x' })]).policy.WebSignInAllowedAddresses,
    ).toEqual([]);
  });

  it('allows no transport for a list that is not a list', () => {
    const { policy, warnings } = resolvePolicy([machine({ AllowedTransports: 'Ethernet' })]);
    expect(policy.AllowedTransports).toEqual([]);
    expect(warnings[0]).toContain('using [] until it is fixed');
  });

  it('uses the default for keys where no value is safer (logging, region, start at login)', () => {
    const { policy, warnings } = resolvePolicy(
      [machine({ LoggingLevel: 'verbose', DefaultRegion: 'France', StartAtLogin: 'yes' })],
      { StartAtLogin: false },
    );
    expect(policy).toMatchObject({ LoggingLevel: 'info', DefaultRegion: '', StartAtLogin: true });
    expect(warnings).toHaveLength(3);
  });

  it('fails every key closed when a source cannot be read, and says why', () => {
    const { policy, warnings, sources } = resolvePolicy([
      { kind: 'machine', location: 'f', error: 'the policy file f is not valid JSON: fix it or remove it' },
      user({ EnableBetterTogetherOverEthernet: true }),
    ]);
    expect(policy).toMatchObject({
      EnableBetterTogetherOverEthernet: false,
      BetterTogetherOverEthernetPairingMode: 'Manual',
      UnlockPhoneWithPc: false,
      AllowClickToCall: false,
      AllowedTransports: [],
    });
    expect(sources.EnableBetterTogetherOverEthernet.kind).toBe('machine');
    expect(warnings).toEqual([
      'the policy file f is not valid JSON: fix it or remove it; every setting it could hold fails closed',
    ]);
  });

  it('warns about unknown keys (exact names in JSON) and still applies the known ones', () => {
    const raw = JSON.parse(
      '{"BetterTogetherOverEthernetPairingMode": "Manual", "enablebettertogetheroverethernet": false, "constructor": 1, "__proto__": 3}',
    ) as Record<string, unknown>;
    const { policy, warnings } = resolvePolicy([machine(raw, 'test')]);
    expect(policy.BetterTogetherOverEthernetPairingMode).toBe('Manual');
    expect(policy.EnableBetterTogetherOverEthernet).toBe(true);
    expect(warnings).toEqual([
      'test: unknown policy setting "enablebettertogetheroverethernet" is ignored',
      'test: unknown policy setting "constructor" is ignored',
      'test: unknown policy setting "__proto__" is ignored',
    ]);
  });

  it('shortens a very long unknown key and a very long value in its warnings', () => {
    const { warnings } = resolvePolicy([
      machine({ ['k'.repeat(10_000)]: 1, LoggingLevel: 'x'.repeat(10_000) }, 't'),
    ]);
    expect(warnings[0]).toBe(`t: unknown policy setting "${'k'.repeat(64)}" is ignored`);
    expect(warnings[1]!.length).toBeLessThan(300);
  });
});

describe('policy files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'btoe-policy-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function file(content: string): Promise<string> {
    const path = join(dir, 'policy.json');
    await writeFile(path, content);
    return path;
  }

  it('reads a missing file as not configured', async () => {
    expect(await readPolicyFile(join(dir, 'missing.json'), 'machine')).toEqual({
      kind: 'machine',
      location: join(dir, 'missing.json'),
    });
  });

  it('reads a file with a UTF-8 byte order mark', async () => {
    const path = await file('\uFEFF{"BetterTogetherOverEthernetPairingMode": "Manual"}');
    const loaded = await loadPolicy({ reader: filePolicyReader(path) });
    expect(loaded.policy.BetterTogetherOverEthernetPairingMode).toBe('Manual');
    expect(loaded.source).toBe(path);
  });

  it.each(['', '{', '{"EnableBetterTogetherOverEthernet": true,}', 'true false'])(
    'fails closed on invalid JSON %j',
    async (content) => {
      const path = await file(content);
      const loaded = await loadPolicy({ reader: filePolicyReader(path) });
      expect(loaded.policy.EnableBetterTogetherOverEthernet).toBe(false);
      expect(loaded.warnings).toEqual([
        `the policy file ${path} is not valid JSON: fix it or remove it; every setting it could hold fails closed`,
      ]);
    },
  );

  it.each(['[]', 'null', '1', '"Auto"'])('fails closed on JSON %s that is not an object', async (content) => {
    const path = await file(content);
    const loaded = await loadPolicy({ reader: filePolicyReader(path) });
    expect(loaded.policy.BetterTogetherOverEthernetPairingMode).toBe('Manual');
    expect(loaded.warnings[0]).toContain(`the policy file ${path} must hold a JSON object`);
  });

  it('fails closed when the file cannot be read', async () => {
    const path = join(dir, 'a-directory');
    await mkdir(path);
    const loaded = await loadPolicy({ reader: filePolicyReader(path) });
    expect(loaded.policy.UnlockPhoneWithPc).toBe(false);
    expect(loaded.warnings[0]).toContain(`cannot read the policy file ${path}`);
  });

  it('evaluates a candidate file, labelled as such', async () => {
    const path = await file('{"AllowClickToCall": false}');
    const loaded = await evaluatePolicyFile(path);
    expect(loaded.policy.AllowClickToCall).toBe(false);
    expect(loaded.sources.AllowClickToCall).toEqual({ kind: 'candidate', location: path });
  });

  it('follows a file that appears, changes and goes away, without a restart', async () => {
    const path = join(dir, 'sub', 'policy.json');
    const seen: string[] = [];
    let wake: () => void = () => undefined;
    const next = () => new Promise<void>((resolve) => (wake = resolve));
    const stop = followPolicy(
      filePolicyReader(path),
      () => ({}),
      (loaded) => {
        seen.push(loaded.policy.BetterTogetherOverEthernetPairingMode);
        wake();
      },
    );
    try {
      let changed = next();
      await mkdir(join(dir, 'sub'));
      await writeFile(path, '{"BetterTogetherOverEthernetPairingMode": "Manual"}');
      await changed;
      // The directory's creation may be reported before the file is written: wait for the file's value.
      while (seen.at(-1) !== 'Manual') await (changed = next());
      changed = next();
      await rm(path);
      await changed;
      while (seen.at(-1) !== 'Auto') await next();
      expect(seen.at(-1)).toBe('Auto');
    } finally {
      stop();
    }
  });
});

describe('policyUsbVendorIds', () => {
  it('gives the vendor ids policy names explicitly, not "*"', () => {
    expect(
      policyUsbVendorIds(resolvePolicy([machine({ AllowedUsbVendorIds: ['095d', '0x1234', '*'] })])),
    ).toEqual(['095D', '1234']);
    expect(policyUsbVendorIds(resolvePolicy([]))).toEqual([]);
  });
});
