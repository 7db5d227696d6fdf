// hid:PATH addresses: parsed like the others, and a device that cannot carry the link says why.
import { expect, it } from 'vitest';
import { formatAddress, parseAddress } from '../../../../native-bridge/link/address.js';
import { LinkError } from '../../../../native-bridge/link/errors.js';
import { openTransport } from '../../../../native-bridge/transport/connect.js';

it('parses and formats hid: addresses', () => {
  expect(parseAddress('hid:/dev/hidraw3')).toEqual({ transport: 'hid', path: '/dev/hidraw3' });
  expect(formatAddress(parseAddress('hid:/dev/hidraw3'))).toBe('hid:/dev/hidraw3');
  expect(() => parseAddress('hid:')).toThrow(/needs a device path/);
});

it('refuses a device whose descriptor declares no tunnel, naming it', async () => {
  const error = await openTransport(
    parseAddress('hid:test/fixtures/hid-descriptors/jabra-evolve-link-ms.hex'),
  ).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(LinkError);
  expect((error as LinkError).message).toMatch(/cannot carry the link: the descriptor declares no tunnel/);
});

it('finds the tunnel from the descriptor, then says when the device cannot be opened', async () => {
  const path = 'test/fixtures/hid-descriptors/btoe-phone-hid-synthetic.hex';
  const error = await openTransport(parseAddress(`hid:${path}`)).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(LinkError);
  expect((error as LinkError).message).toMatch(/cannot open hid:|HID is not available/);
});

it('refuses a hidraw device that is not there', async () => {
  const error = await openTransport(parseAddress('hid:/dev/hidraw999')).catch((e: unknown) => e);
  expect((error as LinkError).message).toMatch(
    /hid:\/dev\/hidraw999 cannot carry the link: there is no hidraw999/,
  );
});
