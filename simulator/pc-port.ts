// Environment: Node (phone simulator, Linux). The phone's PC port as its switch sees it at layer 2.
import { execFile } from 'node:child_process';
import { readFile, readlink } from 'node:fs/promises';
import { readlinkSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { basename } from 'node:path';

/**
 * Is the peer of one connection plugged into the phone's PC port? The simulator runs inside the phone's network
 * namespace with `--pc-port IFACE` (a port of a Linux bridge) and answers the way a phone's switch would: the
 * connection's source IP address → the MAC in the neighbour table on the bridge (the one the phone itself sends
 * to, so a peer that lies in ARP only sends its own MAC) → the port where the bridge's forwarding table learned
 * that MAC. Nothing the peer says is taken into account, and nothing about the port is ever disclosed beyond the
 * yes or no for the peer's own connection (docs/protocol.md, "Auto mode").
 */
export class PcPort {
  readonly bridge: string;

  constructor(readonly iface: string) {
    if (!/^[A-Za-z0-9_.@-]{1,15}$/.test(iface)) throw new Error(`"${iface}" is not an interface name`);
    try {
      this.bridge = basename(readlinkSync(`/sys/class/net/${iface}/master`));
    } catch {
      throw new Error(`${iface} is not a port of a bridge here (no /sys/class/net/${iface}/master)`);
    }
  }

  /** The peer at `remoteAddress` (a connection's source) is on the PC port; false when it cannot be told. */
  async hasPeer(remoteAddress: string | undefined): Promise<boolean> {
    if (remoteAddress === undefined) return false;
    const mac = await this.neighbourMac(remoteAddress.replace(/^::ffff:(?=\d+\.)/i, '').replace(/%.*$/, ''));
    if (mac === undefined) return false;
    return (await this.learnedOnPort()).has(mac);
  }

  /** The MAC the phone's neighbour table holds for `address` on the bridge (IPv4 from /proc, IPv6 from `ip`). */
  private async neighbourMac(address: string): Promise<string | undefined> {
    if (isIPv4(address)) {
      const table = await readFile('/proc/net/arp', 'utf8');
      for (const line of table.split('\n').slice(1)) {
        const [ip, , flags, mac, , device] = line.trim().split(/\s+/);
        // Flags 0x2: a complete entry (ATF_COM); an incomplete one has no MAC yet.
        if (ip === address && device === this.bridge && (Number(flags) & 0x2) !== 0) return normalise(mac);
      }
      return undefined;
    }
    if (!isIPv6(address)) return undefined;
    const out = await new Promise<string>((resolve) =>
      execFile('ip', ['-j', '-6', 'neigh', 'show', 'to', address, 'dev', this.bridge], (error, stdout) =>
        resolve(error ? '[]' : stdout),
      ),
    );
    try {
      const entries = JSON.parse(out) as Array<{ lladdr?: string; state?: string[] }>;
      const usable = entries.find((e) => e.lladdr && !(e.state ?? []).includes('FAILED'));
      return usable ? normalise(usable.lladdr) : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * The MACs the bridge learned on the PC port: its forwarding table (/sys/class/net/BRIDGE/brforward, struct
   * __fdb_entry: mac[6], port_no u8, is_local u8, ageing u32, port_hi u8, pad u8, unused u16; 16 bytes each).
   */
  private async learnedOnPort(): Promise<Set<string>> {
    const bridge = basename(await readlink(`/sys/class/net/${this.iface}/master`));
    const port = Number.parseInt(
      (await readFile(`/sys/class/net/${this.iface}/brport/port_no`, 'utf8')).trim(),
      16,
    );
    const table = await readFile(`/sys/class/net/${bridge}/brforward`);
    const macs = new Set<string>();
    for (let at = 0; at + 16 <= table.length; at += 16) {
      const portNo = table[at + 6]! | (table[at + 12]! << 8);
      const local = table[at + 7] !== 0;
      if (local || portNo !== port) continue;
      macs.add([...table.subarray(at, at + 6)].map((b) => b.toString(16).padStart(2, '0')).join(':'));
    }
    return macs;
  }
}

function normalise(mac: string | undefined): string | undefined {
  return mac && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac) ? mac.toLowerCase() : undefined;
}
