// Environment: Node (main process core).
import { AddressError } from '../../native-bridge/link/address.js';
import { LinkError, ProtocolError } from '../../native-bridge/link/errors.js';
import { PairingCodeError } from '../../native-bridge/link/pairing-code.js';
import { StoreFileError } from '../../native-bridge/persist/atomic-file.js';
import { APP_NAME, APP_VERSION, type Companion, CompanionError, type DeviceView } from './companion.js';
import { DialTargetError } from './dial-target-error.js';
import type { CommandRequest, CommandResult } from '../../contract/companion-ipc.js';
import { EXIT } from './exit-codes.js';
import { ForeignPipeError } from './windows-pipe-trust.js';
import { effectivePolicy } from './policy.js';
import type { PhoneDriver } from './phone-driver.js';
import type { PairedPhone } from './pairing-store.js';
import type { Desktop } from './ports/desktop.js';
import { RuleError } from './rules/rules.js';
import { requireCapability } from './phone-driver.js';
import { VendorPhoneError, type VendorFailure } from '../../native-bridge/vendor/vendor-phone.js';
import { validateUpn, verificationAddress } from './sign-in.js';

/**
 * The `btoe` commands as one function of a request (contract/companion-ipc.ts), run either by a one-shot `btoe`
 * process or by the running companion (daemon or app) on behalf of one; both print the same result.
 */
export interface CommandContext {
  readonly companion: Companion;
  /** A session with the phone: the running companion lends its live one; a one-shot process opens its own. */
  withSession<T>(device: string | undefined, use: (session: PhoneDriver) => Promise<T>): Promise<T>;
  /** Opens the browser and the clipboard for web sign-in. */
  readonly desktop: Desktop;
  /** Called after pairings change, so a running companion connects to new phones and drops forgotten ones. */
  pairingsChanged?(): void;
  /** Extra lines and fields for `status` (the running companion's own state). */
  status?(): { lines: string[]; data: Record<string, unknown> };
  /** Where a vendor phone sends its events: the running companion's listener, else where one would listen. */
  eventListenerUrl?(phone: PairedPhone): Promise<string | undefined>;
}

export { COMMANDS } from '../../contract/companion-ipc-bounds.js';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const ok = (human: string, data: Record<string, unknown> | unknown[]): CommandResult => ({
  code: EXIT.ok,
  human,
  data,
});

/** The context of a one-shot `btoe` process: a session of its own per command, closed when it is done. */
export function oneShotContext(companion: Companion, desktop: Desktop): CommandContext {
  return {
    companion,
    desktop,
    async withSession(device, use) {
      const session = await companion.reach(device);
      try {
        return await use(session);
      } finally {
        session.close();
      }
    },
  };
}

export async function executeCommand(ctx: CommandContext, request: CommandRequest): Promise<CommandResult> {
  try {
    return await execute(ctx, request);
  } catch (error) {
    return failure(error);
  }
}

async function execute(ctx: CommandContext, request: CommandRequest): Promise<CommandResult> {
  const { command, args, device, code } = request;
  const { companion } = ctx;
  // Policy's DefaultRegion, else the user's setting (the policy resolves both), followed as it changes.
  const defaultRegion = companion.policy.policy.DefaultRegion || undefined;
  const target = device ?? (command === 'dial' ? undefined : args[0]);
  switch (command) {
    case 'status':
      return status(ctx);
    case 'devices':
      return devices(companion, args);
    case 'pair': {
      const address = args[0] ?? device;
      if (!address)
        throw new UsageError('pair needs a DEVICE: an address like tcp://192.168.1.20:24801, or a device id');
      const { phone, replaced } = await companion.pair(address, code);
      ctx.pairingsChanged?.();
      const note = replaced ? ' (it replaces the pairing from before the phone was reset)' : '';
      return ok(
        `Paired with ${phone.name} (${phone.id}) at ${phone.address} in ${phone.mode === 'auto' ? 'Auto' : 'Manual'} mode${note}.`,
        {
          ok: true,
          phone: { id: phone.id, name: phone.name, address: phone.address, mode: phone.mode },
          replaced: replaced?.id ?? null,
        },
      );
    }
    case 'add':
      return addPhone(ctx, request);
    case 'unpair': {
      const result = await companion.unpair(target);
      ctx.pairingsChanged?.();
      if (result.phone.driver)
        return ok(
          `Removed ${result.phone.name} (${result.phone.id}) and its admin password from this PC. The phone still sends its events here until its event settings are cleared (docs/vendor-phones.md).`,
          { ok: true, id: result.phone.id, phoneInformed: false },
        );
      return ok(
        result.phoneInformed
          ? `Unpaired ${result.phone.name} (${result.phone.id}): both this PC and the phone forgot the pairing.`
          : `Forgot ${result.phone.name} (${result.phone.id}) on this PC. The phone could not be told (${result.why}); it forgets this PC when it is unpaired or reset there.`,
        { ok: true, id: result.phone.id, phoneInformed: result.phoneInformed },
      );
    }
    case 'dial': {
      if (args.length !== 1) {
        throw new UsageError(
          'dial needs one phone number or tel:, callto: or sip: address (quote it if it has spaces)',
        );
      }
      // Loaded on first use: libphonenumber's metadata costs every other command memory and start-up time.
      const { defaultRegionFromEnvironment, isSupportedRegion, parseDialTarget } =
        await import('./dial-target.js');
      if (defaultRegion !== undefined && !isSupportedRegion(defaultRegion)) {
        throw new UsageError(
          `defaultRegion "${defaultRegion}" in settings.json is not a region with phone numbers: use a code like US or GB`,
        );
      }
      const dialTarget = parseDialTarget(args[0]!, {
        defaultRegion: defaultRegion ?? defaultRegionFromEnvironment(),
      });
      const number = dialTarget.dialString;
      return sessionCommand(
        ctx,
        device,
        'dial',
        (s) => s.dial(number),
        `The phone is dialling ${dialTarget.display}.`,
        {
          number,
        },
      );
    }
    case 'sign-in':
      return signIn(ctx, target, request);
    default: {
      const action = CALL_ACTIONS[command];
      if (!action) throw new UsageError(`unknown command "${command.slice(0, 40)}" (see "btoe --help")`);
      return sessionCommand(ctx, target, command, action[0], action[1]);
    }
  }
}

