// `btoe doctor` in the PC-port lab, each fault made for real: the cable pulled (link down), no address on the
// PC's NIC, the phone on the LAN but not on this PC's port, a lying decoy next to the real phone, Device-Lock and
// too-old firmware, mDNS blocked by a firewall (nftables in the PC's namespace), a damaged store; and the healthy
// case with the companion running, where every check passes and the exit code is 0.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Phone, show } from '../helpers/processes.js';
import { Lab } from '../../netlab/lab.js';
import {
  BTOE,
  REPO,
  companionEnv,
  labBtoe,
  labTempDir,
  netlabUnavailable,
  removeTempDirs,
  startLabPhone,
} from '../../netlab/processes.js';
import { needs } from '../../helpers/needs.js';

const why = needs('the doctor lab tests', netlabUnavailable());
const noNft = needs('the doctor lab test with a firewall', nftMissing());

interface Check {
  id: string;
  status: 'pass' | 'warn' | 'fail' | 'skip';
  summary: string;
  fix?: string;
  details?: string[];
}
interface Report {
  status: string;
  exitCode: number;
  checks: Check[];
}

/** Why the firewall case cannot run here (.ci/run installs nftables), or undefined. */
function nftMissing(): string | undefined {
  const found = ['/usr/sbin', '/sbin', '/usr/bin'].some((dir) => existsSync(join(dir, 'nft')));
  return found ? undefined : 'nft is not installed (apt-get install nftables)';
}

// A local session whatever the test runner's own session is.
const LOCAL = { SSH_CONNECTION: '', SSH_CLIENT: '', SSH_TTY: '', XRDP_SESSION: '', SESSIONNAME: '' };

