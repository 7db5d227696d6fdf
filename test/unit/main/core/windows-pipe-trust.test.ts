// Environment: Node (vitest). Issue 13 item 9: the decisions that keep another user on a shared Windows host
// from squatting the companion's named pipe. The Win32 calls are modelled here (these machines run Linux): the
// model keeps the rules the decisions rely on (a DACL decides who opens a pipe and who adds an instance; the
// first instance holds the name; another user's process cannot be opened). The real calls were not run here.
import { describe, expect, it } from 'vitest';
import {
  BUSY_RETRIES,
  ERROR_ACCESS_DENIED,
  ERROR_FILE_NOT_FOUND,
  ERROR_PIPE_BUSY,
  ForeignPipeError,
  WindowsApiError,
  type WindowsPipeApi,
  addressInUseDecision,
  checkPipeServer,
  restrictPipeInstances,
  userOnlyPipeSddl,
  verifyBeforeConnect,
} from '../../../../main/core/windows-pipe-trust.js';

const ALICE = 'S-1-5-21-1004336348-1177238915-682003330-1001';
const MALLORY = 'S-1-5-21-1004336348-1177238915-682003330-1002';
const NAME = '\\\\.\\pipe\\btoe-companion-0123456789abcdef';
/** What a process gets without setting its default DACL (libuv passes no security attributes). */
const DEFAULT_DACL = 'D:(A;;GA;;;OW)(A;;GA;;;SY)(A;;GA;;;BA)(A;;GR;;;WD)';
const EVERYONE = 'D:(A;;GA;;;WD)';

interface Pipe {
  sddl: string;
  serverPid: number;
  busy: boolean;
}

/** One Windows host: processes with their users, named pipes with their DACLs. */
class Host {
  readonly pipes = new Map<string, Pipe>();
  readonly users = new Map<number, string>();
  readonly defaultDacl = new Map<number, string>();
  private nextPid = 100;

  spawn(user: string): number {
    const pid = this.nextPid++;
    this.users.set(pid, user);
    return pid;
  }

  /** libuv's uv_pipe_bind: the first instance with FILE_FLAG_FIRST_PIPE_INSTANCE and the default DACL. */
  listen(pid: number, name: string, sddl = this.defaultDacl.get(pid) ?? DEFAULT_DACL): 'ok' | 'EADDRINUSE' {
    if (this.pipes.has(name)) return 'EADDRINUSE';
    this.pipes.set(name, { sddl, serverPid: pid, busy: false });
    return 'ok';
  }

  /** CreateNamedPipeW without FILE_FLAG_FIRST_PIPE_INSTANCE: needs FILE_CREATE_PIPE_INSTANCE from the DACL. */
  addInstance(pid: number, name: string): boolean {
    const pipe = this.pipes.get(name);
    return pipe !== undefined && grants(pipe.sddl, this.users.get(pid)!, pipe, this);
  }

  api(pid: number): WindowsPipeApi & { opened: number; closed: number } {
    return processApi(this, pid);
  }
}

/** The calls as process `pid` on `host` sees them. */
function processApi(host: Host, pid: number): WindowsPipeApi & { opened: number; closed: number } {
  const user = host.users.get(pid)!;
  return {
    opened: 0,
    closed: 0,
    currentUserSid: () => user,
    setDefaultDacl: (sddl) => void host.defaultDacl.set(pid, sddl),
    openPipe(name) {
      const pipe = host.pipes.get(name);
      if (!pipe) throw new WindowsApiError('CreateFileW', ERROR_FILE_NOT_FOUND);
      if (!grants(pipe.sddl, user, pipe, host)) throw new WindowsApiError('CreateFileW', ERROR_ACCESS_DENIED);
      if (pipe.busy) throw new WindowsApiError('CreateFileW', ERROR_PIPE_BUSY);
      this.opened++;
      return pipe;
    },
    serverProcessId: (handle) => (handle as Pipe).serverPid,
    processUserSid(target) {
      const owner = host.users.get(target);
      if (owner !== user) throw new WindowsApiError('OpenProcess', ERROR_ACCESS_DENIED);
      return owner;
    },
    closeHandle() {
      this.closed++;
    },
  };
}

/** Full access for `user` in the SDDL: its SID, Everyone (WD), or the owner (OW) when `user` owns the server. */
function grants(sddl: string, user: string, pipe: Pipe, host: Host): boolean {
  const aces = [...sddl.matchAll(/\(A;;GA;;;([^)]+)\)/g)].map((m) => m[1]);
  return aces.some(
    (who) => who === user || who === 'WD' || (who === 'OW' && host.users.get(pipe.serverPid) === user),
  );
}

const noWait = async () => undefined;

