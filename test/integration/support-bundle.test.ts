// The support bundle never carries a secret: a private key, a pairing code, a password, a sign-in code and a
// session token are planted everywhere they could reach (the logs, settings, the store's files, the secret store,
// a real Node crash report and a binary dump, the environment, the command line), `btoe doctor --bundle` builds
// the zip, and every entry of it is read back: none of the five survives, while what support needs does.
import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { DIST, cleanup, requireDist, tempDir } from './helpers/processes.js';

const run = promisify(execFile);

const PRIVATE_KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const PAIRING_CODE = 'H7KQ-4M9X';
const PASSWORD = 'Tr0ub4dor&3-horse';
const SIGN_IN_CODE = 'FH4X7KLMP';
const SESSION_TOKEN = `sess_${randomBytes(32).toString('base64url')}`;

const SECRETS: Record<string, string> = {
  'private key': PRIVATE_KEY,
  'pairing code': PAIRING_CODE,
  password: PASSWORD,
  'sign-in code': SIGN_IN_CODE,
  'session token': SESSION_TOKEN,
};
/** Each secret and the pieces of it that must not survive either (the key's base64 lines, the code without its dash). */
const FRAGMENTS = [
  ...Object.values(SECRETS),
  ...PRIVATE_KEY.split('\n').filter((line) => line.length >= 16 && !line.startsWith('-----')),
  PAIRING_CODE.replace('-', ''),
  SESSION_TOKEN.slice(5, 40),
];

afterAll(cleanup);

