#!/usr/bin/env node
// Environment: Node (the phone simulator).
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import {
  AddressError,
  type PhoneAddress,
  formatAddress,
  parseAddress,
} from '../native-bridge/link/address.js';
import { lockTypeFor } from '../native-bridge/firmware/minimums.js';
import { macAddress, type PairingMode } from '../native-bridge/link/messages.js';
import { SerialListener } from '../native-bridge/usb/serial-transport.js';
import { advertise, peerOnPcPort, withdrawAdvertisement } from './ethernet.js';
import { PhoneIdentityStore } from './phone-identity.js';
import { type PhoneConfig, type PhoneEvent, PhoneSimulator } from './phone.js';

const HELP = `btoe-phone-sim: a desk phone that speaks the open BToE protocol (docs/protocol.md)

Usage: npm run -s phone-sim -- [options]
       npm run -s phone-sim -- --api poly|yealink [options]   (a vendor phone's device API: add --help)

Options:
  --listen ADDRESS        where to listen: tcp://HOST:PORT (port 0 picks one) or serial:PATH; repeat it for a
                          phone reachable over both [tcp://127.0.0.1:24801]
                          or serial:PATH (USB tethering: one PC at a time; reopened when PATH comes back)
  --vendor NAME           [Polycom]        --family NAME      [VVX]
  --model NAME            [VVX 450]        --firmware VERSION [6.4.3]
  --serial SERIAL         hardware serial  [random]
  --mac MAC               the phone's own MAC [random]
  --identity DIR          keep keys and paired PCs in DIR (a fresh DIR is a factory reset)
  --pc-port IFACE         the bridge port that is the phone's PC port: a connection is "on the PC port" when
                          its source's MAC (neighbour table) was learned on IFACE (the bridge's forwarding
                          table), checked for real per connection (Linux, inside the phone's namespace)
  --test-peer-on-pc-port  TEST ONLY, without --pc-port: tell every peer it is on the PC port, unchecked (a
                          stand-in on loopback, where there is no layer 2; a lying decoy phone). Without
                          either option no peer is on the PC port
  --mdns                  advertise the phone as _btoe._tcp (DNS-SD) once it listens
  --pairing-mode MODE     auto|manual, as provisioned by Set-CsIPPhonePolicy [auto]
  --pairing-window S      how long an opened pairing window stays open [120]
  --pin DIGITS            the Phone-Lock PIN [246810]
  --min-pin-length N      MinPhonePinLength, 4-15 [6]
  --user UPN              the signed-in user [none]
  --answer-delay MS       how long the far end takes to answer outgoing calls [1000]
  --web-sign-in-seconds S how long a web sign-in code lasts [900]
  --help

Commands on stdin, one per line:
  open-pairing            open the pairing window (or show a fresh code if it is open)
  incoming-call NUMBER    a call rings on the phone
  answer | hangup         pick up or end the call on the phone
  lock | unlock PIN       lock the phone, unlock it with the PIN
  sign-in-request web [URL]|credentials   ask the PC to sign the phone in (web: at URL, by default
                          https://microsoft.com/devicelogin)
  web-sign-in-complete UPN   the user finished web sign-in in the browser
  sign-out                sign the user out of the phone
  drop-links              drop every session at once (a pulled cable)
  unplug tcp | plug tcp   take the phone's Ethernet away (listener closed, sessions dropped), bring it back
  refuse-connections on|off   refuse new connections (the network is down)
  silent on|off           stop answering requests on sessions (a hung phone)
  quit

stdout carries only JSON events, one per line, each with an "event" member; logs go to stderr.
`;

function emit(event: PhoneEvent | { event: 'ready'; address: string; id: string }): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function log(message: string): void {
  process.stderr.write(`phone-sim: ${message}\n`);
}

function usageError(message: string): never {
  log(`${message}\nRun with --help for the options.`);
  process.exit(2);
}

