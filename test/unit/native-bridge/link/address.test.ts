import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AddressError,
  DEFAULT_PORT,
  formatAddress,
  parseAddress,
  type PhoneAddress,
} from '../../../../native-bridge/link/address.js';

/** Printable ASCII only: no control characters, nothing beyond '~'. */
const PRINTABLE = /^[\x20-\x7e]*$/;

/** Runs `fn`, expects an AddressError and returns its message. */
function addressError(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(AddressError);
    expect((error as Error).name).toBe('AddressError');
    return (error as Error).message;
  }
  throw new Error('expected an AddressError, but nothing was thrown');
}

describe('parseAddress: valid tcp addresses', () => {
  it.each<[string, PhoneAddress]>([
    ['tcp://192.168.1.20:24801', { transport: 'tcp', host: '192.168.1.20', port: 24801 }],
    ['tcp://127.0.0.1:1', { transport: 'tcp', host: '127.0.0.1', port: 1 }],
    ['tcp://10.0.0.1:65535', { transport: 'tcp', host: '10.0.0.1', port: 65535 }],
    ['tcp://192.168.1.20', { transport: 'tcp', host: '192.168.1.20', port: DEFAULT_PORT }],
    ['tcp://phone.example.com:5060', { transport: 'tcp', host: 'phone.example.com', port: 5060 }],
    ['tcp://desk-phone-7', { transport: 'tcp', host: 'desk-phone-7', port: DEFAULT_PORT }],
    ['tcp://localhost:24801', { transport: 'tcp', host: 'localhost', port: 24801 }],
    ['tcp://Phone.Example.COM.:80', { transport: 'tcp', host: 'Phone.Example.COM.', port: 80 }],
    ['tcp://[::1]:24801', { transport: 'tcp', host: '::1', port: 24801 }],
    ['tcp://[::1]', { transport: 'tcp', host: '::1', port: DEFAULT_PORT }],
    ['tcp://[2001:db8::5]:443', { transport: 'tcp', host: '2001:db8::5', port: 443 }],
    ['tcp://[fe80::1%pc0]:24801', { transport: 'tcp', host: 'fe80::1', port: 24801, zone: 'pc0' }],
    ['tcp://[fe80::1%eth0]', { transport: 'tcp', host: 'fe80::1', port: DEFAULT_PORT, zone: 'eth0' }],
    ['tcp://[fe80::1%12]:7', { transport: 'tcp', host: 'fe80::1', port: 7, zone: '12' }],
    ['tcp://[fe80::a:b%en0.5_x-y]:9', { transport: 'tcp', host: 'fe80::a:b', port: 9, zone: 'en0.5_x-y' }],
    ['  tcp://192.168.1.20:24801  ', { transport: 'tcp', host: '192.168.1.20', port: 24801 }],
    ['tcp://192.168.1.20:24801/', { transport: 'tcp', host: '192.168.1.20', port: 24801 }],
    ['tcp://[::1]:24801/', { transport: 'tcp', host: '::1', port: 24801 }],
  ])('%s', (text, expected) => {
    expect(parseAddress(text)).toEqual(expected);
  });

  it('has the default port 24801', () => {
    expect(DEFAULT_PORT).toBe(24801);
  });

  it('adds no zone member when there is no zone', () => {
    expect('zone' in parseAddress('tcp://[fe80::1]:24801')).toBe(false);
    expect('zone' in parseAddress('tcp://10.0.0.1:24801')).toBe(false);
  });

  it('allows port 0 only for listening', () => {
    expect(parseAddress('tcp://127.0.0.1:0', { forListening: true })).toEqual({
      transport: 'tcp',
      host: '127.0.0.1',
      port: 0,
    });
    expect(parseAddress('tcp://[::1]:0', { forListening: true })).toEqual({
      transport: 'tcp',
      host: '::1',
      port: 0,
    });
    expect(addressError(() => parseAddress('tcp://127.0.0.1:0'))).toMatch(
      /"0" is not a TCP port \(1-65535\)/,
    );
    expect(addressError(() => parseAddress('tcp://127.0.0.1:0', { forListening: false }))).toMatch(
      /not a TCP port/,
    );
  });
});

describe('parseAddress: serial addresses', () => {
  it.each([
    ['serial:/dev/ttyACM0', '/dev/ttyACM0'],
    ['serial:COM3', 'COM3'],
    ['serial:\\\\.\\COM12', '\\\\.\\COM12'],
    ['serial:/dev/serial/by-id/usb-Poly_VVX 450-if00', '/dev/serial/by-id/usb-Poly_VVX 450-if00'],
  ])('%s', (text, path) => {
    expect(parseAddress(text)).toEqual({ transport: 'serial', path });
  });

  it('rejects an empty, overlong or control-character path', () => {
    for (const text of ['serial:', 'serial:' + 'x'.repeat(1025), 'serial:/dev/tty\0', 'serial:/dev/a\nb']) {
      expect(addressError(() => parseAddress(text))).toMatch(/"serial:" needs a device path, like serial:/);
    }
    expect(parseAddress('serial:' + 'x'.repeat(1024))).toEqual({
      transport: 'serial',
      path: 'x'.repeat(1024),
    });
  });
});

