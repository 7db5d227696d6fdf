// Environment: any (plain TypeScript): the decisions; the Windows calls are main/host/windows-pipe-koffi.ts.

/**
 * Who may serve and use the companion's named pipe on Windows (`\\.\pipe\btoe-companion-<hash>`). Its name is
 * predictable, so on a shared session host another user could create it first: the real companion would then
 * fail to start, and `btoe sign-in --user` would hand that user a password. Three rules close this:
 * 1. Every pipe instance the companion creates has a DACL for the current user only, so no one else can connect
 *    or add an instance to the name (FILE_CREATE_PIPE_INSTANCE is checked against that DACL). libuv creates the
 *    instances with the process's default DACL, so the companion sets that (TokenDefaultDacl) before listening.
 * 2. The first instance is created with FILE_FLAG_FIRST_PIPE_INSTANCE (libuv does), so a name someone else holds
 *    is an error, never a shared pipe; the companion then finds out whose it is and says so.
 * 3. A client sends nothing before it has checked the server: GetNamedPipeServerProcessId on its own handle, then
 *    that process's token user, which must be the client's own user.
 * This file is the decisions; main/host/windows-pipe-koffi.ts makes the calls (not run on the Linux machines that
 * test this).
 */

/** The Win32 calls the rules need; each throws WindowsApiError on failure. */
export interface WindowsPipeApi {
  /** The SID (S-1-5-21-...) of this process's token user. */
  currentUserSid(): string;
  /** Makes `sddl` the DACL of every kernel object this process creates without its own (pipe instances). */
  setDefaultDacl(sddl: string): void;
  /** A client handle to the pipe (CreateFileW, no data sent). */
  openPipe(name: string): PipeHandle;
  /** GetNamedPipeServerProcessId. */
  serverProcessId(pipe: PipeHandle): number;
  /** The token user's SID of process `pid` (OpenProcess, OpenProcessToken, GetTokenInformation(TokenUser)). */
  processUserSid(pid: number): string;
  closeHandle(pipe: PipeHandle): void;
}

export type PipeHandle = unknown;

export class WindowsApiError extends Error {
  override readonly name = 'WindowsApiError';
  constructor(
    readonly call: string,
    readonly code: number,
  ) {
    super(`${call} failed with Windows error ${code}`);
  }
}

export const ERROR_FILE_NOT_FOUND = 2;
export const ERROR_ACCESS_DENIED = 5;
export const ERROR_PIPE_BUSY = 231;

const SID = /^S-1-[0-9]+(-[0-9]+){1,14}$/;

/**
 * The security descriptor of the companion's pipe, as SDDL: owned by the user, a protected DACL (nothing
 * inherited) with one entry, full access for that user. Not SYSTEM, not Administrators, not Everyone.
 */
export function userOnlyPipeSddl(userSid: string): string {
  if (!SID.test(userSid)) throw new Error(`not a SID: ${JSON.stringify(userSid.slice(0, 80))}`);
  return `O:${userSid}D:P(A;;GA;;;${userSid})`;
}

/** What a client found at the pipe's name before sending anything. */
export type PipeServerVerdict =
  | { kind: 'ours'; pid: number }
  | { kind: 'none' }
  | { kind: 'busy' }
  | { kind: 'foreign'; pid?: number; reason: string };

/** Rule 3: is the process serving `name` running as this user? Decided before a single byte is sent. */
export function checkPipeServer(api: WindowsPipeApi, name: string): PipeServerVerdict {
  let pipe: PipeHandle;
  try {
    pipe = api.openPipe(name);
  } catch (error) {
    const code = error instanceof WindowsApiError ? error.code : -1;
    if (code === ERROR_FILE_NOT_FOUND) return { kind: 'none' };
    if (code === ERROR_PIPE_BUSY) return { kind: 'busy' };
    // Our own pipe never denies us: a name we may not open is someone else's. Any other failure: fail closed.
    if (code === ERROR_ACCESS_DENIED)
      return { kind: 'foreign', reason: 'the pipe exists but does not let this user in' };
    return { kind: 'foreign', reason: `the pipe cannot be opened (Windows error ${code})` };
  }
  try {
    let pid: number;
    try {
      pid = api.serverProcessId(pipe);
    } catch {
      return { kind: 'foreign', reason: 'the process serving the pipe cannot be identified' };
    }
    let owner: string;
    try {
      owner = api.processUserSid(pid);
    } catch {
      // A process of this user can be queried; one that cannot is another user's (or a protected one).
      return { kind: 'foreign', pid, reason: `process ${pid} serves the pipe and its user cannot be read` };
    }
    const me = api.currentUserSid();
    if (owner !== me)
      return { kind: 'foreign', pid, reason: `process ${pid} serves the pipe as ${owner}, not ${me}` };
    return { kind: 'ours', pid };
  } finally {
    api.closeHandle(pipe);
  }
}

/** Thrown where the companion's pipe is held by someone else: neither side may use it. */
export class ForeignPipeError extends Error {
  override readonly name = 'ForeignPipeError';
}

/**
 * The client's decision: 'connect' only to our own server; undefined when there is none (run without the
 * companion); 'retry' when every instance is taken (nothing can be checked: check again, never connect
 * unchecked); a foreign server is an error that names what was found, and nothing is sent to it.
 */
export function clientDecision(verdict: PipeServerVerdict, name: string): 'connect' | 'retry' | undefined {
  switch (verdict.kind) {
    case 'ours':
      return 'connect';
    case 'busy':
      return 'retry';
    case 'none':
      return undefined;
    case 'foreign':
      throw new ForeignPipeError(
        `${name} is not served by your companion (${verdict.reason}): nothing was sent. Another user may have taken the name; tell your administrator.`,
      );
  }
}

/**
 * The server's decision when listening failed with EADDRINUSE (rule 2: the name exists): our own companion
 * already runs ('already-running'), the name is busy or just went away ('retry'), or someone else holds it and
 * the companion must not start beside it.
 */
export function addressInUseDecision(verdict: PipeServerVerdict, name: string): 'already-running' | 'retry' {
  if (verdict.kind === 'ours') return 'already-running';
  if (verdict.kind === 'busy' || verdict.kind === 'none') return 'retry';
  throw new ForeignPipeError(
    `the companion's pipe ${name} is held by another user (${verdict.reason}); the companion does not start beside it. Tell your administrator.`,
  );
}

/** How often a check that found every instance busy is repeated before giving up. */
export const BUSY_RETRIES = 20;

/** Rule 3 with the retries: resolves 'connect' or undefined (no companion), or throws. */
export async function verifyBeforeConnect(
  api: WindowsPipeApi,
  name: string,
  wait: (ms: number) => Promise<void>,
): Promise<'connect' | undefined> {
  for (let attempt = 0; attempt < BUSY_RETRIES; attempt++) {
    const decision = clientDecision(checkPipeServer(api, name), name);
    if (decision !== 'retry') return decision;
    await wait(50);
  }
  throw new ForeignPipeError(
    `${name} stayed busy, so its server could not be checked: nothing was sent; try again`,
  );
}

/** Rule 1, before the server listens: every pipe instance this process creates from now on is this user's only. */
export function restrictPipeInstances(api: WindowsPipeApi): void {
  api.setDefaultDacl(userOnlyPipeSddl(api.currentUserSid()));
}
