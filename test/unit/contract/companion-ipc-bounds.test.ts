// The light check `btoe` runs (companion-ipc-bounds.ts) and the companion's zod schemas (companion-ipc.ts) are
// one contract: for any request a command line can build and any answer a companion can send, both accept or
// refuse alike, and a refused request is worded the same.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  COMPANION_IPC_VERSION,
  REQUEST_BOUNDS,
  type TypedRequest,
  readCommandAnswer,
  requestProblems,
} from '../../../contract/companion-ipc-bounds.js';
import { commandRequestSchema, companionResponseSchemas } from '../../../contract/companion-ipc.js';
import { describeInvalid } from '../../../contract/describe-invalid.js';

/** Strings around each bound: under, at and over it. */
const around = (max: number) =>
  fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.constantFrom(max - 1, max, max + 1).map((n) => 'x'.repeat(n)),
  );
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });

const request: fc.Arbitrary<TypedRequest> = fc.record({
  command: around(REQUEST_BOUNDS.command.max),
  args: fc.oneof(
    fc.array(around(REQUEST_BOUNDS.arg.max), { maxLength: 3 }),
    fc.array(fc.string({ maxLength: 2 }), { minLength: 15, maxLength: 18 }),
  ),
  device: optional(around(REQUEST_BOUNDS.device.max)),
  code: optional(around(REQUEST_BOUNDS.code.max)),
  user: optional(around(REQUEST_BOUNDS.user.max)),
  password: optional(around(REQUEST_BOUNDS.password.max)),
  open: optional(fc.boolean()),
  timeout: optional(around(REQUEST_BOUNDS.timeout.max)),
});

const withoutUndefined = (r: TypedRequest) =>
  Object.fromEntries(Object.entries(r).filter(([, value]) => value !== undefined));

describe('the light request check agrees with commandRequestSchema', () => {
  it('accepts and refuses the same requests, with the same message', () => {
    fc.assert(
      fc.property(request, (r) => {
        const zod = commandRequestSchema.safeParse(withoutUndefined(r));
        const problems = requestProblems(r);
        expect(problems.length === 0).toBe(zod.success);
        if (!zod.success)
          expect(`The command is invalid: ${problems.join('; ')}`).toBe(
            describeInvalid('The command', zod.error),
          );
      }),
      { numRuns: 500 },
    );
  });

  it('refuses an over-long argument and too many arguments, naming where', () => {
    const args = [...Array(17).keys()].map(String);
    args[2] = 'x'.repeat(4097);
    expect(requestProblems({ command: 'dial', args })).toEqual([
      'args.2: an argument is 4,096 characters at most',
      'args: 16 arguments at most',
    ]);
  });
});

const answer = fc.oneof(
  fc.record({
    v: fc.constantFrom(COMPANION_IPC_VERSION, COMPANION_IPC_VERSION + 1, '1'),
    result: fc.oneof(
      fc.record({
        code: fc.oneof(fc.integer({ min: -2, max: 257 }), fc.double(), fc.constant('0')),
        human: fc.oneof(fc.string(), fc.constant(undefined), fc.integer()),
        data: fc.anything(),
      }),
      fc.anything(),
    ),
  }),
  fc.record({
    error: fc.oneof(
      fc.record({
        kind: fc.constantFrom('usage', 'version', 'internal', 'other'),
        message: fc.oneof(fc.string(), fc.integer()),
      }),
      fc.anything(),
    ),
  }),
  fc.anything(),
);

describe('the light answer check agrees with companionResponseSchemas.command', () => {
  it('reads the same answers the same way and refuses the rest', () => {
    fc.assert(
      fc.property(answer, (a) => {
        const zod = companionResponseSchemas.command.safeParse(a);
        const light = readCommandAnswer(a);
        expect(light !== undefined).toBe(zod.success);
        if (zod.success && light !== undefined) {
          if ('result' in zod.data) expect(light).toEqual({ result: zod.data.result });
          else expect(light).toEqual({ error: zod.data.error });
        }
      }),
      { numRuns: 2000 },
    );
  });
});
