import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { EventLog } from '../../../../main/core/event-log.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function logDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'btoe-log-'));
  dirs.push(dir);
  return join(dir, 'logs');
}

it('writes one JSON object per line, escaping what a peer sent', async () => {
  const dir = await logDir();
  const log = new EventLog(dir);
  log.write('call', { number: '+1\n{"event":"forged"}' });
  await log.flush();
  const lines = (await readFile(log.path, 'utf8')).trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(JSON.parse(lines[0]!)).toMatchObject({ event: 'call', number: '+1\n{"event":"forged"}' });
});

it('rotates at the size limit and keeps the newest files', async () => {
  const dir = await logDir();
  const log = new EventLog(dir, 2_000, 3);
  for (let i = 0; i < 200; i++) log.write('tick', { i, pad: 'x'.repeat(40) });
  await log.flush();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const files = (await readdir(dir)).sort();
  expect(files).toEqual(['companion.log', 'companion.log.1', 'companion.log.2', 'companion.log.3']);
  const last = (await readFile(log.path, 'utf8'))
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { i: number });
  expect(last.at(-1)!.i).toBe(199);
  for (const file of files) expect((await readFile(join(dir, file))).length).toBeLessThanOrEqual(2_000);
});

it('drops lines rather than buffering without bound, and says how many', async () => {
  const dir = await logDir();
  const log = new EventLog(dir, 64 * 1024 * 1024);
  const big = 'y'.repeat(10_000);
  for (let i = 0; i < 500; i++) log.write('flood', { big });
  await log.flush();
  log.write('after');
  await log.flush();
  const lines = (await readFile(log.path, 'utf8')).trim().split('\n');
  expect(lines.length).toBeLessThan(502);
  const after = JSON.parse(lines.at(-1)!) as { event: string; droppedBefore?: number };
  expect(after.event).toBe('after');
  expect(after.droppedBefore).toBeGreaterThan(0);
});

it('hands back the last events across rotated files, oldest first, skipping a torn line', async () => {
  const dir = await logDir();
  const log = new EventLog(dir, 2_000, 3);
  for (let i = 0; i < 100; i++) log.write('tick', { i, pad: 'x'.repeat(40) });
  await log.flush();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const tail = await log.tail(30);
  expect(tail.map((e) => e['i'])).toEqual(Array.from({ length: 30 }, (_, k) => 70 + k));
  const { appendFile } = await import('node:fs/promises');
  await appendFile(log.path, '{"time":"2026-01-01T00:00:00Z","event":"torn');
  expect((await log.tail(1)).map((e) => e['i'])).toEqual([99]);
  expect(await new EventLog(await logDir()).tail(5)).toEqual([]);
});