describe.skipIf(why !== undefined)(`btoe doctor in the PC-port lab${why ? ` (skipped: ${why})` : ''}`, () => {
  const labs: Lab[] = [];

  afterEach(async () => {
    await Promise.all(labs.splice(0).map((lab) => lab.destroy()));
  });
  afterAll(removeTempDirs);

  async function newLab(): Promise<Lab> {
    const lab = Lab.create();
    labs.push(lab);
    return lab;
  }

  /** A phone simulator that advertises itself; `port` puts it on the phone's PC port (the phone namespace). */
  async function phone(lab: Lab, where: 'port' | 'lan', args: string[] = []): Promise<Phone> {
    const p = await startLabPhone(lab, where === 'port' ? 'phone' : 'lan', [
      '--mdns',
      ...(where === 'port' ? ['--pc-port', lab.ifaces.phonePcPort] : []),
      '--identity',
      join(await labTempDir(), 'phone'),
      ...args,
    ]);
    await p.waitFor('advertised', 20_000);
    return p;
  }

  async function doctor(lab: Lab, store: string, extra: string[] = []): Promise<Report & { stderr: string }> {
    const run = await labBtoe(lab, ['doctor', '--json', '--timeout', '1', ...extra], store, LOCAL);
    const report = run.json as Report | undefined;
    if (!report) throw new Error(`doctor printed no report: ${show(run)}`);
    expect(run.code, show(run)).toBe(report.exitCode);
    return { ...report, stderr: run.stderr };
  }

  const find = (report: Report, id: string): Check => {
    const found = report.checks.find((c) => c.id === id);
    if (!found) throw new Error(`no check ${id} in ${JSON.stringify(report)}`);
    return found;
  };

  it('the phone on the port and the companion running: every check passes, exit code 0', async () => {
    const lab = await newLab();
    const p = await phone(lab, 'port');
    const store = await labTempDir();
    const daemon = new Phone(
      lab.exec('pc', [process.execPath, BTOE, 'daemon', '--json', '--store', store], {
        cwd: REPO,
        env: companionEnv(lab, store, LOCAL),
      }),
      ['daemon'],
      '',
    );
    try {
      await daemon.waitFor('ready', 20_000);
      await p.waitFor('paired', 15_000); // the daemon pairs in Auto mode
      const report = await doctor(lab, store);
      const failing = report.checks.filter((c) => c.status === 'warn' || c.status === 'fail');
      expect(failing, JSON.stringify(failing)).toEqual([]);
      expect(report.exitCode).toBe(0);
      expect(find(report, 'port-link').summary).toContain(`${lab.ifaces.pc}: link up`);
      expect(find(report, 'link-address').summary).toContain('169.254.20.10/16 (IPv4 link-local)');
      expect(find(report, 'adjacency').summary).toContain(`(${p.id})`);
      expect(find(report, 'companion').summary).toMatch(/^version 0\.1\.0 runs \(pid \d+/);
      expect(find(report, 'pairing-store').summary).toContain('1 phone paired');
    } finally {
      daemon.child.kill('SIGTERM');
    }
  });

  it('the cable pulled: the link is down, and the doctor says to plug it into the PC port', async () => {
    const lab = await newLab();
    await phone(lab, 'port');
    lab.down();
    const report = await doctor(lab, await labTempDir());
    const link = find(report, 'port-link');
    expect(link).toMatchObject({ status: 'fail' });
    expect(link.summary).toBe(`${lab.ifaces.pc}: link down (no cable, or nothing live at the other end)`);
    expect(link.fix).toMatch(/PC port/);
    expect(find(report, 'link-address').status).toBe('skip');
    expect(report.exitCode).toBe(21);
  });

  it("no address on the PC's NIC: link-local addressing fails", async () => {
    const lab = await newLab();
    await phone(lab, 'port');
    execFileSync('ip', ['-n', lab.namespaces.pc, 'addr', 'flush', 'dev', lab.ifaces.pc]);
    const report = await doctor(lab, await labTempDir());
    expect(find(report, 'port-link').status).toBe('pass');
    const address = find(report, 'link-address');
    expect(address.status).toBe('fail');
    expect(address.summary).toBe(`${lab.ifaces.pc} has no IPv4 address and no IPv6 link-local address`);
    expect(address.fix).toMatch(/link-local/);
    expect(report.exitCode).toBe(21);
  });

  it('the phone on the LAN, not on this PC’s port: heard, but nobody has this PC on its PC port', async () => {
    const lab = await newLab();
    const lan = await phone(lab, 'lan', ['--model', 'VVX 350']);
    const report = await doctor(lab, await labTempDir());
    expect(find(report, 'mdns').status).toBe('pass');
    const adjacency = find(report, 'adjacency');
    expect(adjacency.status).toBe('fail');
    expect(adjacency.summary).toBe('1 phone is on the network, but none has this PC on its PC port');
    expect(adjacency.fix).toMatch(/PC port.*--code CODE/);
    expect(adjacency.details).toEqual([
      expect.stringMatching(new RegExp(`VVX 350 \\(${lan.id}\\) .*: has nothing on its PC port`)),
    ]);
  });

  it('a lying decoy next to the real phone: two claimants, Auto pairing off, pair with a code', async () => {
    const lab = await newLab();
    const real = await phone(lab, 'port');
    const liar = await phone(lab, 'lan', ['--pcport-mac', lab.pcMac, '--model', 'VVX 999']);
    const report = await doctor(lab, await labTempDir());
    const adjacency = find(report, 'adjacency');
    expect(adjacency.status).toBe('fail');
    expect(adjacency.summary).toMatch(/^2 phones claim this PC is plugged into their PC port/);
    expect(adjacency.summary).toContain(real.id);
    expect(adjacency.summary).toContain(liar.id);
    expect(adjacency.fix).toMatch(/--code CODE/);
    expect(report.exitCode).toBe(21);
  });

  it('Device-Lock firmware on the port, a too-old Yealink on the LAN: firmware and Phone-Lock say so', async () => {
    const lab = await newLab();
    const old = await phone(lab, 'port', ['--firmware', '5.4.1']);
    const yealink = await phone(lab, 'lan', [
      '--vendor',
      'Yealink',
      '--family',
      'T4x',
      '--model',
      'T46S',
      '--firmware',
      '66.8.0.40',
    ]);
    const report = await doctor(lab, await labTempDir());
    const lock = find(report, 'phone-lock');
    expect(lock.status).toBe('warn');
    expect(lock.summary).toContain(`Polycom VVX 450 (${old.id}) has Device-Lock firmware`);
    expect(lock.fix).toMatch(/5\.5\.1.*new PIN/);
    const firmware = find(report, 'firmware');
    expect(firmware.status).toBe('fail');
    expect(firmware.fix).toContain(`Yealink T46S (${yealink.id}) to X.8.1.52 or later`);
    expect(firmware.details).toContain(
      `Polycom VVX 450 (${old.id}): 5.4.1, minimum for Polycom VVX 5.4.0A: ok`,
    );
  });

  it.skipIf(noNft !== undefined)(
    'mDNS blocked by a firewall: nothing heard, and a paired phone that answers directly gives it away',
    async () => {
      const lab = await newLab();
      const p = await phone(lab, 'port');
      const store = await labTempDir();
      const paired = await labBtoe(lab, ['pair', p.id, '--timeout', '1'], store, LOCAL);
      expect(paired.code, show(paired)).toBe(0);
      execFileSync('ip', ['netns', 'exec', lab.namespaces.pc, 'nft', '-f', '-'], {
        input:
          'table inet doctor_lab {\n chain input {\n type filter hook input priority 0;\n udp dport 5353 drop;\n }\n}\n',
      });
      const report = await doctor(lab, store);
      const mdns = find(report, 'mdns');
      expect(mdns.status).toBe('fail');
      expect(mdns.summary).toMatch(
        /no _btoe\._tcp announcement reached this PC .* answers at tcp:.*: mDNS is blocked$/,
      );
      expect(mdns.fix).toMatch(/UDP port 5353/);
      expect(find(report, 'adjacency').status).toBe('skip');
      // Without a paired phone, the doctor can only say that nothing was heard.
      const fresh = await doctor(lab, await labTempDir());
      expect(find(fresh, 'mdns').summary).toMatch(/^no phone announced _btoe\._tcp on /);
    },
  );

  it('UDP 5353 held by another program: the doctor cannot listen for mDNS, and says so', async () => {
    const lab = await newLab();
    await phone(lab, 'port');
    // A program that takes the mDNS port for itself (no address reuse), as some resolvers and agents do.
    const holder = new Phone(
      lab.exec('pc', [
        process.execPath,
        '-e',
        "const s = require('dgram').createSocket('udp4'); s.bind(5353, () => console.log('{\"event\":\"bound\"}'))",
      ]),
      ['holder'],
      '',
    );
    await holder.waitFor('bound', 10_000);
    const report = await doctor(lab, await labTempDir());
    const mdns = find(report, 'mdns');
    expect(mdns.status).toBe('fail');
    expect(mdns.summary).toBe('cannot listen for mDNS: cannot open the mDNS socket (UDP port 5353)');
    expect(mdns.fix).toMatch(/holds the port exclusively/);
    holder.child.kill('SIGKILL');
  });

  it('a damaged store: the pairing store fails and settings are reported, exit code 21', async () => {
    const lab = await newLab();
    await phone(lab, 'port');
    const store = await labTempDir();
    await mkdir(store, { recursive: true });
    await writeFile(join(store, 'pairings.json'), '{"version": 1, "phones": [ {"id": "trunc');
    await writeFile(join(store, 'settings.json'), '{"version": 1, "defaultRegion": "Narnia"}');
    const report = await doctor(lab, store);
    const pairings = find(report, 'pairing-store');
    expect(pairings.status).toBe('fail');
    expect(pairings.summary).toContain('pairings.json');
    expect(pairings.fix).toMatch(/Move .*pairings\.json aside/);
    expect(find(report, 'settings').status).toBe('warn');
    expect(report.exitCode).toBe(21);
  });
});
