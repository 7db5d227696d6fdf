// Environment: Node (the btoe command).
import {
  COMPANION_IPC_VERSION,
  type CommandRequest,
  type CommandResult,
  companionResponseSchemas,
} from '../../contract/companion-ipc.js';
import { EXIT } from '../core/exit-codes.js';
import { callIpc } from '../host/companion-socket.js';

/**
 * Runs one command in the running companion; undefined when none runs. Its answer is checked against the
 * contract like the request was: an answer of another version, or one that does not fit, is a clear error
 * with its own exit code, never printed as if it were a result.
 */
export async function runInCompanion(
  endpoint: string,
  request: CommandRequest,
): Promise<CommandResult | undefined> {
  const answer = await callIpc(endpoint, { v: COMPANION_IPC_VERSION, kind: 'command', request });
  if (answer === undefined) return undefined;
  const parsed = companionResponseSchemas.command.safeParse(answer);
  if (!parsed.success) {
    const v = (answer as { v?: unknown } | null)?.v;
    const message =
      typeof v === 'number' && v !== COMPANION_IPC_VERSION
        ? `the running companion speaks companion protocol v${v} and this btoe v${COMPANION_IPC_VERSION}: use the btoe installed with the running companion, or restart the companion from this installation`
        : 'the running companion sent an answer this btoe cannot read: use the btoe installed with it';
    return { code: EXIT.internal, human: message, data: { ok: false, error: { kind: 'version', message } } };
  }
  const body = parsed.data;
  if ('result' in body) return body.result;
  const code = body.error.kind === 'usage' ? EXIT.usage : EXIT.internal;
  return { code, human: body.error.message, data: { ok: false, error: body.error } };
}
