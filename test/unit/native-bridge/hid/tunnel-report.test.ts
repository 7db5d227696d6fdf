// Environment: Node (vitest).
// The tunnel report codec: the byte-exact vector of docs/protocol.md, round trips, strict refusals.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseReportDescriptor } from '../../../../native-bridge/hid/report-descriptor.js';
import { findTunnelReports } from '../../../../native-bridge/hid/tunnel-layout.js';
import {
  HEADER_SIZE,
  type TunnelReport,
  encodeTunnelReport,
  parseTunnelReport,
  payloadCapacity,
} from '../../../../native-bridge/hid/tunnel-report.js';

const synthetic = () =>
  parseReportDescriptor(
    Uint8Array.from(
      readFileSync(
        new URL('../../../fixtures/hid-descriptors/btoe-phone-hid-synthetic.hex', import.meta.url),
        'utf8',
      )
        .trim()
        .split(/\s+/),
      (b) => parseInt(b, 16),
    ),
  );

describe('tunnel reports', () => {
  it('match the byte-exact vector of docs/protocol.md', () => {
    const doc = readFileSync(fileURLToPath(new URL('../../../../docs/protocol.md', import.meta.url)), 'utf8');
    const blocks = [...doc.matchAll(/^```hid-report\n([\s\S]*?)^```$/gm)].map(([, body = '']) =>
      Object.fromEntries(
        body
          .trim()
          .split('\n')
          .map((l) => l.split(': ') as [string, string]),
      ),
    );
    expect(blocks.length).toBeGreaterThan(0);
    const tunnel = findTunnelReports(synthetic());
    for (const v of blocks) {
      const size = Number(v.size);
      expect(size).toBe(tunnel.reportSize);
      expect(parseInt(v['report-id']!, 16)).toBe(tunnel.reportId);
      const report: TunnelReport = {
        kind: v.type as TunnelReport['kind'],
        link: parseInt(v.link!, 16),
        seq: parseInt(v.seq!, 16),
        payload: Buffer.from(v.payload ?? '', 'hex'),
      };
      const body = encodeTunnelReport(report, size);
      const wire = Buffer.concat([Buffer.from([tunnel.reportId]), body]);
      expect(wire.toString('hex')).toBe(v.report);
      expect(parseTunnelReport(Buffer.from(v.report!, 'hex').subarray(1), size)).toEqual({
        ...report,
        payload: Buffer.from(report.payload),
      });
    }
  });

  it('round-trip every kind at every size, and carry at most min(N - 6, 255) bytes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 8, max: 1024 }),
        fc.constantFrom('open', 'accept', 'data', 'close', 'close-reason'),
        fc.integer({ min: 1, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.uint8Array({ minLength: 1, maxLength: 255 }),
        (size, which, link, seq, bytes) => {
          const capacity = payloadCapacity(size);
          expect(capacity).toBe(Math.min(size - HEADER_SIZE, 255));
          const kind = which === 'close-reason' ? 'close' : which;
          const payload =
            which === 'data'
              ? bytes.subarray(0, capacity)
              : which === 'close-reason'
                ? bytes.subarray(0, 1)
                : new Uint8Array(0);
          const report = { kind, link, seq: kind === 'data' ? seq : 0, payload } as const;
          const body = encodeTunnelReport(report, size);
          expect(body.length).toBe(size);
          expect(parseTunnelReport(body, size)).toEqual({ ...report, payload: Buffer.from(payload) });
        },
      ),
    );
  });

  it('refuse anything that is not exactly a tunnel report, saying why', () => {
    const size = 16;
    const good = encodeTunnelReport({ kind: 'data', link: 0x1234, seq: 7, payload: Buffer.from('hi') }, size);
    const bad = (edit: (b: Buffer) => Buffer) => () => parseTunnelReport(edit(Buffer.from(good)), size);
    expect(bad((b) => b.subarray(0, 15))).toThrow(/report of 15 bytes where the descriptor declares 16/);
    expect(bad((b) => Buffer.concat([b, Buffer.alloc(1)]))).toThrow(/report of 17 bytes/);
    expect(
      bad((b) => {
        b[0] = 0x09;
        return b;
      }),
    ).toThrow(/unknown report type 0x09/);
    expect(bad((b) => b.fill(0, 1, 3))).toThrow(/link id 0/);
    expect(
      bad((b) => {
        b[5] = 0;
        return b;
      }),
    ).toThrow(/payload length of 0 \(1 to 10 fit/);
    expect(
      bad((b) => {
        b[5] = 11;
        return b;
      }),
    ).toThrow(/payload length of 11/);
    expect(
      bad((b) => {
        b[15] = 1;
        return b;
      }),
    ).toThrow(/non-zero padding at byte 15/);
    const open = encodeTunnelReport({ kind: 'open', link: 5, seq: 0, payload: new Uint8Array(0) }, size);
    expect(() => parseTunnelReport(Buffer.from(open).fill(1, 4, 5), size)).toThrow(
      /OPEN with sequence number 1/,
    );
    expect(() => parseTunnelReport(Buffer.from(open).fill(1, 5, 6), size)).toThrow(
      /OPEN with a payload length/,
    );
    expect(() =>
      encodeTunnelReport({ kind: 'data', link: 1, seq: 0, payload: Buffer.alloc(11) }, size),
    ).toThrow(RangeError);
    expect(() => encodeTunnelReport({ kind: 'open', link: 1, seq: 0, payload: Buffer.alloc(0) }, 7)).toThrow(
      /8 to 1024 bytes/,
    );
  });
});
