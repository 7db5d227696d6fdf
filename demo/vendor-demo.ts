// Environment: Node (npm run demo -- --phone poly|yealink).
// A simulated Poly or Yealink phone (its documented device API: btoe-phone-sim --api poly|yealink) and a running
// companion: `btoe add` with the admin password on stdin, the phone provisioned to send its events to the
// companion's listener, a click-to-call whose call state arrives through that listener, a hang-up, and what this
// phone can and cannot do through its vendor's API (lock sync: not available). Loopback only.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { request as httpsRequest } from 'node:https';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DRIVER_CAPABILITIES, type VendorKind } from '../native-bridge/vendor/vendor-phone.js';
import { startRunningCompanion } from '../main/composition/running-companion.js';

const simulatorPath = fileURLToPath(new URL('../simulator/cli.js', import.meta.url));
const btoePath = fileURLToPath(new URL('../btoe/btoe.cjs', import.meta.url));
const PASSWORD = 'demo-Admin-1';

type SimulatorEvent = { event: string; [key: string]: unknown };
type Say = (step: string, message: string, extra?: Record<string, unknown>) => void;

/** The phone settings `btoe add` listed for the admin (client.provisioning). */
type Provisioning = Array<{ parameter: string; value: string }>;

/** What differs between the vendors' simulators and APIs; everything else is the same path. */
interface VendorSpec {
  name: string;
  api: string;
  user: string;
  /** Where the simulator listens first (port 0: a free one). */
  listen: string;
  args: (listen: string) => string[];
  /**
   * The admin provisions the phone with the settings `btoe add` printed, as they would on the real phone: Poly
   * through its own REST API (config/set), Yealink in its configuration (the simulator restarts with it).
   */
  provision: (
    phone: SimulatedPhone,
    url: string,
    settings: Provisioning,
    certificate: unknown,
  ) => Promise<SimulatedPhone>;
}

const VENDORS: Record<VendorKind, VendorSpec> = {
  poly: {
    name: 'Poly',
    api: 'REST API over HTTPS',
    user: 'Polycom',
    listen: 'https://127.0.0.1:0',
    args: (listen) => ['--listen', listen, '--password', PASSWORD, '--answer-delay', '800'],
    provision: async (phone, url, settings, certificate) => {
      await polyConfigSet(url, settings, String(certificate));
      return phone;
    },
  },
  yealink: {
    name: 'Yealink',
    api: 'Action URI over HTTP',
    user: 'admin',
    listen: '127.0.0.1:0',
    args: (listen) => [
      '--listen',
      listen,
      '--password',
      PASSWORD,
      '--limit-ip',
      '127.0.0.1',
      '--no-prompt',
      '--answer-delay',
      '800',
    ],
    provision: async (phone, url, settings) => {
      await phone.stop();
      const actionUrls = settings
        .filter((s) => s.parameter.startsWith('action_url.'))
        .map((s) => `--action-url=${s.parameter.slice('action_url.'.length)}=${s.value}`);
      const restarted = SimulatedPhone.start('yealink', [
        ...VENDORS.yealink.args(new URL(url).host),
        ...actionUrls,
      ]);
      await restarted.next((e) => e.event === 'ready');
      return restarted;
    },
  },
};

/** Poly's `POST /api/v1/mgmt/config/set`, over the connection pinned to the certificate `btoe add` pinned. */
function polyConfigSet(url: string, settings: Provisioning, sha256: string): Promise<void> {
  const body = JSON.stringify({ data: Object.fromEntries(settings.map((s) => [s.parameter, s.value])) });
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      new URL('/api/v1/mgmt/config/set', url),
      {
        method: 'POST',
        auth: `${VENDORS.poly.user}:${PASSWORD}`,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        // The phone's certificate names its MAC-based host, not this address: the pinned fingerprint decides.
        rejectUnauthorized: false,
        checkServerIdentity: (_host, peer) =>
          peer.fingerprint256 === sha256 ? undefined : new Error('the phone presented another certificate'),
        timeout: 5000,
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => {
          const status = (JSON.parse(text || '{}') as { Status?: string }).Status;
          if (status === '2000') resolve();
          else reject(new Error(`config/set answered ${response.statusCode ?? 0} ${status ?? ''}`));
        });
      },
    );
    request.on('timeout', () => request.destroy(new Error('config/set timed out')));
    request.on('error', reject);
    request.end(body);
  });
}

/** One simulated phone process and the JSON events it prints. */
class SimulatedPhone {
  readonly events: SimulatorEvent[] = [];
  private log = '';
  private seen = 0;
  private readonly wakers: Array<() => void> = [];

  private constructor(readonly process: ChildProcessWithoutNullStreams) {
    process.stderr.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    createInterface({ input: process.stdout }).on('line', (line) => {
      this.events.push(JSON.parse(line) as SimulatorEvent);
      this.wakers.splice(0).forEach((wake) => wake());
    });
  }

  static start(vendor: VendorKind, args: string[]): SimulatedPhone {
    return new SimulatedPhone(
      spawn(process.execPath, [simulatorPath, '--api', vendor, ...args], { stdio: ['pipe', 'pipe', 'pipe'] }),
    );
  }

  async next(want: (e: SimulatorEvent) => boolean): Promise<SimulatorEvent> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const index = this.events.findIndex((e, i) => i >= this.seen && want(e));
      if (index >= 0) {
        this.seen = index + 1;
        return this.events[index]!;
      }
      if (this.process.exitCode !== null) throw new Error(`the simulated phone stopped: ${this.log.trim()}`);
      if (Date.now() > deadline) throw new Error('the simulated phone did not report the expected event');
      await new Promise<void>((resolve) => {
        this.wakers.push(resolve);
        setTimeout(resolve, 200).unref();
      });
    }
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null) return;
    const exited = new Promise((resolve) => this.process.once('exit', resolve));
    this.process.kill();
    await exited;
  }
}

