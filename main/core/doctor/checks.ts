// Environment: any (plain TypeScript).
import { checkFirmware, lockTypeFor } from '../../../native-bridge/firmware/minimums.js';
import type { Check, CheckId, CheckStatus } from '../../../contract/doctor-report.js';
import type { DoctorFacts, HeardPhone, HelloFact, InterfaceFact } from './facts.js';

/**
 * The checks of `btoe doctor` (contract/doctor-report.ts) as one pure function of the facts. Each says pass,
 * warn or fail, what it found in one line, and the fix in one sentence; `skip` marks a check that depends on an
 * earlier one that failed or could not run. The order is the order a support person would go: the cable, the address, the network, the
 * phones, this PC's stores and policy, the session, the running companion.
 */
export function runChecks(facts: DoctorFacts): Check[] {
  const port = facingInterface(facts);
  return [
    portLink(facts, port),
    linkAddress(port),
    otherLinks(facts, port),
    mdns(facts, port),
    adjacency(facts),
    usbSerial(facts),
    hid(facts),
    pairingStore(facts),
    secretStore(facts),
    settings(facts),
    policy(facts),
    firmware(facts),
    vendorPhones(facts),
    phoneLock(facts),
    remoteSession(facts),
    companion(facts),
  ];
}

const check = (
  id: CheckId,
  title: string,
  status: CheckStatus,
  summary: string,
  fix?: string,
  details?: string[],
): Check => ({
  id,
  title,
  status,
  summary,
  ...(fix ? { fix } : {}),
  ...(details && details.length > 0 ? { details } : {}),
});

// ---------------------------------------------------------------------------------------------------------
// The link to the phone's PC port

interface FacingPort {
  readonly iface: InterfaceFact | undefined;
  /** How it was chosen. */
  readonly why: 'claimant' | 'only-wired' | 'heard' | 'first-wired' | 'none';
  readonly wired: readonly InterfaceFact[];
}

const wiredCandidates = (facts: DoctorFacts): InterfaceFact[] => {
  const only = facts.discovery.state === 'ran' ? facts.discovery.only : undefined;
  return facts.interfaces.filter(
    (i) => i.kind === 'ethernet' && (only === undefined || only.length === 0 || only.includes(i.name)),
  );
};

/** The interface that faces the phone's PC port: where a phone claiming this PC was heard, else the wired one. */
function facingInterface(facts: DoctorFacts): FacingPort {
  const wired = wiredCandidates(facts);
  const heard = facts.discovery.state === 'ran' ? facts.discovery.heard : [];
  const claimant = heard.find((p) => claimsThisPc(p));
  const byName = (name: string | undefined) => facts.interfaces.find((i) => i.name === name);
  if (claimant && byName(claimant.link)) return { iface: byName(claimant.link), why: 'claimant', wired };
  const live = wired.filter((i) => i.up && i.carrier !== false);
  if (live.length === 1) return { iface: live[0], why: 'only-wired', wired };
  const withPhones = live.find((i) => heard.some((p) => p.link === i.name));
  if (withPhones) return { iface: withPhones, why: 'heard', wired };
  if (live.length > 0) return { iface: live[0], why: 'first-wired', wired };
  return { iface: wired[0], why: wired.length > 0 ? 'first-wired' : 'none', wired };
}

function portLink(facts: DoctorFacts, port: FacingPort): Check {
  const title = "Network interface facing the phone's PC port";
  const { iface } = port;
  if (!iface) {
    return check(
      'port-link',
      title,
      'fail',
      'this PC has no wired network interface',
      "Connect this PC's Ethernet port (or a USB Ethernet adapter) to the phone's PC port with a cable.",
    );
  }
  if (!iface.up) {
    return check(
      'port-link',
      title,
      'fail',
      `${iface.name} is turned off`,
      `Turn the network interface ${iface.name} on (it is disabled in the system's network settings).`,
    );
  }
  if (iface.carrier === false) {
    return check(
      'port-link',
      title,
      'fail',
      `${iface.name}: link down (no cable, or nothing live at the other end)`,
      "Plug the cable from this PC into the phone's PC port (the one marked PC or with a computer icon) and check the phone is powered.",
    );
  }
  const how =
    port.why === 'claimant'
      ? 'a phone there reports this PC on its PC port'
      : port.why === 'only-wired'
        ? 'the only wired interface with a link'
        : port.why === 'heard'
          ? 'phones were heard there'
          : 'the first of several wired interfaces';
  const status = port.why === 'first-wired' ? 'warn' : 'pass';
  return check(
    'port-link',
    title,
    status,
    `${iface.name}: link up (${how})`,
    status === 'warn'
      ? `Several wired interfaces have a link: make sure the phone is on ${iface.name}, or name its interface with BTOE_DISCOVERY=NAME.`
      : undefined,
  );
}

