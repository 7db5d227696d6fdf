// btoe's end of the companion contract, against a real local socket served by a companion of this version, of
// another version, or one that answers nonsense: an answer is printed only once it fits the contract.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { COMPANION_IPC_VERSION, type CompanionRequest } from '../../../../contract/companion-ipc.js';
import { runInCompanion } from '../../../../main/cli/companion-client.js';
import { EXIT } from '../../../../main/core/exit-codes.js';
import { IpcServer, ipcEndpoint } from '../../../../main/host/companion-socket.js';

let dir: string;
let server: IpcServer | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'btoe-client-'));
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function companionAnswering(answer: (request: CompanionRequest) => unknown): Promise<string> {
  const endpoint = ipcEndpoint(dir);
  server = await IpcServer.listen(endpoint, async (request) => answer(request as CompanionRequest));
  return endpoint;
}

describe('runInCompanion', () => {
  it('is undefined when no companion runs', async () => {
    expect(await runInCompanion(ipcEndpoint(dir), { command: 'status', args: [] })).toBeUndefined();
  });

  it('sends the versioned request and returns the result', async () => {
    const seen: unknown[] = [];
    const endpoint = await companionAnswering((request) => {
      seen.push(request);
      return {
        v: COMPANION_IPC_VERSION,
        result: { code: 0, human: 'The phone is locked.', data: { ok: true } },
      };
    });
    const result = await runInCompanion(endpoint, { command: 'lock', args: [] });
    expect(result).toEqual({ code: 0, human: 'The phone is locked.', data: { ok: true } });
    expect(seen).toEqual([
      { v: COMPANION_IPC_VERSION, kind: 'command', request: { command: 'lock', args: [] } },
    ]);
  });

  it('says so when the running companion is newer, instead of printing what it cannot read', async () => {
    const endpoint = await companionAnswering(() => ({ v: COMPANION_IPC_VERSION + 1, outcome: { exit: 0 } }));
    const result = await runInCompanion(endpoint, { command: 'lock', args: [] });
    expect(result?.code).toBe(EXIT.internal);
    expect(result?.human).toMatch(
      new RegExp(`companion protocol v${COMPANION_IPC_VERSION + 1} and this btoe v${COMPANION_IPC_VERSION}`),
    );
    expect(result?.data).toMatchObject({ ok: false, error: { kind: 'version' } });
  });

  it('passes on the companion refusal as a usage error (exit 2) with its message', async () => {
    const endpoint = await companionAnswering(() => ({
      error: { kind: 'usage', message: 'The command is invalid: device: too long' },
    }));
    const result = await runInCompanion(endpoint, { command: 'lock', args: [] });
    expect(result).toEqual({
      code: EXIT.usage,
      human: 'The command is invalid: device: too long',
      data: { ok: false, error: { kind: 'usage', message: 'The command is invalid: device: too long' } },
    });
  });

  it('never prints an answer that does not fit the contract (the old "btoe: undefined")', async () => {
    const endpoint = await companionAnswering(() => ({ error: 'not a companion command' }));
    const result = await runInCompanion(endpoint, { command: 'lock', args: [] });
    expect(result?.code).toBe(EXIT.internal);
    expect(result?.human).toMatch(/cannot read/);
  });
});
