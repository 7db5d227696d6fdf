import type { Device } from 'node-hid';
import { describe, expect, it } from 'vitest';
import {
  HidUnavailableError,
  type NodeHid,
  diagnoseNodeHidFailure,
  discoverTelephonyDevices,
  openTelephonyDevice,
} from '../../../../native-bridge/hid/discovery.js';
import { FakeHidDevice } from './fake-hid-device.js';

const device = (over: Partial<Device>): Device => ({
  vendorId: 0x0b0e,
  productId: 0x0307,
  release: 0x0100,
  interface: 3,
  ...over,
});

function fakeNodeHid(devices: Device[], open?: (path: string) => Promise<FakeHidDevice>): NodeHid {
  return {
    devicesAsync: async () => devices,
    HIDAsync: { open: open ?? (async () => new FakeHidDevice()) },
  };
}

describe('discovery', () => {
  it('lists telephony collections only, one entry per path', async () => {
    const result = await discoverTelephonyDevices(async () =>
      fakeNodeHid([
        // Linux: every collection of the interface has the hidraw path.
        device({ path: '/dev/hidraw1', usagePage: 0x0b, usage: 0x05, product: 'Jabra EVOLVE LINK MS' }),
        device({ path: '/dev/hidraw1', usagePage: 0xff00, usage: 0x05 }),
        device({ path: '/dev/hidraw1', usagePage: 0x0c, usage: 0x01 }),
        device({ path: '/dev/hidraw1', usagePage: 0x0b, usage: 0x05 }),
        // Windows: each top-level collection has its own path.
        device({ path: '\\\\?\\HID#VID_047F&PID_C056&MI_03&Col01', usagePage: 0x0c, usage: 0x01 }),
        device({ path: '\\\\?\\HID#VID_047F&PID_C056&MI_03&Col02', usagePage: 0x0b, usage: 0x05 }),
        device({ path: '/dev/hidraw4', usagePage: 0x01, usage: 0x06 }),
        device({ usagePage: 0x0b, usage: 0x05 }), // no path: cannot be opened
      ]),
    );
    expect(result.available).toBe(true);
    if (!result.available) return;
    expect(result.devices.map((d) => [d.path, d.usagePage, d.usage])).toEqual([
      ['/dev/hidraw1', 0x0b, 0x05],
      ['\\\\?\\HID#VID_047F&PID_C056&MI_03&Col02', 0x0b, 0x05],
    ]);
    expect(result.devices[0]).toMatchObject({
      vendorId: 0x0b0e,
      productId: 0x0307,
      product: 'Jabra EVOLVE LINK MS',
    });
  });

  it('a node-hid that cannot load is a diagnosable condition, not a crash', async () => {
    const failures: [unknown, RegExp][] = [
      [
        new Error('libudev.so.1: cannot open shared object file: No such file or directory'),
        /libudev is missing/,
      ],
      [new Error('libusb-1.0.so.0: cannot open shared object file'), /libusb-1.0 is missing/],
      [
        Object.assign(new Error("Cannot find package 'node-hid' imported from /x.js"), {
          code: 'ERR_MODULE_NOT_FOUND',
        }),
        /node-hid is not installed/,
      ],
      [new Error('No native build was found for platform=linux arch=riscv64'), /no working native build/],
      ['something else', /node-hid failed to load \(something else\)/],
    ];
    for (const [error, reason] of failures) {
      // The import itself fails...
      const imported = await discoverTelephonyDevices(() => Promise.reject(error));
      expect(imported).toMatchObject({ available: false, reason: expect.stringMatching(reason) });
      // ...or the binding, which node-hid loads on first use.
      const listed = await discoverTelephonyDevices(async () => ({
        devicesAsync: () => Promise.reject(error),
        HIDAsync: { open: () => Promise.reject(error) },
      }));
      expect(listed).toMatchObject({ available: false, reason: expect.stringMatching(reason) });
      expect(diagnoseNodeHidFailure(error)).toMatch(reason);
    }
  });

  it('opening: the device, or a HidUnavailableError saying what to do', async () => {
    const fake = new FakeHidDevice();
    await expect(
      openTelephonyDevice('/dev/hidraw1', async () => fakeNodeHid([], async () => fake)),
    ).resolves.toBe(fake);
    await expect(
      openTelephonyDevice('/dev/hidraw1', () => Promise.reject(new Error('libudev.so.1: cannot open'))),
    ).rejects.toThrow(HidUnavailableError);
    const denied = openTelephonyDevice('/dev/hidraw1', async () =>
      fakeNodeHid([], () => Promise.reject(new Error('cannot open device with path /dev/hidraw1'))),
    );
    await expect(denied).rejects.toThrow(/cannot open the HID device \/dev\/hidraw1/);
  });

  it('the real node-hid on this machine: a list or a reason, never a throw', async () => {
    const result = await discoverTelephonyDevices();
    if (result.available) expect(Array.isArray(result.devices)).toBe(true);
    else expect(result.reason).toMatch(/HID devices cannot be used|node-hid/);
  });
});
