import { EventEmitter } from 'node:events';
import type { Device, HIDAsync } from 'node-hid';

/**
 * A stand-in for node-hid's HIDAsync: the same methods with the same signatures (it `implements HIDAsync`, so
 * the compiler keeps it honest), recording what the host writes and delivering input reports the way node-hid
 * does: a `data` event with a Buffer whose first byte is the report id when the device numbers its reports.
 */
export class FakeHidDevice extends EventEmitter implements HIDAsync {
  /** Every write, as node-hid would hand it to hidapi (report id or 0 first). */
  readonly writes: Buffer[] = [];
  readonly featureReports: Buffer[] = [];
  closed = false;
  paused = true;
  /** Set to make the next writes fail the way a device that went away does. */
  failWrites: Error | undefined;
  private readonly queued: Buffer[] = [];

  constructor(
    private readonly info: Device = {
      vendorId: 0x0b0e,
      productId: 0x0307,
      path: '/dev/hidraw0',
      release: 0x0100,
      interface: 3,
      usagePage: 0x0b,
      usage: 0x05,
    },
  ) {
    super();
    this.on('newListener', (event: string) => {
      if (event === 'data') this.paused = false;
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.removeAllListeners();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
  }

  async read(_timeOut?: number): Promise<Buffer | undefined> {
    this.assertOpen();
    return this.queued.shift();
  }

  async sendFeatureReport(data: number[] | Buffer): Promise<number> {
    this.assertOpen();
    const bytes = toBytes(data);
    this.featureReports.push(bytes);
    return bytes.length;
  }

  async getFeatureReport(reportId: number, reportLength: number): Promise<Buffer> {
    this.assertOpen();
    const report = Buffer.alloc(reportLength);
    report[0] = reportId;
    return report;
  }

  async write(values: number[] | Buffer): Promise<number> {
    this.assertOpen();
    if (this.failWrites) throw this.failWrites;
    const bytes = toBytes(values);
    if (bytes.length === 0) throw new Error('Cannot write empty buffer');
    this.writes.push(bytes);
    return bytes.length;
  }

  async setNonBlocking(_noBlock: boolean): Promise<void> {
    this.assertOpen();
  }

  async getDeviceInfo(): Promise<Device> {
    return this.info;
  }

  /** The device sends an input report (node-hid: a `data` event; while paused it waits for read()). */
  input(report: readonly number[] | Uint8Array): void {
    if (this.closed) throw new Error('the fake device is closed');
    const data = Buffer.from(report);
    if (this.paused || this.listenerCount('data') === 0) this.queued.push(data);
    else this.emit('data', data);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('Cannot write to closed device');
  }
}

function toBytes(values: number[] | Buffer): Buffer {
  if (Buffer.isBuffer(values)) return Buffer.from(values);
  for (const v of values)
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new TypeError(`not a byte: ${String(v)}`);
  return Buffer.from(values);
}
