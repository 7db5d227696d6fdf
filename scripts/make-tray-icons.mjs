#!/usr/bin/env node
// Environment: Node (development script). Draws the tray icons, one per companion state, and writes them as
// build/tray/<state>.png (16 px), <state>@2x.png (32 px), <state>.ico (16, 24, 32, 48 px PNGs in an ICO
// container) and main/electron/tray-icons.ts (the same PNGs embedded, so the tray needs no file at run time).
// `node scripts/make-tray-icons.mjs` rewrites them; `--check` exits 1 when a committed file differs.
import { Buffer } from 'node:buffer';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateSync } from 'node:zlib';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Shapes are drawn in a 32×32 design space; each pixel averages 4×4 samples, later shapes over earlier ones.
const rect = (x0, y0, x1, y1, r, color) => ({
  color,
  inside: (x, y) => {
    const dx = Math.max(x0 + r - x, 0, x - (x1 - r));
    const dy = Math.max(y0 + r - y, 0, y - (y1 - r));
    return x >= x0 && x <= x1 && y >= y0 && y <= y1 && dx * dx + dy * dy <= r * r;
  },
});
const circle = (cx, cy, r, color) => ({ color, inside: (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r });
/** A line segment with round ends, `w` wide. */
const stroke = (ax, ay, bx, by, w, color) => ({
  color,
  inside: (x, y) => {
    const [vx, vy] = [bx - ax, by - ay];
    const t = Math.max(0, Math.min(1, ((x - ax) * vx + (y - ay) * vy) / (vx * vx + vy * vy)));
    return (x - ax - t * vx) ** 2 + (y - ay - t * vy) ** 2 <= (w / 2) ** 2;
  },
});
/** A ring's upper half (a padlock's shackle). */
const arch = (cx, cy, r, w, color) => ({
  color,
  inside: (x, y) => {
    const d = Math.hypot(x - cx, y - cy);
    return y <= cy && d <= r + w / 2 && d >= r - w / 2;
  },
});

const WHITE = [255, 255, 255, 255];
const INK = [55, 71, 79, 255];
const GREY = [144, 154, 160, 255];

/** A desk phone: handset on top, body with keypad below. */
function deskPhone(color) {
  const keys = [];
  for (const kx of [9, 13, 17])
    for (const ky of [20, 24]) keys.push(rect(kx - 1.2, ky - 1.2, kx + 1.2, ky + 1.2, 0.6, WHITE));
  return [
    stroke(6, 7, 26, 7, 4.5, color),
    rect(3.5, 5, 9, 12, 2, color),
    rect(23, 5, 28.5, 12, 2, color),
    rect(3, 15, 29, 29, 3, color),
    ...keys,
  ];
}
const badge = (color) => [circle(24, 24, 8.5, WHITE), circle(24, 24, 7, color)];

export const STATES = {
  /** Paired and connected: a check on green. */
  connected: [
    ...deskPhone(INK),
    ...badge([46, 125, 50, 255]),
    stroke(20.5, 24.3, 23, 26.8, 2.2, WHITE),
    stroke(23, 26.8, 27.5, 21.5, 2.2, WHITE),
  ],
  /** The phone is locked: a padlock on blue. */
  locked: [
    ...deskPhone(INK),
    ...badge([21, 101, 192, 255]),
    arch(24, 22.5, 2.3, 1.6, WHITE),
    stroke(21.7, 22.5, 21.7, 23.5, 1.6, WHITE),
    stroke(26.3, 22.5, 26.3, 23.5, 1.6, WHITE),
    rect(20.5, 23, 27.5, 28, 0.8, WHITE),
  ],
  /** Paired but not connected: a grey phone and a cross on red. */
  disconnected: [
    ...deskPhone(GREY),
    ...badge([198, 40, 40, 255]),
    stroke(21.3, 21.3, 26.7, 26.7, 2.2, WHITE),
    stroke(26.7, 21.3, 21.3, 26.7, 2.2, WHITE),
  ],
  /** No phone paired: a grey phone and a plus (pair one) on amber. */
  unpaired: [
    ...deskPhone(GREY),
    ...badge([239, 108, 0, 255]),
    stroke(24, 20.5, 24, 27.5, 2.2, WHITE),
    stroke(20.5, 24, 27.5, 24, 2.2, WHITE),
  ],
};

/** Straight RGBA (not premultiplied) pixels of the shapes at `size`×`size`. */
export function render(shapes, size) {
  const pixels = Buffer.alloc(size * size * 4);
  const n = 4;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      let [r, g, b, a] = [0, 0, 0, 0];
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = ((px + (sx + 0.5) / n) * 32) / size;
          const y = ((py + (sy + 0.5) / n) * 32) / size;
          const hit = shapes.findLast((shape) => shape.inside(x, y));
          if (hit === undefined) continue;
          const alpha = hit.color[3] / 255;
          r += hit.color[0] * alpha;
          g += hit.color[1] * alpha;
          b += hit.color[2] * alpha;
          a += alpha;
        }
      }
      const offset = (py * size + px) * 4;
      if (a > 0) {
        pixels[offset] = Math.round(r / a);
        pixels[offset + 1] = Math.round(g / a);
        pixels[offset + 2] = Math.round(b / a);
        pixels[offset + 3] = Math.round((a / (n * n)) * 255);
      }
    }
  }
  return pixels;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes) {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** An 8-bit RGBA PNG, each row unfiltered. */
export function encodePng(pixels, size) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) pixels.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** An ICO file whose images are PNGs (supported since Windows Vista). */
export function encodeIco(images) {
  const dir = Buffer.alloc(6 + 16 * images.length);
  dir.writeUInt16LE(0, 0);
  dir.writeUInt16LE(1, 2);
  dir.writeUInt16LE(images.length, 4);
  let offset = dir.length;
  images.forEach(({ size, png }, i) => {
    const entry = 6 + 16 * i;
    dir.writeUInt8(size >= 256 ? 0 : size, entry);
    dir.writeUInt8(size >= 256 ? 0 : size, entry + 1);
    dir.writeUInt16LE(1, entry + 4);
    dir.writeUInt16LE(32, entry + 6);
    dir.writeUInt32LE(png.length, entry + 8);
    dir.writeUInt32LE(offset, entry + 12);
    offset += png.length;
  });
  return Buffer.concat([dir, ...images.map((image) => image.png)]);
}

