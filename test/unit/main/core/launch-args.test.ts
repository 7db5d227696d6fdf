import { describe, expect, it } from 'vitest';
import { parseLaunchArgs } from '../../../../main/core/launch-args.js';

const exe = 'C:\\Program Files\\BToE Companion\\BToE Companion.exe';

describe('parseLaunchArgs', () => {
  it('finds the URL Windows passes as "%1" on a cold start', () => {
    expect(parseLaunchArgs([exe, 'tel:+12015550123'])).toEqual({
      callUrl: 'tel:+12015550123',
      hidden: false,
    });
  });

  it('finds it by scheme wherever Chromium puts its switches, in any case', () => {
    const argv = [
      exe,
      '--allow-file-access-from-files',
      'CallTo://+442079460958',
      '--original-process-start-time=1',
    ];
    expect(parseLaunchArgs(argv).callUrl).toBe('CallTo://+442079460958');
    expect(
      parseLaunchArgs(['/usr/bin/electron', '.', '--no-sandbox', 'sip:+12015550123@pbx.example;user=phone'])
        .callUrl,
    ).toBe('sip:+12015550123@pbx.example;user=phone');
    expect(parseLaunchArgs([exe, 'sips:201@pbx.example']).callUrl).toBe('sips:201@pbx.example');
  });

  it('keeps a URL with spaces whole, exactly as received', () => {
    expect(parseLaunchArgs([exe, '--flag', 'tel:+1 (201) 555-0123']).callUrl).toBe('tel:+1 (201) 555-0123');
  });

  it('never takes a switch, the executable or another argument for a URL', () => {
    expect(parseLaunchArgs([exe, '--url=tel:+12015550123', '-tel:1']).callUrl).toBeUndefined();
    expect(parseLaunchArgs(['tel:+12015550123']).callUrl).toBeUndefined();
    expect(
      parseLaunchArgs([exe, 'https://example.com/?tel:1', 'mailto:a@b.c', 'telnet:host']).callUrl,
    ).toBeUndefined();
  });

  it('has no URL when a second instance is started plainly or at login', () => {
    expect(parseLaunchArgs([exe])).toEqual({ callUrl: undefined, hidden: false });
    expect(parseLaunchArgs([exe, '--hidden'])).toEqual({ callUrl: undefined, hidden: true });
    expect(parseLaunchArgs([])).toEqual({ callUrl: undefined, hidden: false });
  });

  it('takes the first URL when several are given', () => {
    expect(parseLaunchArgs([exe, 'tel:+1', 'tel:+2']).callUrl).toBe('tel:+1');
  });

  it('finds hostile URLs too, unchanged, so that the dial parser refuses them with a reason', () => {
    const bidi = '\u202Etel:+12015550123';
    const control = '\u0007\u001btel:+1201\u0000555';
    const huge = `tel:+1${'2'.repeat(10_240)}`;
    expect(parseLaunchArgs([exe, bidi]).callUrl).toBe(bidi);
    expect(parseLaunchArgs([exe, control]).callUrl).toBe(control);
    expect(parseLaunchArgs([exe, huge]).callUrl).toBe(huge);
    expect(parseLaunchArgs([exe, 'tel:+1\u200F201\u2066555']).callUrl).toBe('tel:+1\u200F201\u2066555');
  });
});
