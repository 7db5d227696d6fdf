// Environment: Node (the btoe command).
import {
  COMPANION_IPC_VERSION,
  type CommandOutcome,
  type TypedRequest,
  readCommandAnswer,
} from '../../contract/companion-ipc-bounds.js';
import { EXIT } from '../core/exit-codes.js';
import { callIpc } from '../host/companion-ipc-client.js';

/**
 * Runs one command in the running companion; undefined when none runs. Its answer is checked against the
 * contract like the request was (companion-ipc-bounds.ts: the same contract as the companion's zod schemas,
 * without loading zod on this hot path): an answer of another version, or one that does not fit, is a clear
 * error with its own exit code, never printed as if it were a result.
 */
export async function runInCompanion(
  endpoint: string,
  request: TypedRequest,
): Promise<CommandOutcome | undefined> {
  const answer = await callIpc(endpoint, { v: COMPANION_IPC_VERSION, kind: 'command', request });
  if (answer === undefined) return undefined;
  const body = readCommandAnswer(answer);
  if (body === undefined) {
    const v = (answer as { v?: unknown } | null)?.v;
    const message =
      typeof v === 'number' && v !== COMPANION_IPC_VERSION
        ? `the running companion speaks companion protocol v${v} and this btoe v${COMPANION_IPC_VERSION}: use the btoe installed with the running companion, or restart the companion from this installation`
        : 'the running companion sent an answer this btoe cannot read: use the btoe installed with it';
    return { code: EXIT.internal, human: message, data: { ok: false, error: { kind: 'version', message } } };
  }
  if ('result' in body) return body.result;
  const code = body.error.kind === 'usage' ? EXIT.usage : EXIT.internal;
  return { code, human: body.error.message, data: { ok: false, error: body.error } };
}
