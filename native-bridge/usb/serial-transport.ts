// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { EventEmitter } from 'node:events';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import type { Duplex } from 'node:stream';
import { LinkError } from '../link/errors.js';
import { SerialFramedStream, SerialLinkListener } from './serial-framing.js';

/**
 * USB tethering: a phone that shows up as a USB CDC-ACM serial port (/dev/ttyACM0, COM3). The port is opened
 * at 115200 8N1 (a CDC-ACM device ignores the rate, a real UART does not), locked against other programs, and
 * carries the serial framing (serial-framing.ts) with TLS above it, like any other transport.
 */
export const SERIAL_SETTINGS = { baudRate: 115200, dataBits: 8, parity: 'none', stopBits: 1 } as const;

/** The phone makers' USB vendor ids (usb.ids), lowercase hex as serialport reports them. */
export const PHONE_VENDORS: ReadonlyMap<string, string> = new Map([
  ['095d', 'Polycom'],
  ['6993', 'Yealink'],
  ['0b0e', 'Jabra (GN)'],
  ['047f', 'Plantronics/Poly'],
  ['1395', 'EPOS/Sennheiser'],
  ['1377', 'Sennheiser'],
  ['045e', 'Microsoft'],
  ['046d', 'Logitech'],
  ['03f0', 'HP'],
]);

export type SerialProblem = 'missing' | 'busy' | 'permission' | 'unavailable' | 'failed';

/** The port could not be opened; `problem` says why, the message says what to do. */
export class SerialPortError extends LinkError {
  constructor(
    readonly problem: SerialProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('unreachable', message, options);
  }
}

