// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { EventEmitter } from 'node:events';
import { existsSync, watch } from 'node:fs';
import {
  type ListPhonePortsOptions,
  type PhonePort,
  PortListError,
  USB_SERIAL_NODE,
  listPhonePorts,
} from './serial-transport.js';

/**
 * Watches for phones plugged in and out over USB. The `usb` package's attach/detach events (libusb hotplug)
 * trigger a rescan of the serial ports; where they are unavailable (no libusb hotplug, the module does not
 * load, no permission) a slow periodic rescan does the same job. Either way the watcher emits `port-added`
 * and `port-removed` with the phone ports (listPhonePorts) that appeared or went away.
 */

/** The part of the `usb` package's `usb` object used here. */
export interface UsbHotplugSource {
  on(event: 'attach' | 'detach', listener: (device: unknown) => void): unknown;
  off(event: 'attach' | 'detach', listener: (device: unknown) => void): unknown;
  /** libusb can deliver hotplug events (without it, `usb` would poll every 500 ms in a timer of its own). */
  _supportedHotplugEvents?(): boolean;
  /** Lets the process exit while hotplug events are enabled. */
  unrefHotplugEvents?(): void;
  /** Set when libusb failed to initialise. */
  INIT_ERROR?: number;
}

export interface PhonePortWatcherOptions extends ListPhonePortsOptions {
  /** The periodic rescan where hotplug is unavailable. */
  rescanIntervalMs?: number;
  /** Rescans after an attach/detach: the tty node appears a moment after the USB device does. */
  settleDelaysMs?: readonly number[];
  /** Loads the `usb` package's hotplug source (tests inject a fake); default `import('usb')`. */
  loadUsb?: () => Promise<UsbHotplugSource>;
}

export interface WatchStatus {
  /** 'hotplug': USB attach/detach events; 'polling': a rescan every rescanIntervalMs. */
  mode: 'hotplug' | 'polling';
  /** Why hotplug is not used, when it is not. */
  reason?: string;
}

export interface PhonePortWatcherEvents {
  'port-added': [PhonePort];
  'port-removed': [PhonePort];
  /** A rescan failed (e.g. udevadm missing); the watcher keeps going and tries again at the next trigger. */
  'scan-failed': [PortListError];
}

export const DEFAULT_RESCAN_INTERVAL_MS = 5_000;
const DEFAULT_SETTLE_DELAYS_MS = [300, 1_500] as const;

export class PhonePortWatcher extends EventEmitter<PhonePortWatcherEvents> {
  private known = new Map<string, PhonePort>();
  private usb: UsbHotplugSource | undefined;
  private interval: NodeJS.Timeout | undefined;
  private readonly settleTimers = new Set<NodeJS.Timeout>();
  private scanning: Promise<void> | undefined;
  private scanAgain = false;
  private running = false;
  /** The last rescan's failure, until one succeeds. */
  lastError: PortListError | undefined;
  status: WatchStatus | undefined;

  constructor(private readonly options: PhonePortWatcherOptions = {}) {
    super();
  }

  /** The phone ports present at the last successful scan. */
  get ports(): PhonePort[] {
    return [...this.known.values()];
  }

  /** Subscribes to hotplug (or starts polling) and scans once; the initial ports are emitted as `port-added`. */
  async start(): Promise<WatchStatus> {
    if (this.running) return this.status!;
    this.running = true;
    const status = await this.subscribe();
    this.status = status;
    if (status.mode === 'polling') {
      this.interval = setInterval(
        () => void this.rescan(),
        this.options.rescanIntervalMs ?? DEFAULT_RESCAN_INTERVAL_MS,
      );
      this.interval.unref();
    }
    await this.rescan();
    return status;
  }

  stop(): void {
    this.running = false;
    clearInterval(this.interval);
    this.interval = undefined;
    for (const timer of this.settleTimers) clearTimeout(timer);
    this.settleTimers.clear();
    if (this.usb) {
      this.usb.off('attach', this.onHotplug);
      this.usb.off('detach', this.onHotplug);
      this.usb = undefined;
    }
  }

