// electron-builder.yml is checked here the way electron-builder checks it (ajv against app-builder-lib's
// scheme.json, with its options), because installers are only built on the Windows build machine.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const root = new URL('../../', import.meta.url);

// Identities Windows and SCCM know the product by. Changing either makes a different product: an upgrade
// would install side by side with the old version instead of replacing it.
const APP_ID = 'org.btoe.companion';
const MSI_UPGRADE_CODE = 'A9E57E97-9F16-438E-9EB5-B6DEA74AE995';

type Config = Record<string, unknown> & {
  nsis: Record<string, unknown>;
  msi: Record<string, unknown>;
};

const config = parse(readFileSync(new URL('electron-builder.yml', root), 'utf8')) as Config;
// The schema of the installed electron-builder: app-builder-lib sits next to it.
const appBuilderLib = path.dirname(require.resolve('app-builder-lib/package.json'));
const scheme = JSON.parse(readFileSync(path.join(appBuilderLib, 'scheme.json'), 'utf8')) as object;

/** The options app-builder-lib's schemaValidator uses. */
const validate = new Ajv({ allErrors: true, verbose: true, coerceTypes: true, strict: false }).compile(
  scheme,
);

function errorsOf(candidate: unknown): string[] {
  // coerceTypes rewrites the data it checks: give it a copy.
  const valid = validate(structuredClone(candidate));
  return valid ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`);
}

describe('electron-builder.yml', () => {
  it('matches the electron-builder configuration schema', () => {
    expect(errorsOf(config)).toEqual([]);
  });

  it('is checked for real: a misspelt option is an error', () => {
    expect(errorsOf({ ...config, nsis: { ...config.nsis, oneClik: false } })).not.toEqual([]);
  });

  it('keeps the product identities', () => {
    expect(config['appId']).toBe(APP_ID);
    expect(config.msi['upgradeCode']).toBe(MSI_UPGRADE_CODE);
  });

  it('builds what SCCM deployments need', () => {
    expect(config['productName']).toBe('BToE Companion');
    expect(config['win']).toEqual({ target: ['nsis', 'msi'] });
    expect(config.nsis).toMatchObject({ oneClick: false, allowElevation: true });
    expect(config.msi['perMachine']).toBe(true);
    expect(config['npmRebuild']).toBe(false);
    expect(config['files']).toEqual(['out/**']);
    expect(config['asarUnpack']).toEqual(['**/*.node']);
    expect(config['directories']).toMatchObject({ buildResources: 'build' });
    expect(config['protocols']).toEqual([
      { name: 'Telephone call', schemes: ['tel', 'callto'] },
      { name: 'SIP call', schemes: ['sip'] },
    ]);
  });
});
