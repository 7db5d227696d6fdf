// Environment: Node (test helper, run inside a lab namespace). A rogue companion for the PC-port lab: a host on the
// LAN that asks the phone for Auto pairing and puts the real PC's MAC in its pair-start, as the old protocol let it
// (docs/protocol.md, "Auto mode"). Returned as a script for `node --input-type=module -e`, so that it runs in the
// LAN namespace from the built dist/ without being a product entry point.
import { join } from 'node:path';
import { DIST } from './processes.js';

/**
 * Prints one JSON line: the phone's hello (what it told this connection) and its answer to the pair-start.
 * Raw frames, not MessageLink: our encoder would drop the `macs` member a rogue adds.
 */
export function rogueCompanionScript(host: string, port: number, pcMac: string): string {
  const module = (path: string) => JSON.stringify(`file://${join(DIST, path)}`);
  return `
import net from 'node:net';
const { connectSecure } = await import(${module('native-bridge/link/tls.js')});
const { createIdentity } = await import(${module('native-bridge/link/identity.js')});
const { PairingInitiator, pairingChannelId } = await import(${module('native-bridge/link/pairing.js')});
const identity = createIdentity('rogue');
const socket = net.connect(${port}, ${JSON.stringify(host)});
await new Promise((resolve, reject) => { socket.once('connect', resolve); socket.once('error', reject); });
const channel = await connectSecure(socket, identity, 'pairing');
let buffer = Buffer.alloc(0);
const waiting = [];
channel.socket.on('data', (chunk) => { buffer = Buffer.concat([buffer, chunk]); waiting.splice(0).forEach((w) => w()); });
const next = async () => {
  for (;;) {
    if (buffer.length >= 4 && buffer.length >= 4 + buffer.readUInt32BE(0)) {
      const body = buffer.subarray(4, 4 + buffer.readUInt32BE(0));
      buffer = buffer.subarray(4 + body.length);
      return JSON.parse(body.toString('utf8'));
    }
    await new Promise((resolve) => waiting.push(resolve));
  }
};
const send = (message) => {
  const body = Buffer.from(JSON.stringify(message));
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  channel.socket.write(Buffer.concat([head, body]));
};
const hello = await next();
send({ type: 'ack', re: hello.id });
send({ type: 'hello', id: 1, protocol: 1, role: 'companion', app: 'rogue' });
await next();
const initiator = new PairingInitiator({
  password: '',
  channelId: pairingChannelId(channel.socket),
  companionSpkiHash: identity.spkiHash,
  phoneSpkiHash: new Uint8Array(32),
});
const hex = (b) => Buffer.from(b).toString('hex');
send({ type: 'pair-start', id: 2, mode: 'auto', sid: hex(initiator.sid), share: hex(initiator.share), macs: [${JSON.stringify(pcMac)}] });
const reply = await next();
process.stdout.write(JSON.stringify({ hello, reply }) + '\\n');
channel.socket.destroy();
`;
}
