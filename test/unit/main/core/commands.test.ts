// The btoe commands as one function of a request, against a real session over a fake link: what the phone is
// sent, what the user reads, and the exit code of each failure.
import { describe, expect, it, vi } from 'vitest';
import { LinkError, ProtocolError } from '../../../../native-bridge/link/errors.js';
import { type CommandContext, executeCommand } from '../../../../main/core/commands.js';
import type { Companion } from '../../../../main/core/companion.js';
import { EXIT } from '../../../../main/core/exit-codes.js';
import { resolvePolicy, settingsChoices } from '../../../../main/core/policy.js';
import type { PhoneSession } from '../../../../main/core/phone-session.js';
import { fakeSession, rules, settle } from './fakes.js';

function context(session: PhoneSession, settings: { defaultRegion?: string } = {}) {
  const desktop = { openBrowser: vi.fn(async () => undefined), copyToClipboard: vi.fn(async () => true) };
  const all = { version: 1 as const, ...settings };
  // Policy leaves DefaultRegion to the user's settings, as the running companion resolves it.
  const companion = {
    settings: all,
    policy: resolvePolicy([], settingsChoices(all)),
  } as unknown as Companion;
  const ctx: CommandContext = { companion, desktop, withSession: (_device, use) => use(session) };
  return { ctx, desktop };
}

const run = (ctx: CommandContext, command: string, args: string[] = [], extra = {}) =>
  executeCommand(ctx, { command, args, ...extra });

describe('commands', () => {
  it('dials the number in E.164 and says so', async () => {
    const { session, link } = fakeSession();
    link.phoneSends({ type: 'sign-in-state', user: null });
    const result = await run(context(session, { defaultRegion: 'US' }).ctx, 'dial', ['tel:+1-425-555-0123']);
    expect(result.code).toBe(EXIT.ok);
    expect(link.sent).toEqual([{ type: 'dial', number: '+14255550123' }]);
    expect(result.human).toMatch(/dialling/);
  });

  it('refuses to dial on a phone signed in as someone else, before anything is sent (exit 9)', async () => {
    const { session, link } = fakeSession({ rules: rules({}, { user: 'amosm@contoso.com' }) });
    link.phoneSends({ type: 'sign-in-state', user: 'meganb@contoso.com' });
    const result = await run(context(session).ctx, 'dial', ['+14255550123']);
    expect(result.code).toBe(EXIT.refused);
    expect(result.data).toMatchObject({ ok: false, error: { kind: 'refused' } });
    expect(result.human).toMatch(/click-to-call is off: paired but not activated/);
    expect(link.sent).toEqual([]);
  });

  it('asks a fresh session who is signed in before deciding a dial', async () => {
    const { session, link } = fakeSession({ rules: rules({}, { user: 'amosm@contoso.com' }) });
    // The phone answers the ping after its state: here the state says someone else.
    link.answer = (body) => {
      if (body.type === 'ping') link.phoneSends({ type: 'sign-in-state', user: 'meganb@contoso.com' });
      return 'ack';
    };
    const result = await run(context(session).ctx, 'dial', ['+14255550123']);
    expect(result.code).toBe(EXIT.refused);
    expect(link.sentTypes()).toEqual(['ping']);
  });

  it('refuses a malformed number as bad arguments (exit 2) without reaching the phone', async () => {
    const { session, link } = fakeSession();
    const result = await run(context(session).ctx, 'dial', ['tel:not-a-number']);
    expect(result.code).toBe(EXIT.usage);
    expect(link.sent).toEqual([]);
  });

  it('maps what the phone does to exit codes: refused 9, policy 10, no answer 6', async () => {
    const { session, link } = fakeSession();
    const { ctx } = context(session);
    link.answer = () => new ProtocolError('invalid-state', 'there is no call');
    expect((await run(ctx, 'hangup')).code).toBe(EXIT.refused);
    link.answer = () => new ProtocolError('policy', 'not allowed');
    expect((await run(ctx, 'lock')).code).toBe(EXIT.policy);
    link.answer = () => new LinkError('timeout', 'the peer did not answer "lock" within 5 s');
    const silent = await run(ctx, 'lock');
    expect(silent.code).toBe(EXIT['no-answer']);
    expect(silent.human).toMatch(/check that the phone is on/);
  });

  it('web sign-in --open: opens the verification address and puts the code on the clipboard', async () => {
    const { session, link } = fakeSession();
    link.answer = (body) => {
      if (body.type === 'ping') {
        link.phoneSends({ type: 'sign-in-state', user: null });
        link.phoneSends({
          type: 'sign-in-request',
          method: 'web',
          verificationUri: 'https://microsoft.com/devicelogin',
          verificationUriComplete: 'https://microsoft.com/devicelogin?otc=ABCD2345',
          userCode: 'ABCD2345',
          expiresIn: 900,
        });
      }
      return 'ack';
    };
    const { ctx, desktop } = context(session);
    const result = await run(ctx, 'sign-in', [], { open: true });
    expect(result.code, result.human).toBe(EXIT.ok);
    expect(desktop.copyToClipboard).toHaveBeenCalledWith('ABCD2345');
    expect(desktop.openBrowser).toHaveBeenCalledWith('https://microsoft.com/devicelogin?otc=ABCD2345');
    expect(result.human).toMatch(/it is on the clipboard/);
  });

  it('hands credentials over once and never echoes the password', async () => {
    const { session, link } = fakeSession();
    const result = await run(context(session).ctx, 'sign-in', [], {
      user: 'amosm@contoso.com',
      password: 'correct horse',
    });
    await settle();
    expect(result.code).toBe(EXIT.ok);
    expect(link.sent).toEqual([
      {
        type: 'sign-in-response',
        method: 'credentials',
        user: 'amosm@contoso.com',
        password: 'correct horse',
      },
    ]);
    expect(JSON.stringify(result)).not.toContain('correct horse');
  });

  it('refuses a user name that is not a UPN (exit 2)', async () => {
    const { session, link } = fakeSession();
    const result = await run(context(session).ctx, 'sign-in', [], { user: 'amos', password: 'x' });
    expect(result.code).toBe(EXIT.usage);
    expect(link.sent).toEqual([]);
  });

  it('refuses an unknown command (exit 2)', async () => {
    const { session } = fakeSession();
    expect((await run(context(session).ctx, 'reboot')).code).toBe(EXIT.usage);
  });
});
