import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_POLICY,
  loadPolicy,
  parsePolicy,
  type CompanionPolicy,
} from '../../../../main/core/policy.js';

const CLOSED: CompanionPolicy = {
  EnableBetterTogetherOverEthernet: false,
  BetterTogetherOverEthernetPairingMode: 'Manual',
  UnlockPhoneWithPc: false,
};

describe('DEFAULT_POLICY', () => {
  it('turns pairing on in Auto mode', () => {
    expect(DEFAULT_POLICY).toEqual({
      EnableBetterTogetherOverEthernet: true,
      BetterTogetherOverEthernetPairingMode: 'Auto',
      UnlockPhoneWithPc: true,
    });
  });
});

describe('parsePolicy', () => {
  it('gives the defaults for an empty object', () => {
    expect(parsePolicy({}, 'test')).toEqual({ policy: DEFAULT_POLICY, warnings: [] });
  });

  it.each<[Record<string, unknown>, CompanionPolicy]>([
    [
      { EnableBetterTogetherOverEthernet: false },
      { ...DEFAULT_POLICY, EnableBetterTogetherOverEthernet: false },
    ],
    [{ EnableBetterTogetherOverEthernet: true }, DEFAULT_POLICY],
    [
      { BetterTogetherOverEthernetPairingMode: 'Manual' },
      { ...DEFAULT_POLICY, BetterTogetherOverEthernetPairingMode: 'Manual' },
    ],
    [{ BetterTogetherOverEthernetPairingMode: 'Auto' }, DEFAULT_POLICY],
    [
      { EnableBetterTogetherOverEthernet: false, BetterTogetherOverEthernetPairingMode: 'Manual' },
      { ...CLOSED, UnlockPhoneWithPc: true },
    ],
  ])('reads %j', (raw, policy) => {
    expect(parsePolicy(raw, 'test')).toEqual({ policy, warnings: [] });
  });

  it.each([
    ['manual', 'Manual'],
    ['MANUAL', 'Manual'],
    ['mAnUaL', 'Manual'],
    [' Manual ', 'Manual'],
    ['auto', 'Auto'],
    ['AUTO', 'Auto'],
    ['\tAuto\n', 'Auto'],
  ])('reads the pairing mode %j case-insensitively', (value, mode) => {
    const result = parsePolicy({ BetterTogetherOverEthernetPairingMode: value }, 'test');
    expect(result.policy.BetterTogetherOverEthernetPairingMode).toBe(mode);
    expect(result.warnings).toEqual([]);
  });

  it.each(['true', 'false', 1, 0, null, 'yes', [], {}])(
    'turns pairing off for EnableBetterTogetherOverEthernet %j and says so',
    (value) => {
      const { policy, warnings } = parsePolicy(
        { EnableBetterTogetherOverEthernet: value, BetterTogetherOverEthernetPairingMode: 'Auto' },
        '/etc/policy.json',
      );
      expect(policy).toEqual({
        EnableBetterTogetherOverEthernet: false,
        BetterTogetherOverEthernetPairingMode: 'Auto',
        UnlockPhoneWithPc: true,
      });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(
        '/etc/policy.json: EnableBetterTogetherOverEthernet must be true or false',
      );
      expect(warnings[0]).toContain(`not ${JSON.stringify(value)}`);
      expect(warnings[0]).toContain('pairing is off until it is fixed');
    },
  );

  it.each(['Automatic', '', 'off', 'Manual-ish', 1, true, null, ['Auto'], { mode: 'Auto' }])(
    'falls back to Manual for BetterTogetherOverEthernetPairingMode %j and says so',
    (value) => {
      const { policy, warnings } = parsePolicy(
        { EnableBetterTogetherOverEthernet: true, BetterTogetherOverEthernetPairingMode: value },
        'registry',
      );
      expect(policy).toEqual({
        EnableBetterTogetherOverEthernet: true,
        BetterTogetherOverEthernetPairingMode: 'Manual',
        UnlockPhoneWithPc: true,
      });
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(
        'registry: BetterTogetherOverEthernetPairingMode must be "Auto" or "Manual"',
      );
      expect(warnings[0]).toContain('using Manual until it is fixed');
    },
  );

  it('warns about both invalid settings', () => {
    const { policy, warnings } = parsePolicy(
      { EnableBetterTogetherOverEthernet: 'on', BetterTogetherOverEthernetPairingMode: 'Sometimes' },
      'test',
    );
    expect(policy).toEqual({ ...CLOSED, UnlockPhoneWithPc: true });
    expect(warnings).toHaveLength(2);
    expect(warnings.join('\n')).toMatch(
      /EnableBetterTogetherOverEthernet[\s\S]*BetterTogetherOverEthernetPairingMode/,
    );
  });

  it('warns about unknown keys and still applies the known ones', () => {
    const { policy, warnings } = parsePolicy(
      {
        EnableBetterTogetherOverEthernet: true,
        BetterTogetherOverEthernetPairingMode: 'Manual',
        EnableBetterTogetherOverEthernetPairing: false,
        enablebettertogetheroverethernet: false,
      },
      'test',
    );
    expect(policy).toEqual({
      EnableBetterTogetherOverEthernet: true,
      BetterTogetherOverEthernetPairingMode: 'Manual',
      UnlockPhoneWithPc: true,
    });
    expect(warnings).toEqual([
      'test: unknown policy setting "EnableBetterTogetherOverEthernetPairing" is ignored',
      'test: unknown policy setting "enablebettertogetheroverethernet" is ignored',
    ]);
  });

  it('shortens a very long unknown key in its warning', () => {
    const { warnings } = parsePolicy({ ['k'.repeat(10_000)]: 1 }, 'test');
    expect(warnings).toEqual([`test: unknown policy setting "${'k'.repeat(64)}" is ignored`]);
  });

  it('warns about unknown keys that are Object.prototype member names', () => {
    const raw = JSON.parse('{"constructor": 1, "toString": 2, "__proto__": 3}') as Record<string, unknown>;
    const { warnings } = parsePolicy(raw, 'test');
    expect(warnings).toHaveLength(3);
  });
});

