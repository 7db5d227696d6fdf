// Environment: Node (benchmarks, run by npm run bench).
// A crowded LAN for the PC-port lab (run inside the LAN namespace): COUNT fake phones, each announcing a valid
// `_btoe._tcp` record from its own source address (one socket per address), every INTERVAL ms, for SECONDS.
// Usage: node mdns-flood.js COUNT INTERVAL_MS SECONDS ADDRESS... (the addresses the lab added to the LAN side).
// stdout: {"event":"flooding","count":N} once the sockets are bound, {"event":"done","packets":N} at the end.
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { encodeTxt } from '../../native-bridge/ethernet/record.js';

const [countText = '1000', intervalText = '1000', secondsText = '10', ...addresses] = process.argv.slice(2);
const count = Number(countText);
const intervalMs = Number(intervalText);
const seconds = Number(secondsText);
if (addresses.length === 0) throw new Error('give the source addresses to announce from');

const base32 = 'abcdefghijklmnopqrstuvwxyz234567';
const fakeId = () => [...randomBytes(26)].map((b) => base32[b % 32]).join('');

// A hand-made DNS response (RFC 1035/6762): PTR, SRV, TXT, A, names uncompressed. Enough for any browser.
function name(text: string): Buffer {
  const parts = text.split('.').filter((p) => p !== '');
  return Buffer.concat([
    ...parts.map((p) => Buffer.concat([Buffer.from([Buffer.byteLength(p)]), Buffer.from(p)])),
    Buffer.from([0]),
  ]);
}
function record(owner: string, type: number, ttl: number, data: Buffer, flush = false): Buffer {
  const head = Buffer.alloc(10);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(flush ? 0x8001 : 1, 2);
  head.writeUInt32BE(ttl, 4);
  head.writeUInt16BE(data.length, 8);
  return Buffer.concat([name(owner), head, data]);
}
function announcement(i: number, address: string): Buffer {
  const instance = `Flood Phone ${i}._btoe._tcp.local`;
  const host = `flood-${i}.local`;
  const txt = encodeTxt({
    id: fakeId(),
    vendor: 'Polycom',
    model: 'VVX 450',
    firmware: '6.4.3',
    pairingMode: 'auto',
    pcPortMacs: [],
  });
  const txtData = Buffer.concat(
    Object.entries(txt).map(([k, v]) => {
      const entry = Buffer.from(`${k}=${v}`);
      return Buffer.concat([Buffer.from([entry.length]), entry]);
    }),
  );
  const srv = Buffer.alloc(6);
  srv.writeUInt16BE(0, 0);
  srv.writeUInt16BE(0, 2);
  srv.writeUInt16BE(24801, 4);
  const header = Buffer.alloc(12);
  header.writeUInt16BE(0x8400, 2);
  header.writeUInt16BE(4, 6);
  return Buffer.concat([
    header,
    record('_btoe._tcp.local', 12, 4500, name(instance)),
    record(instance, 33, 120, Buffer.concat([srv, name(host)]), true),
    record(instance, 16, 4500, txtData, true),
    record(host, 1, 120, Buffer.from(address.split('.').map(Number)), true),
  ]);
}

const sockets: Socket[] = await Promise.all(
  addresses.slice(0, count).map(
    (address) =>
      new Promise<Socket>((resolve, reject) => {
        const socket = createSocket({ type: 'udp4', reuseAddr: true });
        socket.once('error', reject);
        socket.bind(5353, address, () => {
          socket.setMulticastTTL(255);
          socket.setMulticastInterface(address);
          resolve(socket);
        });
      }),
  ),
);
const packets = sockets.map((_, i) => announcement(i, addresses[i]!));
process.stdout.write(`${JSON.stringify({ event: 'flooding', count: sockets.length })}\n`);
// Paced: each phone announces once per interval, spread evenly over it (10 ms ticks), as a real crowd would.
let sent = 0;
let next = 0;
const perTick = Math.max(1, Math.ceil((sockets.length * 10) / intervalMs));
const tick = () => {
  for (let k = 0; k < perTick; k++) {
    const i = next++ % sockets.length;
    sockets[i]!.send(packets[i]!, 5353, '224.0.0.251', () => undefined);
    sent++;
  }
};
const timer = setInterval(tick, 10);
setTimeout(() => {
  clearInterval(timer);
  process.stdout.write(`${JSON.stringify({ event: 'done', packets: sent })}\n`);
  for (const socket of sockets) socket.close();
  setTimeout(() => process.exit(0), 50);
}, seconds * 1000);
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