function linkAddress(port: FacingPort): Check {
  const title = 'Addressing on that interface';
  const iface = port.iface;
  if (!iface || !iface.up || iface.carrier === false)
    return check('link-address', title, 'skip', 'no live interface faces the phone');
  const v4 = iface.addresses.filter((a) => a.family === 'IPv4');
  const v6ll = iface.addresses.filter((a) => a.family === 'IPv6' && /^fe[89ab]/i.test(a.address));
  const parts = [
    ...v4.map(
      (a) => `${a.address}/${a.prefix}${a.address.startsWith('169.254.') ? ' (IPv4 link-local)' : ''}`,
    ),
    ...v6ll.map((a) => `${a.address} (IPv6 link-local)`),
  ];
  if (v4.length === 0 && v6ll.length === 0) {
    return check(
      'link-address',
      title,
      'fail',
      `${iface.name} has no IPv4 address and no IPv6 link-local address`,
      `Let ${iface.name} configure itself: enable IPv6, or DHCP with link-local (APIPA) fallback, in its network settings.`,
    );
  }
  if (v4.length === 0) {
    return check(
      'link-address',
      title,
      'warn',
      `${iface.name}: ${parts.join(', ')}; no IPv4 address`,
      `Phones that speak IPv4 only cannot be reached: enable DHCP with link-local (APIPA) fallback on ${iface.name}.`,
    );
  }
  return check('link-address', title, 'pass', `${iface.name}: ${parts.join(', ')}`);
}

function otherLinks(facts: DoctorFacts, port: FacingPort): Check {
  const title = 'Other network interfaces';
  const others = facts.interfaces.filter(
    (i) => i.name !== port.iface?.name && i.up && i.carrier !== false && i.addresses.length > 0,
  );
  const wifi = others.filter((i) => i.kind === 'wifi');
  const vpn = others.filter((i) => i.kind === 'vpn');
  const wired = others.filter((i) => i.kind === 'ethernet');
  const names = (list: InterfaceFact[]) => list.map((i) => i.name).join(', ');
  const details = [
    ...wifi.map((i) => `${i.name}: Wi-Fi, on while the cable is in`),
    ...vpn.map((i) => `${i.name}: VPN adapter, up`),
    ...wired.map((i) => `${i.name}: another wired interface with a link`),
  ];
  if (details.length === 0)
    return check('other-links', title, 'pass', 'no Wi-Fi, VPN or second wired link is up');
  const fixes: string[] = [];
  if (vpn.length > 0)
    fixes.push(`allow local network access in the VPN client (${names(vpn)}) or disconnect it`);
  if (wifi.length > 0)
    fixes.push(
      `turn Wi-Fi (${names(wifi)}) off while the cable is in, so traffic to the phone takes the cable`,
    );
  if (wired.length > 0)
    fixes.push(
      `if the phone is on ${port.iface?.name ?? 'one of them'}, keep the others unplugged or set BTOE_DISCOVERY=${port.iface?.name ?? 'NAME'}`,
    );
  const fix = fixes.join('; ');
  return check(
    'other-links',
    title,
    'warn',
    details.join('; '),
    `${fix.charAt(0).toUpperCase()}${fix.slice(1)}.`,
    details,
  );
}

// ---------------------------------------------------------------------------------------------------------
// mDNS and the phones' answers

const phoneName = (p: HeardPhone) =>
  `${p.probe.hello?.vendor ?? p.claims.vendor} ${p.probe.hello?.model ?? p.claims.model} (${p.probe.id ?? p.claims.id})`;
