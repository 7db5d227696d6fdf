// Environment: Node (build script: `npm run generate:icons`).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

/**
 * The app icon, drawn here so the repository needs no image editor: a blue rounded square with a white desk
 * phone (a handset over a keypad). Writes build/icon.png (512 px, for electron-builder) and build/icon.ico
 * (16, 24, 32, 48, 64, 256 px, PNG-compressed entries as Windows Vista and later read them).
 */
type Rgba = [number, number, number, number];

const BLUE: Rgba = [0x1f, 0x5f, 0xbf, 255];
const WHITE: Rgba = [255, 255, 255, 255];

/** Coverage of the shape at (x, y) in a 1×1 square, 0..1: the shape drawn at any size. */
function shape(x: number, y: number): Rgba {
  const inRoundedSquare = (r: number) => {
    const dx = Math.max(Math.abs(x - 0.5) - (0.5 - r), 0);
    const dy = Math.max(Math.abs(y - 0.5) - (0.5 - r), 0);
    return dx * dx + dy * dy <= r * r;
  };
  if (!inRoundedSquare(0.18)) return [0, 0, 0, 0];
  // Handset: a thick arc across the top.
  const hx = (x - 0.5) / 0.34;
  const hy = (y - 0.36) / 0.16;
  const handset = y < 0.4 && hx * hx + hy * hy <= 1 && !(y > 0.3 && Math.abs(x - 0.5) < 0.2);
  // Keypad: 3×3 dots below it.
  let key = false;
  for (let row = 0; row < 3; row++)
    for (let col = 0; col < 3; col++) {
      const cx = 0.34 + col * 0.16;
      const cy = 0.5 + row * 0.13;
      if ((x - cx) ** 2 + (y - cy) ** 2 <= 0.045 ** 2) key = true;
    }
  return handset || key ? WHITE : BLUE;
}

/** RGBA pixels of a size×size image, 4×4 supersampled. */
function render(size: number): Buffer {
  const pixels = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++)
    for (let px = 0; px < size; px++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < 4; sy++)
        for (let sx = 0; sx < 4; sx++) {
          const c = shape((px + (sx + 0.5) / 4) / size, (py + (sy + 0.5) / 4) / size);
          for (let i = 0; i < 3; i++) sum[i]! += c[i]! * c[3];
          sum[3]! += c[3];
        }
      const o = (py * size + px) * 4;
      for (let i = 0; i < 3; i++) pixels[o + i] = sum[3]! === 0 ? 0 : Math.round(sum[i]! / sum[3]!);
      pixels[o + 3] = Math.round(sum[3]! / 16);
    }
  return pixels;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

export function png(size: number): Buffer {
  const pixels = render(size);
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) pixels.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export function ico(sizes: readonly number[]): Buffer {
  const images = sizes.map(png);
  const header = Buffer.alloc(6 + 16 * sizes.length);
  header.writeUInt16LE(1, 2); // type: icon
  header.writeUInt16LE(sizes.length, 4);
  let offset = header.length;
  sizes.forEach((size, i) => {
    const entry = 6 + 16 * i;
    header[entry] = size >= 256 ? 0 : size; // 0 means 256
    header[entry + 1] = size >= 256 ? 0 : size;
    header.writeUInt16LE(1, entry + 4); // planes
    header.writeUInt16LE(32, entry + 6); // bits per pixel
    header.writeUInt32LE(images[i]!.length, entry + 8);
    header.writeUInt32LE(offset, entry + 12);
    offset += images[i]!.length;
  });
  return Buffer.concat([header, ...images]);
}

export const ICO_SIZES = [16, 24, 32, 48, 64, 256] as const;

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  // Run from dist/scripts/: the repository is two levels up.
  const root = fileURLToPath(new URL('../../', import.meta.url));
  writeFileSync(`${root}build/icon.png`, png(512));
  writeFileSync(`${root}build/icon.ico`, ico(ICO_SIZES));
  console.log('wrote build/icon.png and build/icon.ico');
}
