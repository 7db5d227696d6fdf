// Linux's hotplug source without libusb: USB serial nodes appearing in and leaving a /dev-like folder.
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { PhonePortWatcher, watchDevNodes } from '../../../../native-bridge/usb/hotplug.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'btoe-dev-'));
});
afterEach(() => rm(dir, { recursive: true, force: true }));

const next = (source: ReturnType<typeof watchDevNodes>, event: 'attach' | 'detach') =>
  new Promise<unknown>((resolve) => {
    const listener = (name: unknown) => {
      source.off(event, listener);
      resolve(name);
    };
    source.on(event, listener);
  });

it('reports a ttyACM node plugged in and out, and ignores other nodes', async () => {
  const source = watchDevNodes(dir);
  const keepOpen = () => undefined;
  source.on('detach', keepOpen);
  const seen: unknown[] = [];
  source.on('attach', (name) => seen.push(name));
  const attached = next(source, 'attach');
  await writeFile(join(dir, 'hidraw0'), '');
  await writeFile(join(dir, 'ttyACM0'), '');
  expect(await attached).toBe('ttyACM0');
  const detached = next(source, 'detach');
  await unlink(join(dir, 'ttyACM0'));
  expect(await detached).toBe('ttyACM0');
  expect(seen).not.toContain('hidraw0');
  source.off('detach', keepOpen);
});

it('throws when the folder cannot be watched, so the watcher falls back to libusb', () => {
  expect(() => watchDevNodes(join(dir, 'missing'))).toThrow();
});

it('drives the port watcher: a node plugged in is a rescan', async () => {
  let ports = 0;
  const watcher = new PhonePortWatcher({
    list: async () => {
      ports++;
      return [];
    },
    loadUsb: async () => watchDevNodes(dir),
    settleDelaysMs: [],
  });
  expect(await watcher.start()).toEqual({ mode: 'hotplug' });
  const before = ports;
  await writeFile(join(dir, 'ttyUSB3'), '');
  for (let i = 0; i < 100 && ports === before; i++) await new Promise((r) => setTimeout(r, 10));
  expect(ports).toBeGreaterThan(before);
  watcher.stop();
});
