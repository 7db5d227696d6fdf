// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
// Where report-descriptor bytes come from: a text file of hex bytes (the fixtures' format), a binary capture,
// or a Linux hidraw device, whose descriptor the kernel publishes in sysfs (node-hid does not expose it).
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

/** The input is not a descriptor we can read; the message says why. */
export class DescriptorSourceError extends Error {
  override readonly name = 'DescriptorSourceError';
}

/** Upper bound on what we read: a descriptor's length is 16 bits. */
const MAX_BYTES = 65_535;

/** Parses space-separated hex bytes ("05 0b 09 05 ..."; "0x05", commas and line breaks are accepted). */
export function parseHexBytes(text: string): Uint8Array {
  const tokens = text
    .replace(/(^|[\s,])#[^\n]*/g, '$1')
    .split(/[\s,]+/)
    .filter((t) => t.length > 0);
  if (tokens.length > MAX_BYTES)
    throw new DescriptorSourceError(`${tokens.length} bytes: more than a report descriptor can have`);
  const bytes = new Uint8Array(tokens.length);
  tokens.forEach((token, i) => {
    const m = /^(?:0x)?([0-9a-f]{1,2})$/i.exec(token);
    if (!m) throw new DescriptorSourceError(`"${token.slice(0, 20)}" (byte ${i + 1}) is not a hex byte`);
    bytes[i] = parseInt(m[1]!, 16);
  });
  if (bytes.length === 0) throw new DescriptorSourceError('no hex bytes in the file');
  return bytes;
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

/**
 * Reads a descriptor from FILE.hex (hex text), FILE.bin or a sysfs report_descriptor file (raw bytes), or
 * /dev/hidrawN (through sysfs).
 */
export async function readDescriptor(path: string): Promise<DescriptorSource> {
  const sysfs = hidrawDescriptorPath(path);
  const from = sysfs ?? path;
  let data: Buffer;
  try {
    data = await readFile(from);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? sysfs
          ? `there is no ${basename(path)} device (no ${from}: is it plugged in? hidraw devices exist on Linux only)`
          : `${path} does not exist`
        : code === 'EACCES'
          ? `no permission to read ${from}`
          : code === 'EISDIR'
            ? `${path} is a directory`
            : `cannot read ${from}: ${(error as Error).message}`;
    throw new DescriptorSourceError(why);
  }
  if (data.length > MAX_BYTES * 4)
    throw new DescriptorSourceError(`${from} is too large to be a report descriptor`);
  const binary = sysfs !== undefined || /report_descriptor$|\.(bin|rpt_desc_bin)$/i.test(path);
  if (binary) {
    if (data.length === 0) throw new DescriptorSourceError(`${from} is empty`);
    return { bytes: new Uint8Array(data), from };
  }
  return { bytes: parseHexBytes(data.toString('latin1')), from };
}
