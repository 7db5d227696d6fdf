// Remote and virtual desktop sessions told from the environment they give their programs.
import { describe, expect, it } from 'vitest';
import { detectRemoteSession } from '../../../../../main/core/doctor/session.js';

describe('remote and virtual desktop sessions', () => {
  it.each([
    [{ SESSIONNAME: 'RDP-Tcp#3' }, 'win32', 'rdp'],
    [{ SESSIONNAME: 'ICA-tcp#0' }, 'win32', 'citrix'],
    [{ SESSIONNAME: 'RDP-Tcp#3', ViewClient_Protocol: 'BLAST' }, 'win32', 'horizon'],
    [{ SESSIONNAME: 'Console', ViewClient_Machine_Name: 'DESK-42' }, 'win32', 'horizon'],
    [{ XRDP_SESSION: '1', SSH_CONNECTION: '10.0.0.2 5000 10.0.0.3 22' }, 'linux', 'xrdp'],
    [{ SSH_CONNECTION: '10.0.0.2 5000 10.0.0.3 22' }, 'linux', 'ssh'],
    [{ SSH_TTY: '/dev/pts/1' }, 'darwin', 'ssh'],
  ])('%o on %s is %s', (env, platform, kind) => {
    expect(detectRemoteSession(env, platform)?.kind).toBe(kind);
  });

  it.each([
    [{ SESSIONNAME: 'Console' }, 'win32'],
    [{ SSH_CONNECTION: '', XDG_SESSION_TYPE: 'wayland' }, 'linux'],
    [{}, 'darwin'],
  ])('%o on %s is a local session', (env, platform) => {
    expect(detectRemoteSession(env, platform)).toBeUndefined();
  });

  it('names what gave it away', () => {
    expect(detectRemoteSession({ SESSIONNAME: 'RDP-Tcp#3' }, 'win32')).toEqual({
      kind: 'rdp',
      evidence: 'SESSIONNAME=RDP-Tcp#3',
    });
  });
});
