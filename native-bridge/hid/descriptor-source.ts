// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
// Where report-descriptor bytes come from: a text file of hex bytes (the fixtures' format), a binary capture,
// or a Linux hidraw device, whose descriptor the kernel publishes in sysfs (node-hid does not expose it).
// The path is user input and may name anything: only regular files (and hidraw devices, through sysfs) are
// read, never more than the largest valid descriptor can take, within a deadline, and errors name byte
// offsets, never the file's content (a secret file given by mistake must not end up on the screen).
import { constants, type Stats } from 'node:fs';
import { type FileHandle, open, realpath, stat } from 'node:fs/promises';
import { basename } from 'node:path';

/** The input is not a descriptor we can read; the message says why. */
export class DescriptorSourceError extends Error {
  override readonly name = 'DescriptorSourceError';
}

/** A descriptor's length is 16 bits. */
const MAX_BYTES = 65_535;
/** Hex text of the largest descriptor: "0x05, " is 6 characters a byte; room for line breaks and comments. */
export const MAX_HEX_TEXT_BYTES = MAX_BYTES * 8;
/** Reading a local file takes milliseconds; a stalled network or FUSE file system must not hang `btoe`. */
export const READ_TIMEOUT_MS = 5_000;

/** Parses space-separated hex bytes ("05 0b 09 05 ..."; "0x05", commas and line breaks are accepted). */
export function parseHexBytes(text: string): Uint8Array {
  const bytes: number[] = [];
  // Each token with its character offset, so an error can say where without quoting what.
  const token = /[^\s,]+/g;
  for (let m = token.exec(text); m !== null; m = token.exec(text)) {
    if (m[0].startsWith('#')) {
      // A comment runs to the end of the line.
      const end = text.indexOf('\n', m.index);
      if (end < 0) break;
      token.lastIndex = end;
      continue;
    }
    const hex = /^(?:0x)?([0-9a-f]{1,2})$/i.exec(m[0]);
    if (!hex)
      throw new DescriptorSourceError(
        `byte ${bytes.length + 1} (at character ${m.index + 1}) is not a hex byte: expected space-separated bytes such as "05 0b" or "0x05, 0x0B"`,
      );
    if (bytes.length >= MAX_BYTES)
      throw new DescriptorSourceError(`more than ${MAX_BYTES} bytes: more than a report descriptor can have`);
    bytes.push(parseInt(hex[1]!, 16));
  }
  if (bytes.length === 0) throw new DescriptorSourceError('no hex bytes in the file');
  return Uint8Array.from(bytes);
}

/** The sysfs file holding the report descriptor of /dev/hidrawN (or hidrawN), or undefined for other paths. */
export function hidrawDescriptorPath(path: string): string | undefined {
  const m = /^(?:\/dev\/)?(hidraw\d+)$/.exec(path);
  return m ? `/sys/class/hidraw/${m[1]}/device/report_descriptor` : undefined;
}

export interface DescriptorSource {
  bytes: Uint8Array;
  /** What was read: the file, or the sysfs file of a hidraw device. */
  from: string;
}

export interface ReadDescriptorOptions {
  timeoutMs?: number;
}

/**
 * Reads a descriptor from FILE.hex (hex text), FILE.bin or a sysfs report_descriptor file (raw bytes), or
 * /dev/hidrawN (through sysfs; a link to it, such as a udev alias, counts). Anything else that is not a
 * regular file (a FIFO, /dev/zero, a socket, a directory) is refused before it is opened for reading.
 */
export async function readDescriptor(
  path: string,
  options: ReadDescriptorOptions = {},
): Promise<DescriptorSource> {
  const hidraw = hidrawDescriptorPath(path) ?? (await hidrawBehind(path));
  const from = hidraw ?? path;
  const binary = hidraw !== undefined || /report_descriptor$|\.(bin|rpt_desc_bin)$/i.test(path);
  const limit = binary ? MAX_BYTES : MAX_HEX_TEXT_BYTES;
  const data = await readBounded(from, limit, options.timeoutMs ?? READ_TIMEOUT_MS, (code) =>
    code === 'ENOENT' && hidraw
      ? `there is no ${basename(path)} device (no ${from}: is it plugged in? hidraw devices exist on Linux only)`
      : undefined,
  );
  if (binary) {
    if (data.length === 0) throw new DescriptorSourceError(`${from} is empty`);
    return { bytes: new Uint8Array(data), from };
  }
  return { bytes: parseHexBytes(data.toString('latin1')), from };
}

/** The sysfs descriptor when `path` is a character device that resolves to /dev/hidrawN. */
async function hidrawBehind(path: string): Promise<string | undefined> {
  try {
    if (!(await stat(path)).isCharacterDevice()) return undefined;
    return hidrawDescriptorPath(await realpath(path));
  } catch {
    return undefined; // readBounded says what is wrong with the path
  }
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isSocket()) return 'a socket';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

const notRegular = (path: string, stats: Stats) =>
  new DescriptorSourceError(
    `${path} is ${kindOf(stats)}: give a FILE.hex, a FILE.bin or a /dev/hidrawN device`,
  );

/**
 * At most `limit` bytes of a regular file, or a DescriptorSourceError. stat() before opening, so a device or
 * FIFO is never opened; O_NONBLOCK and fstat() after, so one swapped in between is refused, not waited on.
 */
async function readBounded(
  path: string,
  limit: number,
  timeoutMs: number,
  explain: (code: string | undefined) => string | undefined,
): Promise<Buffer> {
  let handle: FileHandle | undefined;
  let timer: NodeJS.Timeout | undefined;
  let settled = false;
  const read = async () => {
    const before = await stat(path);
    if (!before.isFile()) throw notRegular(path, before);
    if (before.size > limit) throw tooLarge(path, limit);
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
    if (settled) void handle.close().catch(() => undefined); // the deadline passed while opening
    const opened = await handle.stat();
    if (!opened.isFile()) throw notRegular(path, opened);
    // One byte more than allowed tells a file that grew past the limit from one that fits.
    const buffer = Buffer.alloc(limit + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > limit) throw tooLarge(path, limit);
    return buffer.subarray(0, length);
  };
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new DescriptorSourceError(`reading ${path} took longer than ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([read(), deadline]);
  } catch (error) {
    if (error instanceof DescriptorSourceError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new DescriptorSourceError(
      explain(code) ??
        (code === 'ENOENT'
          ? `${path} does not exist`
          : code === 'EACCES'
            ? `no permission to read ${path}`
            : `cannot read ${path}: ${(error as Error).message}`),
    );
  } finally {
    settled = true;
    clearTimeout(timer);
    void handle?.close().catch(() => undefined);
  }
}

const tooLarge = (path: string, limit: number) =>
  new DescriptorSourceError(`${path} is too large to be a report descriptor (more than ${limit} bytes)`);
