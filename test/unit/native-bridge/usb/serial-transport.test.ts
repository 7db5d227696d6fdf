import { EventEmitter } from 'node:events';
import { describe, expect, it, vi } from 'vitest';
import { LinkError } from '../../../../native-bridge/link/errors.js';
import { PhonePortWatcher, type UsbHotplugSource } from '../../../../native-bridge/usb/hotplug.js';
import {
  type SerialPortInfo,
  PortListError,
  SerialPortError,
  describeListError,
  describeOpenError,
  listPhonePorts,
  normalizeVendorId,
} from '../../../../native-bridge/usb/serial-transport.js';

/** Errors as serialport's bindings report them: strerror() text, no code. */
const bindingError = (message: string) => new Error(message);
const dialout = () => ({ group: 'dialout', mode: '660' });

describe('describeOpenError', () => {
  it('says a missing port does not exist', () => {
    for (const cause of [
      undefined,
      bindingError('Error: No such file or directory, cannot open /dev/ttyACM0'),
      Object.assign(new Error('x'), { code: 'ENOENT' }),
    ]) {
      const error = describeOpenError('/dev/ttyACM0', cause, 'linux', dialout);
      expect(error).toBeInstanceOf(SerialPortError);
      expect(error).toBeInstanceOf(LinkError);
      expect(error).toMatchObject({ problem: 'missing', reason: 'unreachable' });
      expect(error.message).toMatch(/^serial:\/dev\/ttyACM0 does not exist: plug the phone in/);
    }
    expect(describeOpenError('COM7', bindingError('Opening COM7: File not found'), 'win32').problem).toBe(
      'missing',
    );
  });

  it('says a locked or exclusive port is busy', () => {
    for (const [cause, platform] of [
      [bindingError('Error Resource temporarily unavailable Cannot lock port'), 'linux'],
      [bindingError('Error: Device or resource busy, cannot open /dev/ttyACM0'), 'linux'],
      [Object.assign(new Error('busy'), { code: 'EBUSY' }), 'darwin'],
      [bindingError('Opening COM3: Access denied'), 'win32'],
    ] as const) {
      const error = describeOpenError('/dev/ttyACM0', cause, platform, dialout);
      expect(error.problem).toBe('busy');
      expect(error.message).toMatch(/is busy: another program has it open/);
    }
  });

  it('says permission is denied and which group to join', () => {
    const error = describeOpenError(
      '/dev/ttyACM0',
      bindingError('Error: Permission denied, cannot open /dev/ttyACM0'),
      'linux',
      () => ({ group: 'uucp', mode: '660' }),
    );
    expect(error.problem).toBe('permission');
    expect(error.message).toBe(
      'permission denied opening serial:/dev/ttyACM0 (group uucp, mode 660): join the "uucp" group that may use ' +
        'serial ports (sudo usermod -aG uucp $USER, then log out and in again)',
    );
    // A device owned by group root names the usual serial group instead; no device information at all too.
    expect(
      describeOpenError('/dev/x', Object.assign(new Error('x'), { code: 'EACCES' }), 'linux', () => ({
        group: 'root',
        mode: '600',
      })).message,
    ).toMatch(/\(group root, mode 600\): join the "dialout" group/);
    expect(
      describeOpenError('/dev/x', bindingError('Permission denied'), 'linux', () => undefined).message,
    ).toMatch(/^permission denied opening serial:\/dev\/x: join the "dialout" group/);
  });

  it('passes anything else on with the port named', () => {
    const error = describeOpenError(
      '/dev/x',
      bindingError('Error: Input/output error setting custom baud rate'),
    );
    expect(error.problem).toBe('failed');
    expect(error.message).toBe(
      'cannot open serial:/dev/x: Error: Input/output error setting custom baud rate',
    );
  });
});

