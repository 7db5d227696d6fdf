import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { TRAY_ICONS } from '../../../../main/electron/tray-icons.js';

const STATES = ['connected', 'locked', 'disconnected', 'unpaired'] as const;

/** Width, height and RGBA rows of an 8-bit RGBA PNG, checking every chunk's CRC on the way. */
function decodePng(png: Buffer): { width: number; height: number; pixels: Buffer } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  let offset = 8;
  let width = 0;
  let height = 0;
  const data: Buffer[] = [];
  for (;;) {
    const length = png.readUInt32BE(offset);
    const type = png.toString('latin1', offset + 4, offset + 8);
    const body = png.subarray(offset + 8, offset + 8 + length);
    const crc = png.readUInt32BE(offset + 8 + length);
    expect(crc, `${type} CRC`).toBe(crc32(png.subarray(offset + 4, offset + 8 + length)));
    if (type === 'IHDR') {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      expect([...body.subarray(8)]).toEqual([8, 6, 0, 0, 0]);
    }
    if (type === 'IDAT') data.push(body);
    offset += 12 + length;
    if (type === 'IEND') break;
  }
  const rows = inflateSync(Buffer.concat(data));
  expect(rows.length).toBe(height * (width * 4 + 1));
  return { width, height, pixels: rows };
}

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const byte of bytes) {
    c ^= byte;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

describe('tray icons', () => {
  it('are what scripts/make-tray-icons.mjs draws (the committed files are up to date)', () => {
    expect(() => execFileSync(process.execPath, ['scripts/make-tray-icons.mjs', '--check'])).not.toThrow();
  });

  it.each(STATES)('%s: PNGs at 16 and 32 px, embedded as in build/tray', (state) => {
    const x1 = readFileSync(`build/tray/${state}.png`);
    const x2 = readFileSync(`build/tray/${state}@2x.png`);
    expect(decodePng(x1)).toMatchObject({ width: 16, height: 16 });
    expect(decodePng(x2)).toMatchObject({ width: 32, height: 32 });
    expect(Buffer.from(TRAY_ICONS[state].x1, 'base64')).toEqual(x1);
    expect(Buffer.from(TRAY_ICONS[state].x2, 'base64')).toEqual(x2);
  });

  it.each(STATES)('%s: an ICO of 16, 24, 32 and 48 px PNGs', (state) => {
    const ico = readFileSync(`build/tray/${state}.ico`);
    expect([ico.readUInt16LE(0), ico.readUInt16LE(2)]).toEqual([0, 1]);
    const count = ico.readUInt16LE(4);
    const sizes = [];
    for (let i = 0; i < count; i++) {
      const entry = 6 + 16 * i;
      const png = ico.subarray(
        ico.readUInt32LE(entry + 12),
        ico.readUInt32LE(entry + 12) + ico.readUInt32LE(entry + 8),
      );
      const { width } = decodePng(png);
      expect(ico[entry]).toBe(width);
      expect(ico.readUInt16LE(entry + 6)).toBe(32);
      sizes.push(width);
    }
    expect(sizes).toEqual([16, 24, 32, 48]);
  });

  it('tell the states apart', () => {
    const images = STATES.map((state) => TRAY_ICONS[state].x2);
    expect(new Set(images).size).toBe(STATES.length);
  });
});
