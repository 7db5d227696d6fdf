// Environment: Node (native-bridge: talks to phones; imports nothing from main/).
import { isIPv4, isIPv6 } from 'node:net';

/**
 * Phone addresses: `tcp://HOST[:PORT]` (IPv6 in brackets, with an optional zone: `tcp://[fe80::1%pc0]:24801`)
 * `serial:PATH` (USB tethering) and `hid:PATH` (the HID report tunnel). Our own parser because WHATWG URL rejects IPv6 zones, which link-local phones need.
 */
export const DEFAULT_PORT = 24801;

export type PhoneAddress =
  | { readonly transport: 'tcp'; readonly host: string; readonly port: number; readonly zone?: string }
  | { readonly transport: 'serial'; readonly path: string }
  | { readonly transport: 'hid'; readonly path: string };

export class AddressError extends Error {
  override readonly name = 'AddressError';
}

const HOSTNAME =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*\.?$/i;
const ZONE = /^[A-Za-z0-9_.-]{1,64}$/;
const EXAMPLES =
  'tcp://192.168.1.20:24801, tcp://[fe80::1%eth0]:24801, serial:/dev/ttyACM0 or hid:/dev/hidraw3';

/** `forListening` allows port 0 (the system picks one). */
export function parseAddress(text: string, options: { forListening?: boolean } = {}): PhoneAddress {
  const input = text.trim();
  if (input.startsWith('hid:')) {
    const path = input.slice('hid:'.length);
    if (path.length === 0 || path.length > 1024 || /[\0\n\r]/.test(path)) {
      throw new AddressError(`"hid:" needs a device path, like hid:/dev/hidraw3`);
    }
    return { transport: 'hid', path };
  }
  if (input.startsWith('serial:')) {
    const path = input.slice('serial:'.length);
    if (path.length === 0 || path.length > 1024 || /[\0\n\r]/.test(path)) {
      throw new AddressError(`"serial:" needs a device path, like serial:/dev/ttyACM0 or serial:COM3`);
    }
    return { transport: 'serial', path };
  }
  if (!input.startsWith('tcp://')) {
    throw new AddressError(`"${printable(input)}" is not a phone address; use one like ${EXAMPLES}`);
  }
  const rest = input.slice('tcp://'.length).replace(/\/$/, '');
  let host: string;
  let portText: string | undefined;
  let zone: string | undefined;
  if (rest.startsWith('[')) {
    const end = rest.indexOf(']');
    if (end < 0) throw new AddressError(`"${printable(input)}": an IPv6 address needs a closing "]"`);
    const inside = rest.slice(1, end);
    const percent = inside.indexOf('%');
    host = percent < 0 ? inside : inside.slice(0, percent);
    zone = percent < 0 ? undefined : inside.slice(percent + 1);
    const after = rest.slice(end + 1);
    if (after !== '' && !after.startsWith(':'))
      throw new AddressError(`"${printable(input)}": unexpected "${printable(after)}" after the address`);
    portText = after === '' ? undefined : after.slice(1);
    if (!isIPv6(host)) throw new AddressError(`"${printable(host)}" is not an IPv6 address`);
    if (zone !== undefined && !ZONE.test(zone)) {
      throw new AddressError(`"${printable(zone)}" is not an interface name or index for the IPv6 zone`);
    }
  } else {
    const colon = rest.lastIndexOf(':');
    host = colon < 0 ? rest : rest.slice(0, colon);
    portText = colon < 0 ? undefined : rest.slice(colon + 1);
    if (host.includes(':'))
      throw new AddressError(`put IPv6 addresses in brackets: tcp://[${printable(rest)}]:${DEFAULT_PORT}`);
    if (!isIPv4(host) && !HOSTNAME.test(host))
      throw new AddressError(`"${printable(host)}" is not a host name or IPv4 address`);
  }
  const port = portText === undefined ? DEFAULT_PORT : Number(portText);
  if (
    !/^\d{1,5}$/.test(portText ?? '1') ||
    !Number.isInteger(port) ||
    port < (options.forListening ? 0 : 1) ||
    port > 65535
  ) {
    throw new AddressError(`"${printable(portText ?? '')}" is not a TCP port (1-65535)`);
  }
  return zone === undefined ? { transport: 'tcp', host, port } : { transport: 'tcp', host, port, zone };
}

export function formatAddress(address: PhoneAddress): string {
  if (address.transport !== 'tcp') return `${address.transport}:${address.path}`;
  const zone = address.zone === undefined ? '' : `%${address.zone}`;
  const host = isIPv6(address.host) ? `[${address.host}${zone}]` : address.host;
  return `tcp://${host}:${address.port}`;
}

/** Echo user input in errors without control characters or unbounded length. */
function printable(text: string): string {
  const clean = text.replace(/[^\x20-\x7e]/g, '?');
  return clean.length > 80 ? `${clean.slice(0, 77)}...` : clean;
}