describe('the pipe security descriptor', () => {
  it('is owned by the user and grants only that user, nothing inherited', () => {
    expect(userOnlyPipeSddl(ALICE)).toBe(`O:${ALICE}D:P(A;;GA;;;${ALICE})`);
    expect(() => userOnlyPipeSddl('S-1-5-21-1;(A;;GA;;;WD)')).toThrow(/not a SID/);
  });

  it('keeps other users from connecting to the companion and from adding an instance to its name', () => {
    const host = new Host();
    const companion = host.spawn(ALICE);
    restrictPipeInstances(host.api(companion));
    expect(host.listen(companion, NAME)).toBe('ok');
    const mallory = host.spawn(MALLORY);
    expect(host.addInstance(mallory, NAME)).toBe(false);
    expect(checkPipeServer(host.api(mallory), NAME)).toMatchObject({ kind: 'foreign' });
    expect(checkPipeServer(host.api(host.spawn(ALICE)), NAME)).toEqual({ kind: 'ours', pid: companion });
  });
});

describe('a client before it sends anything', () => {
  it('connects to a companion of its own user', async () => {
    const host = new Host();
    host.listen(host.spawn(ALICE), NAME);
    const api = host.api(host.spawn(ALICE));
    expect(await verifyBeforeConnect(api, NAME, noWait)).toBe('connect');
    expect(api.closed).toBe(api.opened);
  });

  it('runs without a companion when there is no pipe', async () => {
    const host = new Host();
    expect(await verifyBeforeConnect(host.api(host.spawn(ALICE)), NAME, noWait)).toBeUndefined();
  });

  it("refuses a squatter's pipe that lets everyone in, and sends it nothing", async () => {
    const host = new Host();
    const squatter = host.spawn(MALLORY);
    host.listen(squatter, NAME, EVERYONE);
    const api = host.api(host.spawn(ALICE));
    await expect(verifyBeforeConnect(api, NAME, noWait)).rejects.toThrow(ForeignPipeError);
    await expect(verifyBeforeConnect(api, NAME, noWait)).rejects.toThrow(/nothing was sent/);
    expect(api.closed).toBe(api.opened);
  });

  it("refuses a squatter whose process user can be read but is not the client's", () => {
    const host = new Host();
    host.listen(host.spawn(MALLORY), NAME, EVERYONE);
    const api = host.api(host.spawn(ALICE));
    api.processUserSid = () => MALLORY;
    expect(checkPipeServer(api, NAME)).toMatchObject({
      kind: 'foreign',
      reason: expect.stringContaining(`as ${MALLORY}, not ${ALICE}`),
    });
  });

  it('refuses, sending nothing, when the pipe cannot be opened for another reason', () => {
    const host = new Host();
    const api = host.api(host.spawn(ALICE));
    api.openPipe = () => {
      throw new WindowsApiError('CreateFileW', 1450);
    };
    expect(checkPipeServer(api, NAME)).toMatchObject({
      kind: 'foreign',
      reason: expect.stringContaining('1450'),
    });
  });

  it('refuses when the serving process cannot be identified', () => {
    const host = new Host();
    host.listen(host.spawn(ALICE), NAME);
    const api = host.api(host.spawn(ALICE));
    api.serverProcessId = () => {
      throw new WindowsApiError('GetNamedPipeServerProcessId', 1);
    };
    expect(checkPipeServer(api, NAME)).toMatchObject({ kind: 'foreign' });
  });

  it('checks again while every instance is busy, and never connects unchecked', async () => {
    const host = new Host();
    host.listen(host.spawn(ALICE), NAME);
    const pipe = host.pipes.get(NAME)!;
    pipe.busy = true;
    let waits = 0;
    const api = host.api(host.spawn(ALICE));
    const freed = verifyBeforeConnect(api, NAME, async () => {
      if (++waits === 3) pipe.busy = false;
    });
    expect(await freed).toBe('connect');
    pipe.busy = true;
    await expect(verifyBeforeConnect(api, NAME, noWait)).rejects.toThrow(/stayed busy/);
    expect(BUSY_RETRIES).toBeGreaterThan(1);
  });
});

describe('a companion whose pipe name is taken (FILE_FLAG_FIRST_PIPE_INSTANCE failed)', () => {
  it('is already running when the holder is its own user', () => {
    const host = new Host();
    host.listen(host.spawn(ALICE), NAME);
    const second = host.spawn(ALICE);
    expect(host.listen(second, NAME)).toBe('EADDRINUSE');
    expect(addressInUseDecision(checkPipeServer(host.api(second), NAME), NAME)).toBe('already-running');
  });

  it('refuses to start beside a squatter and says so', () => {
    const host = new Host();
    host.listen(host.spawn(MALLORY), NAME, EVERYONE);
    const companion = host.spawn(ALICE);
    expect(host.listen(companion, NAME)).toBe('EADDRINUSE');
    expect(() => addressInUseDecision(checkPipeServer(host.api(companion), NAME), NAME)).toThrow(
      /held by another user/,
    );
  });

  it('retries when the holder went away or is busy', () => {
    expect(addressInUseDecision({ kind: 'none' }, NAME)).toBe('retry');
    expect(addressInUseDecision({ kind: 'busy' }, NAME)).toBe('retry');
  });
});
