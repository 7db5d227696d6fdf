// Environment: Node (main process core).
import { hostname, networkInterfaces } from 'node:os';

/** The MAC addresses of this PC's network interfaces: what Auto mode asks a phone to have seen on its PC port. */
export function hostMacs(): string[] {
  const macs = new Set<string>();
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) {
      if (!a.internal && a.mac !== '00:00:00:00:00:00') macs.add(a.mac.toLowerCase());
    }
  }
  return [...macs];
}

export function hostName(): string {
  return hostname().slice(0, 64);
}
