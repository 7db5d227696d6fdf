// Environment: Node (OS adapter).
import { open, readFile, readdir, stat } from 'node:fs/promises';
import os from 'node:os';
import { join, relative } from 'node:path';
import { zipSync } from 'fflate';
import { writeFileAtomic } from '../../../native-bridge/persist/atomic-file.js';
import { APP_NAME, APP_VERSION } from '../../core/companion.js';
import type { DoctorFacts } from '../../core/doctor/facts.js';
import type { DoctorReport } from '../../../contract/doctor-report.js';
import { copyableReport } from '../../core/doctor/report.js';
import { redactForSupport } from '../../core/redact.js';
import { CRASH_DUMP_DIR } from './crash-reports.js';

/**
 * The support bundle (`btoe doctor --bundle FILE.zip`, and the app's "Save support bundle…"): the doctor's
 * report, the effective policy, the devices, versions, OS and interface facts, the logs and the crash dumps, in
 * one zip. Every entry is text that went through the one redaction function; the secret store is never read
 * and binary dumps (which hold raw memory) are listed, not included.
 */
/** Logs and dumps are cut to their last this-many bytes (the end is where the trouble is). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;

/** Environment variables that describe the session or the companion's settings; nothing else is copied. */
const ENV_KEPT =
  /^(BTOE_.*|SESSIONNAME|CLIENTNAME|ViewClient_.*|XRDP_.*|SSH_CONNECTION|SSH_TTY|XDG_SESSION_TYPE|XDG_CURRENT_DESKTOP|DESKTOP_SESSION|WAYLAND_DISPLAY|DISPLAY|LANG|LC_ALL|TZ|ELECTRON_RUN_AS_NODE|NODE_OPTIONS|PROCESSOR_ARCHITECTURE)$/i;

export interface BundleInput {
  storeDir: string;
  facts: DoctorFacts;
  report: DoctorReport;
  env?: NodeJS.ProcessEnv;
}

/** Writes the bundle to `file` (readable by this user only); resolves to the names of its entries. */
export async function writeSupportBundle(file: string, input: BundleInput): Promise<string[]> {
  const entries = await bundleEntries(input);
  const zip = zipSync(
    Object.fromEntries(
      [...entries].map(([name, text]) => [
        name,
        [Buffer.from(redactForSupport(text), 'utf8'), { mtime: new Date() }],
      ]),
    ),
    { level: 6 },
  );
  await writeFileAtomic(file, zip, 0o600);
  return [...entries.keys()];
}

/** The bundle's entries, before redaction (writeSupportBundle redacts every one of them). */
async function bundleEntries({
  storeDir,
  facts,
  report,
  env = process.env,
}: BundleInput): Promise<Map<string, string>> {
  const entries = new Map<string, string>();
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  entries.set(
    'README.txt',
    `${APP_NAME} ${APP_VERSION} support bundle, made ${report.generatedAt}.\n` +
      'doctor.txt / doctor.json: the checks (btoe doctor). policy.json: the effective policy and where it came from.\n' +
      'devices.json: paired and heard phones, USB and HID devices. system.json: OS, interfaces, session.\n' +
      'versions.json: versions. store/: the store files (never the secret store). logs/, crash-dumps/: as kept.\n' +
      'Private keys, pairing and sign-in codes, passwords and tokens are removed from every file.\n',
  );
  entries.set('doctor.txt', `${copyableReport(report)}\n`);
  entries.set('doctor.json', json(report));
  entries.set('policy.json', json(facts.policy));
  entries.set(
    'devices.json',
    json({
      paired: facts.store.pairings.ok ? facts.store.pairings.phones : { error: facts.store.pairings.message },
      heard: facts.discovery.state === 'ran' ? facts.discovery.heard : facts.discovery,
      askedDirectly: facts.directProbes,
      usbSerial: facts.usbSerial,
      hid: facts.hid,
    }),
  );
  entries.set(
    'versions.json',
    json({
      app: APP_VERSION,
      ...process.versions,
      platform: process.platform,
      arch: process.arch,
      osRelease: os.release(),
    }),
  );
  entries.set(
    'system.json',
    json({
      os: { type: os.type(), release: os.release(), version: os.version(), arch: os.arch() },
      hostName: os.hostname(),
      uptimeSeconds: Math.round(os.uptime()),
      memory: { totalMiB: Math.round(os.totalmem() / 2 ** 20), freeMiB: Math.round(os.freemem() / 2 ** 20) },
      cpus: os.cpus().length,
      locale: Intl.DateTimeFormat().resolvedOptions(),
      hostMacs: facts.hostMacs,
      interfaces: facts.interfaces,
      session: facts.session ?? 'local',
      companion: facts.companion,
      environment: Object.fromEntries(Object.entries(env).filter(([name]) => ENV_KEPT.test(name))),
    }),
  );
  const files = await listFiles(storeDir);
  entries.set(
    'store/files.txt',
    files
      .map((f) => `${f.mode.toString(8).padStart(4, '0')} ${String(f.size).padStart(10)}  ${f.name}`)
      .join('\n') + '\n',
  );
  const binary: string[] = [];
  for (const f of files) {
    const top = f.name.split('/')[0];
    // The secret store is never opened; the IPC socket is not a file to read.
    if (top === 'secrets' || !f.file) continue;
    const name =
      top === 'logs' || top === CRASH_DUMP_DIR
        ? f.name
        : f.name.endsWith('.json')
          ? `store/${f.name}`
          : undefined;
    if (!name) continue;
    const text = await readText(join(storeDir, f.name));
    if (text === undefined) binary.push(`${f.name} (${f.size} bytes)`);
    else entries.set(name, text);
  }
  if (binary.length > 0) {
    entries.set(
      'not-included.txt',
      `Binary files left out (they hold raw memory, which cannot be checked for secrets):\n${binary.join('\n')}\n`,
    );
  }
  return entries;
}

interface StoreFile {
  name: string;
  size: number;
  mode: number;
  file: boolean;
}

async function listFiles(root: string, dir = root): Promise<StoreFile[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch {
    return [];
  }
  const out: StoreFile[] = [];
  for (const name of names) {
    const path = join(dir, name);
    const info = await stat(path).catch(() => undefined);
    if (!info) continue;
    const rel = relative(root, path).split('\\').join('/');
    if (info.isDirectory()) out.push(...(await listFiles(root, path)));
    else out.push({ name: rel, size: info.size, mode: info.mode & 0o7777, file: info.isFile() });
  }
  return out;
}

/** The file's last MAX_FILE_BYTES as text, or undefined when it is not text (NUL bytes, not UTF-8). */
async function readText(path: string): Promise<string | undefined> {
  const info = await stat(path);
  let bytes: Buffer;
  if (info.size > MAX_FILE_BYTES) {
    const handle = await open(path, 'r');
    try {
      bytes = Buffer.alloc(MAX_FILE_BYTES);
      await handle.read(bytes, 0, MAX_FILE_BYTES, info.size - MAX_FILE_BYTES);
    } finally {
      await handle.close();
    }
    // Start at a line, so the cut falls neither inside a character nor inside a line.
    bytes = bytes.subarray(bytes.indexOf(10) + 1);
  } else bytes = await readFile(path);
  if (bytes.includes(0)) return undefined;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}
