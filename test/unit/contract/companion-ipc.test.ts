// The companion's end of the contract: what it accepts, and how it refuses the rest.
import { describe, expect, it } from 'vitest';
import {
  COMPANION_IPC_VERSION,
  companionRequestSchema,
  rejectRequest,
} from '../../../contract/companion-ipc.js';

const refusal = (raw: unknown) => {
  const parsed = companionRequestSchema.safeParse(raw);
  if (parsed.success) throw new Error('accepted');
  return rejectRequest(raw, parsed.error);
};

describe('companion requests', () => {
  it('accepts a hello and a command of this version', () => {
    expect(companionRequestSchema.safeParse({ v: COMPANION_IPC_VERSION, kind: 'hello' }).success).toBe(true);
    const command = { v: COMPANION_IPC_VERSION, kind: 'command', request: { command: 'dial', args: ['+1'] } };
    expect(companionRequestSchema.safeParse(command).success).toBe(true);
  });

  it('refuses an unversioned or other-version request naming both versions', () => {
    expect(refusal({ kind: 'command', request: { command: 'status', args: [] } })).toEqual({
      error: {
        kind: 'version',
        message: expect.stringMatching(/\(unversioned\) and the running companion v1/),
      },
    });
    expect(refusal({ v: 0, kind: 'hello' }).error).toMatchObject({
      kind: 'version',
      message: expect.stringMatching(/v0/),
    });
  });

  it('refuses oversized fields and unknown keys as usage errors naming the field', () => {
    const long = {
      v: COMPANION_IPC_VERSION,
      kind: 'command',
      request: { command: 'lock', args: [], device: 'x'.repeat(1025) },
    };
    expect(refusal(long).error).toMatchObject({
      kind: 'usage',
      message: expect.stringMatching(/request\.device: .*1,024/),
    });
    const extra = {
      v: COMPANION_IPC_VERSION,
      kind: 'command',
      request: { command: 'lock', args: [], sudo: true },
    };
    expect(refusal(extra).error.kind).toBe('usage');
  });

  it('refuses what is not an object at all', () => {
    expect(refusal('lock').error.kind).toBe('usage');
    expect(refusal(null).error.kind).toBe('usage');
  });
});
