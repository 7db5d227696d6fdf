// The project's processes inside the PC-port lab: the phone simulator, the companion agent, `btoe`, avahi.
// Everything runs in the lab's namespaces (never in the machine's own), from the built dist/.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BtoeResult, Phone } from '../integration/helpers/processes.js';
import { type Lab, type LabNamespace, labUnavailable } from './lab.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const DIST = join(REPO, 'dist');
export const SIMULATOR = join(DIST, 'simulator/cli.js');
export const BTOE = join(DIST, 'btoe/btoe.cjs');
export const AGENT = join(DIST, 'bench/lab/companion-agent.js');
const NODE = process.execPath;

/** Why the netlab tests cannot run here, or undefined (for test/helpers/needs.ts, which fails them under CI). */
export function netlabUnavailable(): string | undefined {
  return (
    labUnavailable() ??
    (existsSync(AGENT) && existsSync(SIMULATOR) ? undefined : `${AGENT} is missing: run npm run build`)
  );
}

const tempDirs = new Set<string>();

export async function labTempDir(prefix = 'btoe-lab-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all([...tempDirs].map((dir) => rm(dir, { recursive: true, force: true })));
  tempDirs.clear();
}

/** The environment of a companion-side process in the lab: discovery on the PC's link only. */
export function companionEnv(lab: Lab, store: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    BTOE_SECRET_STORE: 'file',
    BTOE_DISCOVERY: lab.ifaces.pc,
    ...extra,
  };
}

/** A phone simulator in a lab namespace; resolves once it listens (`ready`). */
export async function startLabPhone(
  lab: Lab,
  ns: LabNamespace,
  args: readonly string[],
  listen = 'tcp://[::]:0',
): Promise<Phone> {
  const argv = ['--listen', listen, ...args];
  const child = lab.exec(ns, [NODE, SIMULATOR, ...argv], { cwd: REPO });
  const phone = new Phone(child, argv, '246810');
  const ready = await phone.waitFor('ready', 20_000);
  phone.address = String(ready.address);
  phone.id = String(ready.id);
  phone.port = Number(/:(\d+)$/.exec(phone.address)![1]);
  return phone;
}

/** The companion agent (bench/lab/companion-agent.ts) in the PC's namespace: JSON events like the simulator's. */
export async function startAgent(
  lab: Lab,
  store: string,
  extra: Record<string, string> = {},
): Promise<Phone> {
  const argv = ['--store', store];
  const child = lab.exec('pc', [NODE, AGENT, ...argv], { cwd: REPO, env: companionEnv(lab, store, extra) });
  const agent = new Phone(child, argv, '246810');
  await agent.waitFor('started', 20_000);
  return agent;
}

/** `btoe ARGS --store STORE` in the PC's namespace, to completion. */
export async function labBtoe(
  lab: Lab,
  args: readonly string[],
  store: string,
  extra: Record<string, string> = {},
): Promise<BtoeResult> {
  const child = lab.exec('pc', [NODE, BTOE, ...args, '--store', store], {
    cwd: REPO,
    env: companionEnv(lab, store, extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const result: BtoeResult = { code, stdout, stderr };
  const last = stdout.trim().split('\n').pop();
  try {
    if (last) result.json = JSON.parse(last);
  } catch {
    // human output
  }
  return result;
}

/**
 * A shell script that runs a private avahi-daemon (with its own D-Bus system bus) in the namespace it is started
 * in, then the given command. /run is a fresh tmpfs in the private mount namespace `ip netns exec` gives each
 * command, so the daemons' sockets and pid files never touch the machine's; both die with the script.
 */
export const AVAHI_SCRIPT = `set -e
conf="$1"; shift
mount -t tmpfs tmpfs /run
mkdir -p /run/dbus /run/avahi-daemon
# A private system bus that stays root (a bus that drops to its own user loses the parent-death signal).
cat > /run/dbus/bus.conf <<'END'
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow send_type="*"/>
    <allow receive_type="*"/>
  </policy>
</busconfig>
END
setpriv --pdeathsig KILL dbus-daemon --config-file=/run/dbus/bus.conf --nofork --nopidfile &
for i in $(seq 100); do [ -S /run/dbus/system_bus_socket ] && break; sleep 0.05; done
setpriv --pdeathsig KILL avahi-daemon --no-drop-root --no-chroot --no-rlimits -f "$conf" &
for i in $(seq 100); do avahi-daemon -c 2>/dev/null && break; sleep 0.05; done
"$@"
`;

export function avahiConfig(iface: string, hostName: string): string {
  return `[server]
host-name=${hostName}
use-ipv4=yes
use-ipv6=yes
allow-interfaces=${iface}
enable-dbus=yes
ratelimit-interval-usec=1000000
ratelimit-burst=1000
[wide-area]
enable-wide-area=no
[publish]
publish-hinfo=no
publish-workstation=no
[reflector]
[rlimits]
`;
}

/** Why avahi cannot be used here (the interop tests skip that tool, saying so), or undefined. */
export function avahiUnavailable(): string | undefined {
  for (const tool of ['avahi-daemon', 'avahi-publish', 'avahi-browse', 'dbus-daemon', 'setpriv']) {
    const found = ['/usr/sbin', '/usr/bin', '/sbin', '/bin'].some((dir) => existsSync(join(dir, tool)));
    if (!found) return `${tool} is not installed (apt-get install avahi-daemon avahi-utils dbus util-linux)`;
  }
  return undefined;
}
