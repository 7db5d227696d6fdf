#!/usr/bin/env node
// Environment: Node (development script, run by `npm start`). Electron's binary is not part of node_modules: it
// is downloaded on first use. Where that cannot happen, say so in one sentence instead of Electron's stack trace.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

/** Whether Electron's binary for this package version is on disk (what electron/install.js checks). */
export function electronBinary(packageDir, env = process.env) {
  const { version } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const read = (file) => {
    try {
      return readFileSync(join(packageDir, file), 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const executable = read('path.txt');
  if (env.ELECTRON_OVERRIDE_DIST_PATH) {
    const path = join(env.ELECTRON_OVERRIDE_DIST_PATH, executable ?? 'electron');
    return { version, path, installed: existsSync(path) };
  }
  const installed =
    executable !== undefined &&
    read(join('dist', 'version'))?.replace(/^v/, '') === version &&
    existsSync(join(packageDir, 'dist', executable));
  return { version, path: executable && join(packageDir, 'dist', executable), installed };
}

/** The last line of the downloader's output that names an error, short enough for one sentence. */
export function downloadProblem(output) {
  const lines = output
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('at '));
  const error = lines.findLast((line) => /error|ENOTFOUND|ECONN|EAI_AGAIN|ETIMEDOUT|code \d{3}/i.test(line));
  const text = (error ?? lines.at(-1) ?? 'no reason given').replace(/\s+/g, ' ');
  return text.length > 160 ? `${text.slice(0, 159)}…` : text;
}

function main() {
  const packageDir = dirname(createRequire(import.meta.url).resolve('electron/package.json'));
  const binary = electronBinary(packageDir);
  if (binary.installed) return 0;
  process.stdout.write(`Downloading Electron ${binary.version} (first start only)…\n`);
  // Electron's own downloader, with its usual settings (ELECTRON_MIRROR, electron_config_cache, proxies).
  const run = spawnSync(process.execPath, [join(packageDir, 'install.js')], { encoding: 'utf8' });
  if (run.status === 0 && electronBinary(packageDir).installed) return 0;
  const why = downloadProblem(`${run.stdout ?? ''}\n${run.stderr ?? ''}\n${run.error?.message ?? ''}`);
  process.stderr.write(
    `npm start needs Electron ${binary.version}'s binary, which is not installed and could not be downloaded (${why}): connect this machine to the internet, or set ELECTRON_MIRROR to a reachable mirror, then run npm start again.\n`,
  );
  return 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main();
