// Environment: Node (the phone simulator).
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { readFileSync, readlinkSync } from 'node:fs';
import { basename } from 'node:path';

/**
 * What a desk phone's switch knows about its PC port: the MAC addresses it has learned there. The simulator runs
 * inside the phone's network namespace with `--pc-port IFACE` (a port of a Linux bridge) and reads them the way
 * the switch chip would be asked: the bridge's forwarding table (/sys/class/net/BRIDGE/brforward, falling back
 * to `bridge -j fdb show brport IFACE`), re-read at every hello. `bridge monitor fdb` tells it when the table
 * changes, so the phone can re-announce what it sees.
 */
export class PcPort extends EventEmitter<{ change: [readonly string[]] }> {
  private last: readonly string[] = [];
  private monitor: ChildProcess | undefined;
  private poll: NodeJS.Timeout | undefined;

  constructor(readonly iface: string) {
    super();
    if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(iface)) throw new Error(`"${iface}" is not an interface name`);
    try {
      readlinkSync(`/sys/class/net/${iface}/master`);
    } catch {
      throw new Error(`${iface} is not a port of a bridge here (no /sys/class/net/${iface}/master)`);
    }
    this.last = this.read();
  }

  /** The MACs learned on the port now (at most 8, the most recent first as the bridge lists them). */
  macs(): readonly string[] {
    const now = this.read();
    if (now.join() !== this.last.join()) {
      this.last = now;
      this.emit('change', now);
    }
    return now;
  }

  /** Follows the forwarding table: `change` fires when the learned MACs change. */
  watch(): void {
    if (this.monitor || this.poll) return;
    this.poll = setInterval(() => this.macs(), 1_000);
    this.poll.unref();
    try {
      const child = spawn('bridge', ['monitor', 'fdb'], { stdio: ['ignore', 'pipe', 'ignore'] });
      child.on('error', () => undefined);
      child.stdout.on('data', () => setImmediate(() => this.macs()));
      child.unref();
      this.monitor = child;
    } catch {
      // polling alone
    }
  }

  stop(): void {
    clearInterval(this.poll);
    this.monitor?.kill();
  }

  private read(): readonly string[] {
    try {
      return this.fromSysfs();
    } catch {
      return this.fromBridgeCommand();
    }
  }

  /** struct __fdb_entry: mac[6], port_no u8, is_local u8, ageing u32, port_hi u8, pad u8, unused u16 (16 bytes). */
  private fromSysfs(): string[] {
    const bridge = basename(readlinkSync(`/sys/class/net/${this.iface}/master`));
    const port = Number.parseInt(
      readFileSync(`/sys/class/net/${this.iface}/brport/port_no`, 'utf8').trim(),
      16,
    );
    const table = readFileSync(`/sys/class/net/${bridge}/brforward`);
    const macs: string[] = [];
    for (let at = 0; at + 16 <= table.length; at += 16) {
      const portNo = table[at + 6]! | (table[at + 12]! << 8);
      const local = table[at + 7] !== 0;
      if (local || portNo !== port) continue;
      macs.push([...table.subarray(at, at + 6)].map((b) => b.toString(16).padStart(2, '0')).join(':'));
    }
    return normalise(macs);
  }

  private fromBridgeCommand(): string[] {
    try {
      const out = execFileSync('bridge', ['-j', 'fdb', 'show', 'brport', this.iface], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const entries = JSON.parse(out) as Array<{ mac?: string; state?: string; flags?: string[] }>;
      return normalise(
        entries
          .filter((e) => e.mac && e.state !== 'permanent' && !(e.flags ?? []).includes('self'))
          .map((e) => e.mac!),
      );
    } catch {
      return [];
    }
  }
}

function normalise(macs: string[]): string[] {
  return [...new Set(macs.map((m) => m.toLowerCase()))]
    .filter((m) => m !== '00:00:00:00:00:00' && !/^(01:00:5e|33:33)/.test(m))
    .slice(0, 8);
}