const where = (p: HeardPhone) => p.probe.address ?? p.addresses[0] ?? 'no address';

function mdns(facts: DoctorFacts, port: FacingPort): Check {
  const title = 'mDNS: _btoe._tcp heard on the link';
  const d = facts.discovery;
  if (d.state === 'off') {
    return check(
      'mdns',
      title,
      'warn',
      `not checked: ${d.reason}`,
      'Run "btoe doctor" without BTOE_DISCOVERY=off to check which phones are heard.',
    );
  }
  if (d.state === 'failed') {
    return check(
      'mdns',
      title,
      'fail',
      `cannot listen for mDNS: ${d.error}`,
      'Allow this program to use UDP port 5353 (mDNS): check the firewall and any program that holds the port exclusively.',
    );
  }
  const onPort = port.iface ? d.heard.filter((p) => p.link === port.iface!.name) : [];
  const elsewhere = d.heard.filter((p) => !onPort.includes(p));
  const details = d.heard.map(
    (p) =>
      `${phoneName(p)} on ${p.link} at ${where(p)}${p.probe.verified ? '' : p.probe.error ? ` (does not answer: ${p.probe.error})` : ' (its certificate does not match the id it announces)'}`,
  );
  if (onPort.length > 0) {
    return check(
      'mdns',
      title,
      'pass',
      `${onPort.length} phone${onPort.length === 1 ? '' : 's'} heard on ${port.iface!.name} in ${d.seconds} s`,
      undefined,
      details,
    );
  }
  // Nothing heard there; a paired phone that answers when asked directly means the announcements are blocked.
  const answering = facts.directProbes.filter((p) => p.answered && (p.answeredAs ?? p.id) === p.id);
  if (answering.length > 0) {
    return check(
      'mdns',
      title,
      'fail',
      `no _btoe._tcp announcement reached this PC in ${d.seconds} s, yet ${answering.map((p) => `${p.name} answers at ${p.address}`).join(', ')}: mDNS is blocked`,
      'Let mDNS in: allow UDP port 5353 from the local network in the firewall (and in any VPN or security software).',
      details,
    );
  }
  const link = port.iface?.name ?? d.links.join(', ');
  return check(
    'mdns',
    title,
    'fail',
    `no phone announced _btoe._tcp on ${link || 'any link'} in ${d.seconds} s${elsewhere.length > 0 ? ` (${elsewhere.length} heard on other links)` : ''}`,
    'Check that the phone is on and connected to the network, that BToE is enabled on it, and that the firewall lets mDNS (UDP 5353) in.',
    details,
  );
}

/** What the phone says about its PC port, asked over TLS for the doctor's own connection (records say nothing). */
function claimsThisPc(p: HeardPhone): boolean {
  return p.probe.hello?.peerOnPcPort === true;
}

function adjacencyOf(p: HeardPhone): string {
  if (!p.probe.hello) return 'could not be asked';
  return claimsThisPc(p) ? 'claims this PC on its PC port' : 'does not see this PC on its PC port';
}

function adjacency(facts: DoctorFacts): Check {
  const title = 'Which phone has this PC on its PC port';
  const d = facts.discovery;
  if (d.state !== 'ran') return check('adjacency', title, 'skip', 'not checked: mDNS did not run');
  if (d.heard.length === 0)
    return check('adjacency', title, 'skip', 'no phone was heard, so none could answer');
  const details = d.heard.map((p) => `${phoneName(p)} at ${where(p)}: ${adjacencyOf(p)}`);
  // One phone is one claimant however many records it answers to.
  const claimants = [
    ...new Map(
      d.heard
        .filter((p) => claimsThisPc(p))
        .map((p) => [p.probe.verified ? `id:${p.probe.id}` : `record:${p.instance}`, p]),
    ).values(),
  ];
  const manual =
    'pair with a code instead: open pairing on your phone and run "btoe pair DEVICE --code CODE" with the code it shows';
  if (claimants.length > 1) {
    return check(
      'adjacency',
      title,
      'fail',
      `${claimants.length} phones claim this PC is plugged into their PC port (${claimants.map(phoneName).join('; ')}): one of them is not telling the truth, so Auto pairing is off`,
      `Unplug or remove the phone that should not be there and ${manual}.`,
      details,
    );
  }
  if (claimants.length === 0) {
    return check(
      'adjacency',
      title,
      'fail',
      `${d.heard.length} phone${d.heard.length === 1 ? ' is' : 's are'} on the network, but none has this PC on its PC port`,
      `Plug this PC's cable into the phone's PC port (not a wall socket), or ${manual}.`,
      details,
    );
  }
  const [only] = claimants as [HeardPhone];
  if (!only.probe.verified) {
    return check(
      'adjacency',
      title,
      'warn',
      `${phoneName(only)} claims this PC, but ${only.probe.error ? `does not answer (${only.probe.error})` : 'its certificate does not match the id it announces'}`,
      `Restart the phone and run "btoe doctor" again; if it persists, ${manual}.`,
      details,
    );
  }
  return check(
    'adjacency',
    title,
    'pass',
    `${phoneName(only)} at ${where(only)} has this PC on its PC port`,
    undefined,
    details,
  );
}

