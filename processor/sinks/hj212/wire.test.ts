import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeFrame } from '../../../gateway/protocols/hj212/index.js';
import { UpstreamSchema } from '../../../gateway/registry/upstream.js';
import { dataSegment } from './index.js';
import { FrameSplitter, frameSegment, hj212Crc, makeQn, parseHj212Time, parseSegment } from './wire.js';

const vectors = JSON.parse(readFileSync(new URL('../../../test/fixtures/hj212/vectors.json', import.meta.url), 'utf8')) as Array<{ name: string; frame: string }>;

describe("the forwarder's HJ 212 wire format", () => {
  it('CRC16 per Appendix A: 123456789 → 0x2F80; the standard example frames to its own 1C80', () => {
    expect(hj212Crc(Buffer.from('123456789'))).toBe(0x2f80);
    expect(frameSegment('QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&')).toBe(
      '##0101QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&1C80\r\n',
    );
  });

  it('splits and parses every reference vector, also when they arrive coalesced and cut at arbitrary points', () => {
    const all = Buffer.from(vectors.map((v) => v.frame).join('garbage'));
    const s = new FrameSplitter();
    const out = [];
    for (let i = 0; i < all.length; i += 7) out.push(...s.push(all.subarray(i, i + 7)));
    const segments = out.filter((o): o is { segment: string } => 'segment' in o);
    expect(segments).toHaveLength(vectors.length);
    expect(segments.every((x) => parseSegment(x.segment))).toBe(true);
  });

  it("frames the forwarder builds decode with the input's codec to the same fields (Chinese text counted in UTF-8 bytes)", () => {
    const u = UpstreamSchema.parse({ id: 'city', host: '127.0.0.1', port: 1, sites: [{ site: 'WP-01', mn: '88888880000001', pw: '123456' }] });
    const qn = makeQn(Date.parse('2026-11-28T10:00:00.123+08:00'));
    expect(qn).toBe('20261128100000123');
    expect(parseHj212Time(qn)).toBe(Date.parse('2026-11-28T10:00:00.123+08:00'));
    const seg = dataSegment(u, 'wastewater_pipe', { site: 'WP-01', cn: '2051', at: 0, fields: { DataTime: '20261128100000', Info: '明弘' }, factors: { w01018: { Cou: '0.6', Min: '100', Avg: '100', Max: '100', Flag: 'N' } } }, qn, true);
    const d = decodeFrame(frameSegment(seg));
    expect(d.ok).toBe(true);
    if (!d.ok) return;
    expect(d.packet).toMatchObject({ qn, st: '32', cn: '2051', pw: '123456', mn: '88888880000001', flag: 5 });
    expect(d.packet.cp.dataTime).toBe('20261128100000');
    expect(d.packet.cp.factors.w01018).toEqual({ Cou: '0.6', Min: '100', Avg: '100', Max: '100', Flag: 'N' });
  });
});
