// Environment: any (plain TypeScript).
import type { RemoteSession } from './facts.js';

/**
 * Is this a remote or virtual desktop session? BToE pairs the phone with the PC its cable is plugged into, so a
 * session on another machine (RDP, Citrix, VMware Horizon; SSH and XRDP on Linux) is not supported. Told from
 * the environment the session gives its programs:
 * - VMware Horizon sets ViewClient_* (also over RDP, so it is asked first);
 * - Windows names the session in SESSIONNAME: "RDP-Tcp#N" for Remote Desktop, "ICA-..." for Citrix;
 * - xrdp sets XRDP_SESSION / XRDP_SOCKET_PATH; sshd sets SSH_CONNECTION, SSH_CLIENT and SSH_TTY.
 */
export function detectRemoteSession(
  env: Readonly<Record<string, string | undefined>>,
  platform: string,
): RemoteSession | undefined {
  const set = (name: string) => env[name] !== undefined && env[name] !== '';
  const horizon = Object.keys(env).find((name) => /^ViewClient_/i.test(name) && set(name));
  if (horizon) return { kind: 'horizon', evidence: `${horizon}=${env[horizon]}` };
  const session = env.SESSIONNAME ?? '';
  if (platform === 'win32' || session !== '') {
    if (/^RDP-/i.test(session)) return { kind: 'rdp', evidence: `SESSIONNAME=${session}` };
    if (/^ICA-/i.test(session)) return { kind: 'citrix', evidence: `SESSIONNAME=${session}` };
  }
  for (const name of ['XRDP_SESSION', 'XRDP_SOCKET_PATH']) {
    if (set(name)) return { kind: 'xrdp', evidence: `${name} is set` };
  }
  for (const name of ['SSH_CONNECTION', 'SSH_CLIENT', 'SSH_TTY']) {
    if (set(name)) return { kind: 'ssh', evidence: `${name} is set` };
  }
  return undefined;
}
