// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
// Report ports: fixed-size report bodies in and out of one HID interface, below the tunnel. fromHidAsync adapts
// node-hid on the PC, fromHidDeviceEndpoint the phone's end of the interface.
import { EventEmitter } from 'node:events';
import type { HIDAsync } from 'node-hid';
import { LinkError } from '../link/errors.js';
import { checkReportSize } from './tunnel-report.js';

export interface HidReportPortEvents {
  /** A received report body (the bytes after the report-id byte). */
  report: [report: Buffer];
  /** The port closed: undefined when closed here, the error when the device went away. */
  close: [error: Error | undefined];
}

/**
 * Fixed-size report bodies in and out of one HID interface: on the PC, output reports out and input reports
 * in; on the phone, the other way round. `write` resolves once the report is written (node-hid's write is
 * asynchronous); the tunnel writes one report at a time.
 */
export interface HidReportPort extends EventEmitter<HidReportPortEvents> {
  /** How errors name the device, e.g. "the HID device /dev/hidraw3". */
  readonly name: string;
  /** The size of every report body in both directions. */
  readonly reportSize: number;
  write(report: Buffer): Promise<void>;
  close(): void;
}

/** Which reports carry the tunnel: findTunnelReports gives them from a descriptor. */
export interface TunnelReportIds {
  /** The output report's id (PC → phone), 0 when the device does not number its reports. */
  readonly reportId: number;
  /** The input report's id (phone → PC), when it differs from `reportId`. */
  readonly inputReportId?: number;
  /** Bytes of each report after its report-id byte (the descriptor's byte-array field). */
  readonly reportSize: number;
}

/** The part of node-hid's async device (HIDAsync) the tunnel uses, with node-hid's signatures. */
export interface TunnelHidDevice {
  write(values: number[] | Buffer): Promise<number>;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  close(): Promise<void>;
}

/** Compile-time proof that a node-hid HIDAsync is a TunnelHidDevice. */
export const hidAsyncIsTunnelHidDevice: (device: HIDAsync) => TunnelHidDevice = (device) => device;

/**
 * The phone's end of its HID interface (a Linux USB gadget's /dev/hidgN, or the simulator's in-memory device):
 * it sends input reports and receives output reports, each with its report-id byte first when the reports
 * are numbered (as /dev/hidgN reads and writes them).
 */
export interface HidDeviceEndpoint {
  sendInputReport(data: Buffer): Promise<unknown>;
  on(event: 'output', listener: (data: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  close(): Promise<void> | void;
}

interface AdapterSpec {
  name: string;
  reportSize: number;
  /** The id written first, or undefined to write the body alone. */
  sendPrefix: number | undefined;
  /** The id received reports start with; 0: they carry no id. */
  receiveId: number;
  write(bytes: Buffer): Promise<unknown>;
  close(): Promise<void> | void;
}

/** A report port over a device that speaks report-id-prefixed buffers. */
class AdaptedReportPort extends EventEmitter<HidReportPortEvents> implements HidReportPort {
  readonly name: string;
  readonly reportSize: number;
  /** Reports with another report id (another collection of the same device): not the tunnel's. */
  ignored = 0;
  private closed = false;

  constructor(private readonly spec: AdapterSpec) {
    super();
    checkReportSize(spec.reportSize);
    this.name = spec.name;
    this.reportSize = spec.reportSize;
  }

  receive(data: Buffer): void {
    if (this.closed) return;
    if (this.spec.receiveId === 0) return void this.emit('report', Buffer.from(data));
    if (data[0] !== this.spec.receiveId) return void this.ignored++;
    this.emit('report', Buffer.from(data.subarray(1)));
  }

  gone(error: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    const why = error?.message ? ` (${error.message})` : '';
    this.emit(
      'close',
      new LinkError('closed', `${this.name} went away: the device was unplugged or closed${why}`, {
        cause: error,
      }),
    );
  }

  async write(report: Buffer): Promise<void> {
    if (this.closed) throw new LinkError('closed', `${this.name} is closed`);
    if (report.length !== this.reportSize)
      throw new RangeError(`a report body of ${report.length} bytes, not ${this.reportSize}`);
    const prefix = this.spec.sendPrefix;
    const bytes = prefix === undefined ? Buffer.from(report) : Buffer.concat([Buffer.from([prefix]), report]);
    let written: unknown;
    try {
      written = await this.spec.write(bytes);
    } catch (error) {
      const e = error as Error;
      this.gone(e);
      throw new LinkError('closed', `${this.name} went away: writing a report failed (${e.message})`, {
        cause: e,
      });
    }
    if (typeof written === 'number' && written < bytes.length) {
      const e = new Error(`${written} of ${bytes.length} bytes were written`);
      this.gone(e);
      throw new LinkError('closed', `${this.name}: a short write (${e.message})`);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close', undefined);
    try {
      void Promise.resolve(this.spec.close()).catch(() => undefined);
    } catch {
      // Already closed.
    }
  }
}

/**
 * The PC's end: node-hid's HIDAsync (or anything with its shape). Writes go out as output reports with the
 * report id first, or 0 when the reports are not numbered (node-hid and hidapi strip it then); input reports
 * arrive as node-hid gives them, with the report id first only when numbered. Input reports with another id
 * belong to another collection of the same device and are not the tunnel's. The port owns the device.
 */
export function fromHidAsync(
  device: TunnelHidDevice,
  ids: TunnelReportIds & { name?: string },
): HidReportPort {
  const port = new AdaptedReportPort({
    name: ids.name ?? 'the HID device',
    reportSize: ids.reportSize,
    sendPrefix: ids.reportId,
    receiveId: ids.inputReportId ?? ids.reportId,
    write: (bytes) => device.write(bytes),
    close: () => device.close(),
  });
  device.on('data', (data) => port.receive(data));
  device.on('error', (error) => port.gone(error));
  device.on('close', () => port.gone(undefined));
  return port;
}

/**
 * The phone's end: input reports out (the tunnel's input report), output reports in, each with the report id
 * first when numbered. The port owns the endpoint.
 */
export function fromHidDeviceEndpoint(
  endpoint: HidDeviceEndpoint,
  ids: TunnelReportIds & { name?: string },
): HidReportPort {
  const inputId = ids.inputReportId ?? ids.reportId;
  const port = new AdaptedReportPort({
    name: ids.name ?? 'the HID interface',
    reportSize: ids.reportSize,
    sendPrefix: inputId === 0 ? undefined : inputId,
    receiveId: ids.reportId,
    write: (bytes) => endpoint.sendInputReport(bytes),
    close: () => endpoint.close(),
  });
  endpoint.on('output', (data) => port.receive(data));
  endpoint.on('error', (error) => port.gone(error));
  endpoint.on('close', () => port.gone(undefined));
  return port;
}