// ---------------------------------------------------------------------------------------------------------
// USB and HID

function usbSerial(facts: DoctorFacts): Check {
  const title = 'USB tethering (serial ports)';
  const u = facts.usbSerial;
  if (!u.ok) return check('usb-serial', title, 'warn', u.message, fixFor(u.message, 'serial'));
  if (u.items.length === 0) return check('usb-serial', title, 'pass', 'no phone is connected over USB');
  const denied = u.items.filter((p) => p.accessible === false);
  const details = u.items.map(
    (p) => `${p.path}: ${p.vendor} (${p.vendorId})${p.accessible === false ? ', no permission' : ''}`,
  );
  if (denied.length > 0) {
    return check(
      'usb-serial',
      title,
      'fail',
      `this user may not open ${denied.map((p) => p.path).join(', ')}`,
      facts.platform === 'linux'
        ? 'Add this user to the group that owns the port (usually "dialout": sudo usermod -aG dialout $USER), then log in again.'
        : "Close any other program that uses the phone's USB port, or ask your administrator for access to it.",
      details,
    );
  }
  return check(
    'usb-serial',
    title,
    'pass',
    `${u.items.length} phone port${u.items.length === 1 ? '' : 's'}`,
    undefined,
    details,
  );
}

function hid(facts: DoctorFacts): Check {
  const title = 'HID telephony devices';
  const h = facts.hid;
  if (!h.ok) return check('hid', title, 'warn', h.message, fixFor(h.message, 'hid'));
  if (h.items.length === 0) return check('hid', title, 'pass', 'no HID telephony device is connected');
  const denied = h.items.filter((d) => d.accessible === false);
  const details = h.items.map(
    (d) => `${d.path}: ${d.product} (${d.vendorId})${d.accessible === false ? ', no permission' : ''}`,
  );
  if (denied.length > 0) {
    return check(
      'hid',
      title,
      'fail',
      `this user may not open ${denied.map((d) => d.path).join(', ')}`,
      'Install a udev rule that gives the logged-in user access to the device (TAG+="uaccess" for its vendor id), then replug it.',
      details,
    );
  }
  return check(
    'hid',
    title,
    'pass',
    `${h.items.length} telephony device${h.items.length === 1 ? '' : 's'}`,
    undefined,
    details,
  );
}

/** The sentence after "what is missing": the messages of native-bridge name the package already. */
function fixFor(message: string, what: 'serial' | 'hid'): string {
  const install = /\((install [^)]*|npm install [^)]*)\)/i.exec(message)?.[1];
  if (install) return `${install.charAt(0).toUpperCase()}${install.slice(1)}, then run "btoe doctor" again.`;
  return what === 'serial'
    ? 'Reinstall BToE Companion, or use Ethernet instead of USB tethering.'
    : 'Reinstall BToE Companion, or use the phone over Ethernet instead of HID.';
}

// ---------------------------------------------------------------------------------------------------------
// This PC's stores and policy