describe('listPhonePorts', () => {
  const ports: SerialPortInfo[] = [
    { path: '/dev/ttyS0' },
    { path: '/dev/ttyACM1', vendorId: '6993', productId: 'b0a1', manufacturer: 'Yealink' },
    {
      path: '/dev/ttyACM0',
      vendorId: '095D',
      productId: '9201',
      manufacturer: 'Polycom',
      serialNumber: '0004F2',
    },
    { path: '/dev/ttyUSB0', vendorId: '0403', productId: '6001', manufacturer: 'FTDI' },
    { path: 'COM9', vendorId: '1A2B', productId: '0001' },
    { path: '/dev/ttyACM2', vendorId: 'zz' },
  ];
  const list = () => Promise.resolve(ports);

  it("keeps the phone makers' ports, sorted, with normalised ids", async () => {
    expect(await listPhonePorts({ list })).toEqual([
      {
        path: '/dev/ttyACM0',
        vendorId: '095d',
        productId: '9201',
        vendor: 'Polycom',
        manufacturer: 'Polycom',
        serialNumber: '0004F2',
      },
      {
        path: '/dev/ttyACM1',
        vendorId: '6993',
        productId: 'b0a1',
        vendor: 'Yealink',
        manufacturer: 'Yealink',
        serialNumber: undefined,
      },
    ]);
  });

  it('adds the vendor ids an admin lists, in any usual spelling, ignoring bad ones', async () => {
    const found = await listPhonePorts({ list, extraVendorIds: ['0x1a2b', 0x0403, 'not-hex', 70000] });
    expect(found.map((p) => `${p.path} ${p.vendor}`)).toEqual([
      '/dev/ttyACM0 Polycom',
      '/dev/ttyACM1 Yealink',
      '/dev/ttyUSB0 admin-listed',
      'COM9 admin-listed',
    ]);
  });

  it('reports a missing udevadm as its own condition', async () => {
    const spawnError = Object.assign(new Error('spawn udevadm ENOENT'), {
      code: 'ENOENT',
      path: 'udevadm',
      syscall: 'spawn udevadm',
    });
    const failing = listPhonePorts({ list: () => Promise.reject(spawnError) });
    await expect(failing).rejects.toBeInstanceOf(PortListError);
    await expect(failing).rejects.toMatchObject({ problem: 'udevadm-missing' });
    await expect(failing).rejects.toThrow(/udevadm is missing \(install the "udev" package/);
    expect(
      describeListError(new Error('Error listing ports udevadm exited with error code: 1')),
    ).toMatchObject({
      problem: 'failed',
    });
  });

  it('normalises vendor ids', () => {
    expect(normalizeVendorId('0x095D')).toBe('095d');
    expect(normalizeVendorId('95d')).toBe('095d');
    expect(normalizeVendorId(0x47f)).toBe('047f');
    expect(normalizeVendorId('12345')).toBeUndefined();
    expect(normalizeVendorId(-1)).toBeUndefined();
    expect(normalizeVendorId(undefined)).toBeUndefined();
  });
});

/** A fake of the `usb` package's hotplug emitter. */
class FakeUsb extends EventEmitter implements UsbHotplugSource {
  supported = true;
  unrefs = 0;
  _supportedHotplugEvents = () => this.supported;
  unrefHotplugEvents = () => void this.unrefs++;
}

function portsSource(initial: SerialPortInfo[]) {
  let ports = initial;
  const list = vi.fn(() => Promise.resolve(ports));
  return { list, set: (next: SerialPortInfo[]) => (ports = next) };
}

const polycom: SerialPortInfo = { path: '/dev/ttyACM0', vendorId: '095d', productId: '9201' };
const jabra: SerialPortInfo = { path: '/dev/ttyACM1', vendorId: '0b0e', productId: '0422' };

describe('PhonePortWatcher', () => {
  it('rescans on USB attach and detach and emits the differences', async () => {
    const usb = new FakeUsb();
    const source = portsSource([polycom]);
    const watcher = new PhonePortWatcher({ list: source.list, loadUsb: async () => usb, settleDelaysMs: [] });
    const added: string[] = [];
    const removed: string[] = [];
    watcher.on('port-added', (p) => added.push(p.path));
    watcher.on('port-removed', (p) => removed.push(p.path));
    expect(await watcher.start()).toEqual({ mode: 'hotplug' });
    expect(usb.unrefs).toBe(1);
    expect(added).toEqual(['/dev/ttyACM0']);

    source.set([polycom, jabra]);
    usb.emit('attach', {});
    await vi.waitFor(() => expect(added).toEqual(['/dev/ttyACM0', '/dev/ttyACM1']));
    source.set([jabra]);
    usb.emit('detach', {});
    await vi.waitFor(() => expect(removed).toEqual(['/dev/ttyACM0']));
    expect(watcher.ports.map((p) => p.path)).toEqual(['/dev/ttyACM1']);

    watcher.stop();
    expect(usb.listenerCount('attach') + usb.listenerCount('detach')).toBe(0);
  });

  it('rescans again after an attach, for the tty that appears a moment after the USB device', async () => {
    vi.useFakeTimers();
    try {
      const usb = new FakeUsb();
      const source = portsSource([]);
      const watcher = new PhonePortWatcher({
        list: source.list,
        loadUsb: async () => usb,
        settleDelaysMs: [300],
      });
      const added: string[] = [];
      watcher.on('port-added', (p) => added.push(p.path));
      await watcher.start();
      usb.emit('attach', {});
      await vi.advanceTimersByTimeAsync(10);
      expect(added).toEqual([]);
      source.set([polycom]);
      await vi.advanceTimersByTimeAsync(300);
      expect(added).toEqual(['/dev/ttyACM0']);
      watcher.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('falls back to a slow rescan where hotplug is unavailable, and says why', async () => {
    vi.useFakeTimers();
    try {
      const source = portsSource([]);
      const failing = new PhonePortWatcher({
        list: source.list,
        rescanIntervalMs: 5_000,
        loadUsb: () => Promise.reject(new Error('libusb-1.0.so.0: cannot open shared object file')),
      });
      const status = await failing.start();
      expect(status.mode).toBe('polling');
      expect(status.reason).toMatch(/the usb module did not load: libusb-1.0.so.0/);
      const added: string[] = [];
      failing.on('port-added', (p) => added.push(p.path));
      source.set([polycom]);
      await vi.advanceTimersByTimeAsync(4_900);
      expect(added).toEqual([]);
      await vi.advanceTimersByTimeAsync(200);
      expect(added).toEqual(['/dev/ttyACM0']);
      failing.stop();

      const usb = new FakeUsb();
      usb.supported = false;
      const noHotplug = new PhonePortWatcher({ list: source.list, loadUsb: async () => usb });
      expect(await noHotplug.start()).toEqual({
        mode: 'polling',
        reason: 'libusb has no hotplug events on this system',
      });
      expect(usb.listenerCount('attach')).toBe(0);
      noHotplug.stop();
    } finally {
      vi.useRealTimers();
    }
  });

  it('reports a failed scan (udevadm missing) and keeps going', async () => {
    const usb = new FakeUsb();
    let fail = true;
    const list = () =>
      fail
        ? Promise.reject(
            Object.assign(new Error('spawn udevadm ENOENT'), { code: 'ENOENT', path: 'udevadm' }),
          )
        : Promise.resolve([polycom]);
    const watcher = new PhonePortWatcher({ list, loadUsb: async () => usb, settleDelaysMs: [] });
    const failures: PortListError[] = [];
    watcher.on('scan-failed', (e) => failures.push(e));
    await watcher.start();
    expect(failures.map((e) => e.problem)).toEqual(['udevadm-missing']);
    expect(watcher.lastError?.problem).toBe('udevadm-missing');
    fail = false;
    await watcher.rescan();
    expect(watcher.lastError).toBeUndefined();
    expect(watcher.ports.map((p) => p.path)).toEqual(['/dev/ttyACM0']);
    watcher.stop();
  });
});