const CALL_ACTIONS: Record<string, [(s: PhoneDriver) => Promise<void>, string]> = {
  lock: [(s) => s.lock(), 'The phone is locked.'],
  unlock: [(s) => s.unlock(), 'The phone is unlocked.'],
  answer: [(s) => s.answer(), 'Answered the call.'],
  // The desktop app's Decline on an incoming-call notification.
  decline: [(s) => s.reject(), 'Declined the call.'],
  hangup: [(s) => s.hangup(), 'Hung up.'],
  hold: [(s) => s.hold(), 'The call is on hold.'],
  resume: [(s) => s.resume(), 'The call is resumed.'],
  mute: [(s) => s.mute(true), 'The call is muted.'],
  unmute: [(s) => s.mute(false), 'The call is unmuted.'],
};

async function sessionCommand(
  ctx: CommandContext,
  device: string | undefined,
  name: string,
  run: (s: PhoneDriver) => Promise<void>,
  done: string,
  extra: Record<string, unknown> = {},
): Promise<CommandResult> {
  const id = await ctx.withSession(device, async (session) => {
    await run(session);
    return session.phone.id;
  });
  return ok(done, { ok: true, command: name, device: id, ...extra });
}

async function signIn(
  ctx: CommandContext,
  device: string | undefined,
  request: CommandRequest,
): Promise<CommandResult> {
  if (request.user !== undefined) {
    const user = validateUpn(request.user);
    if (!request.password)
      throw new UsageError('sign-in --user needs the password (typed when asked, or on stdin)');
    const password = request.password;
    const phone = await ctx.withSession(device, async (session) => {
      await session.signIn(user, password);
      return session.phone;
    });
    return ok(`Sent the sign-in for ${user} to ${phone.name} (${phone.id}) at ${phone.address}.`, {
      ok: true,
      command: 'sign-in',
      device: phone.id,
      user,
    });
  }
  return ctx.withSession(device, async (session) => {
    requireCapability(session, 'sign-in', 'sign-in');
    // The phone sends its state, a pending sign-in request included, before it answers this.
    await session.ping();
    const pending = session.pendingSignIn();
    const name = session.phone.name;
    if (!pending) {
      const who = session.user ? `is signed in as ${session.user}` : 'has not asked to sign in';
      return ok(`${name} ${who}.`, { ok: true, pending: null, user: session.user ?? null });
    }
    if (pending.request.method === 'credentials') {
      return ok(
        `${name} asks for your account: run "btoe sign-in --user you@example.com" and type your password.`,
        {
          ok: true,
          pending: { method: 'credentials' },
        },
      );
    }
    const web = pending.request;
    const allowed = ctx.companion.rules.webSignInPages();
    const address = verificationAddress(web.verificationUriComplete ?? web.verificationUri, allowed);
    const minutes = Math.max(1, Math.floor((pending.expiresAt - Date.now()) / 60_000));
    let copied = false;
    if (request.open) {
      copied = await ctx.desktop.copyToClipboard(web.userCode);
      await ctx.desktop.openBrowser(address);
    }
    const code = copied ? `the code ${web.userCode} (it is on the clipboard)` : `the code ${web.userCode}`;
    return ok(
      `${request.open ? 'Opened' : 'Open'} ${address} and enter ${code}; it expires in ${minutes} min.`,
      {
        ok: true,
        pending: {
          method: 'web',
          address,
          userCode: web.userCode,
          expiresAt: new Date(pending.expiresAt).toISOString(),
        },
      },
    );
  });
}