function pairingStore(facts: DoctorFacts): Check {
  const title = 'Pairing store';
  const p = facts.store.pairings;
  if (!p.ok) {
    return check(
      'pairing-store',
      title,
      'fail',
      p.message,
      `Move ${facts.store.dir}/pairings.json aside (keep it for support) and pair the phone again.`,
    );
  }
  const n = p.phones.length;
  return check(
    'pairing-store',
    title,
    'pass',
    `${n === 0 ? 'no phone paired' : `${n} phone${n === 1 ? '' : 's'} paired`} (${facts.store.dir})`,
    undefined,
    p.phones.map((ph) => `${ph.id}  ${ph.name}  ${ph.address}  (${ph.mode === 'auto' ? 'Auto' : 'Manual'})`),
  );
}

function secretStore(facts: DoctorFacts): Check {
  const title = "Secret store (this PC's private key)";
  const s = facts.store.secretStore;
  const { identity } = facts.store;
  if (!s.ok) {
    return check(
      'secret-store',
      title,
      'fail',
      s.message,
      'Unlock or repair the OS keyring, or set BTOE_SECRET_STORE=file to keep the key in a user-only file.',
    );
  }
  if (identity.key === 'unreadable') {
    return check(
      'secret-store',
      title,
      'fail',
      `${s.description}: the private key cannot be read`,
      'Unlock the OS keyring (log out and in again), then run "btoe doctor" again.',
    );
  }
  if (identity.certificate !== identity.key) {
    return check(
      'secret-store',
      title,
      'fail',
      `this PC's identity is incomplete: ${identity.certificate ? 'the private key' : 'the certificate'} is missing`,
      `Move ${facts.store.dir} aside to start afresh, then pair the phone again.`,
    );
  }
  const state = identity.key ? 'identity present' : 'no identity yet (made at the first pairing)';
  return check('secret-store', title, 'pass', `${state}; ${s.description}`);
}

function settings(facts: DoctorFacts): Check {
  const title = 'User settings';
  const warning = facts.store.settingsWarning;
  if (warning) {
    return check(
      'settings',
      title,
      'warn',
      `settings.json is ignored: ${warning}`,
      `Fix or remove ${facts.store.dir}/settings.json (the defaults apply until then).`,
    );
  }
  return check('settings', title, 'pass', 'settings.json is valid or absent');
}

function policy(facts: DoctorFacts): Check {
  const p = facts.policy;
  const title = p.candidate
    ? `Policy: CANDIDATE file ${p.candidate} (evaluated, not in force)`
    : 'Effective policy';
  const values = Object.entries(p.values).map(
    ([k, v]) => `${k} = ${JSON.stringify(v)}${p.sources?.[k] ? ` (${p.sources[k]})` : ''}`,
  );
  const details = [...values, ...p.warnings.map((w) => `warning: ${w}`)];
  const from = `from ${p.source}`;
  if (p.warnings.length > 0) {
    return check(
      'policy',
      title,
      'warn',
      `${p.warnings.length} invalid or unknown value${p.warnings.length === 1 ? '' : 's'} ${from}, each ignored (failing closed)`,
      p.candidate
        ? `Fix the values listed in ${p.candidate} before deploying it.`
        : 'Ask your administrator to fix the policy values listed.',
      details,
    );
  }
  if (p.values.EnableBetterTogetherOverEthernet === false) {
    return check(
      'policy',
      title,
      'warn',
      `BToE is turned off by policy (EnableBetterTogetherOverEthernet) ${from}`,
      'Ask your administrator to enable EnableBetterTogetherOverEthernet if this PC should pair with a phone.',
      details,
    );
  }
  const mode = p.values.BetterTogetherOverEthernetPairingMode;
  return check(
    'policy',
    title,
    'pass',
    `BToE on, pairing mode ${String(mode ?? 'Auto')} ${from}`,
    undefined,
    details,
  );
}

// ---------------------------------------------------------------------------------------------------------
// The phones themselves

interface KnownPhone {
  name: string;
  vendor: string;
  family: string;
  model: string;
  firmware: string;
  lockType: 'phone-lock' | 'device-lock';
  /** Where the facts come from: the phone now (its hello), or its record at pairing time. */
  seen: 'now' | 'at pairing';
}

