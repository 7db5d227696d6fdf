import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSettings, updateSettings } from '../../../../main/core/settings.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('the user’s settings', () => {
  it('are saved whole and read back, and a bad value is refused before it is written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'btoe-settings-'));
    dirs.push(dir);
    const settings = {
      version: 1 as const,
      user: 'amosm@contoso.com',
      defaultRegion: 'FR',
      lockSync: false,
      startAtLogin: false,
      language: 'fr' as const,
      pairingMode: 'manual' as const,
    };
    await updateSettings(dir, settings);
    expect((await loadSettings(dir)).settings).toEqual(settings);
    await expect(updateSettings(dir, { defaultRegion: 'France' })).rejects.toThrow();
    expect(JSON.parse(await readFile(join(dir, 'settings.json'), 'utf8'))).toEqual(settings);
  });
});
