import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadProblem, electronBinary } from '../../../scripts/check-electron.mjs';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'btoe-electron-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fakeElectronPackage(files: Record<string, string>): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'electron', version: '45.5.0' }));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

describe('electronBinary', () => {
  it('is installed when path.txt, dist/version and the executable agree', () => {
    const dir = fakeElectronPackage({
      'path.txt': 'electron',
      'dist/version': 'v45.5.0',
      'dist/electron': '',
    });
    expect(electronBinary(dir, {})).toEqual({
      version: '45.5.0',
      path: join(dir, 'dist', 'electron'),
      installed: true,
    });
  });

  it('is missing without a download, with another version, or without the executable', () => {
    expect(electronBinary(fakeElectronPackage({}), {}).installed).toBe(false);
    const old = fakeElectronPackage({
      'path.txt': 'electron',
      'dist/version': '44.0.0',
      'dist/electron': '',
    });
    expect(electronBinary(old, {}).installed).toBe(false);
    expect(
      electronBinary(fakeElectronPackage({ 'path.txt': 'electron', 'dist/version': '45.5.0' }), {}).installed,
    ).toBe(false);
  });

  it('follows ELECTRON_OVERRIDE_DIST_PATH as electron itself does', () => {
    const override = tempDir();
    writeFileSync(join(override, 'electron'), '');
    expect(electronBinary(fakeElectronPackage({}), { ELECTRON_OVERRIDE_DIST_PATH: override }).installed).toBe(
      true,
    );
  });
});

describe('downloadProblem', () => {
  it("picks the downloader's error line, not its stack", () => {
    const output =
      'HTTPError: Response code 404 (Not Found) for http://127.0.0.1:1/x.zip\n    at get (file.js:1:1)\n';
    expect(downloadProblem(output)).toBe(
      'HTTPError: Response code 404 (Not Found) for http://127.0.0.1:1/x.zip',
    );
    expect(downloadProblem('')).toBe('no reason given');
    expect(downloadProblem(`Error: ${'x'.repeat(400)}`)).toHaveLength(160);
  });
});

describe('npm start without Electron', () => {
  const packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));

  it.skipIf(electronBinary(packageDir).installed)(
    'stops with one sentence when the binary cannot be downloaded (the download is tried on loopback only)',
    async () => {
      const requests: string[] = [];
      const mirror = createServer((request, response) => {
        requests.push(request.url ?? '');
        response.writeHead(404).end();
      });
      await new Promise<void>((resolve) => mirror.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(mirror.address() as AddressInfo).port}/`;
      try {
        const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: tempDir() };
        // Every place @electron/get reads a mirror from points at the loopback server; the cache is empty.
        Object.assign(env, {
          ELECTRON_MIRROR: url,
          npm_config_electron_mirror: url,
          electron_config_cache: tempDir(),
        });
        const child = spawn(process.execPath, ['scripts/check-electron.mjs'], { env });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
        expect(code).toBe(1);
        expect(stdout).toBe('Downloading Electron 45.5.0 (first start only)…\n');
        const lines = stderr.trimEnd().split('\n');
        expect(lines).toHaveLength(1);
        expect(lines[0]).toMatch(
          /^npm start needs Electron 45\.5\.0's binary, which is not installed and could not be downloaded \(.*404.*\): connect this machine to the internet, or set ELECTRON_MIRROR to a reachable mirror, then run npm start again\.$/,
        );
        expect(requests.some((path) => path.includes('electron-v45.5.0-'))).toBe(true);
      } finally {
        mirror.close();
      }
    },
  );
});
