// Environment: Node (the phone simulator). `btoe-phone-sim --api poly`: a Poly phone's REST API on loopback or in
// a lab namespace, driven by stdin commands, reporting JSON events on stdout.
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { macAddress } from '../../native-bridge/link/messages.js';
import { type PolySimEvent, PolyPhoneSimulator } from './poly-phone.js';

const HELP = `btoe-phone-sim --api poly: a Poly phone's REST API (UC Software 5.4+), from Poly's documentation

Usage: npm run -s phone-sim -- --api poly [options]

Options:
  --listen URL            https://HOST:PORT (a self-signed certificate for the phone's MAC-based name) or
                          http://HOST:PORT; port 0 picks one [https://127.0.0.1:0]
  --password PASSWORD     the admin password, the REST API's password for the user Polycom [456789]
  --model NAME            [VVX 450]        --firmware VERSION [6.4.3] (before 5.8: no v2 endpoints)
  --mac MAC               the phone's MAC [random]
  --line SIP-ADDRESS      line 1's account [1001@pbx.example.com]
  --answer-delay MS       how long the far end takes to answer outgoing calls [1000]
  --tel-notification URL  set apps.telNotification.URL and turn on the call events, as provisioning would
  --rest-disabled         apps.restapi.enabled=0: every API path answers HTTP 404
  --default-password      the factory password is still set: every request answers 4010
  --busy                  call control answers 4001 (device busy)
  --line-unregistered     the line is not registered: dial answers 4002
  --help

Commands on stdin, one per line:
  incoming-call NUMBER    a call rings on the phone
  answer | hangup         pick up or end the call on the phone
  lock | unlock           lock or unlock the phone
  fault NAME on|off       rest-disabled, default-password, busy, line-unregistered
  quit

stdout carries only JSON events, one per line, each with an "event" member; logs go to stderr.
`;

const FAULTS = {
  'rest-disabled': 'restDisabled',
  'default-password': 'defaultPassword',
  busy: 'busy',
  'line-unregistered': 'lineUnregistered',
} as const;

function emit(event: PolySimEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function log(message: string): void {
  process.stderr.write(`poly-sim: ${message}\n`);
}

function usageError(message: string): never {
  log(`${message}\nRun with --api poly --help for the options.`);
  process.exit(2);
}

export async function main(args: string[]): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        listen: { type: 'string', default: 'https://127.0.0.1:0' },
        password: { type: 'string', default: '456789' },
        model: { type: 'string', default: 'VVX 450' },
        firmware: { type: 'string', default: '6.4.3' },
        mac: { type: 'string' },
        line: { type: 'string', default: '1001@pbx.example.com' },
        'answer-delay': { type: 'string', default: '1000' },
        'tel-notification': { type: 'string' },
        'rest-disabled': { type: 'boolean', default: false },
        'default-password': { type: 'boolean', default: false },
        busy: { type: 'boolean', default: false },
        'line-unregistered': { type: 'boolean', default: false },
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
  if (!/^https?:\/\/[^/]+\/?$/.test(values.listen))
    usageError('--listen must be https://HOST:PORT or http://HOST:PORT');
  const answerDelay = Number(values['answer-delay']);
  if (!Number.isInteger(answerDelay) || answerDelay < 0) usageError('--answer-delay must be milliseconds');
  const mac = (values.mac ?? randomMac()).toLowerCase().replace(/-/g, ':');
  if (!macAddress.safeParse(mac).success) usageError(`"${mac}" is not a MAC address`);
  for (const [name, value] of [
    ['model', values.model],
    ['firmware', values.firmware],
    ['password', values.password],
    ['line', values.line],
  ] as const) {
    if (value.length === 0 || value.length > 64 || !/^[\x20-\x7e]+$/.test(value)) {
      usageError(`--${name} must be 1-64 printable ASCII characters`);
    }
  }
  const notification = values['tel-notification'];
  if (notification !== undefined && !/^https?:\/\/[\x21-\x7e]+$/.test(notification)) {
    usageError('--tel-notification must be an http:// or https:// URL');
  }

  const phone = new PolyPhoneSimulator({
    model: values.model,
    firmware: values.firmware,
    mac,
    password: values.password,
    lineAddress: values.line,
    answerDelayMs: answerDelay,
  });
  phone.on('event', emit);
  phone.on('log', log);
  for (const [flag, fault] of Object.entries(FAULTS))
    phone.faults[fault] = values[flag as keyof typeof FAULTS];
  if (notification !== undefined) {
    phone.parameters.set('apps.telNotification.URL', notification);
    for (const event of ['callStateChangeEvent', 'incomingEvent', 'outgoingEvent']) {
      phone.parameters.set(`apps.telNotification.${event}`, '1');
    }
  }
  try {
    await phone.listen(values.listen);
  } catch (error) {
    log(`cannot listen on ${values.listen}: ${(error as Error).message}`);
    process.exit(1);
  }
  log(`Poly ${values.model} (UC Software ${values.firmware}, MAC ${mac}) REST API listening`);

  const stop = () => void phone.close().finally(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  const input = createInterface({ input: process.stdin });
  input.on('line', (line) => {
    const [command = '', ...rest] = line.trim().split(/\s+/);
    try {
      switch (command) {
        case '':
          return;
        case 'incoming-call':
          if (!/^\+?[0-9*#]{1,32}$/.test(rest[0] ?? '')) throw new Error('usage: incoming-call NUMBER');
          phone.incomingCall(rest[0]!);
          return;
        case 'answer':
          return phone.answer();
        case 'hangup':
          return phone.hangup();
        case 'lock':
        case 'unlock':
          return phone.lock(command === 'lock');
        case 'fault': {
          const fault = FAULTS[rest[0] as keyof typeof FAULTS] as
            (typeof FAULTS)[keyof typeof FAULTS] | undefined;
          if (fault === undefined || (rest[1] !== 'on' && rest[1] !== 'off')) {
            throw new Error(`usage: fault ${Object.keys(FAULTS).join('|')} on|off`);
          }
          phone.faults[fault] = rest[1] === 'on';
          return;
        }
        case 'quit':
          return stop();
        default:
          throw new Error(`unknown command "${command.slice(0, 32)}" (see --api poly --help)`);
      }
    } catch (error) {
      log((error as Error).message);
    }
  });
}

function randomMac(): string {
  // Poly's own OUI (00:04:f2), as a phone's label shows.
  return ['00', '04', 'f2', ...[...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}