function randomMac(): string {
  const bytes = randomBytes(6);
  bytes[0] = (bytes[0]! & 0xfe) | 0x02; // locally administered, unicast
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

function parseConfig(): {
  config: PhoneConfig;
  listen: string[];
  identityDir: string | undefined;
  mdns: boolean;
} {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        listen: { type: 'string', multiple: true, default: ['tcp://127.0.0.1:24801'] },
        vendor: { type: 'string', default: 'Polycom' },
        family: { type: 'string', default: 'VVX' },
        model: { type: 'string', default: 'VVX 450' },
        firmware: { type: 'string', default: '6.4.3' },
        serial: { type: 'string' },
        mac: { type: 'string' },
        identity: { type: 'string' },
        'pc-port': { type: 'string' },
        'test-peer-on-pc-port': { type: 'boolean', default: false },
        mdns: { type: 'boolean', default: false },
        'pairing-mode': { type: 'string', default: 'auto' },
        'pairing-window': { type: 'string', default: '120' },
        pin: { type: 'string', default: '246810' },
        'min-pin-length': { type: 'string', default: '6' },
        user: { type: 'string' },
        'answer-delay': { type: 'string', default: '1000' },
        'web-sign-in-seconds': { type: 'string', default: '900' },
        help: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (error) {
    usageError((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(HELP);
    process.exit(0);
  }
  const mode = values['pairing-mode'];
  if (mode !== 'auto' && mode !== 'manual')
    usageError(`--pairing-mode must be auto or manual, not "${mode}"`);
  const window = Number(values['pairing-window']);
  if (!Number.isInteger(window) || window < 1 || window > 3600)
    usageError('--pairing-window must be 1-3600 seconds');
  const minPin = Number(values['min-pin-length']);
  if (!Number.isInteger(minPin) || minPin < 4 || minPin > 15) usageError('--min-pin-length must be 4-15');
  if (!/^\d+$/.test(values.pin) || values.pin.length < minPin || values.pin.length > 15) {
    usageError(`--pin must be ${minPin} to 15 digits (MinPhonePinLength is ${minPin})`);
  }
  const webSignIn = Number(values['web-sign-in-seconds']);
  if (!Number.isInteger(webSignIn) || webSignIn < 1 || webSignIn > 3600)
    usageError('--web-sign-in-seconds must be 1-3600');
  const answerDelay = Number(values['answer-delay']);
  if (!Number.isInteger(answerDelay) || answerDelay < 0) usageError('--answer-delay must be milliseconds');
  const mac = (values.mac ?? randomMac()).toLowerCase().replace(/-/g, ':');
  if (!macAddress.safeParse(mac).success) usageError(`"${mac}" is not a MAC address`);
  if (values['pc-port'] !== undefined && values['test-peer-on-pc-port'])
    usageError('--test-peer-on-pc-port is a stand-in for --pc-port: give one or the other');
  const text = (name: string, value: string) => {
    if (value.length === 0 || value.length > 64) usageError(`--${name} must be 1-64 characters`);
    return value;
  };
  return {
    listen: values.listen,
    identityDir: values.identity,
    mdns: values.mdns,
    config: {
      vendor: text('vendor', values.vendor),
      family: text('family', values.family),
      model: text('model', values.model),
      firmware: text('firmware', values.firmware),
      serial: text('serial', values.serial ?? randomBytes(6).toString('hex').toUpperCase()),
      mac,
      lockType: lockTypeFor(values.vendor, values.firmware),
      pairingMode: mode as PairingMode,
      pairingWindowSeconds: window,
      peerOnPcPort: peerOnPcPort(values['pc-port'], values['test-peer-on-pc-port']),
      pin: values.pin,
      user: values.user ?? null,
      answerDelayMs: answerDelay,
      webSignInSeconds: webSignIn,
    },
  };
}

async function main(): Promise<void> {
  const { config, listen, identityDir, mdns } = parseConfig();
  const addresses = listen.map((text) => {
    try {
      return parseAddress(text, { forListening: true });
    } catch (error) {
      usageError(error instanceof AddressError ? `--listen: ${error.message}` : String(error));
    }
  });
  const store = await PhoneIdentityStore.open(identityDir);
  const phone = new PhoneSimulator(config, store);
  phone.on('event', emit);
  phone.on('log', log);

  // One phone, one identity, on every transport it was given (Ethernet and USB at once, say).
  let tcp: TcpPort | undefined;
  for (const address of addresses) {
    if (address.transport === 'serial') serveSerial(address.path, phone, config);
    else if (address.transport === 'hid') {
      usageError(
        'the simulator cannot be a HID device; the HID tunnel is tested in-process (test/integration/hid-tunnel)',
      );
    } else if (tcp) usageError('one tcp:// --listen at most');
    else tcp = new TcpPort(address, phone, config, mdns);
  }

  const stop = () => {
    phone.stop();
    tcp?.unplug();
    void withdrawAdvertisement().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    const [command = '', ...args] = line.trim().split(/\s+/);
    try {
      switch (command) {
        case '':
          return;
        case 'open-pairing':
          return phone.openPairing();
        case 'incoming-call':
          if (!/^\+?[0-9*#]{1,32}$/.test(args[0] ?? '')) throw new Error('usage: incoming-call NUMBER');
          return phone.incomingCall(args[0]!);
        case 'answer':
          return phone.answer();
        case 'hangup':
          return phone.hangup();
        case 'lock':
          return phone.lockByUser();
        case 'unlock':
          return phone.unlockWithPin(args[0] ?? '');
        case 'sign-in-request':
          if (args[0] === 'web' && args[1] !== undefined) {
            if (!/^https:\/\/[\x21-\x7e]{1,400}$/.test(args[1]))
              throw new Error('usage: sign-in-request web https://…');
            return phone.requestSignIn('web', args[1]);
          }
          if (args[0] !== 'web' && args[0] !== 'credentials')
            throw new Error('usage: sign-in-request web [URL]|credentials');
          return phone.requestSignIn(args[0]);
        case 'web-sign-in-complete':
          if (!/^[^@\s]+@[^@\s]+$/.test(args[0] ?? '')) throw new Error('usage: web-sign-in-complete UPN');
          return phone.completeWebSignIn(args[0]!);
        case 'sign-out':
          return phone.signOut();
        case 'drop-links':
          return phone.dropLinks();
        case 'unplug':
        case 'plug':
          if (args[0] !== 'tcp' || !tcp) throw new Error(`usage: ${command} tcp (the phone's Ethernet)`);
          return command === 'unplug' ? tcp.unplug() : tcp.plug();
        case 'refuse-connections':
        case 'silent': {
          if (args[0] !== 'on' && args[0] !== 'off') throw new Error(`usage: ${command} on|off`);
          phone.faults[command === 'silent' ? 'silent' : 'refuseConnections'] = args[0] === 'on';
          return;
        }
        case 'quit':
          return stop();
        default:
          throw new Error(`unknown command "${command.slice(0, 32)}" (see --help)`);
      }
    } catch (error) {
      log((error as Error).message);
    }
  });
  input.on('close', () => {
    // stdin closing (e.g. started with </dev/null) is not a reason to stop serving.
  });
}

/** --listen serial:PATH: the phone end of USB tethering, one link at a time; reopened when the port comes back. */
/** The phone's Ethernet side: a TCP listener that can be unplugged (listener closed, its sessions dropped). */
class TcpPort {
  private server: net.Server | undefined;
  private port: number;
  private listenedBefore = false;

  constructor(
    private readonly address: Extract<PhoneAddress, { transport: 'tcp' }>,
    private readonly phone: PhoneSimulator,
    private readonly config: PhoneConfig,
    private readonly mdns: boolean,
  ) {
    this.port = address.port;
    this.plug();
  }

  plug(): void {
    if (this.server) return;
    const server = net.createServer({ noDelay: true }, (socket) => {
      socket.on('error', () => socket.destroy());
      void this.phone.accept(socket, 'tcp');
    });
    this.server = server;
    const { host, zone } = this.address;
    server.once('error', (error) => {
      log(`cannot listen on ${formatAddress(this.address)}: ${error.message}`);
      process.exit(1);
    });
    const first = !this.listenedBefore;
    server.listen(this.port, zone === undefined ? host : `${host}%${zone}`, () => {
      this.port = (server.address() as net.AddressInfo).port;
      emit({
        event: 'ready',
        address: formatAddress({ ...this.address, port: this.port }),
        id: this.phone.id,
      });
      if (first && this.mdns) {
        advertise(this.phone, this.port, log).catch((error: Error) => log(`mDNS: ${error.message}`));
      }
      const c = this.config;
      log(`${c.vendor} ${c.model} (firmware ${c.firmware}, ${c.lockType}) listening, id ${this.phone.id}`);
    });
    this.listenedBefore = true;
  }

  unplug(): void {
    this.server?.close();
    this.server = undefined;
    this.phone.dropLinks('tcp');
  }
}

function serveSerial(path: string, phone: PhoneSimulator, config: PhoneConfig): void {
  const listener = new SerialListener(path);
  listener.on('log', log);
  listener.on('link', (link) => {
    link.on('error', () => undefined); // reported by the link's TLS socket and phone.accept
    void phone.accept(link, 'serial');
  });
  listener.once('open', () => {
    emit({ event: 'ready', address: formatAddress({ transport: 'serial', path }), id: phone.id });
    log(
      `${config.vendor} ${config.model} (firmware ${config.firmware}, ${config.lockType}) on serial:${path}, id ${phone.id}`,
    );
  });
  listener.start();
}

process.on('uncaughtException', (error) => {
  log(`internal error: ${error.stack ?? error.message}`);
});

// `--api poly|yealink`: a vendor's documented device API instead of the open protocol (simulator/poly/, yealink/).
const vendorApi = process.argv[2] === '--api' ? process.argv[3] : undefined;
if (vendorApi === 'poly') void import('./poly/cli.js').then((sim) => sim.main(process.argv.slice(4)));
else if (vendorApi === 'yealink')
  void import('./yealink/cli.js').then((sim) => sim.runYealinkSimulator(process.argv.slice(4)));
else void main();
