// Environment: Node (vitest).
// Report ports: node-hid on the PC, the device endpoint on the phone.
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { fromHidAsync } from '../../../../native-bridge/hid/report-port.js';
import { FakeHidDevice } from './fake-hid-device.js';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('report ports over node-hid', () => {
  const ids = { reportId: 2, inputReportId: 1, reportSize: 63, name: 'the HID device T' };

  it("write the report id first (0 when not numbered), as node-hid's write wants", async () => {
    const device = new FakeHidDevice();
    const port = fromHidAsync(device, ids);
    await port.write(Buffer.alloc(63, 0xaa));
    expect(device.writes[0]!.length).toBe(64);
    expect(device.writes[0]![0]).toBe(2);
    const plain = new FakeHidDevice();
    await fromHidAsync(plain, { reportId: 0, reportSize: 8 }).write(Buffer.alloc(8, 1));
    expect([...plain.writes[0]!]).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 1]);
    await expect(port.write(Buffer.alloc(62))).rejects.toThrow(RangeError);
  });

  it("strip the input report's id, and leave other collections' reports alone", async () => {
    const device = new FakeHidDevice();
    const port = fromHidAsync(device, ids);
    const got: Buffer[] = [];
    port.on('report', (r) => got.push(r));
    device.input([1, ...Buffer.alloc(63, 7)]);
    device.input([3, 0x01]); // the telephony collection's Hook Switch: not the tunnel's
    await tick();
    expect(got.map((r) => r.length)).toEqual([63]);
    expect(got[0]![0]).toBe(7);
    const plain = new FakeHidDevice();
    const plainPort = fromHidAsync(plain, { reportId: 0, reportSize: 8 });
    const plainGot: Buffer[] = [];
    plainPort.on('report', (r) => plainGot.push(r));
    plain.input([9, 8, 7, 6, 5, 4, 3, 2]);
    await tick();
    expect([...plainGot[0]!]).toEqual([9, 8, 7, 6, 5, 4, 3, 2]);
  });

  it('close with a clear error when the device fails a read or a write', async () => {
    const device = new FakeHidDevice();
    const port = fromHidAsync(device, ids);
    const closed = once(port, 'close');
    device.emit('error', new Error('could not read from HID device'));
    const [error] = (await closed) as [Error];
    expect(error.message).toMatch(/the HID device T went away.*could not read from HID device/);

    const writer = new FakeHidDevice();
    writer.failWrites = new Error('Cannot write to hid device');
    const writePort = fromHidAsync(writer, ids);
    const writeClosed = once(writePort, 'close');
    await expect(writePort.write(Buffer.alloc(63))).rejects.toThrow(/went away: writing a report failed/);
    await writeClosed;
  });
});