  /** Lists the ports now and emits the differences; concurrent calls share one scan (plus one after it). */
  rescan(): Promise<void> {
    if (this.scanning) {
      this.scanAgain = true;
      return this.scanning;
    }
    this.scanning = (async () => {
      do {
        this.scanAgain = false;
        await this.scanOnce();
      } while (this.scanAgain && this.running);
    })().finally(() => {
      this.scanning = undefined;
    });
    return this.scanning;
  }

  private async scanOnce(): Promise<void> {
    let ports: PhonePort[];
    try {
      ports = await listPhonePorts(this.options);
    } catch (error) {
      this.lastError = error instanceof PortListError ? error : new PortListError('failed', String(error));
      if (this.listenerCount('scan-failed') > 0) this.emit('scan-failed', this.lastError);
      return;
    }
    this.lastError = undefined;
    const now = new Map(ports.map((port) => [port.path, port]));
    const before = this.known;
    this.known = now;
    for (const [path, port] of before) if (!now.has(path)) this.emit('port-removed', port);
    for (const [path, port] of now) if (!before.has(path)) this.emit('port-added', port);
  }

  private readonly onHotplug = (): void => {
    if (!this.running) return;
    void this.rescan();
    for (const delay of this.options.settleDelaysMs ?? DEFAULT_SETTLE_DELAYS_MS) {
      const timer = setTimeout(() => {
        this.settleTimers.delete(timer);
        void this.rescan();
      }, delay);
      timer.unref();
      this.settleTimers.add(timer);
    }
  };

  private async subscribe(): Promise<WatchStatus> {
    let usb: UsbHotplugSource;
    try {
      usb = await (this.options.loadUsb ?? loadUsb)();
    } catch (error) {
      return { mode: 'polling', reason: `the usb module did not load: ${(error as Error).message}` };
    }
    if (usb.INIT_ERROR) return { mode: 'polling', reason: 'libusb did not initialise' };
    try {
      if (usb._supportedHotplugEvents && !usb._supportedHotplugEvents()) {
        return { mode: 'polling', reason: 'libusb has no hotplug events on this system' };
      }
      usb.on('attach', this.onHotplug);
      usb.on('detach', this.onHotplug);
      usb.unrefHotplugEvents?.();
    } catch (error) {
      usb.off('attach', this.onHotplug);
      usb.off('detach', this.onHotplug);
      return { mode: 'polling', reason: `USB hotplug events failed: ${(error as Error).message}` };
    }
    this.usb = usb;
    return { mode: 'hotplug' };
  }
}

async function loadUsb(): Promise<UsbHotplugSource> {
  if (process.platform === 'linux') {
    try {
      return watchDevNodes();
    } catch {
      // /dev cannot be watched here: libusb's hotplug events instead.
    }
  }
  const module = await import('usb');
  return module.usb as unknown as UsbHotplugSource;
}

/**
 * Linux: USB serial nodes (ttyACM, ttyUSB) appearing in and leaving /dev, by inotify, as the hotplug events.
 * They are what a rescan looks for, and watching them needs no libusb: the `usb` package's native code (about
 * 10 MB resident for the companion's life) is not loaded. Throws when /dev cannot be watched.
 */
export function watchDevNodes(dir = '/dev', nodes: RegExp = USB_SERIAL_NODE): UsbHotplugSource {
  const events = new EventEmitter();
  const watcher = watch(dir, { persistent: false }, (_type, name) => {
    if (typeof name !== 'string' || !nodes.test(name)) return;
    events.emit(existsSync(`${dir}/${name}`) ? 'attach' : 'detach', name);
  });
  watcher.on('error', () => watcher.close());
  return {
    on: (event, listener) => events.on(event, listener),
    off: (event, listener) => {
      events.off(event, listener);
      if (events.listenerCount('attach') + events.listenerCount('detach') === 0) watcher.close();
    },
  };
}