describe('parseAddress: bad input', () => {
  it('needs a scheme and names the accepted forms', () => {
    const message = addressError(() => parseAddress('192.168.1.20:24801'));
    expect(message).toContain('"192.168.1.20:24801" is not a phone address');
    expect(message).toContain('tcp://192.168.1.20:24801');
    expect(message).toContain('serial:');
    expect(addressError(() => parseAddress(''))).toMatch(/is not a phone address/);
    expect(addressError(() => parseAddress('   '))).toMatch(/is not a phone address/);
    expect(addressError(() => parseAddress('tcp:192.168.1.20'))).toMatch(/is not a phone address/);
  });

  it('rejects other schemes', () => {
    for (const text of ['http://192.168.1.20:24801', 'https://phone', 'udp://10.0.0.1:5', 'tcp:/10.0.0.1']) {
      expect(addressError(() => parseAddress(text))).toContain(`"${text}" is not a phone address`);
    }
  });

  it('rejects an unclosed bracket', () => {
    expect(addressError(() => parseAddress('tcp://[fe80::1:24801'))).toMatch(/needs a closing "\]"/);
    expect(addressError(() => parseAddress('tcp://[::1'))).toMatch(/needs a closing "\]"/);
  });

  it('rejects junk after the bracket', () => {
    expect(addressError(() => parseAddress('tcp://[::1]24801'))).toMatch(/unexpected "24801"/);
  });

  it('rejects a non-IPv6 address in brackets', () => {
    expect(addressError(() => parseAddress('tcp://[192.168.1.1]:24801'))).toMatch(
      /"192\.168\.1\.1" is not an IPv6 address/,
    );
    expect(addressError(() => parseAddress('tcp://[phone]:24801'))).toMatch(/not an IPv6 address/);
    expect(addressError(() => parseAddress('tcp://[]:24801'))).toMatch(/not an IPv6 address/);
  });

  it('asks for brackets around IPv6 addresses', () => {
    const message = addressError(() => parseAddress('tcp://fe80::1:24801'));
    expect(message).toMatch(/put IPv6 addresses in brackets: tcp:\/\/\[/);
    expect(addressError(() => parseAddress('tcp://2001:db8::5'))).toMatch(/put IPv6 addresses in brackets/);
  });

  it('suggests the whole IPv6 address when asking for brackets', () => {
    expect(addressError(() => parseAddress('tcp://fe80::1'))).toContain('tcp://[fe80::1]:24801');
  });

  it.each(['65536', '99999', '123456', '-1', '+80', '1e3', 'http', ' 80', '0x50', '', '8080a'])(
    'rejects port %j',
    (port) => {
      const message = addressError(() => parseAddress(`tcp://10.0.0.1:${port}`));
      expect(message).toMatch(/is not a TCP port \(1-65535\)/);
      expect(addressError(() => parseAddress(`tcp://[::1]:${port}`, { forListening: true }))).toMatch(
        /is not a TCP port/,
      );
    },
  );

  it('rejects bad host names', () => {
    for (const host of [
      '-phone',
      'phone-',
      'ph_one',
      'ph one',
      'a..b',
      '',
      'phone/x',
      'ph%6Fne',
      'a'.repeat(64),
    ]) {
      expect(addressError(() => parseAddress(`tcp://${host}:24801`))).toMatch(
        /is not a host name or IPv4 address/,
      );
    }
  });

  it.each(['', 'eth 0', 'eth0/1', 'x'.repeat(65), 'ä', 'a]b', 'a\u0000'])(
    'rejects the IPv6 zone %j',
    (zone) => {
      const message = addressError(() => parseAddress(`tcp://[fe80::1%${zone}]:24801`));
      expect(message).toMatch(/is not an interface name or index for the IPv6 zone|unexpected|not an IPv6/);
    },
  );

  it('rejects a zone with a second "%"', () => {
    expect(() => parseAddress('tcp://[fe80::1%eth0%evil]:24801')).toThrow(AddressError);
  });

  it('echoes control characters safely in host and port errors', () => {
    for (const text of [
      'tcp://ph\u0000one:24801',
      'tcp://pho\u001b[31mne',
      'tcp://10.0.0.1:2\u00074',
      '\u001b[2Jtcp',
    ]) {
      const message = addressError(() => parseAddress(text));
      expect(message).toMatch(PRINTABLE);
      expect(message).toContain('?');
    }
    const zone = addressError(() => parseAddress('tcp://[fe80::1%e\u0000th]:1'));
    expect(zone).toMatch(PRINTABLE);
  });

  it('echoes control characters safely after an IPv6 bracket', () => {
    const message = addressError(() => parseAddress('tcp://[::1]x\u001b[2J' + 'y'.repeat(5000)));
    expect(message).toMatch(PRINTABLE);
    expect(message.length).toBeLessThan(300);
  });

  it('keeps messages short for very long input', () => {
    for (const text of [
      'tcp://' + 'a'.repeat(100_000),
      'tcp://' + 'a.'.repeat(200) + 'b:24801',
      'tcp://10.0.0.1:' + '9'.repeat(100_000),
      'x'.repeat(100_000),
      'tcp://[' + 'f'.repeat(100_000) + ']:1',
      'tcp://[fe80::1%' + 'z'.repeat(100_000) + ']:1',
    ]) {
      const message = addressError(() => parseAddress(text));
      expect(message.length).toBeLessThan(300);
      expect(message).toContain('...');
    }
  });

  it('throws only AddressError on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string().map((s) => `tcp://${s}`),
          fc.string().map((s) => `tcp://[${s}`),
          fc.string({ unit: 'binary' }).map((s) => `tcp://[fe80::1%${s}]:${s}`),
        ),
        fc.boolean(),
        (text, forListening) => {
          try {
            const address = parseAddress(text, { forListening });
            if (address.transport === 'tcp') {
              expect(Number.isInteger(address.port)).toBe(true);
              expect(address.port).toBeGreaterThanOrEqual(forListening ? 0 : 1);
              expect(address.port).toBeLessThanOrEqual(65535);
            }
          } catch (error) {
            expect(error).toBeInstanceOf(AddressError);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('formatAddress', () => {
  it.each<[PhoneAddress, string]>([
    [{ transport: 'tcp', host: '192.168.1.20', port: 24801 }, 'tcp://192.168.1.20:24801'],
    [{ transport: 'tcp', host: 'phone.example.com', port: 80 }, 'tcp://phone.example.com:80'],
    [{ transport: 'tcp', host: '::1', port: 24801 }, 'tcp://[::1]:24801'],
    [{ transport: 'tcp', host: 'fe80::1', port: 24801, zone: 'pc0' }, 'tcp://[fe80::1%pc0]:24801'],
    [{ transport: 'serial', path: '/dev/ttyACM0' }, 'serial:/dev/ttyACM0'],
    [{ transport: 'serial', path: 'COM3' }, 'serial:COM3'],
  ])('%j → %s', (address, text) => {
    expect(formatAddress(address)).toBe(text);
  });

  it.each([
    'tcp://192.168.1.20:24801',
    'tcp://phone.example.com:5060',
    'tcp://[::1]:24801',
    'tcp://[2001:db8::5]:443',
    'tcp://[fe80::1%pc0]:24801',
    'tcp://[fe80::1%7]:1',
    'serial:/dev/ttyACM0',
    'serial:COM3',
  ])('round trips %s', (text) => {
    expect(formatAddress(parseAddress(text))).toBe(text);
  });

  it('writes the default port explicitly', () => {
    expect(formatAddress(parseAddress('tcp://192.168.1.20'))).toBe('tcp://192.168.1.20:24801');
    expect(formatAddress(parseAddress('tcp://[fe80::1%eth0]'))).toBe('tcp://[fe80::1%eth0]:24801');
  });

  it('round trips generated addresses', () => {
    const zone = fc.stringMatching(/^[A-Za-z0-9_.-]{1,64}$/);
    const address: fc.Arbitrary<PhoneAddress> = fc.oneof(
      fc.record({
        transport: fc.constant('tcp' as const),
        host: fc.oneof(fc.ipV4(), fc.domain()),
        port: fc.integer({ min: 1, max: 65535 }),
      }),
      fc.record({
        transport: fc.constant('tcp' as const),
        host: fc.ipV6(),
        port: fc.integer({ min: 1, max: 65535 }),
      }),
      fc.record({
        transport: fc.constant('tcp' as const),
        host: fc.ipV6(),
        port: fc.integer({ min: 1, max: 65535 }),
        zone,
      }),
      fc.record({
        transport: fc.constant('serial' as const),
        path: fc.stringMatching(/^[^\0\n\r]{1,200}$/).filter((p) => p.trim() === p),
      }),
    );
    fc.assert(
      fc.property(address, (a) => {
        const text = formatAddress(a);
        expect(parseAddress(text)).toEqual(a);
        expect(formatAddress(parseAddress(text))).toBe(text);
      }),
      { numRuns: 1000 },
    );
  });
});