describe('the support bundle (btoe doctor --bundle)', () => {
  it('keeps no secret in any entry, wherever it was planted', async () => {
    requireDist();
    const store = await tempDir();
    const escapedKey = JSON.stringify(PRIVATE_KEY).slice(1, -1);
    // The logs: structured lines (as the event log writes them) and prose (as a careless message would).
    await mkdir(join(store, 'logs'), { recursive: true });
    await writeFile(
      join(store, 'logs', 'companion.log'),
      [
        { event: 'sign-in', user: 'amosm@contoso.com', password: PASSWORD },
        { event: 'pair', device: 'tcp://169.254.20.2:24801', code: PAIRING_CODE },
        {
          event: 'web-sign-in',
          userCode: SIGN_IN_CODE,
          verificationUri: 'https://microsoft.com/devicelogin',
        },
        { event: 'session', token: SESSION_TOKEN, sessionToken: SESSION_TOKEN },
        { event: 'identity', privateKey: PRIVATE_KEY },
        { event: 'phone-connected', phone: 'abcdefghijklmnopqrstuvwxyz' },
      ]
        .map((line) => JSON.stringify(line))
        .join('\n') + '\n',
    );
    await writeFile(
      join(store, 'logs', 'companion.log.1'),
      [
        `pairing: the code ${PAIRING_CODE} was typed`,
        `web sign-in: enter the code ${SIGN_IN_CODE} at https://microsoft.com/devicelogin`,
        `sign-in: password is ${PASSWORD}`,
        `relay: Authorization: Bearer ${SESSION_TOKEN}`,
        `relay: GET https://relay.example/cb?code=${SIGN_IN_CODE}&session_token=${SESSION_TOKEN}`,
        `relay: https://amosm:${PASSWORD}@relay.example/`,
        `key dump: ${escapedKey}`,
        `a bare token in a stack: ${SESSION_TOKEN}`,
        'lock-sync: exit code 3, the code did not match',
      ].join('\n') + '\n',
    );
    // Settings and other store files: valid JSON with secret members, and a damaged pairings file.
    await writeFile(
      join(store, 'settings.json'),
      JSON.stringify({
        version: 1,
        password: PASSWORD,
        signInCode: SIGN_IN_CODE,
        pairingCode: PAIRING_CODE,
        token: SESSION_TOKEN,
        key: PRIVATE_KEY,
      }),
    );
    await writeFile(
      join(store, 'pairings.json'),
      `{"version":1,"phones":[{"note":"--code ${PAIRING_CODE} --password ${PASSWORD}","sessionToken":"${SESSION_TOKEN}","pem":"${escapedKey}"`,
    );
    // The secret store itself (a file store): never read into the bundle.
    await mkdir(join(store, 'secrets'), { recursive: true });
    await writeFile(join(store, 'secrets', 'identity-key.key'), PRIVATE_KEY, { mode: 0o600 });
    await writeFile(join(store, 'secrets', 'session-token.key'), SESSION_TOKEN, { mode: 0o600 });

    // Crash dumps: a real Node diagnostic report from a process whose environment and command line hold every
    // secret, and a binary dump with them in raw memory.
    const dumps = join(store, 'crash-dumps');
    await mkdir(dumps, { recursive: true });
    await run(
      process.execPath,
      [
        '-e',
        `process.report.directory = ${JSON.stringify(dumps)}; process.report.writeReport('report.json')`,
        '--',
        'pair',
        '--code',
        PAIRING_CODE,
        `--password=${PASSWORD}`,
      ],
      {
        env: {
          PATH: process.env.PATH,
          BTOE_SIGN_IN_PASSWORD: PASSWORD,
          BTOE_SESSION_TOKEN: SESSION_TOKEN,
          WEB_SIGN_IN_CODE: SIGN_IN_CODE,
          IDENTITY_PRIVATE_KEY: PRIVATE_KEY,
          RELAY_URL: `https://amosm:${PASSWORD}@relay.example/?token=${SESSION_TOKEN}`,
        },
      },
    );
    const report = await readFile(join(dumps, 'report.json'), 'utf8');
    for (const secret of [PASSWORD, SESSION_TOKEN, PAIRING_CODE, SIGN_IN_CODE])
      expect(report, 'the planted crash report holds the secrets').toContain(secret);
    await writeFile(
      join(dumps, 'companion.dmp'),
      Buffer.concat([Buffer.from('MDMP\0\0'), Buffer.from(Object.values(SECRETS).join('\0'))]),
    );

    // The environment btoe runs with, and its own command line.
    const bundle = join(await tempDir(), 'support.zip');
    const doctor = await run(
      process.execPath,
      [join(DIST, 'btoe/btoe.cjs'), 'doctor', '--json', '--store', store, '--bundle', bundle],
      {
        env: {
          ...process.env,
          BTOE_DISCOVERY: 'off',
          BTOE_SECRET_STORE: 'file',
          BTOE_SIGN_IN_PASSWORD: PASSWORD,
          BTOE_PAIRING_CODE: PAIRING_CODE,
          BTOE_WEB_CODE: SIGN_IN_CODE,
          BTOE_SESSION: `token ${SESSION_TOKEN}`,
          BTOE_KEY: PRIVATE_KEY,
          BTOE_DEBUG_ARGS: `pair --code ${PAIRING_CODE} --password ${PASSWORD}`,
        },
      },
    ).catch((error: { code: number; stdout: string; stderr: string }) => error);
    // Warnings and failures (no companion, damaged store) are expected: the exit code says which.
    expect([20, 21], doctor.stderr).toContain((doctor as { code?: number }).code ?? 0);
    expect(doctor.stderr).toMatch(/Support bundle: .*support\.zip \(\d+ files, secrets removed\)/);

    const entries = unzipSync(await readFile(bundle));
    const names = Object.keys(entries).sort();
    expect(names).toEqual(
      expect.arrayContaining([
        'README.txt',
        'doctor.txt',
        'doctor.json',
        'policy.json',
        'devices.json',
        'versions.json',
        'system.json',
        'store/files.txt',
        'store/settings.json',
        'store/pairings.json',
        'logs/companion.log',
        'logs/companion.log.1',
        'crash-dumps/report.json',
        'not-included.txt',
      ]),
    );
    expect(names.some((n) => n.startsWith('secrets/') || n.endsWith('.dmp'))).toBe(false);

    const texts = Object.fromEntries(
      Object.entries(entries).map(([name, bytes]) => [name, Buffer.from(bytes).toString('utf8')]),
    );
    for (const [name, text] of Object.entries(texts)) {
      for (const fragment of FRAGMENTS) {
        const which = Object.keys(SECRETS).find((k) => SECRETS[k]!.includes(fragment)) ?? fragment;
        expect(text.includes(fragment), `${which} survived in ${name}`).toBe(false);
      }
      expect(text, `a private key header survived in ${name}`).not.toMatch(/BEGIN [A-Z ]*PRIVATE KEY/);
      expect(text, `the home folder survived in ${name}`).not.toContain(`${homedir()}/`);
    }

    // The secrets were reached and removed, and what support needs is still there.
    expect(texts['crash-dumps/report.json']).toContain('"BTOE_SIGN_IN_PASSWORD": "[redacted]"');
    expect(texts['crash-dumps/report.json']).toContain('"--code",\n      "[redacted]"');
    expect(texts['logs/companion.log']).toContain('"event":"sign-in","user":"[account]"');
    expect(texts['logs/companion.log']).toContain('"phone":"abcdefghijklmnopqrstuvwxyz"');
    expect(texts['logs/companion.log.1']).toContain('exit code 3, the code did not match');
    expect(texts['system.json']).toContain('"BTOE_SIGN_IN_PASSWORD": "[redacted]"');
    expect(texts['not-included.txt']).toContain('crash-dumps/companion.dmp');
    expect(texts['store/files.txt']).toContain('secrets/identity-key.key');
    expect(JSON.parse(texts['doctor.json']!)).toMatchObject({ version: 1, status: 'fail' });
    expect(JSON.parse(texts['devices.json']!)).toHaveProperty('paired.error');
    // The store on disk is untouched: the bundle is a copy.
    expect(await readdir(join(store, 'secrets'))).toEqual(['identity-key.key', 'session-token.key']);
  });
});
