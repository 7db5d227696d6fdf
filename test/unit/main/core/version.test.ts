// The version: one source (package.json), shown by btoe --version.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { APP_VERSION } from '../../../../main/core/companion.js';
import { DIST, REPO, requireDist } from '../../../integration/helpers/processes.js';

describe('the version', () => {
  it('the code carries the version package.json (and so the installers) declares', () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect(APP_VERSION).toBe(pkg.version);
  });

  it('btoe --version prints it, and --json as an object', () => {
    requireDist();
    const btoe = join(DIST, 'btoe/btoe.cjs');
    expect(execFileSync(process.execPath, [btoe, '--version'], { encoding: 'utf8' })).toBe(
      `${APP_VERSION}\n`,
    );
    expect(
      JSON.parse(execFileSync(process.execPath, [btoe, '--version', '--json'], { encoding: 'utf8' })),
    ).toEqual({
      name: 'BToE Companion',
      version: APP_VERSION,
    });
  });
});
