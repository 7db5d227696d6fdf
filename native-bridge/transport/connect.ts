// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { PhoneAddress } from '../link/address.js';
import { LinkError } from '../link/errors.js';

export const CONNECT_TIMEOUT_MS = 3_000;

/** Opens the byte stream to a phone; TLS and everything above it is the same on every transport. */
export function openTransport(address: PhoneAddress, timeoutMs = CONNECT_TIMEOUT_MS): Promise<Duplex> {
  if (address.transport === 'serial') {
    // USB tethering (native-bridge/usb): loaded only here, so TCP never loads serialport's native binding.
    return import('../usb/serial-transport.js').then((serial) =>
      serial.openSerialLink(address.path, timeoutMs),
    );
  }
  if (address.transport === 'hid') {
    return import('../hid/hid-transport.js').then((hid) => hid.openHidLink(address.path, timeoutMs));
  }
  const host = address.zone === undefined ? address.host : `${address.host}%${address.zone}`;
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: address.port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new LinkError(
          'unreachable',
          `no answer from ${host} port ${address.port} within ${timeoutMs / 1000} s`,
        ),
      );
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (cause: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const why = cause.code === 'ECONNREFUSED' ? 'nothing is listening there' : cause.message;
      reject(
        new LinkError('unreachable', `cannot reach the phone at ${host} port ${address.port}: ${why}`, {
          cause,
        }),
      );
    });
  });
}
