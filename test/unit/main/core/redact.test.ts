// The one redaction for support: secrets in every form go, the person goes, what support needs stays.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { REDACTED, namesSecret, redactForSupport } from '../../../../main/core/redact.js';
import { createIdentity } from '../../../../native-bridge/link/identity.js';

/** Secrets only: no home folder or user name to take out. */
const redact = (text: string) => redactForSupport(text, {});

const KEY = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const RSA = generateKeyPairSync('rsa', { modulusLength: 1024 })
  .privateKey.export({ type: 'pkcs1', format: 'pem' })
  .toString();

describe('redact: secrets go', () => {
  it.each([
    ['a PEM private key', `before\n${KEY}after`, KEY.split('\n')[1]!],
    ['an RSA private key', RSA, RSA.split('\n')[2]!],
    ['a JSON-escaped private key', JSON.stringify({ k: KEY }), KEY.split('\n')[1]!],
    ['a key cut short', KEY.slice(0, 120), KEY.slice(40, 100)],
    ['a JSON password', '{"password":"Tr0ub4dor&3"}', 'Tr0ub4dor'],
    ['a JSON password with an escaped quote', '{"password":"a\\"Tr0ub4dor"}', 'Tr0ub4dor'],
    ['a numeric PIN', '{"pin": 246810}', '246810'],
    ['a userCode', '{"userCode":"FH4X7KLMP"}', 'FH4X7KLMP'],
    ['a pairing code in an env line', 'BTOE_PAIRING_CODE=H7KQ-4M9X', 'H7KQ-4M9X'],
    ['a session token header', 'Authorization: Bearer abc.def-123', 'abc.def-123'],
    ['a cookie header', 'Cookie: session=Zx9-2kk', 'Zx9-2kk'],
    ['a query string', 'https://x.example/cb?code=FH4X7KLMP&state=1', 'FH4X7KLMP'],
    ['URL credentials', 'https://amosm:hunter2@relay.example/', 'hunter2'],
    ['a --code flag', 'btoe pair tcp://1.2.3.4:1 --code H7KQ-4M9X', 'H7KQ-4M9X'],
    ['a --password= flag', 'btoe sign-in --password=hunter2x', 'hunter2x'],
    ['argv as a JSON array', '["btoe","pair","--code","H7KQ-4M9X"]', 'H7KQ-4M9X'],
    ['a code in prose', 'the phone shows the code gNCYoV19 now', 'gNCYoV19'],
    ['a password in prose', 'password is hunter2', 'hunter2'],
    ['a lower-case password after a colon', 'password: correcthorse', 'correcthorse'],
    ['a JWT', 'id eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig-nature', 'eyJzdWIiOiIxIn0'],
    ['a bare opaque token', `x ${'aB3'.repeat(14)} y`, 'aB3aB3aB3aB3'],
    ['a secret in a camelCase key', '{"sessionToken":"abc"}', '"abc"'],
    ['a secret access key', 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI', 'wJalrXUtnFEMI'],
  ])('%s', (_what, text, secret) => {
    const out = redact(text);
    expect(out).not.toContain(secret);
    expect(out).toContain('[redacted');
  });
});

describe('redact: what support needs stays', () => {
  it.each([
    'lock-sync: exit code 3, the code did not match',
    '{"code":3,"error":{"kind":"pairing-failed","code":"pairing-busy"}}',
    '{"errno":-2,"code":"ENOENT"}',
    "Secret store (this PC's private key): file readable only by this user",
    'BTOE_SECRET_STORE=file',
    '{"unicode":"15.1","pinLength":6,"passwordRequired":true}',
    'phone abcdefghijklmnopqrstuvwxyz2 at tcp://169.254.20.2:24801',
    '/home/someone/.config/btoe-companion/logs/companion.log',
    'msi exit code 1603',
    '0123456789abcdef0123456789abcdef0123456789abcdef', // a hash: no capitals
  ])('%s', (text) => {
    expect(redact(text)).toBe(text);
  });

  it('keeps certificates whole (they are public)', () => {
    const { certificatePem, privateKeyPem } = createIdentity('test');
    const text = JSON.stringify({ certificate: certificatePem, note: privateKeyPem });
    const out = redact(text);
    expect(out).toContain(JSON.stringify(certificatePem).slice(1, -1));
    expect(out).not.toContain(privateKeyPem.split('\n')[1]!);
  });

  it('is idempotent', () => {
    const text = `{"password":"x1"} --code H7KQ-4M9X ${KEY} token: Zq9zq9zq9`;
    expect(redact(redact(text))).toBe(redact(text));
    expect(redact(text).split(REDACTED).length).toBeGreaterThan(3);
  });
});

describe('redact: the person goes', () => {
  const person = { home: '/home/amosm', user: 'amosm' };

  it('takes out accounts, the home folder and the user name, and keeps JSON valid', () => {
    const text = JSON.stringify({
      user: 'amosm@contoso.com',
      store: '/home/amosm/.config/btoe-companion',
      log: 'started by amosm',
      signIn: { userCode: 'WDJB-MJHT', address: 'https://microsoft.com/devicelogin' },
      secretStore: 'Windows Credential Manager',
      phone: { id: 'pj6t6zwftekoahbanxnf47fjl4', address: 'tcp://10.0.4.21:24801', firmware: '6.4.3' },
    });
    const out = redactForSupport(text, person);
    for (const gone of ['amosm', 'WDJB-MJHT']) expect(out).not.toContain(gone);
    expect(JSON.parse(out)).toEqual({
      user: '[account]',
      store: '~/.config/btoe-companion',
      log: 'started by [user]',
      signIn: { userCode: REDACTED, address: 'https://microsoft.com/devicelogin' },
      secretStore: 'Windows Credential Manager',
      phone: { id: 'pj6t6zwftekoahbanxnf47fjl4', address: 'tcp://10.0.4.21:24801', firmware: '6.4.3' },
    });
  });

  it('finds a Windows home folder as written and as JSON escapes it, but not a longer name', () => {
    const windows = { home: 'C:\\Users\\amosm', user: 'amosm' };
    const text = `C:\\Users\\amosm\\AppData ${JSON.stringify({ p: 'C:\\Users\\amosm\\AppData' })} C:\\Users\\amosmith`;
    expect(redactForSupport(text, windows)).toBe(`~\\AppData {"p":"~\\\\AppData"} C:\\Users\\amosmith`);
    expect(redactForSupport('/home/amosm2/x', person)).toBe('/home/amosm2/x');
  });

  it('is idempotent', () => {
    const text = 'amosm@contoso.com in /home/amosm: password is hunter2x';
    expect(redactForSupport(redactForSupport(text, person), person)).toBe(redactForSupport(text, person));
  });
});

describe('names of secrets', () => {
  it.each([
    ['password', true],
    ['BTOE_SIGN_IN_PASSWORD', true],
    ['userCode', true],
    ['x-api-key', true],
    ['privateKey', true],
    ['BTOE_SECRET_STORE', false],
    ['pinLength', false],
    ['unicode', false],
    ['verificationUri', false],
    ['keyboard', false],
  ])('%s: %s', (name, secret) => {
    expect(namesSecret(name)).toBe(secret);
  });
});