/** Listing ports failed: `udevadm-missing` (Linux without the udev package) or anything else. */
export class PortListError extends Error {
  override readonly name = 'PortListError';
  constructor(
    readonly problem: 'udevadm-missing' | 'unavailable' | 'failed',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The serialport package, loaded on first use: its native binding is only needed for serial addresses.

type SerialPortModule = typeof import('serialport');
let serialportModule: Promise<SerialPortModule> | undefined;

function loadSerialPort(): Promise<SerialPortModule> {
  serialportModule ??= import('serialport').catch((cause: unknown) => {
    serialportModule = undefined;
    throw new SerialPortError(
      'unavailable',
      `serial ports cannot be used here: the serialport module did not load (${(cause as Error).message})`,
      { cause },
    );
  });
  return serialportModule;
}

/** An opened port: the raw byte stream and how to close it. */
export interface RawSerialPort {
  readonly stream: Duplex;
  close(): void;
}

/** Ports this process holds, until their close completes (closing a port takes a moment). */
const held = new Map<string, Promise<void>>();
/** How long an open waits for this process's own previous use of the port to finish closing. */
const RELEASE_WAIT_MS = 1_000;

/**
 * Opens PATH at 115200 8N1, locked; rejects with a SerialPortError that says what to do. A port this process
 * is still closing (a link that just ended) is waited for, briefly, rather than reported busy.
 */
export async function openSerialPort(path: string): Promise<RawSerialPort> {
  const previous = held.get(path);
  if (previous) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([previous, new Promise((resolve) => (timer = setTimeout(resolve, RELEASE_WAIT_MS)))]);
    clearTimeout(timer);
  }
  if (process.platform !== 'win32' && !existsSync(path)) throw describeOpenError(path, undefined);
  const { SerialPort } = await loadSerialPort();
  const port = new SerialPort({ path, ...SERIAL_SETTINGS, autoOpen: false, lock: true });
  await new Promise<void>((resolve, reject) => {
    port.open((error) => (error ? reject(describeOpenError(path, error)) : resolve()));
  });
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  held.set(path, released);
  port.once('close', () => {
    if (held.get(path) === released) held.delete(path);
    release();
  });
  return {
    stream: port,
    close: () => {
      if (port.isOpen) port.close(() => undefined);
    },
  };
}

/**
 * Maps an open failure to a message a user can act on. serialport reports strerror() text, not codes, so
 * both are matched. `owner` describes the device's owner and mode (injected by tests).
 */
export function describeOpenError(
  path: string,
  cause: unknown,
  platform: NodeJS.Platform = process.platform,
  owner: (path: string) => { group: string; mode: string } | undefined = deviceOwner,
): SerialPortError {
  const text = cause instanceof Error ? cause.message : String(cause ?? '');
  const code = (cause as NodeJS.ErrnoException | undefined)?.code;
  const where = `serial:${path}`;
  const options = cause === undefined ? undefined : { cause };
  if (
    cause === undefined ||
    code === 'ENOENT' ||
    /no such file|cannot find the file|file not found/i.test(text)
  ) {
    return new SerialPortError(
      'missing',
      `${where} does not exist: plug the phone in and turn USB tethering on (or pick another port)`,
      options,
    );
  }
  if (
    code === 'EBUSY' ||
    /cannot lock port|device or resource busy|resource temporarily unavailable/i.test(text) ||
    // Windows says "Access denied" when another program has the port open.
    (platform === 'win32' && /access (is )?denied/i.test(text))
  ) {
    return new SerialPortError(
      'busy',
      `${where} is busy: another program has it open (another companion, a terminal or modem program); ` +
        'close it and try again',
      options,
    );
  }
  if (code === 'EACCES' || code === 'EPERM' || /permission denied|operation not permitted/i.test(text)) {
    const found = owner(path);
    const group = found && found.group !== 'root' ? found.group : platform === 'darwin' ? 'wheel' : 'dialout';
    const detail = found ? ` (group ${found.group}, mode ${found.mode})` : '';
    return new SerialPortError(
      'permission',
      `permission denied opening ${where}${detail}: join the "${group}" group that may use serial ports ` +
        `(sudo usermod -aG ${group} $USER, then log out and in again)`,
      options,
    );
  }
  return new SerialPortError('failed', `cannot open ${where}: ${text || 'unknown error'}`, options);
}

function deviceOwner(path: string): { group: string; mode: string } | undefined {
  try {
    const stat = statSync(realpathSync(path));
    let group = String(stat.gid);
    try {
      const line = readFileSync('/etc/group', 'utf8')
        .split('\n')
        .find((entry) => entry.split(':')[2] === String(stat.gid));
      if (line) group = line.split(':')[0]!;
    } catch {
      // No /etc/group: keep the number.
    }
    return { group, mode: (stat.mode & 0o777).toString(8).padStart(3, '0') };
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Both ends of a link

/** Companion side of `serial:PATH`: opens the port and a link on it (OPEN → ACCEPT within timeoutMs). */
export async function openSerialLink(path: string, timeoutMs: number): Promise<SerialFramedStream> {
  const port = await openSerialPort(path);
  return SerialFramedStream.connect(port.stream, { name: `serial:${path}`, close: port.close, timeoutMs });
}

export interface SerialListenerEvents {
  /** The port is open (again): links can come. */
  open: [];
  /** A companion opened a link: hand it to the phone. */
  link: [SerialFramedStream];
  /** Something worth a line in the log (port gone, waiting, reopened). */
  log: [string];
}

/**
 * Phone side of `serial:PATH`: keeps the port open and accepts links on it, one at a time. When the port goes
 * away (the cable is pulled), it checks every `reopenIntervalMs` until the path is back and opens it again.
 */
export class SerialListener extends EventEmitter<SerialListenerEvents> {
  private listener: SerialLinkListener | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastProblem = '';

  constructor(
    readonly path: string,
    private readonly reopenIntervalMs = 1_000,
  ) {
    super();
  }

  /** Starts opening; 'open' follows (possibly after waiting for the path to appear). */
  start(): this {
    void this.tryOpen();
    return this;
  }

  get isOpen(): boolean {
    return this.listener !== undefined;
  }

  /** The current port's counters, when it is open. */
  get stats() {
    return this.listener?.stats;
  }

  close(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.listener?.close();
    this.listener = undefined;
  }

  private async tryOpen(): Promise<void> {
    if (this.stopped) return;
    let port: RawSerialPort;
    try {
      port = await openSerialPort(this.path);
    } catch (error) {
      const message = (error as Error).message;
      if (message !== this.lastProblem)
        this.emit('log', `${message}; trying again every ${this.reopenIntervalMs / 1000} s`);
      this.lastProblem = message;
      this.retry();
      return;
    }
    if (this.stopped) return port.close();
    this.lastProblem = '';
    const listener = new SerialLinkListener(port.stream, { name: `serial:${this.path}`, close: port.close });
    this.listener = listener;
    let reported = 0;
    listener.on('link', (link) => {
      const { invalid, badChecksum, overlong } = listener.stats;
      if (invalid + badChecksum + overlong > reported) {
        reported = invalid + badChecksum + overlong;
        this.emit(
          'log',
          `serial:${this.path}: dropped line noise so far: ${invalid} invalid run(s), ${badChecksum} bad ` +
            `checksum(s), ${overlong} overlong run(s)`,
        );
      }
      this.emit('link', link);
    });
    listener.once('close', (error) => {
      if (this.listener !== listener) return;
      this.listener = undefined;
      if (this.stopped) return;
      this.emit('log', `${error.message}; waiting for serial:${this.path} to come back`);
      this.retry();
    });
    this.emit('log', `opened serial:${this.path} (${SERIAL_SETTINGS.baudRate} 8N1)`);
    this.emit('open');
  }

  private retry(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tryOpen(), this.reopenIntervalMs);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Enumeration

/** What serialport's list() gives per port (only the members used here). */
export interface SerialPortInfo {
  path: string;
  manufacturer?: string | undefined;
  serialNumber?: string | undefined;
  vendorId?: string | undefined;
  productId?: string | undefined;
}

export interface PhonePort {
  path: string;
  /** Lowercase 4-digit hex. */
  vendorId: string;
  productId: string | undefined;
  /** The maker, from PHONE_VENDORS, or "admin-listed" for an id an admin added. */
  vendor: string;
  manufacturer: string | undefined;
  serialNumber: string | undefined;
}

/** "0x095D", "095d", 0x095d → "095d"; undefined for anything that is not a 16-bit id. */
export function normalizeVendorId(id: string | number | undefined): string | undefined {
  if (id === undefined) return undefined;
  if (typeof id === 'number') {
    return Number.isInteger(id) && id >= 0 && id <= 0xffff ? id.toString(16).padStart(4, '0') : undefined;
  }
  const hex = id.trim().toLowerCase().replace(/^0x/, '');
  return /^[0-9a-f]{1,4}$/.test(hex) ? hex.padStart(4, '0') : undefined;
}

export interface ListPhonePortsOptions {
  /** Vendor ids an admin adds to PHONE_VENDORS ("0x1234", "1234" or 0x1234); invalid ones are ignored. */
  extraVendorIds?: readonly (string | number)[];
  /** The port lister (tests); default serialport's SerialPort.list(). */
  list?: () => Promise<SerialPortInfo[]>;
}

/** The serial ports whose USB vendor is a phone maker's (or an admin-listed one), sorted by path. */
export async function listPhonePorts(options: ListPhonePortsOptions = {}): Promise<PhonePort[]> {
  const extra = new Set(
    (options.extraVendorIds ?? []).map(normalizeVendorId).filter((id): id is string => id !== undefined),
  );
  let ports: SerialPortInfo[];
  try {
    ports = await (options.list ?? defaultList)();
  } catch (error) {
    throw describeListError(error);
  }
  const found: PhonePort[] = [];
  for (const port of ports) {
    const vendorId = normalizeVendorId(port.vendorId);
    if (!vendorId) continue;
    const vendor = PHONE_VENDORS.get(vendorId) ?? (extra.has(vendorId) ? 'admin-listed' : undefined);
    if (!vendor) continue;
    found.push({
      path: port.path,
      vendorId,
      productId: normalizeVendorId(port.productId),
      vendor,
      manufacturer: port.manufacturer,
      serialNumber: port.serialNumber,
    });
  }
  // Device paths are ASCII: a plain order, without ICU's collation data.
  return found.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function defaultList(): Promise<SerialPortInfo[]> {
  // Linux: a phone's USB serial port is a ttyACM (CDC ACM) or ttyUSB node; with none there is no phone port,
  // and serialport's native code is not loaded into a companion whose phones are on Ethernet.
  if (!usbSerialNodePresent()) return [];
  const { SerialPort } = await loadSerialPort();
  return SerialPort.list();
}

/** The /dev names of USB serial ports on Linux. */
export const USB_SERIAL_NODE = /^tty(?:ACM|USB)\d+$/;

/** Whether /dev holds a USB serial node; true where that cannot be told (not Linux, /dev unreadable). */
function usbSerialNodePresent(): boolean {
  if (process.platform !== 'linux') return true;
  try {
    return readdirSync('/dev').some((name) => USB_SERIAL_NODE.test(name));
  } catch {
    return true;
  }
}

/** udevadm missing (serialport spawns it on Linux) is its own, diagnosable condition. */
export function describeListError(error: unknown): PortListError {
  if (error instanceof PortListError) return error;
  if (error instanceof SerialPortError)
    return new PortListError('unavailable', error.message, { cause: error });
  const e = error as NodeJS.ErrnoException & { path?: string; spawnargs?: string[] };
  const text = e?.message ?? String(error);
  if (
    (e?.code === 'ENOENT' && /udevadm/.test(`${e.path ?? ''} ${text}`)) ||
    /spawn udevadm ENOENT/.test(text)
  ) {
    return new PortListError(
      'udevadm-missing',
      'cannot list serial ports: udevadm is missing (install the "udev" package, e.g. apt-get install udev)',
      { cause: error },
    );
  }
  return new PortListError('failed', `cannot list serial ports: ${text}`, { cause: error });
}
