// Environment: Node (the Yealink simulator). `btoe-phone-sim --api yealink ...`: a Yealink phone's Action URI and
// Action URL (simulator/yealink/phone.ts) for tests and demos, driven from stdin like the open-protocol simulator.
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { ACTION_URL_EVENTS, type ActionUrlEvent } from '../../native-bridge/vendor/yealink/action-url.js';
import { type SimulatorEvent, type YealinkConfig, YealinkSimulator } from './phone.js';

const HELP = `btoe-phone-sim --api yealink: a Yealink phone's Action URI and Action URL (docs/vendor-phones.md)

Usage: npm run -s phone-sim -- --api yealink [options]

Options:
  --listen HOST:PORT        where the phone's web server listens (port 0 picks one) [127.0.0.1:0]
  --https                   serve HTTPS with a fresh self-signed certificate (its PEM in the ready event)
  --user USER               [admin]          --password PASSWORD   [admin]
  --limit-ip LIST           features.action_uri_limit_ip: comma-separated addresses, * for any octet
                            (10.1.*.*); blank, the phone's default, refuses every Action URI [blank]
  --no-prompt               features.show_action_uri_option=0: no "Allow remote control?" prompt
  --lockout-attempts N      failed logins before the account locks [5]
  --lockout-seconds S       how long it stays locked [60]
  --answer-delay MS         how long the far end takes to answer a dialled call [1000]
  --model NAME [SIP-T54W]   --firmware VERSION [96.86.0.100]   --mac HEX12 [random]
  --account URI             line 1's registered account [1001@pbx.example.com]
  --action-url-base URL     the companion's listener: every action_url.* in its layout
  --action-url EVENT=URL    one action_url.EVENT (repeat; overrides the base), $call_id $local $remote
                            $display_remote $model $firmware $mac $ip filled in
  --help

Commands on stdin, one per line:
  accept-remote-control     press OK on "Allow remote control?"
  incoming-call NUMBER      a call rings on the phone
  answer | hangup           the phone's user picks up or hangs up (answer also: the far end answers)
  far-end-hangup            the other party hangs up (a ringing call becomes a missed call)
  quit

stdout carries only JSON events, one per line, each with an "event" member; logs go to stderr.
`;

function emit(event: SimulatorEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function log(message: string): void {
  process.stderr.write(`yealink-sim: ${message}\n`);
}

function usageError(message: string): never {
  log(`${message}\nRun with --api yealink --help for the options.`);
  process.exit(2);
}

function integer(name: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) usageError(`--${name} must be ${min}-${max}`);
  return value;
}

function httpUrl(name: string, text: string): string {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return text;
  } catch {
    // reported below
  }
  usageError(`--${name} must be an http:// or https:// URL`);
}

function parseConfig(args: string[]): { config: YealinkConfig; host: string; port: number; secure: boolean } {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      options: {
        listen: { type: 'string', default: '127.0.0.1:0' },
        https: { type: 'boolean', default: false },
        user: { type: 'string', default: 'admin' },
        password: { type: 'string', default: 'admin' },
        'limit-ip': { type: 'string', default: '' },
        'no-prompt': { type: 'boolean', default: false },
        'lockout-attempts': { type: 'string', default: '5' },
        'lockout-seconds': { type: 'string', default: '60' },
        'answer-delay': { type: 'string', default: '1000' },
        model: { type: 'string', default: 'SIP-T54W' },
        firmware: { type: 'string', default: '96.86.0.100' },
        mac: { type: 'string' },
        account: { type: 'string', default: '1001@pbx.example.com' },
        'action-url-base': { type: 'string' },
        'action-url': { type: 'string', multiple: true, default: [] },
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
  const listen = /^(\[[0-9a-f:]+\]|[0-9.]+|localhost):(\d{1,5})$/i.exec(values.listen);
  if (!listen) usageError('--listen must be HOST:PORT, like 127.0.0.1:0');
  const mac = (values.mac ?? randomBytes(6).toString('hex')).replace(/[:-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{12}$/.test(mac)) usageError('--mac must be 12 hex digits');
  const actionUrls: Partial<Record<ActionUrlEvent, string>> = {};
  for (const setting of values['action-url']) {
    const eq = setting.indexOf('=');
    const event = setting.slice(0, eq);
    if (eq < 0 || !(ACTION_URL_EVENTS as readonly string[]).includes(event))
      usageError(`--action-url must be EVENT=URL, EVENT one of ${ACTION_URL_EVENTS.join(', ')}`);
    actionUrls[event as ActionUrlEvent] = httpUrl('action-url', setting.slice(eq + 1));
  }
  const text = (name: string, value: string) => {
    if (!/^[\x21-\x7e]{1,64}$/.test(value)) usageError(`--${name} must be 1-64 printable ASCII characters`);
    return value;
  };
  return {
    host: listen[1]!.replace(/^\[|\]$/g, ''),
    port: integer('listen port', listen[2]!, 0, 65535),
    secure: values.https,
    config: {
      user: text('user', values.user),
      password: text('password', values.password),
      limitIp: values['limit-ip'].split(',').filter((entry) => entry.trim() !== ''),
      prompt: !values['no-prompt'],
      lockoutAttempts: integer('lockout-attempts', values['lockout-attempts'], 1, 100),
      lockoutSeconds: integer('lockout-seconds', values['lockout-seconds'], 1, 86400),
      answerDelayMs: integer('answer-delay', values['answer-delay'], 0, 600_000),
      model: text('model', values.model),
      firmware: text('firmware', values.firmware),
      mac,
      account: text('account', values.account),
      actionUrlBase:
        values['action-url-base'] === undefined
          ? undefined
          : httpUrl('action-url-base', values['action-url-base']),
      actionUrls,
    },
  };
}

export async function runYealinkSimulator(args: string[]): Promise<void> {
  const { config, host, port, secure } = parseConfig(args);
  const phone = new YealinkSimulator(config);
  phone.on('event', emit);
  phone.on('log', log);
  try {
    await phone.listen(host, port, secure);
  } catch (error) {
    log(`cannot listen on ${host}:${port}: ${(error as Error).message}`);
    process.exit(1);
  }
  log(`Yealink ${config.model} (firmware ${config.firmware}) serving Action URI`);
  const stop = () => void phone.close().finally(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  createInterface({ input: process.stdin }).on('line', (line) => {
    const [command = '', ...rest] = line.trim().split(/\s+/);
    try {
      switch (command) {
        case '':
          return;
        case 'accept-remote-control':
          return phone.acceptRemoteControl();
        case 'incoming-call':
          if (!/^\+?[0-9*#]{1,32}$/.test(rest[0] ?? '')) throw new Error('usage: incoming-call NUMBER');
          return phone.incomingCall(rest[0]!);
        case 'answer':
          return phone.answer();
        case 'hangup':
          return phone.hangup();
        case 'far-end-hangup':
          return phone.farEndHangup();
        case 'quit':
          return stop();
        default:
          throw new Error(`unknown command "${command.slice(0, 32)}" (see --help)`);
      }
    } catch (error) {
      log((error as Error).message);
    }
  });
}