describe('UnlockPhoneWithPc', () => {
  it('is on by default and can be turned off', () => {
    expect(parsePolicy({}, 'test').policy.UnlockPhoneWithPc).toBe(true);
    expect(parsePolicy({ UnlockPhoneWithPc: false }, 'test').policy.UnlockPhoneWithPc).toBe(false);
  });

  it('fails closed on an invalid value and says so', () => {
    const { policy, warnings } = parsePolicy({ UnlockPhoneWithPc: 'yes' }, 'test');
    expect(policy.UnlockPhoneWithPc).toBe(false);
    expect(warnings).toEqual([
      'test: UnlockPhoneWithPc must be true or false, not "yes"; the phone stays locked when the PC unlocks until it is fixed',
    ]);
  });
});

describe('loadPolicy', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'btoe-policy-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  async function load(content: string | Buffer) {
    const file = join(dir, 'policy.json');
    await writeFile(file, content);
    return { file, loaded: await loadPolicy({ BTOE_POLICY_FILE: file }) };
  }

  it('gives the defaults when the file is missing', async () => {
    const loaded = await loadPolicy({ BTOE_POLICY_FILE: join(dir, 'missing.json') });
    expect(loaded).toEqual({ policy: DEFAULT_POLICY, source: 'defaults', warnings: [] });
  });

  it('reads valid values and names the file as the source', async () => {
    const { file, loaded } = await load(
      JSON.stringify({
        EnableBetterTogetherOverEthernet: false,
        BetterTogetherOverEthernetPairingMode: 'manual',
      }),
    );
    expect(loaded).toEqual({ policy: { ...CLOSED, UnlockPhoneWithPc: true }, source: file, warnings: [] });
  });

  it('reads a partial file over the defaults', async () => {
    const { loaded } = await load('{ "BetterTogetherOverEthernetPairingMode": "Manual" }\n');
    expect(loaded.policy).toEqual({
      EnableBetterTogetherOverEthernet: true,
      BetterTogetherOverEthernetPairingMode: 'Manual',
      UnlockPhoneWithPc: true,
    });
    expect(loaded.warnings).toEqual([]);
  });

  it('reads an empty object as the defaults from that file', async () => {
    const { file, loaded } = await load('{}');
    expect(loaded).toEqual({ policy: DEFAULT_POLICY, source: file, warnings: [] });
  });

  it('fails closed on an invalid value, naming the setting and the file', async () => {
    const { file, loaded } = await load('{"EnableBetterTogetherOverEthernet": "yes"}');
    expect(loaded.policy.EnableBetterTogetherOverEthernet).toBe(false);
    expect(loaded.warnings).toHaveLength(1);
    expect(loaded.warnings[0]).toContain(`${file}: EnableBetterTogetherOverEthernet`);
    const mode = await load('{"BetterTogetherOverEthernetPairingMode": "Always"}');
    expect(mode.loaded.policy).toEqual({
      EnableBetterTogetherOverEthernet: true,
      BetterTogetherOverEthernetPairingMode: 'Manual',
      UnlockPhoneWithPc: true,
    });
    expect(mode.loaded.warnings[0]).toContain('BetterTogetherOverEthernetPairingMode');
  });

  it.each([
    '',
    '{',
    '{"EnableBetterTogetherOverEthernet": true,}',
    "{'EnableBetterTogetherOverEthernet': true}",
    'true false',
  ])('fails closed on invalid JSON %j', async (content) => {
    const { file, loaded } = await load(content);
    expect(loaded.policy).toEqual(CLOSED);
    expect(loaded.source).toBe(file);
    expect(loaded.warnings).toEqual([`the policy file ${file} is not valid JSON: fix it or remove it`]);
  });

  it.each(['[]', '[{"EnableBetterTogetherOverEthernet": true}]', 'null', 'true', '1', '"Auto"'])(
    'fails closed on JSON %s that is not an object',
    async (content) => {
      const { file, loaded } = await load(content);
      expect(loaded.policy).toEqual(CLOSED);
      expect(loaded.warnings).toEqual([`the policy file ${file} must hold a JSON object`]);
    },
  );

  it('fails closed when the file cannot be read', async () => {
    const path = join(dir, 'a-directory');
    await mkdir(path);
    const loaded = await loadPolicy({ BTOE_POLICY_FILE: path });
    expect(loaded.policy).toEqual(CLOSED);
    expect(loaded.source).toBe(path);
    expect(loaded.warnings).toHaveLength(1);
    expect(loaded.warnings[0]).toContain(`cannot read the policy file ${path}`);
  });

  it('warns about unknown keys in the file', async () => {
    const { file, loaded } = await load('{"EnableBetterTogetherOverEthernet": true, "PairingMode": "Auto"}');
    expect(loaded.policy).toEqual(DEFAULT_POLICY);
    expect(loaded.warnings).toEqual([`${file}: unknown policy setting "PairingMode" is ignored`]);
  });

  it('reads a file that starts with a UTF-8 byte order mark', async () => {
    const { loaded } = await load(
      '\uFEFF{"EnableBetterTogetherOverEthernet": true, "BetterTogetherOverEthernetPairingMode": "Auto"}',
    );
    expect(loaded.policy).toEqual(DEFAULT_POLICY);
    expect(loaded.warnings).toEqual([]);
  });
});
