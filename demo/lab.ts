// Environment: Node (npm run demo).
// `npm run demo` in the PC-port lab (test/netlab/lab.ts) when it runs as root on Linux: the phone simulator in
// the phone's namespace (behind its bridge, the PC port), the demo's companion in the PC's namespace, joined by
// veth pairs. The demo re-runs itself inside the PC's namespace; nothing is sent from the machine's own.
// Everyone else (or `--loopback`) gets the loopback demo.
import { spawnSync } from 'node:child_process';
import { Lab, labUnavailable } from '../test/netlab/lab.js';

interface LabPlan {
  phoneNamespace: string;
  phoneAddress: string;
  pcPort: string;
}

const plan: LabPlan | undefined = process.env.BTOE_DEMO_LAB
  ? (JSON.parse(process.env.BTOE_DEMO_LAB) as LabPlan)
  : undefined;

/** Whether this run should build the lab and re-run the demo inside it. */
export function wantsLab(argv: readonly string[]): boolean {
  if (plan || argv.includes('--loopback')) return false;
  if (process.platform !== 'linux' || process.getuid?.() !== 0) return false;
  if (spawnSync('ip', ['-V'], { stdio: 'ignore' }).status !== 0) return false;
  return labUnavailable() === undefined;
}

/** Builds the lab, runs `node SCRIPT ARGS` in the PC's namespace (its output is the demo's), removes the lab. */
export async function runInLab(script: string, args: readonly string[]): Promise<number> {
  const lab = Lab.create();
  try {
    const env = {
      ...process.env,
      BTOE_DEMO_LAB: JSON.stringify({
        phoneNamespace: lab.namespaces.phone,
        phoneAddress: lab.addresses.phone,
        pcPort: lab.ifaces.phonePcPort,
      } satisfies LabPlan),
    };
    const child = lab.exec('pc', [process.execPath, script, ...args], {
      env,
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.once('SIGINT', forward);
    process.once('SIGTERM', forward);
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    return code ?? 1;
  } finally {
    await lab.destroy();
  }
}

/** The command that starts the demo's phone: as given, or inside the lab's phone namespace, on its address. */
export function phoneCommand(node: string, args: readonly string[]): [string, string[]] {
  if (!plan) return [node, [...args]];
  const inLab = args.map((arg) => (arg === 'tcp://127.0.0.1:0' ? `tcp://${plan.phoneAddress}:0` : arg));
  return ['ip', ['netns', 'exec', plan.phoneNamespace, node, ...inLab, '--pc-port', plan.pcPort]];
}

/** What the demo says about where it runs. */
export function whereNote(): string {
  return plan
    ? ' It runs in the PC-port lab: network namespaces for this PC, the phone (a bridge: its PC port and LAN port) and the LAN, joined by virtual Ethernet cables.'
    : '';
}