/** Each phone once: what it says now where it answered, else what it said when it was paired. */
function knownPhones(facts: DoctorFacts): Map<string, KnownPhone> {
  const phones = new Map<string, KnownPhone>();
  const fromHello = (id: string, h: HelloFact) =>
    phones.set(id, { name: `${h.vendor} ${h.model} (${id})`, ...h, seen: 'now' });
  if (facts.discovery.state === 'ran') {
    for (const p of facts.discovery.heard) {
      if (p.probe.verified && p.probe.id && p.probe.hello) fromHello(p.probe.id, p.probe.hello);
    }
  }
  for (const d of facts.directProbes) if (d.hello && d.answeredAs === d.id) fromHello(d.id, d.hello);
  if (facts.store.pairings.ok) {
    for (const p of facts.store.pairings.phones) {
      if (!phones.has(p.id)) phones.set(p.id, { ...p, name: `${p.name} (${p.id})`, seen: 'at pairing' });
    }
  }
  return phones;
}

function firmware(facts: DoctorFacts): Check {
  const title = 'Phone firmware';
  const phones = [...knownPhones(facts).values()];
  if (phones.length === 0) return check('firmware', title, 'skip', 'no phone answered and none is paired');
  const lines: string[] = [];
  const old: string[] = [];
  const unknown: string[] = [];
  for (const p of phones) {
    const verdict = checkFirmware(p, p.firmware);
    const label = `${p.name}: ${p.firmware}${p.seen === 'at pairing' ? ' (when paired)' : ''}`;
    if (verdict.kind === 'ok') lines.push(`${label}, minimum for ${verdict.family} ${verdict.minimum}: ok`);
    else if (verdict.kind === 'too-old') {
      lines.push(`${label}, minimum for ${verdict.family} ${verdict.minimum}: too old`);
      old.push(`${p.name} to ${verdict.minimum} or later`);
    } else if (verdict.kind === 'unreadable') {
      lines.push(`${label}: not a version this check can read (minimum ${verdict.minimum})`);
      unknown.push(p.name);
    } else {
      lines.push(`${label}: no published minimum for ${p.vendor} ${p.family}`);
      unknown.push(p.name);
    }
  }
  if (old.length > 0) {
    return check(
      'firmware',
      title,
      'fail',
      `below the minimum for Online: ${old.length} phone${old.length === 1 ? '' : 's'}`,
      `Update the firmware of ${old.join(', ')} (through the phone's provisioning server or its web page).`,
      lines,
    );
  }
  if (unknown.length > 0) {
    return check(
      'firmware',
      title,
      'warn',
      `no minimum known for ${unknown.join(', ')}`,
      "Check the phone vendor's documentation for the firmware that supports BToE with Online.",
      lines,
    );
  }
  return check('firmware', title, 'pass', `every phone is at or above its minimum`, undefined, lines);
}

/** Poly and Yealink phones: do they answer through their API, firmware against the minimums, lines registered. */
function vendorPhones(facts: DoctorFacts): Check {
  const title = 'Poly and Yealink phones (device APIs)';
  const phones = facts.vendorPhones ?? [];
  if (phones.length === 0) return check('vendor-phones', title, 'skip', 'no Poly or Yealink phone is added');
  const lines: string[] = [];
  const failed: string[] = [];
  const warned: string[] = [];
  for (const p of phones) {
    if (!p.facts) {
      lines.push(`${p.name} (${p.id}) at ${p.url}: ${p.error ?? 'did not answer'}`);
      failed.push(`${p.name}: ${p.error ?? 'did not answer'}`);
      continue;
    }
    const f = p.facts;
    const verdict = checkFirmware({ vendor: f.vendor, model: f.model }, f.firmware);
    const firmware =
      verdict.kind === 'ok'
        ? `at or above the ${verdict.family} minimum ${verdict.minimum}`
        : verdict.kind === 'too-old'
          ? `older than the ${verdict.family} minimum ${verdict.minimum}`
          : verdict.kind === 'unreadable'
            ? `not a version this check can read (minimum ${verdict.minimum})`
            : 'no published minimum';
    if (verdict.kind === 'too-old')
      failed.push(`${p.name}: update its firmware to ${verdict.minimum} or later`);
    lines.push(
      `${p.name} (${p.id}) at ${p.url}: ${f.model || 'model not reported'}, firmware ${f.firmware} (${firmware})${f.mac ? `, MAC ${f.mac}` : ''}`,
    );
    for (const l of f.lines) {
      lines.push(`  line ${l.line}: ${l.address} ${l.registered ? 'registered' : 'NOT registered'}`);
      if (!l.registered) warned.push(`${p.name}: line ${l.line} (${l.address}) is not registered`);
    }
  }
  if (failed.length > 0)
    return check(
      'vendor-phones',
      title,
      'fail',
      failed.join('; '),
      "Follow the message for each phone (docs/vendor-phones.md lists the phone settings); update old firmware through the provisioning server or the phone's web page.",
      lines,
    );
  if (warned.length > 0)
    return check(
      'vendor-phones',
      title,
      'warn',
      warned.join('; '),
      "Check the line's account and its SIP server in the phone's web interface: an unregistered line cannot place calls.",
      lines,
    );
  return check(
    'vendor-phones',
    title,
    'pass',
    'every phone answered, its firmware and lines are fine',
    undefined,
    lines,
  );
}

