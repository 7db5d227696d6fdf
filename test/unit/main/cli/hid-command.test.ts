import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { runHidDescribe } from '../../../../main/cli/hid-command.js';
import {
  MAX_HEX_TEXT_BYTES,
  hidrawDescriptorPath,
  parseHexBytes,
} from '../../../../native-bridge/hid/descriptor-source.js';
import { FIXTURES } from '../../native-bridge/hid/fixtures.js';

const fixturePath = (name: string) =>
  fileURLToPath(new URL(`../../../fixtures/hid-descriptors/${name}.hex`, import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'btoe-hid-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

async function run(args: string[], json: boolean) {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const code = await runHidDescribe(args, json);
  vi.restoreAllMocks();
  return { code, stdout, stderr };
}

interface Described {
  ok: boolean;
  telephony: {
    index: number;
    usagePage: number;
    usage: number;
    name: string;
    controls: Record<string, unknown>[];
  }[];
}

describe('btoe hid describe', () => {
  it.each(FIXTURES.map((f) => [f]))('%s --json: the telephony collection and its controls', async (name) => {
    const { code, stdout } = await run(['describe', fixturePath(name)], true);
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as Described;
    expect(out.ok).toBe(true);
    expect(out.telephony).toHaveLength(1);
    expect(out.telephony[0]).toMatchObject({ usagePage: 0x0b, usage: 0x05, name: 'Headset' });
    const hook = out.telephony[0]!.controls.find((c) => c.name === 'Hook Switch');
    expect(hook).toMatchObject({ page: 0x0b, usage: 0x20, reportType: 'input', bitSize: 1, absolute: true });
    const offHook = out.telephony[0]!.controls.find((c) => c.name === 'Off-Hook');
    expect(offHook).toMatchObject({
      page: 0x08,
      usage: 0x17,
      reportType: 'output',
      absolute: true,
      preferred: false,
    });
    for (const c of out.telephony[0]!.controls)
      expect(Object.keys(c)).toEqual(
        expect.arrayContaining([
          'name',
          'page',
          'usage',
          'reportType',
          'reportId',
          'bitOffset',
          'bitSize',
          'absolute',
          'preferred',
        ]),
      );
  });

  it('Poly BT700: the telephony collection is the fifth; exact controls of its input report', async () => {
    const { stdout } = await run(['describe', fixturePath('poly-bt700')], true);
    const tel = (JSON.parse(stdout) as Described).telephony[0]!;
    expect(tel.index).toBe(4);
    const pick = ({
      name,
      reportType,
      reportId,
      bitOffset,
      bitSize,
      absolute,
      preferred,
    }: Record<string, unknown>) => ({
      name,
      reportType,
      reportId,
      bitOffset,
      bitSize,
      absolute,
      preferred,
    });
    expect(tel.controls.filter((c) => c.reportType === 'input').map(pick)).toEqual([
      {
        name: 'Hook Switch',
        reportType: 'input',
        reportId: 0x20,
        bitOffset: 0,
        bitSize: 1,
        absolute: true,
        preferred: false,
      },
      {
        name: 'Phone Mute',
        reportType: 'input',
        reportId: 0x20,
        bitOffset: 1,
        bitSize: 1,
        absolute: false,
        preferred: true,
      },
      {
        name: 'Flash',
        reportType: 'input',
        reportId: 0x20,
        bitOffset: 2,
        bitSize: 1,
        absolute: true,
        preferred: true,
      },
      {
        name: 'Redial',
        reportType: 'input',
        reportId: 0x20,
        bitOffset: 3,
        bitSize: 1,
        absolute: false,
        preferred: true,
      },
      {
        name: 'Button 7',
        reportType: 'input',
        reportId: 0x20,
        bitOffset: 4,
        bitSize: 1,
        absolute: false,
        preferred: true,
      },
    ]);
  });

  it('the human form lists the controls by name', async () => {
    const { code, stdout } = await run(['describe', fixturePath('jabra-biz2400ii')], false);
    expect(code).toBe(0);
    expect(stdout).toMatch(/Telephony collection #0: Headset \(0x0B:0x05\)/);
    expect(stdout).toMatch(/Hook Switch\s+0x0B:0x20\s+input\s+0x02\s+bit 0\s+absolute, no preferred/);
    expect(stdout).toMatch(
      /Phone Key Pound\s+0x0B:0xBB\s+input\s+0x02\s+bit 7\+4\s+absolute, preferred, array value 11, null state/,
    );
    expect(stdout).toMatch(/Ringer\s+0x0B:0x9E\s+output\s+0x02\s+bit 5/);
  });

  it('reads binary descriptors and reports a device without a telephony collection', async () => {
    const bin = join(dir, 'mouse.bin');
    writeFileSync(
      bin,
      Buffer.from([0x05, 0x01, 0x09, 0x02, 0xa1, 0x01, 0x75, 0x08, 0x95, 0x01, 0x81, 0x02, 0xc0]),
    );
    const { code, stdout } = await run(['describe', bin], true);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({
      ok: true,
      telephony: [],
      topLevelCollections: [{ usagePage: 1, usage: 2 }],
    });
    const human = await run(['describe', bin], false);
    expect(human.stdout).toMatch(/No telephony collection/);
  });

  it('bad input: a clear message and exit code 2', async () => {
    const bad = join(dir, 'bad.hex');
    writeFileSync(bad, '05 0b zz');
    const truncated = join(dir, 'truncated.hex');
    writeFileSync(truncated, '05 0b 09 05 a1 01 27 ff ff');
    const cases: [string[], RegExp][] = [
      [[], /hid needs a subcommand/],
      [['list'], /unknown hid subcommand "list"/],
      [['describe'], /needs one FILE.hex/],
      [['describe', join(dir, 'missing.hex')], /missing\.hex does not exist/],
      [['describe', bad], /byte 3 \(at character 7\) is not a hex byte/],
      [['describe', truncated], /not a valid HID report descriptor: truncated item 0x27.*at byte 6/],
      [['describe', '/dev/hidraw987'], /no hidraw987 device/],
    ];
    for (const [args, message] of cases) {
      const json = await run(args, true);
      expect(json.code).toBe(2);
      const out = JSON.parse(json.stdout) as { ok: boolean; error: { kind: string; message: string } };
      expect(out.ok).toBe(false);
      expect(out.error.kind).toBe('usage');
      expect(out.error.message).toMatch(message);
      const human = await run(args, false);
      expect(human.code).toBe(2);
      expect(human.stdout).toBe('');
      expect(human.stderr).toMatch(new RegExp(`^btoe: .*${message.source}`));
    }
  });
});

describe('btoe hid describe: what it reads and what it says', () => {
  it('a file of secrets is refused by byte offset, never quoted', async () => {
    const shadow = join(dir, 'shadow');
    const secret = 'root:$6$Zq9s3cr3tSa1t$hashedpasswordhashedpassword:19700:0:99999:7:::';
    writeFileSync(shadow, `${secret}\n`);
    const later = join(dir, 'later.hex');
    writeFileSync(later, `05 0b\n# a comment\n09 ${secret}`);
    for (const [path, where] of [
      [shadow, /byte 1 \(at character 1\) is not a hex byte/],
      [later, /byte 4 \(at character 22\) is not a hex byte/],
    ] as const)
      for (const json of [true, false]) {
        const { code, stdout, stderr } = await run(['describe', path], json);
        expect(code).toBe(2);
        expect(stdout + stderr).toMatch(where);
        for (const piece of ['root', '$6$', 's3cr3t', 'hashed', '19700'])
          expect(stdout + stderr).not.toContain(piece);
      }
  });

  it('reads no more than the largest descriptor can take', async () => {
    const hex = join(dir, 'huge.hex');
    writeFileSync(hex, Buffer.alloc(MAX_HEX_TEXT_BYTES + 1, '0'));
    const bin = join(dir, 'huge.bin');
    writeFileSync(bin, Buffer.alloc(65_536));
    const many = join(dir, 'many.hex');
    writeFileSync(many, '00 '.repeat(65_536));
    for (const [path, message] of [
      [hex, /huge\.hex is too large to be a report descriptor/],
      [bin, /huge\.bin is too large to be a report descriptor/],
      [many, /more than 65535 bytes/],
      [dir, /is a directory/],
    ] as const) {
      const { code, stderr } = await run(['describe', path], false);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
    }
  });
});

describe('descriptor sources', () => {
  it('parses hex text leniently but strictly per byte', () => {
    expect([...parseHexBytes('05 0B\n0x09,05  a1\t01')]).toEqual([0x05, 0x0b, 0x09, 0x05, 0xa1, 0x01]);
    expect(() => parseHexBytes('')).toThrow(/no hex bytes/);
    expect(() => parseHexBytes('123')).toThrow(/not a hex byte/);
  });

  it('maps hidraw device paths to their sysfs descriptor', () => {
    expect(hidrawDescriptorPath('/dev/hidraw3')).toBe('/sys/class/hidraw/hidraw3/device/report_descriptor');
    expect(hidrawDescriptorPath('hidraw12')).toBe('/sys/class/hidraw/hidraw12/device/report_descriptor');
    expect(hidrawDescriptorPath('/dev/ttyACM0')).toBeUndefined();
  });
});