function status(ctx: CommandContext): CommandResult {
  const { companion } = ctx;
  const { policy, source, warnings } = companion.policy;
  const effective = effectivePolicy(companion.policy);
  const phones = companion.pairings.list();
  const running = ctx.status?.();
  const data = {
    ok: true,
    version: APP_VERSION,
    id: companion.identity.id,
    store: companion.storeDir,
    secretStore: { kind: companion.secrets.kind, description: companion.secrets.description },
    policy: { ...policy, source, warnings, effective },
    phones: phones.map(({ id, name, address, mode, pairedAt, firmware, lockType }) => ({
      id,
      name,
      address,
      mode,
      pairedAt,
      firmware,
      lockType,
    })),
    ...running?.data,
  };
  const lines = [
    `${APP_NAME} ${APP_VERSION}`,
    `This PC: ${companion.identity.id}`,
    `Store: ${companion.storeDir}`,
    `Private key: ${companion.secrets.description}`,
    `Policy (${source}): BToE ${policy.EnableBetterTogetherOverEthernet ? 'on' : 'off'}, pairing mode ${policy.BetterTogetherOverEthernetPairingMode}`,
    ...effective.map(
      ({ key, value, source: from }) =>
        `  ${key}: ${Array.isArray(value) ? value.join(', ') || '(none)' : String(value) || '(not set)'}  [${from.kind === 'default' || from.kind === 'settings' ? from.location : `${from.kind} policy, ${from.location}`}]`,
    ),
    ...warnings.map((w) => `Policy warning: ${w}`),
    phones.length === 0 ? 'No phone is paired.' : 'Paired phones:',
    ...phones.map(
      (p) =>
        `  ${p.id}  ${p.name}  ${p.address}  (${p.mode === 'auto' ? 'Auto' : 'Manual'}, since ${p.pairedAt})`,
    ),
    ...(running?.lines ?? []),
  ];
  return ok(lines.join('\n'), data);
}

async function devices(companion: Companion, addresses: string[]): Promise<CommandResult> {
  const list = await companion.devices(addresses);
  const line = (d: DeviceView) =>
    `${d.id}  ${d.name} ${d.firmware}  ${d.address}  ${d.paired ? 'paired' : 'not paired'}, ${d.reachable ? 'reachable' : 'unreachable'}${d.onThisPcPort ? ", on this PC's port" : ''}`;
  return ok(
    list.length === 0
      ? 'No phones: pair one with "btoe pair ADDRESS", or list one with "btoe devices ADDRESS".'
      : list.map(line).join('\n'),
    list,
  );
}

/** Every failure as a result the user can act on: a distinct exit code per kind, and what to do next. */
export function failure(error: unknown): CommandResult {
  const fail = (code: number, kind: string, message: string): CommandResult => ({
    code,
    human: message,
    data: { ok: false, error: { kind, message } },
  });
  if (
    error instanceof UsageError ||
    error instanceof AddressError ||
    error instanceof PairingCodeError ||
    error instanceof DialTargetError
  ) {
    return fail(EXIT.usage, 'usage', error.message);
  }
  if (error instanceof CompanionError || error instanceof RuleError)
    return fail(EXIT[error.kind], error.kind, error.message);
  if (error instanceof StoreFileError) return fail(EXIT.store, 'store', error.message);
  // A vendor phone's API said no: its own kind (wrong-password, api-disabled...) and message, the exit code of
  // the nearest kind of ours.
  if (error instanceof VendorPhoneError)
    return fail(EXIT[VENDOR_EXIT[error.kind]], error.kind, error.message);
  // Windows: the companion's pipe is served by another user; nothing was sent to it.
  if (error instanceof ForeignPipeError) return fail(EXIT['already-running'], 'pipe-taken', error.message);
  if (error instanceof ProtocolError) {
    const kind = error.code === 'policy' ? 'policy' : 'refused';
    return fail(EXIT[kind], kind, `the phone refused: ${error.message}`);
  }
  if (error instanceof LinkError) {
    if (error.reason === 'timeout') {
      return fail(
        EXIT['no-answer'],
        'no-answer',
        `${error.message}; check that the phone is on and connected`,
      );
    }
    if (error.reason === 'not-paired') return fail(EXIT['not-paired'], 'not-paired', error.message);
    // The phone answered and said so: nothing is wrong with its address.
    if (error.reason === 'busy') return fail(EXIT['no-answer'], 'phone-busy', error.message);
    return fail(
      EXIT.unreachable,
      'unreachable',
      `${error.message}; check the phone's address and that it is on`,
    );
  }
  return fail(EXIT.internal, 'internal', `unexpected error: ${(error as Error)?.stack ?? String(error)}`);
}