/** Every file this script writes: path (relative to the repository) → contents. */
export function trayIconFiles() {
  const files = new Map();
  const embedded = [];
  for (const [state, shapes] of Object.entries(STATES)) {
    const png = (size) => encodePng(render(shapes, size), size);
    const [x1, x2] = [png(16), png(32)];
    files.set(`build/tray/${state}.png`, x1);
    files.set(`build/tray/${state}@2x.png`, x2);
    files.set(
      `build/tray/${state}.ico`,
      encodeIco([16, 24, 32, 48].map((size) => ({ size, png: png(size) }))),
    );
    embedded.push(
      `  ${state}: {\n    x1: '${x1.toString('base64')}',\n    x2: '${x2.toString('base64')}',\n  },\n`,
    );
  }
  files.set(
    'main/electron/tray-icons.ts',
    Buffer.from(
      '// Environment: Electron main (data only). Generated by scripts/make-tray-icons.mjs from the same drawing as\n' +
        '// build/tray/: do not edit. Base64 PNGs at 16 px (x1) and 32 px (x2) per tray state.\n' +
        `export const TRAY_ICONS = {\n${embedded.join('')}} as const;\n\n` +
        'export type TrayState = keyof typeof TRAY_ICONS;\n',
    ),
  );
  return files;
}

function main() {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const [path, contents] of trayIconFiles()) {
    const file = join(root, path);
    let current;
    try {
      current = readFileSync(file);
    } catch {
      current = undefined;
    }
    if (current !== undefined && current.equals(contents)) continue;
    if (check) stale.push(path);
    else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, contents);
    }
  }
  if (stale.length > 0) {
    process.stderr.write(`Out of date (run node scripts/make-tray-icons.mjs): ${stale.join(', ')}\n`);
    return 1;
  }
  return 0;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) process.exitCode = main();
