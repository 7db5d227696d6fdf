// electron-builder.yml is checked here the way electron-builder checks it (ajv against app-builder-lib's
// scheme.json, with its options), because installers are only built on the Windows build machine.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ICO_SIZES } from '../../scripts/generate-icons.js';

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
    expect(config['win']).toMatchObject({ target: ['nsis', 'msi'], icon: 'build/icon.ico' });
    expect(config.nsis).toMatchObject({
      oneClick: false,
      perMachine: true,
      allowElevation: true,
      include: 'build/installer.nsh',
    });
    expect(config.msi['perMachine']).toBe(true);
    expect(config['npmRebuild']).toBe(false);
    expect(config['files']).toContain('out/**');
    // btoe.cmd runs dist/btoe/btoe.cjs (the bundle): it, its chunks and what they import from dist.
    for (const dir of ['dist/btoe/**', 'dist/main/**', 'dist/contract/**', 'dist/native-bridge/**'])
      expect(config['files']).toContain(dir);
    expect(config['asarUnpack']).toEqual(['**/*.node']);
    expect(config['directories']).toMatchObject({ buildResources: 'build' });
    expect(config['extraFiles']).toEqual([{ from: 'build/bin', to: 'bin' }]);
    expect(config['protocols']).toEqual([
      { name: 'Telephone call', schemes: ['tel', 'callto'] },
      { name: 'SIP call', schemes: ['sip'] },
    ]);
  });

  it('updates only through a new package, and requires signing with a certificate from the environment', () => {
    expect(config['publish']).toBeNull();
    expect(config['forceCodeSigning']).toBe(true);
    const text = readFileSync(new URL('electron-builder.yml', root), 'utf8');
    expect(text).not.toMatch(/^\s*(cscLink|cscKeyPassword|certificateFile|certificatePassword)\s*:/m);
  });

  it('keeps RunAsNode for btoe.cmd and the other fuses closed', () => {
    expect(config['electronFuses']).toEqual({
      runAsNode: true,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    const cmd = readFileSync(new URL('build/bin/btoe.cmd', root), 'utf8');
    expect(cmd).toContain('set ELECTRON_RUN_AS_NODE=1');
    expect(cmd).toContain('resources\\app.asar\\dist\\btoe\\btoe.cjs');
  });

  it('names build resources that exist: the NSIS include, the MSI hook, the icons', () => {
    for (const file of ['build/installer.nsh', 'build/msi-project-created.mjs', 'build/msi-additions.wxs'])
      expect(existsSync(new URL(file, root)), file).toBe(true);
    expect(config['msiProjectCreated']).toBe('./build/msi-project-created.mjs');
    const png = readFileSync(new URL('build/icon.png', root));
    expect(png.subarray(1, 4).toString('ascii')).toBe('PNG');
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(256); // width: electron-builder needs 256 px or more
    const ico = readFileSync(new URL('build/icon.ico', root));
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1]);
    const sizes = Array.from({ length: ico.readUInt16LE(4) }, (_, i) => ico[6 + 16 * i] || 256);
    expect(sizes).toEqual([...ICO_SIZES]);
  });
});
