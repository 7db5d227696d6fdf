#!/usr/bin/env node
// Environment: Node (the btoe command).
// The entry loads only the argument parser, the contract's light check and the local IPC client: a short
// command with a companion running (`btoe lock`, `btoe dial tel:…` as the URL handler) costs little more than
// node's own start. The core (link, stores, zod, phone numbers) is loaded only when no companion runs
// (one-shot.ts) or for the commands that always need it (doctor, hid, daemon).
import { parseArgs } from 'node:util';
import {
  COMMANDS,
  type CommandOutcome as CommandResult,
  type TypedRequest,
  requestProblems,
} from '../../contract/companion-ipc-bounds.js';
import { APP_NAME, APP_VERSION, defaultStoreDir } from '../core/app-identity.js';
import { EXIT } from '../core/exit-codes.js';
import { resolveStoreDir } from '../core/store-dir.js';
import { ipcEndpoint } from '../host/companion-ipc-client.js';
import { escapeForTerminal, jsonForTerminal } from '../../native-bridge/link/terminal-text.js';
import { runInCompanion } from './companion-client.js';
import { useDaemonHeapSettings } from './daemon-heap.js';

const HELP = `btoe: the BToE Companion without a window

Usage: btoe COMMAND [options]

Commands:
  devices [ADDRESS...]        the phones heard on this PC's links (mDNS, --timeout S [1]), the paired ones,
                              and phones at the given addresses
  pair DEVICE [--code CODE]   pair: with the code the phone shows (Manual), or without one (Auto: only the
                              phone whose PC port this PC is plugged into)
  pair                        while a companion runs: confirm the phone on this PC's port that waits for you
  add poly|yealink URL --user USER [--password-stdin] [--certificate SHA256]
                              add a Poly or Yealink phone driven through its device API (Poly REST, Yealink
                              Action URI): its admin password is read from stdin (or asked for) and kept only
                              in the secret store; an https phone's certificate is shown and pinned (or
                              checked against --certificate); prints the event settings to provision
                              (docs/vendor-phones.md)
  unpair [DEVICE]             forget the phone, here and on the phone (a vendor phone: with its password)
  status                      this PC's identity, where its key is kept, the policy, the paired phones
  lock | unlock               lock or unlock the phone
  dial URI-OR-NUMBER          dial a tel:, callto: or sip: address or a number on the phone
  answer | hangup | hold | resume | mute | unmute
                              control the call on the phone
  sign-in [--open] [--user UPN]
                              sign the phone in via this PC: show (or --open) the phone's web sign-in
                              address and code, or hand over your account (password asked for)
  daemon                      run the companion without a window (one per user)
  hid describe FILE.hex|/dev/hidrawN
                              the telephony controls of a HID report descriptor
  doctor [--policy FILE] [--bundle FILE.zip]
                              check everything pairing needs (link, addresses, mDNS, phones, stores, policy,
                              firmware, session, companion), each with its fix; --policy evaluates a candidate
                              policy file; --bundle also writes a support bundle with every secret removed

DEVICE is a device id or an address (tcp://HOST:PORT, tcp://[fe80::1%eth0]:24801, serial:PATH, hid:PATH).
While a companion runs (the app or "btoe daemon"), commands go through it.

Options:
  --device ID     the phone to use when several are paired (default: the only paired phone)
  --store DIR     where pairings are kept [${defaultStoreDir()}]; a folder of yours that is not a store
                  gets its own btoe-companion folder inside, and is never changed itself
  --json          machine-readable output on stdout
  --timeout S     devices, pair, doctor: how long to listen for phones on this PC's links [1; doctor 2]
                  (BTOE_DISCOVERY=off never listens; BTOE_DISCOVERY=eth0 listens on eth0 only)
  --version       print the version
  --help

Exit codes: 0 done, 1 internal error, 2 bad arguments, 3 not paired, 4 several phones paired (use --device),
5 phone unreachable, 6 phone did not answer or is busy, 7 pairing failed, 8 phone identity changed (reset: pair again),
9 the phone refused the command, 10 not allowed by policy, 11 the store is damaged, 12 a companion is already
running, 13 not available on this phone (its driver cannot: lock sync on a Poly or Yealink phone); doctor: 0 every check passed, 20 some warned, 21 some failed (docs/doctor.md).
`;

/** Results can quote what a phone sent: nothing reaches the terminal unescaped (display-text.ts). */
function print(json: boolean, result: CommandResult): number {
  if (json) process.stdout.write(`${jsonForTerminal(result.data)}\n`);
  else if (result.code === EXIT.ok) process.stdout.write(`${escapeForTerminal(result.human)}\n`);
  else process.stderr.write(`btoe: ${escapeForTerminal(result.human)}\n`);
  return result.code;
}

