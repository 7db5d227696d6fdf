import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileAtomic } from '../../native-bridge/persist/atomic-file.js';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const builtModule = join(repo, 'dist/native-bridge/persist/atomic-file.js');
const writer = fileURLToPath(new URL('./helpers/atomic-writer.mjs', import.meta.url));
const SIZE = 2 * 1024 * 1024;
const ROUNDS = 40;

function payload(letter: string): string {
  const body = letter.repeat(SIZE);
  return JSON.stringify({ letter, sha256: createHash('sha256').update(body).digest('hex'), body });
}

const tempSiblings = async (dir: string) => (await readdir(dir)).filter((name) => name.includes('.tmp-'));

/** Starts the writer, lets it complete one write, kills it `delayMs` later; resolves the writes it finished. */
function writeUntilKilled(target: string, delayMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [writer, builtModule, target, String(SIZE)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let writes = 0;
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      if (writes === 0) setTimeout(() => child.kill('SIGKILL'), delayMs);
      writes += chunk.length;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (_code, signal) =>
      signal === 'SIGKILL' ? resolve(writes) : reject(new Error(`writer exited on its own: ${stderr}`)),
    );
  });
}

describe('writeFileAtomic', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'btoe-atomic-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('leaves the old or the new content when the writer is killed mid-write', async () => {
    if (!existsSync(builtModule)) throw new Error(`${builtModule} is missing: run \`npm run build\` first.`);
    const source = join(repo, 'native-bridge/persist/atomic-file.ts');
    if (statSync(builtModule).mtimeMs < statSync(source).mtimeMs) {
      throw new Error(`${builtModule} is older than its source: run \`npm run build\` first.`);
    }
    const target = join(dir, 'state.json');
    const complete = new Set([payload('A'), payload('B')]);
    let writes = 0;

    for (let round = 0; round < ROUNDS; round++) {
      writes += await writeUntilKilled(target, Math.random() * 40);
      const content = await readFile(target, 'utf8');
      expect(complete.has(content), `round ${round}: file is not one of the complete payloads`).toBe(true);
      const document = JSON.parse(content) as { sha256: string; body: string };
      expect(createHash('sha256').update(document.body).digest('hex')).toBe(document.sha256);
    }
    expect(writes).toBeGreaterThanOrEqual(ROUNDS);
    // Stranded temp files prove kills landed mid-write; each kill strands at most one, and the stale sweep
    // tested below removes them.
    const stranded = (await tempSiblings(dir)).length;
    expect(stranded).toBeGreaterThan(0);
    expect(stranded).toBeLessThanOrEqual(ROUNDS);
  });

  it('sweeps temp files older than a minute and spares a live writer’s', async () => {
    const target = join(dir, 'swept.json');
    const stale = `${target}.tmp-1-aaaaaaaaaaaa`;
    const live = `${target}.tmp-2-bbbbbbbbbbbb`;
    const unrelated = join(dir, 'other.json.tmp-3-cccccccccccc');
    for (const file of [stale, live, unrelated]) await writeFile(file, 'partial');
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    await utimes(stale, twoMinutesAgo, twoMinutesAgo);
    await utimes(unrelated, twoMinutesAgo, twoMinutesAgo);

    await writeFileAtomic(target, '{}');

    expect(existsSync(stale)).toBe(false);
    expect(existsSync(live)).toBe(true);
    expect(existsSync(unrelated)).toBe(true);
    expect(await readFile(target, 'utf8')).toBe('{}');
  });

  it('removes its temp file when the write fails', async () => {
    const target = join(dir, 'occupied');
    await mkdir(target);
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow();
    expect((await readdir(dir)).filter((name) => name.startsWith('occupied.tmp-'))).toEqual([]);
  });
});