/** Each failure a vendor documents, as the exit code of the nearest failure of ours (README, "Exit codes"). */
const VENDOR_EXIT: Record<VendorFailure, keyof typeof EXIT> = {
  'api-disabled': 'refused',
  'wrong-password': 'refused',
  'default-password': 'refused',
  'locked-out': 'refused',
  'not-allowed-from-this-pc': 'refused',
  'remote-control-prompt': 'refused',
  busy: 'no-answer',
  'line-not-registered': 'refused',
  'line-missing': 'refused',
  'no-call': 'refused',
  'not-allowed': 'refused',
  'not-supported': 'not-available',
  'invalid-input': 'usage',
  'too-large': 'usage',
  'certificate-changed': 'identity-changed',
  unreachable: 'unreachable',
  timeout: 'no-answer',
  'bad-answer': 'refused',
  failed: 'refused',
};

/** `btoe add poly|yealink URL --user USER`: a phone driven through its vendor's device API. */
async function addPhone(ctx: CommandContext, request: CommandRequest): Promise<CommandResult> {
  const [vendor, url, ...rest] = request.args;
  const { addVendorPhone, isVendorKind } = await import('./vendor-phones.js');
  if (!isVendorKind(vendor) || url === undefined || rest.length > 0)
    throw new UsageError(
      "add needs the vendor and the phone's URL: btoe add poly|yealink URL --user USER --password-stdin",
    );
  if (request.user === undefined) throw new UsageError('add needs the API user: --user USER (Poly: Polycom)');
  if (!request.password)
    throw new UsageError("add needs the phone's admin password (typed when asked, or on stdin)");
  const outcome = await addVendorPhone(ctx.companion, {
    vendor,
    url,
    user: request.user,
    password: request.password,
    ...(request.certificate === undefined ? {} : { certificateSha256: request.certificate }),
    unconfirmedCertificate: 'pin',
  });
  if (!('added' in outcome)) throw new Error('a certificate to confirm where it is pinned on first use');
  ctx.pairingsChanged?.();
  const { added: phone, certificate, facts, replaced, client } = outcome;
  const { expectedEventUrl } = await import('./vendor-phones.js');
  const listener = (await ctx.eventListenerUrl?.(phone)) ?? (await expectedEventUrl(phone));
  const { firmwareCheckOf } = await import('./vendor-phone.js');
  const firmware = firmwareCheckOf(facts);
  const provisioning = listener === undefined ? [] : client.provisioning(listener);
  const lines = [
    `${replaced ? 'Updated' : 'Added'} ${phone.name} (${phone.id}) at ${phone.driver!.url}: firmware ${phone.firmware}${phone.mac ? `, MAC ${phone.mac}` : ''}.`,
    ...(firmware ? [`Firmware: ${firmware.message}.`] : []),
    ...facts.lines.map(
      (l) => `Line ${l.line}: ${l.address} ${l.registered ? 'registered' : 'NOT registered'}`,
    ),
    ...(certificate
      ? [
          `Certificate pinned: SHA-256 ${certificate.sha256}`,
          `  ${certificate.subject}, valid until ${certificate.validTo}`,
          '  (compare it with the one the phone shows; a phone presenting another one is refused)',
        ]
      : []),
    ...(listener === undefined
      ? ['Events: no address of this PC faces the phone; its call state will not be live.']
      : [
          `Events: this PC listens for the phone at ${listener}. Provision the phone with:`,
          ...provisioning.map((p) => `  ${p.parameter} = ${p.value}    (${p.why})`),
        ]),
    ...(client.capabilities.has('lock')
      ? []
      : ['Lock sync is not available on this phone: its device API has no remote lock.']),
  ];
  return ok(lines.join('\n'), {
    ok: true,
    phone: { id: phone.id, name: phone.name, driver: vendor, url: phone.driver!.url, mac: phone.mac },
    replaced,
    certificateSha256: certificate?.sha256 ?? null,
    certificate: certificate
      ? { sha256: certificate.sha256, subject: certificate.subject, validTo: certificate.validTo }
      : null,
    facts,
    firmwareCheck: firmware,
    listener: listener ?? null,
    provisioning,
  });
}
