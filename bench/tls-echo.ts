// The benchmark's echo server, a separate process like the phone simulator: one raw TCP port and one TLS port
// (the link's own acceptSecure, so the same TLS 1.3 options and a fresh P-256 identity), both echoing every
// byte back. Loopback only. stdout: one line, {"event":"ready","tcp":PORT,"tls":PORT}. It exits when its stdin
// closes, so it cannot outlive the benchmark that started it.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { createIdentity } from '../native-bridge/link/identity.js';
import { acceptSecure } from '../native-bridge/link/tls.js';

const HOST = '127.0.0.1';
const identity = createIdentity('BToE bench echo');

function echo(stream: Duplex): void {
  stream.on('data', (chunk: Buffer) => stream.write(chunk));
  stream.on('error', () => stream.destroy());
}

const tcp = net.createServer({ noDelay: true }, (socket) => echo(socket));
const tls = net.createServer({ noDelay: true }, (socket) => {
  socket.on('error', () => socket.destroy());
  acceptSecure(socket, identity).then(
    (channel) => echo(channel.socket),
    (error: Error) => process.stderr.write(`tls-echo: handshake failed: ${error.message}\n`),
  );
});

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve((server.address() as net.AddressInfo).port));
  });
}

const [tcpPort, tlsPort] = await Promise.all([listen(tcp), listen(tls)]);
process.stdout.write(`${JSON.stringify({ event: 'ready', tcp: tcpPort, tls: tlsPort })}\n`);
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
process.stdin.resume();
