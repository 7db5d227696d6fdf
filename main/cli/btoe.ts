#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { AddressError } from '../../native-bridge/link/address.js';
import { LinkError, ProtocolError } from '../../native-bridge/link/errors.js';
import { PairingCodeError } from '../../native-bridge/link/pairing-code.js';
import { StoreFileError } from '../../native-bridge/persist/atomic-file.js';
import { Companion, CompanionError, type DeviceView, defaultStoreDir } from '../core/companion.js';
import { DialTargetError, dialableNumber } from '../core/dial-target.js';
import { loadPolicy } from '../core/policy.js';
import type { PhoneSession } from '../core/phone-session.js';
import { EXIT } from './exit-codes.js';

const HELP = `btoe: the BToE Companion without a window

Usage: btoe COMMAND [options]

Commands:
  devices [ADDRESS...]        paired phones, and phones at the given addresses
  pair DEVICE [--code CODE]   pair: with the code the phone shows (Manual), or without one (Auto: only the
                              phone whose PC port this PC is plugged into)
  unpair [DEVICE]             forget the phone, here and on the phone
  status                      this PC's identity, where its key is kept, the policy, the paired phones
  lock | unlock               lock or unlock the phone
  dial URI-OR-NUMBER          dial a tel:, callto: or sip: address or a number on the phone
  answer | hangup | hold | resume | mute | unmute
                              control the call on the phone

DEVICE is a device id or an address (tcp://HOST:PORT, tcp://[fe80::1%eth0]:24801, serial:PATH).

Options:
  --device ID     the phone to use when several are paired (default: the only paired phone)
  --store DIR     where pairings are kept [${defaultStoreDir()}]
  --json          machine-readable output on stdout
  --help

Exit codes: 0 done, 1 internal error, 2 bad arguments, 3 not paired, 4 several phones paired (use --device),
5 phone unreachable, 6 phone did not answer, 7 pairing failed, 8 phone identity changed (reset: pair again),
9 the phone refused the command, 10 not allowed by policy, 11 the store is damaged.
`;

type Output = { json: boolean };

class UsageError extends Error {}

function print(out: Output, human: string, data: Record<string, unknown> | unknown[]): void {
  process.stdout.write(out.json ? `${JSON.stringify(data)}\n` : `${human}\n`);
}

function fail(out: Output, code: number, kind: string, message: string): number {
  if (out.json) process.stdout.write(`${JSON.stringify({ ok: false, error: { kind, message } })}\n`);
  else process.stderr.write(`btoe: ${message}\n`);
  return code;
}

const COMMANDS = [
  'devices',
  'pair',
  'unpair',
  'status',
  'lock',
  'unlock',
  'dial',
  'answer',
  'hangup',
  'hold',
  'resume',
  'mute',
  'unmute',
];

async function run(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        store: { type: 'string' },
        device: { type: 'string' },
        code: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    return fail(
      { json: argv.includes('--json') },
      EXIT.usage,
      'usage',
      `${(error as Error).message} (see "btoe --help")`,
    );
  }
  const { values, positionals } = parsed;
  const out: Output = { json: values.json };
  const [command, ...args] = positionals;
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined && !values.help ? EXIT.usage : EXIT.ok;
  }
  if (!COMMANDS.includes(command))
    return fail(out, EXIT.usage, 'usage', `unknown command "${command.slice(0, 40)}" (see "btoe --help")`);
  try {
    const policy = await loadPolicy();
    const companion = await Companion.open({ storeDir: values.store ?? defaultStoreDir(), policy });
    return await execute(companion, command, args, values, out);
  } catch (error) {
    return report(out, error);
  }
}

async function execute(
  companion: Companion,
  command: string,
  args: string[],
  values: { device?: string | undefined; code?: string | undefined },
  out: Output,
): Promise<number> {
  const device = values.device ?? (command === 'dial' ? undefined : args[0]);
  switch (command) {
    case 'status':
      return status(companion, out);
    case 'devices':
      return devices(companion, args, out);
    case 'pair': {
      const target = args[0] ?? values.device;
      if (!target)
        throw new UsageError('pair needs a DEVICE: an address like tcp://192.168.1.20:24801, or a device id');
      const { phone, replaced } = await companion.pair(target, values.code);
      const note = replaced ? ` (it replaces the pairing from before the phone was reset)` : '';
      print(
        out,
        `Paired with ${phone.name} (${phone.id}) at ${phone.address} in ${phone.mode === 'auto' ? 'Auto' : 'Manual'} mode${note}.`,
        {
          ok: true,
          phone: { id: phone.id, name: phone.name, address: phone.address, mode: phone.mode },
          replaced: replaced?.id ?? null,
        },
      );
      return EXIT.ok;
    }
    case 'unpair': {
      const result = await companion.unpair(device);
      const human = result.phoneInformed
        ? `Unpaired ${result.phone.name} (${result.phone.id}): both this PC and the phone forgot the pairing.`
        : `Forgot ${result.phone.name} (${result.phone.id}) on this PC. The phone could not be told (${result.why}); it forgets this PC when it is unpaired or reset there.`;
      print(out, human, { ok: true, id: result.phone.id, phoneInformed: result.phoneInformed });
      return EXIT.ok;
    }
    default:
      return command === 'dial'
        ? withSession(companion, values.device, out, dialCommand(args))
        : withSession(companion, device, out, callCommand(command));
  }
}