/** `btoe ARGS --store STORE --json` against the running companion; its JSON answer and exit code. */
async function btoe(
  store: string,
  args: string[],
  stdin = '',
): Promise<{ code: number; data: Record<string, unknown>; text: string }> {
  const child = spawn(process.execPath, [btoePath, ...args, '--store', store, '--json'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stdin.end(stdin);
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? 1)));
  let data: Record<string, unknown> = {};
  try {
    data = JSON.parse(out || err) as Record<string, unknown>;
  } catch {
    // Not JSON: the words are the message.
  }
  const error = data['error'] as { message?: unknown } | undefined;
  return { code, data, text: typeof error?.message === 'string' ? error.message : (err || out).trim() };
}

export async function runVendorDemo(vendor: VendorKind, say: Say): Promise<void> {
  const spec = VENDORS[vendor];
  // The demo's companion sends nothing beyond loopback and keeps its secrets in its own throw-away store.
  process.env['BTOE_DISCOVERY'] = 'off';
  process.env['BTOE_SECRET_STORE'] ??= 'file';
  process.env['BTOE_EVENT_PORT'] = '0';
  const store = await mkdtemp(join(tmpdir(), 'btoe-demo-'));
  let phone = SimulatedPhone.start(vendor, spec.args(spec.listen));
  let running: Awaited<ReturnType<typeof startRunningCompanion>> | undefined;
  try {
    const url = String((await phone.next((e) => e.event === 'ready'))['url']);
    say(
      'phone',
      `A simulated ${spec.name} phone is up at ${url}, answering its documented ${spec.api} (admin user ${spec.user}).`,
      { url },
    );

    running = await startRunningCompanion({ storeDir: store, lockSources: [], usb: false });
    const { service } = running;
    say('companion', `The companion is running with a fresh store in ${store}.`);

    const added = await btoe(
      store,
      ['add', vendor, url, '--user', spec.user, '--password-stdin'],
      `${PASSWORD}\n`,
    );
    if (added.code !== 0) throw new Error(`btoe add failed: ${added.text}`);
    const addedPhone = added.data['phone'] as { id: string; name: string };
    const certificate = added.data['certificateSha256'];
    const listener = added.data['listener'];
    if (typeof listener !== 'string') throw new Error('btoe add did not say where the companion listens');
    say(
      'added',
      `"btoe add ${vendor} ${url} --user ${spec.user} --password-stdin" added ${addedPhone.name} (${addedPhone.id}); the password is in the secret store only.${typeof certificate === 'string' ? ` Its certificate is pinned: SHA-256 ${certificate}.` : ''}`,
      { id: addedPhone.id, certificateSha256: certificate ?? null },
    );

    // The admin provisions the phone with what `btoe add` printed (docs/vendor-phones.md).
    const settings = (added.data['provisioning'] ?? []) as Provisioning;
    phone = await spec.provision(phone, url, settings, certificate);
    const pointer = settings.find((s) => s.value.startsWith('http'))?.parameter ?? 'its event URL';
    say(
      'provisioned',
      `The phone's admin applies the ${settings.length} settings "btoe add" listed (${pointer} among them): the phone's events go to the companion's listener, ${listener}.`,
      { listener, settings: settings.map((s) => s.parameter) },
    );

    const states: string[] = [];
    const arrived = new Promise<void>((resolve) => {
      service.links.on('call', (id, call) => {
        if (id !== addedPhone.id) return;
        if (states.at(-1) !== call.state) {
          states.push(call.state);
          say('call-state', `The companion hears from the phone: the call is ${call.state}.`, {
            state: call.state,
          });
        }
        if (call.state === 'connected' || call.state === 'ended') resolve();
      });
    });
    const number = '+12015550123';
    say(
      'dial',
      `The user clicks tel:${number} on the PC ("btoe dial"): the phone dials through its ${spec.api}.`,
      {
        number,
      },
    );
    const dialled = await btoe(store, ['dial', `tel:${number}`]);
    if (dialled.code !== 0) throw new Error(`btoe dial failed: ${dialled.text}`);
    await withTimeout(arrived, 'the call state did not arrive through the listener');

    const ended = new Promise<void>((resolve) =>
      service.links.on('call', (id, call) => id === addedPhone.id && call.state === 'ended' && resolve()),
    );
    say('hangup', 'The user hangs up from the PC ("btoe hangup").');
    const hungUp = await btoe(store, ['hangup']);
    if (hungUp.code !== 0) throw new Error(`btoe hangup failed: ${hungUp.text}`);
    await withTimeout(ended, 'the end of the call did not arrive through the listener');

    const lock = await btoe(store, ['lock']);
    const driver = service.links.session(addedPhone.id);
    const can = new Set<string>(driver ? [...driver.capabilities] : []);
    const works = DRIVER_CAPABILITIES.filter((c) => can.has(c));
    const missing = DRIVER_CAPABILITIES.filter((c) => !can.has(c));
    say(
      'abilities',
      `Through the ${spec.name} ${spec.api} this PC can: ${works.join(', ')}. Not available: ${missing.join(', ')}. "btoe lock" says so (exit ${lock.code}): ${lock.text}`,
      { works, missing, lockExit: lock.code },
    );
    say(
      'done',
      `Done. Lock sync is not available on a ${spec.name} phone through its device API; a phone that speaks the open BToE protocol has it ("npm run demo").`,
    );
  } finally {
    await running?.stop();
    await phone.stop();
    await rm(store, { recursive: true, force: true });
  }
}

async function withTimeout(promise: Promise<void>, message: string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      promise,
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(message)), 10_000))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
