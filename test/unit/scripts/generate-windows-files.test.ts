// The files generated from the policy table and the Windows registration table: committed, up to date,
// well-formed (xmllint), and the ADMX/ADML agreeing with the table in both directions.
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { needs } from '../../helpers/needs.js';
import { resolvePolicy } from '../../../main/core/policy.js';
import { MACHINE_POLICY_KEY, registryToPolicyValues } from '../../../main/core/policy-registry.js';
import { POLICY_KEYS, policyRow } from '../../../main/core/policy-table.js';
import {
  INSTALLER_PROPERTIES,
  policyFromInstallerProperties,
} from '../../../main/core/windows-registration.js';
import { ADMX_NAME, generatedFiles } from '../../../scripts/generate-windows-files.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ADMX = join(ROOT, `build/policy/${ADMX_NAME}.admx`);
const ADML = {
  en: join(ROOT, `build/policy/en-US/${ADMX_NAME}.adml`),
  fr: join(ROOT, `build/policy/fr-FR/${ADMX_NAME}.adml`),
};

const XMLLINT_MISSING = (() => {
  try {
    execFileSync('xmllint', ['--version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'xmllint is missing (apt-get install libxml2-utils)';
  }
})();
const HAVE_XMLLINT = needs('the ADMX/ADML xmllint checks', XMLLINT_MISSING) === undefined;

/** The attribute values an XPath selects (namespaces ignored through local-name()). */
function xpath(file: string, expression: string): string[] {
  let out: string;
  try {
    out = execFileSync('xmllint', ['--xpath', expression, file], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    // xmllint exits 10 when the expression selects nothing.
    if ((error as { status?: number }).status === 10) return [];
    throw error;
  }
  return [...out.matchAll(/\w+="([^"]*)"/g)].map((m) => m[1]!);
}
const el = (name: string) => `*[local-name()="${name}"]`;

describe('generated Windows files', () => {
  it('are committed as the generator writes them (run npm run generate:windows)', () => {
    const files = generatedFiles(() => readFileSync(join(ROOT, 'docs/deploying.md'), 'utf8'));
    for (const [path, content] of Object.entries(files)) {
      expect(
        readFileSync(join(ROOT, path), 'utf8'),
        `${path} is out of date: run npm run generate:windows`,
      ).toBe(content);
    }
  });

  it('name every policy key in the docs table', () => {
    const docs = readFileSync(join(ROOT, 'docs/deploying.md'), 'utf8');
    for (const key of POLICY_KEYS) expect(docs).toContain(`| \`${key}\` |`);
  });
});

describe.skipIf(!HAVE_XMLLINT)('ADMX and ADML', () => {
  it('are well-formed XML', () => {
    for (const file of [ADMX, ADML.en, ADML.fr, join(ROOT, 'build/default-associations.xml')])
      execFileSync('xmllint', ['--noout', file]);
  });

  it('define exactly the table’s keys, each with its registry value and type', () => {
    expect(xpath(ADMX, `//${el('policy')}/@name`)).toEqual(POLICY_KEYS);
    for (const key of POLICY_KEYS) {
      const row = policyRow(key);
      const policy = `//${el('policy')}[@name="${key}"]`;
      expect(xpath(ADMX, `${policy}/@key`)).toEqual(['Software\\Policies\\BToE\\Companion']);
      expect(xpath(ADMX, `${policy}/@class`)).toEqual(['Both']);
      if (row.type === 'boolean') {
        expect(xpath(ADMX, `${policy}/@valueName`)).toEqual([key]);
        expect(xpath(ADMX, `${policy}/${el('enabledValue')}/${el('decimal')}/@value`)).toEqual(['1']);
        expect(xpath(ADMX, `${policy}/${el('disabledValue')}/${el('decimal')}/@value`)).toEqual(['0']);
      } else if (row.type === 'choice') {
        expect(xpath(ADMX, `${policy}//${el('enum')}/@valueName`)).toEqual([key]);
        const items = execFileSync(
          'xmllint',
          ['--xpath', `${policy}//${el('enum')}//${el('string')}/text()`, ADMX],
          {
            encoding: 'utf8',
          },
        );
        expect(items.split('\n').filter(Boolean)).toEqual(row.values);
      } else expect(xpath(ADMX, `${policy}//${el('text')}/@valueName`)).toEqual([key]);
    }
  });

  it.each(['en', 'fr'] as const)(
    '%s ADML: every string the ADMX uses, none it does not, the table’s texts',
    async (lang) => {
      const admx = await readFile(ADMX, 'utf8');
      const used = new Set([...admx.matchAll(/\$\(string\.([^)]+)\)/g)].map((m) => m[1]!));
      const defined = xpath(ADML[lang], `//${el('stringTable')}/${el('string')}/@id`);
      expect(new Set(defined)).toEqual(used);
      expect(defined).toHaveLength(used.size);
      const presentations = new Set([...admx.matchAll(/\$\(presentation\.([^)]+)\)/g)].map((m) => m[1]!));
      expect(new Set(xpath(ADML[lang], `//${el('presentation')}/@id`))).toEqual(presentations);
      for (const key of POLICY_KEYS) {
        const text = (id: string) =>
          execFileSync('xmllint', ['--xpath', `string(//${el('string')}[@id="${id}"])`, ADML[lang]], {
            encoding: 'utf8',
          }).replace(/\n$/, '');
        expect(text(key)).toBe(policyRow(key)[lang].title);
        expect(text(`${key}_Help`)).toBe(policyRow(key)[lang].explain);
      }
    },
  );
});

describe('installer properties → machine policy', () => {
  it('has one distinct property per key, none of them STARTATLOGIN (which only registers the start)', () => {
    const names = INSTALLER_PROPERTIES.map((p) => p.property);
    expect(new Set(names).size).toBe(POLICY_KEYS.length);
    expect(names).not.toContain('STARTATLOGIN');
    for (const name of names) expect(name).toMatch(/^[A-Z]+$/);
  });

  it('maps msiexec properties to registry values the app reads as the admin meant', () => {
    const values = policyFromInstallerProperties({
      PAIRINGMODE: 'Manual',
      ENABLEBTOE: 'TRUE',
      UNLOCKPHONEWITHPC: '0',
      LOCKSYNC: 'maybe',
      ALLOWEDTRANSPORTS: 'Ethernet, HID',
      STARTATLOGIN: '1',
      UNRELATED: 'x',
    });
    expect(values).toEqual([
      { key: 'EnableBetterTogetherOverEthernet', type: 'REG_DWORD', data: '1' },
      { key: 'BetterTogetherOverEthernetPairingMode', type: 'REG_SZ', data: 'Manual' },
      { key: 'UnlockPhoneWithPc', type: 'REG_DWORD', data: '0' },
      { key: 'LockSync', type: 'REG_SZ', data: 'maybe' },
      { key: 'AllowedTransports', type: 'REG_SZ', data: 'Ethernet, HID' },
    ]);
    // As reg query shows them, through the app's registry reader and resolver.
    const registry = values.map((v) => ({
      name: v.key,
      type: v.type,
      data: v.type === 'REG_DWORD' ? `0x${v.data}` : v.data,
    }));
    const loaded = resolvePolicy([
      { kind: 'machine', location: MACHINE_POLICY_KEY, values: registryToPolicyValues(registry) },
    ]);
    expect(loaded.policy).toMatchObject({
      EnableBetterTogetherOverEthernet: true,
      BetterTogetherOverEthernetPairingMode: 'Manual',
      UnlockPhoneWithPc: false,
      LockSync: true, // invalid: LockSync fails to on (the phone locks with the PC)
      AllowedTransports: ['Ethernet', 'HID'],
    });
    expect(loaded.warnings).toEqual([
      `${MACHINE_POLICY_KEY}: LockSync must be true or false (REG_DWORD 1 or 0), not "maybe"; using true until it is fixed`,
    ]);
  });
});

describe('the MSI additions', () => {
  const wxs = readFileSync(join(ROOT, 'build/msi-additions.wxs'), 'utf8');

  it('declare every property as secure (passed from the client to the server side) and write it', () => {
    for (const { property, key } of INSTALLER_PROPERTIES) {
      expect(wxs).toContain(`<Property Id="${property}" Secure="yes"/>`);
      expect(wxs).toContain(`Name="${key}"`);
    }
    expect(wxs).toContain('<Condition>STARTATLOGIN="1"</Condition>');
  });

  it('give every component its own GUID', () => {
    const guids = [...wxs.matchAll(/Guid="([^"]+)"/g)].map((m) => m[1]!);
    expect(guids.length).toBeGreaterThan(10);
    expect(new Set(guids).size).toBe(guids.length);
    for (const guid of guids)
      expect(guid).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-A[0-9A-F]{3}-[0-9A-F]{12}$/);
  });

  it.skipIf(!HAVE_XMLLINT)(
    'are inserted into the project by the msiProjectCreated hook, still well-formed',
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'btoe-msi-'));
      try {
        const project = join(dir, 'project.wxs');
        await writeFile(
          project,
          '<?xml version="1.0"?>\n<Wix xmlns="http://schemas.microsoft.com/wix/2006/wi"><Product Id="*"><Package/></Product></Wix>\n',
        );
        const hook = (await import(join(ROOT, 'build/msi-project-created.mjs'))) as {
          default: (file: string) => Promise<void>;
        };
        await hook.default(project);
        const text = await readFile(project, 'utf8');
        expect(text).toContain('<Property Id="PAIRINGMODE" Secure="yes"/>');
        expect(text.indexOf('BToEClickToCall')).toBeLessThan(text.lastIndexOf('</Product>'));
        execFileSync('xmllint', ['--noout', project]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