type SessionCommand = {
  run: (s: PhoneSession) => Promise<void>;
  done: string;
  name: string;
  extra?: Record<string, unknown>;
};

function dialCommand(args: string[]): SessionCommand {
  if (args.length !== 1)
    throw new UsageError(
      'dial needs one phone number or tel:, callto: or sip: address (quote it if it has spaces)',
    );
  const number = dialableNumber(args[0]!);
  return {
    name: 'dial',
    run: (s) => s.dial(number),
    done: `The phone is dialling ${number}.`,
    extra: { number },
  };
}

function callCommand(command: string): SessionCommand {
  const commands: Record<string, [(s: PhoneSession) => Promise<void>, string]> = {
    lock: [(s) => s.lock(), 'The phone is locked.'],
    unlock: [(s) => s.unlock(), 'The phone is unlocked.'],
    answer: [(s) => s.answer(), 'Answered the call.'],
    hangup: [(s) => s.hangup(), 'Hung up.'],
    hold: [(s) => s.hold(), 'The call is on hold.'],
    resume: [(s) => s.resume(), 'The call is resumed.'],
    mute: [(s) => s.mute(true), 'The call is muted.'],
    unmute: [(s) => s.mute(false), 'The call is unmuted.'],
  };
  const [run, done] = commands[command]!;
  return { name: command, run, done };
}

async function withSession(
  companion: Companion,
  device: string | undefined,
  out: Output,
  command: SessionCommand,
): Promise<number> {
  const session = await companion.connect(device);
  try {
    await command.run(session);
  } finally {
    session.close();
  }
  print(out, command.done, { ok: true, command: command.name, device: session.phone.id, ...command.extra });
  return EXIT.ok;
}

function status(companion: Companion, out: Output): number {
  const { policy, source, warnings } = companion.policy;
  const phones = companion.pairings.list();
  const data = {
    ok: true,
    id: companion.identity.id,
    store: companion.storeDir,
    secretStore: { kind: companion.secrets.kind, description: companion.secrets.description },
    policy: { ...policy, source, warnings },
    phones: phones.map(({ id, name, address, mode, pairedAt, firmware, lockType }) => ({
      id,
      name,
      address,
      mode,
      pairedAt,
      firmware,
      lockType,
    })),
  };
  const lines = [
    `This PC: ${companion.identity.id}`,
    `Store: ${companion.storeDir}`,
    `Private key: ${companion.secrets.description}`,
    `Policy (${source}): BToE ${policy.EnableBetterTogetherOverEthernet ? 'on' : 'off'}, pairing mode ${policy.BetterTogetherOverEthernetPairingMode}`,
    ...warnings.map((w) => `Policy warning: ${w}`),
    phones.length === 0 ? 'No phone is paired.' : `Paired phones:`,
    ...phones.map(
      (p) =>
        `  ${p.id}  ${p.name}  ${p.address}  (${p.mode === 'auto' ? 'Auto' : 'Manual'}, since ${p.pairedAt})`,
    ),
  ];
  print(out, lines.join('\n'), data);
  return EXIT.ok;
}

async function devices(companion: Companion, addresses: string[], out: Output): Promise<number> {
  const list = await companion.devices(addresses);
  const line = (d: DeviceView) =>
    `${d.id}  ${d.name} ${d.firmware}  ${d.address}  ${d.paired ? 'paired' : 'not paired'}, ${d.reachable ? 'reachable' : 'unreachable'}${d.onThisPcPort ? ", on this PC's port" : ''}`;
  print(
    out,
    list.length === 0
      ? 'No phones: pair one with "btoe pair ADDRESS", or list one with "btoe devices ADDRESS".'
      : list.map(line).join('\n'),
    list,
  );
  return EXIT.ok;
}

function report(out: Output, error: unknown): number {
  if (
    error instanceof UsageError ||
    error instanceof AddressError ||
    error instanceof PairingCodeError ||
    error instanceof DialTargetError
  ) {
    return fail(out, EXIT.usage, 'usage', error.message);
  }
  if (error instanceof CompanionError) return fail(out, EXIT[error.kind], error.kind, error.message);
  if (error instanceof StoreFileError) return fail(out, EXIT.store, 'store', error.message);
  if (error instanceof ProtocolError) {
    const kind = error.code === 'policy' ? 'policy' : 'refused';
    return fail(out, EXIT[kind], kind, `the phone refused: ${error.message}`);
  }
  if (error instanceof LinkError) {
    if (error.reason === 'timeout')
      return fail(
        out,
        EXIT['no-answer'],
        'no-answer',
        `${error.message}; check that the phone is on and connected`,
      );
    if (error.reason === 'not-paired') return fail(out, EXIT['not-paired'], 'not-paired', error.message);
    return fail(
      out,
      EXIT.unreachable,
      'unreachable',
      `${error.message}; check the phone's address and that it is on`,
    );
  }
  return fail(
    out,
    EXIT.internal,
    'internal',
    `unexpected error: ${(error as Error)?.stack ?? String(error)}`,
  );
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.exitCode = report({ json: process.argv.includes('--json') }, error);
  },
);
