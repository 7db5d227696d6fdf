// Environment: any (plain TypeScript, no zod). The CLI↔companion contract's data (version, commands, request
// bounds, answer kinds) and the light check `btoe` runs on its hot path: a short command with a companion
// running loads this instead of zod. contract/companion-ipc.ts builds its zod schemas from the same data, and
// test/unit/contract/companion-ipc-bounds.test.ts checks that both accept, refuse and word things alike.

/**
 * Bumped on any change a peer of the other version would misread. The companion answers a request of another
 * version with a `version` error naming both; `btoe` refuses an answer of another version the same way.
 */
export const COMPANION_IPC_VERSION = 1;

/** The commands a running companion runs for `btoe` (and the one-shot path runs without one). */
export const COMMANDS = [
  'devices',
  'pair',
  'add',
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
  'sign-in',
] as const;

/** A string field's bound, with the message a user reads when it is exceeded. */
export interface TextBound {
  readonly max: number;
  readonly message: string;
}

/** The bounds of a command request: those of a command line, not of a phone. */
export const REQUEST_BOUNDS = {
  command: { max: 64, message: 'a command name is 64 characters at most' },
  arg: { max: 4096, message: 'an argument is 4,096 characters at most' },
  args: { max: 16, message: '16 arguments at most' },
  device: { max: 1024, message: 'a device id or address is 1,024 characters at most' },
  code: { max: 64, message: 'a pairing code is 64 characters at most' },
  user: { max: 256, message: 'a user name is 256 characters at most' },
  password: { max: 256, message: 'a password is 256 characters at most' },
  timeout: { max: 16, message: 'a timeout is a number of seconds' },
  certificate: { max: 128, message: 'a certificate fingerprint is 128 characters at most' },
} as const satisfies Record<string, TextBound>;

/** The optional string fields of a request, in the schema's order. */
export const OPTIONAL_TEXT_FIELDS = ['device', 'code', 'user', 'password', 'timeout', 'certificate'] as const;

/** Why the companion could not take a request. */
export const IPC_ERROR_KINDS = ['usage', 'version', 'internal'] as const;

/** The exit code's range in a command result. */
export const EXIT_CODE_RANGE = { min: 0, max: 255 } as const;

/** A request as `btoe` builds it from its parsed command line (types are right by construction). */
export interface TypedRequest {
  command: string;
  args: string[];
  device?: string;
  code?: string;
  user?: string;
  password?: string;
  open?: boolean;
  timeout?: string;
  certificate?: string;
}

/**
 * The bounds of commandRequestSchema, checked without zod: the problems as describeInvalid words them
 * ("args.2: an argument is 4,096 characters at most"), none when the request fits.
 */
export function requestProblems(request: TypedRequest): string[] {
  const problems: string[] = [];
  const over = (value: string, bound: TextBound, path: string) => {
    if (value.length > bound.max) problems.push(`${path}: ${bound.message}`);
  };
  over(request.command, REQUEST_BOUNDS.command, 'command');
  request.args.forEach((arg, i) => over(arg, REQUEST_BOUNDS.arg, `args.${i}`));
  if (request.args.length > REQUEST_BOUNDS.args.max) problems.push(`args: ${REQUEST_BOUNDS.args.message}`);
  for (const field of OPTIONAL_TEXT_FIELDS) {
    const value = request[field];
    if (value !== undefined) over(value, REQUEST_BOUNDS[field], field);
  }
  return problems;
}

/** A command's outcome as the companion sends it. */
export interface CommandOutcome {
  code: number;
  human: string;
  data: unknown;
}

/** What a `command` answer may be: a result, or the companion's refusal; undefined when it fits neither. */
export type CommandAnswer =
  { result: CommandOutcome } | { error: { kind: (typeof IPC_ERROR_KINDS)[number]; message: string } };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** companionResponseSchemas.command, checked without zod (extra keys are ignored, as z.object does). */
export function readCommandAnswer(answer: unknown): CommandAnswer | undefined {
  if (!isRecord(answer)) return undefined;
  const { result, error } = answer;
  if (answer.v === COMPANION_IPC_VERSION && isRecord(result)) {
    const { code, human } = result;
    if (
      Number.isInteger(code) &&
      (code as number) >= EXIT_CODE_RANGE.min &&
      (code as number) <= EXIT_CODE_RANGE.max &&
      typeof human === 'string'
    )
      return { result: { code: code as number, human, data: result.data } };
  }
  if (
    isRecord(error) &&
    (IPC_ERROR_KINDS as readonly unknown[]).includes(error.kind) &&
    typeof error.message === 'string'
  )
    return {
      error: { kind: error.kind as (typeof IPC_ERROR_KINDS)[number], message: error.message },
    };
  return undefined;
}