function phoneLock(facts: DoctorFacts): Check {
  const title = 'Phone-Lock (lock sync)';
  const phones = [...knownPhones(facts).values()];
  if (phones.length === 0) return check('phone-lock', title, 'skip', 'no phone answered and none is paired');
  const deviceLock = phones.filter(
    (p) => p.lockType === 'device-lock' || lockTypeFor(p.vendor, p.firmware) === 'device-lock',
  );
  const lines = phones.map(
    (p) => `${p.name}: ${deviceLock.includes(p) ? 'Device-Lock (older firmware)' : 'Phone-Lock'}`,
  );
  if (deviceLock.length > 0) {
    return check(
      'phone-lock',
      title,
      'warn',
      `${deviceLock.map((p) => p.name).join(', ')} ${deviceLock.length === 1 ? 'has' : 'have'} Device-Lock firmware: lock sync and click-to-call are off for ${deviceLock.length === 1 ? 'it' : 'them'}`,
      'Update the phone to firmware 5.5.1 or later (Phone-Lock), then set a new PIN on it: the old Device-Lock PIN is not carried over.',
      lines,
    );
  }
  return check('phone-lock', title, 'pass', 'every phone has Phone-Lock', undefined, lines);
}

// ---------------------------------------------------------------------------------------------------------
// This session and the running companion

const SESSION_NAMES: Record<string, string> = {
  rdp: 'a Remote Desktop (RDP) session',
  citrix: 'a Citrix session',
  horizon: 'a VMware Horizon session',
  ssh: 'an SSH session',
  xrdp: 'an XRDP remote desktop session',
};

function remoteSession(facts: DoctorFacts): Check {
  const title = 'Remote or virtual desktop session';
  const s = facts.session;
  if (!s) return check('remote-session', title, 'pass', 'this is a local session');
  return check(
    'remote-session',
    title,
    'fail',
    `this is ${SESSION_NAMES[s.kind]} (${s.evidence}): BToE is not supported in remote or virtual desktop sessions`,
    "Run BToE Companion in the local session of the PC whose cable goes into the phone's PC port.",
  );
}

function companion(facts: DoctorFacts): Check {
  const title = 'Running companion';
  const c = facts.companion;
  if (c.running === 'unknown') {
    return check(
      'companion',
      title,
      'warn',
      `cannot tell whether a companion runs: ${c.error}`,
      'Restart BToE Companion (or "btoe daemon").',
    );
  }
  if (!c.running) {
    return check(
      'companion',
      title,
      'warn',
      'no companion is running for this user: lock sync and click-to-call need one',
      'Start BToE Companion (or run "btoe daemon").',
    );
  }
  const since = c.startedAt ? `, since ${c.startedAt}` : '';
  if (c.version !== facts.appVersion) {
    return check(
      'companion',
      title,
      'warn',
      `a companion runs (pid ${c.pid ?? '?'}${since}) at version ${c.version ?? 'unknown (older than 0.1.0)'}, and this btoe is ${facts.appVersion}`,
      'Quit BToE Companion (or stop "btoe daemon") and start it again, so that it runs the installed version.',
    );
  }
  return check('companion', title, 'pass', `version ${c.version} runs (pid ${c.pid ?? '?'}${since})`);
}
