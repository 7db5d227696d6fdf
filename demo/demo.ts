#!/usr/bin/env node
// Environment: Node (npm run demo).
// `npm run demo`: a simulated phone and the companion, paired with the Manual code flow, then a lock, an unlock,
// a call and a hang-up, each step said in plain words (or as JSON lines with --json). Loopback TCP only: the
// machine's own network namespace sends nothing anywhere else. `--phone poly|yealink`: a Poly or Yealink phone
// driven through its vendor's device API instead (demo/vendor-demo.ts).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Companion } from '../main/core/companion.js';
import { parseDialTarget } from '../main/core/dial-target.js';
import { loadPolicy } from '../main/core/policy.js';
import { isVendorKind } from '../main/core/vendor-phones.js';
import { phoneCommand, runInLab, wantsLab, whereNote } from './lab.js';

const json = process.argv.includes('--json');
const simulatorPath = fileURLToPath(new URL('../simulator/cli.js', import.meta.url));
type PhoneEvent = { event: string; [key: string]: unknown };
let stopPhone = (): void => undefined;

function say(step: string, message: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(json ? `${JSON.stringify({ step, message, ...extra })}\n` : `${message}\n`);
}

async function main(): Promise<void> {
  const phoneAt = process.argv.indexOf('--phone');
  if (phoneAt >= 0) {
    const vendor = process.argv[phoneAt + 1];
    if (!isVendorKind(vendor))
      throw new Error('--phone takes poly or yealink: npm run demo -- --phone yealink');
    const { runVendorDemo } = await import('./vendor-demo.js');
    return runVendorDemo(vendor, say);
  }
  // As root on Linux the demo runs in the PC-port lab (demo/lab.ts); elsewhere, or with --loopback, on loopback.
  if (wantsLab(process.argv)) {
    process.exitCode = await runInLab(process.argv[1]!, process.argv.slice(2));
    return;
  }
  const store = await mkdtemp(join(tmpdir(), 'btoe-demo-'));
  const phone = spawn(
    ...phoneCommand(process.execPath, [
      simulatorPath,
      '--listen',
      'tcp://127.0.0.1:0',
      '--pairing-mode',
      'manual',
      '--answer-delay',
      '800',
    ]),
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  stopPhone = () => phone.kill();
  let phoneLog = '';
  phone.stderr.on('data', (chunk: Buffer) => (phoneLog += chunk.toString()));
  const events: PhoneEvent[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: phone.stdout }).on('line', (line) => {
    events.push(JSON.parse(line) as PhoneEvent);
    waiters.splice(0).forEach((wake) => wake());
  });
  let seen = 0;
  /** The phone's next event matching `want`, as its own JSON output reports it. */
  const phoneSays = async (want: (e: PhoneEvent) => boolean): Promise<PhoneEvent> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const index = events.findIndex((e, i) => i >= seen && want(e));
      if (index >= 0) {
        seen = index + 1;
        return events[index]!;
      }
      if (phone.exitCode !== null) throw new Error(`the simulated phone stopped unexpectedly: ${phoneLog}`);
      if (Date.now() > deadline) throw new Error('the simulated phone did not report the expected event');
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 200).unref();
      });
    }
  };
  const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
    const start = performance.now();
    const result = await work();
    return [result, Math.round((performance.now() - start) * 10) / 10];
  };

  try {
    const ready = await phoneSays((e) => e.event === 'ready');
    const address = String(ready.address);
    say(
      'phone',
      `A simulated phone (Polycom VVX 450) is up at ${address}. Its id is ${String(ready.id)}.${whereNote()}`,
      { address, lab: whereNote() !== '' },
    );

    const companion = await Companion.open({ storeDir: store, policy: await loadPolicy() });
    say(
      'companion',
      `The companion started with a fresh store in ${store}; this PC's id is ${companion.identity.id}.`,
    );

    phone.stdin.write('open-pairing\n');
    const { code } = await phoneSays((e) => e.event === 'pairing-code');
    say('code', `On the phone, the user opens pairing. The phone shows the code ${String(code)}.`, { code });

    const typed = String(code).toLowerCase().replace('-', ' ');
    const [{ phone: paired }, pairMs] = await timed(() => companion.pair(address, typed));
    await phoneSays((e) => e.event === 'paired');
    say(
      'paired',
      `The user types "${typed}" on the PC. Paired in Manual mode in ${pairMs} ms (CPace over TLS 1.3); the phone confirms it is paired with ${companion.identity.id}.`,
      { ms: pairMs, phoneId: paired.id },
    );

    const [session, connectMs] = await timed(() => companion.connect(paired.id));
    say(
      'session',
      `The companion opened a session with the paired phone in ${connectMs} ms, checking its pinned certificate.`,
      {
        ms: connectMs,
      },
    );

    const [, lockMs] = await timed(() => session.lock());
    await phoneSays((e) => e.event === 'locked');
    say(
      'lock',
      `The PC locks, so the companion locks the phone: acknowledged in ${lockMs} ms, and the phone reports it is locked.`,
      {
        ms: lockMs,
      },
    );

    const [, unlockMs] = await timed(() => session.unlock());
    await phoneSays((e) => e.event === 'unlocked');
    say('unlock', `The PC unlocks, so the phone unlocks too: acknowledged in ${unlockMs} ms.`, {
      ms: unlockMs,
    });

    const uri = 'tel:+1-201-555-0123';
    const { dialString: number } = parseDialTarget(uri);
    const [, dialMs] = await timed(() => session.dial(number));
    await phoneSays((e) => e.event === 'call' && e.state === 'dialing');
    say(
      'dial',
      `The user clicks ${uri} on the PC: the phone is dialling ${number} (acknowledged in ${dialMs} ms).`,
      { ms: dialMs, number },
    );
    await phoneSays((e) => e.event === 'call' && e.state === 'connected');
    say('connected', 'The far end answers: the call is connected.');

    const [, hangupMs] = await timed(() => session.hangup());
    await phoneSays((e) => e.event === 'call' && e.state === 'ended');
    say('hangup', `The user hangs up from the PC: the call has ended (acknowledged in ${hangupMs} ms).`, {
      ms: hangupMs,
    });
    session.close();

    say(
      'done',
      'Done. Try it yourself: "npm run -s phone-sim -- --listen tcp://127.0.0.1:24801" in one terminal, type "open-pairing" there, then "npx btoe pair tcp://127.0.0.1:24801 --code CODE" and "npx btoe lock" in another.',
    );
  } finally {
    stopPhone();
    await rm(store, { recursive: true, force: true });
  }
}

// A closed stdout (`npm run demo | head`) ends the demo quietly.
process.stdout.on('error', () => {
  stopPhone();
  process.exit(0);
});

main().catch((error: unknown) => {
  say('failed', `The demo failed: ${(error as Error).message}`, { ok: false });
  process.exitCode = 1;
});