async function run(argv: string[]): Promise<number> {
  const json = argv.includes('--json');
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
        user: { type: 'string' },
        'password-stdin': { type: 'boolean', default: false },
        certificate: { type: 'string' },
        open: { type: 'boolean', default: false },
        timeout: { type: 'string' },
        policy: { type: 'string' },
        bundle: { type: 'string' },
        version: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    return print(json, usage(`${(error as Error).message} (see "btoe --help")`));
  }
  const { values, positionals } = parsed;
  const [command, ...args] = positionals;
  if (values.version) {
    process.stdout.write(
      json ? `${JSON.stringify({ name: APP_NAME, version: APP_VERSION })}\n` : `${APP_VERSION}\n`,
    );
    return EXIT.ok;
  }
  if (values.help || command === undefined || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined && !values.help ? EXIT.usage : EXIT.ok;
  }
  let storeDir: string;
  try {
    storeDir = values.store === undefined ? defaultStoreDir() : await resolveStoreDir(values.store);
  } catch (error) {
    return print(json, await failure(error));
  }
  if (command === 'doctor') {
    const { runDoctorCommand } = await import('./doctor-command.js');
    return runDoctorCommand({
      storeDir,
      json,
      timeout: values.timeout,
      policy: values.policy,
      bundle: values.bundle,
    });
  }
  if (command === 'hid') return (await import('./hid-command.js')).runHidDescribe(args, json);
  if (command === 'daemon') {
    await useDaemonHeapSettings();
    const { runDaemon } = await import('./daemon-command.js');
    return runDaemon(storeDir, json);
  }
  if (!(COMMANDS as readonly string[]).includes(command)) {
    return print(json, usage(`unknown command "${command.slice(0, 40)}" (see "btoe --help")`));
  }
  const typed: TypedRequest = {
    command,
    args,
    device: values.device,
    code: values.code,
    user: values.user,
    open: values.open,
    password: values.user === undefined ? undefined : await readPassword(values.user),
    timeout: values.timeout,
    certificate: values.certificate,
  };
  // The contract's bounds, checked here first: a request the companion would refuse is refused the same way
  // whether one runs or not (same message, same exit code).
  const problems = requestProblems(typed);
  if (problems.length > 0) return print(json, usage(`The command is invalid: ${problems.join('; ')}`));
  const request = Object.fromEntries(
    Object.entries(typed).filter(([, value]) => value !== undefined),
  ) as TypedRequest;
  try {
    const viaCompanion = await runInCompanion(ipcEndpoint(storeDir), request);
    if (viaCompanion !== undefined) return print(json, viaCompanion);
    const { runOneShot } = await import('./one-shot.js');
    return print(json, await runOneShot(storeDir, request));
  } catch (error) {
    return print(json, await failure(error));
  }
}

/** An error as a result with its exit code: the core's mapping, loaded only on this path. */
async function failure(error: unknown): Promise<CommandResult> {
  return (await import('../core/commands.js')).failure(error);
}

/** The password for the credential hand-off: typed without echo on a terminal, else one line of stdin. */
async function readPassword(user: string): Promise<string> {
  const { createInterface } = await import('node:readline');
  const input = process.stdin;
  if (input.isTTY) process.stderr.write(`Password for ${escapeForTerminal(user)}: `);
  const lines = createInterface({ input, terminal: false });
  if (input.isTTY) input.setRawMode(true);
  const password = await new Promise<string>((resolve) => {
    let typed = '';
    if (!input.isTTY) {
      lines.once('line', resolve);
      lines.once('close', () => resolve(typed));
      return;
    }
    input.on('data', (chunk: Buffer) => {
      for (const char of chunk.toString('utf8')) {
        if (char === '\r' || char === '\n' || char === '\u0004') return resolve(typed);
        if (char === '\u0003') process.exit(130);
        typed = char === '\u007f' ? typed.slice(0, -1) : typed + char;
      }
    });
  });
  if (input.isTTY) {
    input.setRawMode(false);
    process.stderr.write('\n');
  }
  lines.close();
  input.pause();
  return password;
}

function usage(message: string): CommandResult {
  return { code: EXIT.usage, human: message, data: { ok: false, error: { kind: 'usage', message } } };
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (error: unknown) => {
    process.exitCode = print(process.argv.includes('--json'), await failure(error));
  },
);
