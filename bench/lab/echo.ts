// An echo server for the PC-port lab (run inside the phone's namespace): one raw TCP port and one TLS port (the
// link's own acceptSecure), both echoing every byte, listening on the address given as the first argument.
// stdout: {"event":"ready","tcp":PORT,"tls":PORT}. It exits when its stdin closes.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { createIdentity } from '../../native-bridge/link/identity.js';
import { acceptSecure } from '../../native-bridge/link/tls.js';

const host = process.argv[2] ?? '0.0.0.0';
const identity = createIdentity('BToE lab echo');

function echo(stream: Duplex): void {
  stream.on('data', (chunk: Buffer) => stream.write(chunk));
  stream.on('error', () => stream.destroy());
}

const tcp = net.createServer({ noDelay: true }, (socket) => echo(socket));
const tls = net.createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => socket.destroy());
  acceptSecure(socket, identity).then(
    (channel) => echo(channel.socket),
    (error: Error) => process.stderr.write(`lab echo: handshake failed: ${error.message}\n`),
  );
});

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve((server.address() as net.AddressInfo).port));
  });
}

const [tcpPort, tlsPort] = await Promise.all([listen(tcp), listen(tls)]);
process.stdout.write(`${JSON.stringify({ event: 'ready', tcp: tcpPort, tls: tlsPort })}\n`);
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
