// Environment: Node (vitest, real btoe processes over loopback). Issue 13 item 5: a phone that names itself with
// terminal escapes (an OSC title, a clear screen, `\r ESC[K`, U+202E) gets none of them onto the user's terminal,
// whether they arrive in its hello or sit in a stored pairing.
import net from 'node:net';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cleanup, importDist, runBtoe, show, tempDir } from './helpers/processes.js';

type TlsModule = typeof import('../../native-bridge/link/tls.js');
type IdentityModule = typeof import('../../native-bridge/link/identity.js');

let tls: TlsModule;
let identity: IdentityModule;

beforeAll(async () => {
  tls = await importDist<TlsModule>('native-bridge/link/tls.js');
  identity = await importDist<IdentityModule>('native-bridge/link/identity.js');
});

const servers: net.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) server.close();
  await cleanup();
});

const VENDOR = 'Poly\u001b]0;owned\u0007\u001b[2J';
const MODEL = 'VVX\r\u001b[Kpaired with your PC';
const FIRMWARE = '6.4.3 \u202eexe.txt';
/** Anything a terminal would act on: C0/C1 controls (newline aside), DEL, bidi controls, line separators. */
const RAW = /(?!\n)[\p{Cc}\u202a-\u202e\u2066-\u2069\u2028\u2029]/u;

const frame = (message: unknown) => {
  const body = Buffer.from(JSON.stringify(message));
  const header = Buffer.alloc(4);
  header.writeUInt32BE(body.length);
  return Buffer.concat([header, body]);
};

/** A phone that says hello with hostile names and acknowledges every request after that. */
async function hostilePhone(): Promise<string> {
  const phone = identity.createIdentity('hostile phone');
  const server = net.createServer(async (socket) => {
    socket.on('error', () => undefined);
    const channel = await tls.acceptSecure(socket, phone).catch(() => undefined);
    if (!channel) return;
    channel.socket.on('error', () => undefined);
    channel.socket.write(
      frame({
        type: 'hello',
        id: 1,
        protocol: 1,
        role: 'phone',
        vendor: VENDOR,
        family: 'VVX',
        model: MODEL,
        firmware: FIRMWARE,
        serial: '0004F2A1B2C3',
        mac: '00:04:f2:a1:b2:c3',
        lockType: 'phone-lock',
        capabilities: ['lock'],
        pairing: { mode: 'manual', window: 'open', pcPortMacs: [] },
      }),
    );
    let buffer = Buffer.alloc(0);
    channel.socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      while (buffer.length >= 4 && buffer.length >= 4 + buffer.readUInt32BE(0)) {
        const body = buffer.subarray(4, 4 + buffer.readUInt32BE(0));
        buffer = buffer.subarray(4 + body.length);
        const message = JSON.parse(body.toString()) as { id?: number };
        if (message.id !== undefined) channel.socket.write(frame({ type: 'ack', re: message.id }));
      }
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `tcp://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
}

describe('a phone whose hello carries terminal escapes', () => {
  it('gets none of them printed by devices (human or --json) or pair', async () => {
    const address = await hostilePhone();
    const store = await tempDir();
    for (const args of [
      ['devices', address],
      ['devices', address, '--json'],
      ['pair', address, '--code', 'ABCD-2345'],
    ]) {
      const result = await runBtoe(args, { store });
      expect(result.stdout + result.stderr, show(result)).not.toMatch(RAW);
      expect(result.code, show(result)).not.toBe(1);
      if (args[0] === 'pair') expect(result.stderr).toContain('invalid "hello" message at vendor');
    }
    // Refused at the boundary: nothing was stored.
    const status = await runBtoe(['status', '--json'], { store });
    expect((status.json as { phones: unknown[] }).phones, show(status)).toEqual([]);
  });
});

describe('a stored pairing with terminal escapes in its names (written by an older version)', () => {
  it('is reported as a damaged store (exit 11, the file named), never printed raw', async () => {
    const store = await tempDir();
    const phone = identity.createIdentity('phone');
    const file = join(store, 'pairings.json');
    await writeFile(
      file,
      JSON.stringify({
        version: 1,
        phones: [
          {
            id: phone.id,
            name: `${VENDOR} ${MODEL}`,
            vendor: VENDOR,
            family: 'VVX',
            model: MODEL,
            firmware: FIRMWARE,
            serial: '0004F2A1B2C3',
            mac: '00:04:f2:a1:b2:c3',
            lockType: 'phone-lock',
            transport: 'tcp',
            address: 'tcp://127.0.0.1:9',
            certificate: phone.certificatePem,
            mode: 'manual',
            pairedAt: '2026-12-01T12:00:00.000Z',
          },
        ],
      }),
      { mode: 0o600 },
    );
    for (const args of [['status'], ['status', '--json'], ['devices']]) {
      const result = await runBtoe(args, { store });
      expect(result.stdout + result.stderr, show(result)).not.toMatch(RAW);
      expect(result.code, show(result)).toBe(11);
      expect(result.stdout + result.stderr).toContain(file);
    }
  });
});
