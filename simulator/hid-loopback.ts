// Environment: Node (the phone simulator).
import { EventEmitter } from 'node:events';
import type { Device, HIDAsync } from 'node-hid';
import type { HidDeviceEndpoint } from '../native-bridge/hid/report-port.js';

/**
 * A HID device in memory, the way a USB cable and the OS join a phone's HID interface to the PC: the phone's
 * end (`device`: it sends input reports and receives output reports, like a USB gadget's /dev/hidgN) and any
 * number of host handles opened on it (`openHost()`: node-hid's HIDAsync, method for method). It does for the
 * HID tunnel what a pty pair does for serial: the simulator serves behind it, tests and benchmarks talk to it.
 *
 * It behaves as Linux hidraw does where that matters: every open handle receives every input report; a
 * handle that is not reading (paused, or no `data` listener) queues at most 64 reports and drops newer ones;
 * an output report written with a leading 0 (reports not numbered) reaches the device without that byte;
 * writes resolve once the device has the report; unplugging fails reads (an `error` event, as node-hid
 * emits when hidapi's read fails) and later writes.
 */
export class HidLoopback {
  readonly device: LoopbackDeviceEnd;
  private readonly hosts = new Set<LoopbackHostDevice>();
  private unpluggedWith: Error | undefined;

  constructor(
    readonly info: Device = {
      vendorId: 0x095d,
      productId: 0xb70e,
      path: 'loopback:hid',
      product: 'BToE phone (simulated)',
      release: 0x0100,
      interface: 0,
      usagePage: 0xff00,
      usage: 0x01,
    },
  ) {
    this.device = new LoopbackDeviceEnd(this);
  }

  get plugged(): boolean {
    return this.unpluggedWith === undefined;
  }

  /** What `HIDAsync.open(path)` gives: a new handle on the device. */
  openHost(): LoopbackHostDevice {
    if (this.unpluggedWith) throw new Error(`cannot open ${this.info.path}: ${this.unpluggedWith.message}`);
    const host = new LoopbackHostDevice(this, () => this.hosts.delete(host));
    this.hosts.add(host);
    return host;
  }

  /** The cable is pulled: reading handles emit `error`, the device end emits `close`. */
  unplug(reason = 'the device was unplugged'): void {
    if (this.unpluggedWith) return;
    this.unpluggedWith = new Error(reason);
    for (const host of this.hosts) host.lost(this.unpluggedWith);
    this.device.lost();
  }

  /** @internal An output report on its way to the device (after a USB transfer's worth of delay). */
  async toDevice(bytes: Buffer): Promise<void> {
    this.assertPlugged('Cannot write to hid device');
    await tick();
    this.assertPlugged('Cannot write to hid device');
    this.device.receive(bytes);
  }

  /** @internal An input report on its way to every open handle. */
  async toHosts(bytes: Buffer): Promise<void> {
    this.assertPlugged('the device is unplugged');
    await tick();
    this.assertPlugged('the device is unplugged');
    for (const host of this.hosts) host.receive(Buffer.from(bytes));
  }

  private assertPlugged(what: string): void {
    if (this.unpluggedWith) throw new Error(`${what}: ${this.unpluggedWith.message}`);
  }
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** How many input reports a handle that is not reading keeps (hidraw's HIDRAW_BUFFER_SIZE). */
export const HOST_QUEUE_REPORTS = 64;

/** The phone's end of the interface. */
export class LoopbackDeviceEnd
  extends EventEmitter<{ output: [Buffer]; error: [Error]; close: [] }>
  implements HidDeviceEndpoint
{
  private closed = false;

  constructor(private readonly loopback: HidLoopback) {
    super();
  }

  /** Sends an input report (report id first when numbered); resolves once the host handles have it. */
  async sendInputReport(data: Buffer): Promise<void> {
    if (this.closed) throw new Error('the device end is closed');
    if (data.length === 0) throw new Error('an empty input report');
    await this.loopback.toHosts(data);
  }

  /** The phone stops serving the interface (the hosts see nothing: the cable is still in). */
  close(): void {
    this.closed = true;
  }

  /** @internal */
  receive(bytes: Buffer): void {
    if (!this.closed) this.emit('output', Buffer.from(bytes));
  }

  /** @internal */
  lost(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit('close');
  }
}

/** One handle on the device, opened by a host program: node-hid's HIDAsync, method for method. */
export class LoopbackHostDevice extends EventEmitter implements HIDAsync {
  /** Input reports dropped because this handle was not reading and its queue was full. */
  dropped = 0;
  private closed = false;
  private paused = true;
  private readonly queued: Buffer[] = [];

  constructor(
    private readonly loopback: HidLoopback,
    private readonly onClose: () => void,
  ) {
    super();
    // As node-hid: a `data` listener starts the read loop, removing the last one stops it.
    this.on('newListener', (event: string) => {
      if (event === 'data') process.nextTick(() => this.resume());
    });
    this.on('removeListener', (event: string) => {
      if (event === 'data' && this.listenerCount('data') === 0) process.nextTick(() => this.pause());
    });
  }

  async close(): Promise<void> {
    if (this.closed) throw new Error('device is already closed');
    this.closed = true;
    this.queued.length = 0;
    this.onClose();
    this.removeAllListeners();
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    if (this.closed || this.listenerCount('data') === 0) return;
    this.paused = false;
    while (!this.paused && this.queued.length > 0) this.emit('data', this.queued.shift()!);
  }

  async read(_timeOut?: number): Promise<Buffer | undefined> {
    this.assertOpen();
    if (!this.paused) throw new Error('Cannot use read while async read is running');
    return this.queued.shift();
  }

  async sendFeatureReport(data: number[] | Buffer): Promise<number> {
    this.assertOpen();
    return toBytes(data).length;
  }

  async getFeatureReport(reportId: number, reportLength: number): Promise<Buffer> {
    this.assertOpen();
    const report = Buffer.alloc(reportLength);
    report[0] = reportId;
    return report;
  }

  async write(values: number[] | Buffer): Promise<number> {
    this.assertOpen();
    const bytes = toBytes(values);
    if (bytes.length === 0) throw new Error('Cannot write empty buffer');
    // hidapi: a first byte of 0 means "reports are not numbered" and is not sent.
    await this.loopback.toDevice(bytes[0] === 0 ? bytes.subarray(1) : bytes);
    return bytes.length;
  }

  async setNonBlocking(_noBlock: boolean): Promise<void> {
    this.assertOpen();
  }

  async getDeviceInfo(): Promise<Device> {
    return this.loopback.info;
  }

  /** @internal An input report reaches this handle. */
  receive(data: Buffer): void {
    if (this.closed) return;
    if (!this.paused && this.listenerCount('data') > 0) {
      this.emit('data', data);
      return;
    }
    if (this.queued.length >= HOST_QUEUE_REPORTS) this.dropped++;
    else this.queued.push(data);
  }

  /** @internal The device went away: a running read fails, as node-hid reports it. */
  lost(cause: Error): void {
    if (this.closed || this.paused || this.listenerCount('data') === 0) return;
    this.paused = true;
    this.emit('error', new Error(`could not read data from device: ${cause.message}`));
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('device is already closed');
  }
}

function toBytes(values: number[] | Buffer): Buffer {
  if (Buffer.isBuffer(values)) return Buffer.from(values);
  for (const v of values)
    if (!Number.isInteger(v) || v < 0 || v > 255) throw new TypeError(`not a byte: ${String(v)}`);
  return Buffer.from(values);
}
