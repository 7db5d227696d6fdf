// Environment: Node (vitest).
import { describe, expect, it } from 'vitest';
import type { NodeHid } from '../../../../native-bridge/hid/discovery.js';
import { NodeHidHeadsetSource } from '../../../../main/host/node-hid-headsets.js';
import { FakeHidDevice } from '../../native-bridge/hid/fake-hid-device.js';
import { fixtureBytes } from '../../native-bridge/hid/fixtures.js';

const info = (path: string) => ({
  path,
  vendorId: 0x0b0e,
  productId: 0x0305,
  product: 'Jabra EVOLVE LINK MS',
  manufacturer: 'Jabra',
  serialNumber: undefined,
  release: 0x0100,
  interface: 3,
  usagePage: 0x0b,
  usage: 0x05,
});

describe('the node-hid headset source', () => {
  it('lists, then opens a hidraw device with its descriptor', async () => {
    const device = new FakeHidDevice();
    const nodeHid: NodeHid = {
      devicesAsync: async () => [{ ...info('/dev/hidraw3'), usagePage: 0x0b }],
      HIDAsync: { open: async () => device },
    };
    const read: string[] = [];
    const source = new NodeHidHeadsetSource(
      async () => nodeHid,
      async (path) => {
        read.push(path);
        return fixtureBytes('jabra-evolve-link-ms');
      },
    );
    const listing = await source.list();
    expect(listing).toMatchObject({
      available: true,
      devices: [{ path: '/dev/hidraw3', product: 'Jabra EVOLVE LINK MS' }],
    });
    const opened = await source.open(info('/dev/hidraw3'));
    expect(opened.device).toBe(device);
    expect(opened.descriptor).toEqual(fixtureBytes('jabra-evolve-link-ms'));
    expect(read).toEqual(['/dev/hidraw3']);
  });

  it('says what is wrong: no libusb, a path without a readable descriptor, a device it may not open', async () => {
    const noLibusb = new NodeHidHeadsetSource(() =>
      Promise.reject(new Error('libusb-1.0.so.0: cannot open shared object file')),
    );
    expect(await noLibusb.list()).toEqual({
      available: false,
      reason: expect.stringMatching(/libusb-1.0 is missing/),
    });
    const denied = new NodeHidHeadsetSource(
      async () => ({
        devicesAsync: async () => [],
        HIDAsync: { open: () => Promise.reject(new Error('cannot open device with path /dev/hidraw3')) },
      }),
      async () => fixtureBytes('poly-bt700'),
    );
    await expect(denied.open(info('\\\\?\\HID#VID_047F&PID_C056&Col02'))).rejects.toThrow(
      /cannot be read on .*Linux hidraw devices only/,
    );
    await expect(denied.open(info('/dev/hidraw3'))).rejects.toThrow(
      /cannot open the HID device \/dev\/hidraw3/,
    );
  });
});
