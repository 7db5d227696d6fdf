// Environment: Node (OS adapter).
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { type NetworkInterfaceInfo, networkInterfaces } from 'node:os';
import type { InterfaceFact, InterfaceKind } from '../../core/doctor/facts.js';

/**
 * This PC's network interfaces as the doctor needs them: which are wired, Wi-Fi, VPN or virtual, up or down,
 * with or without a carrier. On Linux from /sys/class/net (which also lists links that are down, which Node's
 * list leaves out); elsewhere from Node's list and the interface's name.
 */
export function interfaceFacts(platform = process.platform): InterfaceFact[] {
  const node = networkInterfaces();
  if (platform === 'linux' && existsSync('/sys/class/net')) return linuxInterfaces(node);
  return Object.entries(node).map(([name, addresses]) => ({
    name,
    kind: addresses?.some((a) => a.internal) ? 'loopback' : kindByName(name),
    mac: macOf(addresses),
    up: true,
    carrier: undefined,
    addresses: addressesOf(addresses),
  }));
}

const VPN_NAME =
  /^(tun|tap|wg|ppp|utun|ipsec|gpd|vpn|tailscale|zt|nordlynx|proton)|vpn|wireguard|anyconnect|globalprotect|fortinet|forticlient|pangp|juniper|pulse secure|openvpn|zerotier/i;
const WIFI_NAME = /^(wl|wlan|wifi|ath|ra)\d|wi-?fi|wireless|wlan|airport/i;
const VIRTUAL_NAME =
  /^(docker|virbr|vmnet|vboxnet|br-|veth|lxc|lxd|cni|flannel|vEthernet)|hyper-v|virtualbox|vmware/i;

/** Where the OS gives no more than a name (Windows' connection names, macOS's BSD names). */
export function kindByName(name: string): InterfaceKind {
  if (VPN_NAME.test(name)) return 'vpn';
  if (WIFI_NAME.test(name)) return 'wifi';
  if (VIRTUAL_NAME.test(name)) return 'virtual';
  return 'ethernet';
}

function linuxInterfaces(node: NodeJS.Dict<NetworkInterfaceInfo[]>): InterfaceFact[] {
  const facts: InterfaceFact[] = [];
  for (const name of readdirSync('/sys/class/net').sort()) {
    const dir = `/sys/class/net/${name}`;
    const read = (file: string) => {
      try {
        return readFileSync(`${dir}/${file}`, 'utf8').trim();
      } catch {
        return undefined; // carrier cannot be read while the link is administratively down
      }
    };
    const flags = Number.parseInt(read('flags') ?? '0', 16);
    const up = (flags & 0x1) !== 0;
    const carrier = read('carrier');
    const devtype = /^DEVTYPE=(.*)$/m.exec(read('uevent') ?? '')?.[1];
    const type = Number(read('type') ?? 1);
    let kind: InterfaceKind;
    if (type === 772) kind = 'loopback';
    else if (existsSync(`${dir}/wireless`) || existsSync(`${dir}/phy80211`) || devtype === 'wlan')
      kind = 'wifi';
    else if (existsSync(`${dir}/tun_flags`) || devtype === 'wireguard' || type === 65534 || type === 512)
      kind = 'vpn';
    else if (VPN_NAME.test(name)) kind = 'vpn';
    // A bridge, or a port of one (containers' veths), is not where a cable to a phone ends.
    else if (devtype === 'bridge' || existsSync(`${dir}/brport`) || (type !== 1 && type !== 32))
      kind = 'virtual';
    else kind = 'ethernet';
    facts.push({
      name,
      kind,
      mac: normaliseMac(read('address')),
      up,
      carrier: up ? carrier === '1' : false,
      addresses: addressesOf(node[name]),
    });
  }
  return facts;
}

function normaliseMac(mac: string | undefined): string | undefined {
  return mac && mac !== '00:00:00:00:00:00' ? mac.toLowerCase() : undefined;
}

function macOf(addresses: NetworkInterfaceInfo[] | undefined): string | undefined {
  return normaliseMac(addresses?.find((a) => !a.internal)?.mac);
}

function addressesOf(addresses: NetworkInterfaceInfo[] | undefined): InterfaceFact['addresses'] {
  return (addresses ?? []).map((a) => ({
    family: a.family,
    address: a.address.split('%')[0]!,
    prefix: Number(a.cidr?.split('/')[1] ?? (a.family === 'IPv4' ? 32 : 128)),
  }));
}
