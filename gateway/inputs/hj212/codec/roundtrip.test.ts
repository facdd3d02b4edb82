import { describe, expect, it } from 'vitest';
import { decodeFrame, encodePacket, formatSegment, Hj212Framer, type Hj212Packet } from './index.js';

/** Seeded generator (mulberry32), so a failure is reproducible from its seed. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]): T => xs[int(0, xs.length - 1)] as T;
  const str = (chars: string, lo: number, hi: number) => Array.from({ length: int(lo, hi) }, () => pick([...chars])).join('');
  return { next, int, pick, str };
}

const DIGITS = '0123456789';
const HEX = '0123456789ABCDEF';
const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789';
/** Value text: digits, signs, letters and Chinese (HJ 212-2017 §6.3: Chinese characters travel as UTF-8). */
const VALUE_CHARS = '0123456789.-+ENabcXYZ 出口排放一企一管雨水监测站异味污水厂°℃';
const SUFFIXES = ['Rtd', 'Min', 'Avg', 'Max', 'Cou', 'Flag', 'EFlag', 'SampleTime', 'ZsRtd', 'ZsAvg', 'SN', 'Info', 'RS', 'RT', 'ValidNum'];
const CODES = ['w01018', 'w01001', 'w00000', 'w21003', 'a21026', 'a24088', 'a01007', 'SB1', 'SB2', 'i12001', '011', '060', 'B01', '101'];
const FIELDS = ['QnRtn', 'ExeRtn', 'RtdInterval', 'MinInterval', 'SystemTime', 'PolId', 'BeginTime', 'EndTime', 'NewPW', 'OverTime', 'ReCount', 'Remark', 'InfoId'];

function generate(seed: number): Hj212Packet {
  const r = rng(seed);
  const maybe = <T>(v: () => T): T | undefined => (r.next() < 0.8 ? v() : undefined);
  const fields: Record<string, string> = {};
  for (let i = r.int(0, 3); i > 0; i--) fields[r.pick(FIELDS)] = r.str(VALUE_CHARS, 0, 12);
  const factors: Record<string, Record<string, string>> = {};
  for (let i = r.int(0, 6); i > 0; i--) {
    const f: Record<string, string> = {};
    for (let j = r.int(1, 5); j > 0; j--) f[r.pick(SUFFIXES)] = r.str(VALUE_CHARS, 0, 10);
    factors[r.pick(CODES)] = f;
  }
  const split = r.next() < 0.3;
  const pnum = r.int(1, 20);
  const p: Hj212Packet = {
    qn: maybe(() => r.str(DIGITS, 17, 17)),
    st: maybe(() => r.pick(['21', '22', '23', '31', '32', '91'])),
    cn: r.str(DIGITS, 4, 4),
    pw: maybe(() => r.str(ALNUM, 6, 24)),
    mn: r.pick([() => r.str(HEX, 24, 24), () => r.str(ALNUM, 5, 14)])(),
    flag: maybe(() => r.int(0, 255)),
    ...(split ? { pnum, pno: r.int(1, pnum) } : {}),
    cp: { ...(r.next() < 0.7 ? { dataTime: r.str(DIGITS, 14, 14) } : {}), fields, factors },
  };
  // the decoder leaves absent header fields out rather than undefined
  for (const k of Object.keys(p) as Array<keyof Hj212Packet>) if (p[k] === undefined) delete p[k];
  return p;
}

const hasChinese = (s: string) => /[\u4e00-\u9fff]/.test(s);

describe('round trip decode(encode(p)) = p on generated packets', () => {
  const packets = Array.from({ length: 500 }, (_, i) => generate(i + 1));

  it('every generated packet survives encode then decode, Chinese text included (length and CRC over UTF-8 bytes)', () => {
    let chinese = 0;
    for (const [i, p] of packets.entries()) {
      const frame = encodePacket(p);
      const segment = formatSegment(p);
      expect(frame.subarray(2, 6).toString(), `seed ${i + 1}`).toBe(String(Buffer.byteLength(segment, 'utf8')).padStart(4, '0'));
      if (hasChinese(segment)) {
        chinese++;
        expect(Buffer.byteLength(segment, 'utf8')).toBeGreaterThan(segment.length);
      }
      const r = decodeFrame(frame);
      expect(r, `seed ${i + 1}`).toEqual({ ok: true, packet: p, segment });
    }
    expect(chinese).toBeGreaterThan(100);
  });

  it('the same packets sent back to back in random chunk sizes come out of the framer and decode equal', () => {
    const stream = Buffer.concat(packets.map((p) => encodePacket(p)));
    const r = rng(99);
    const framer = new Hj212Framer();
    const got: Hj212Packet[] = [];
    for (let at = 0; at < stream.length; ) {
      const n = r.int(1, 400);
      for (const o of framer.push(stream.subarray(at, at + n))) {
        expect(o).toHaveProperty('frame');
        if ('frame' in o) {
          const d = decodeFrame(o.frame);
          if (d.ok) got.push(d.packet);
        }
      }
      at += n;
    }
    expect(got).toEqual(packets);
  });

  it('encode refuses a packet the syntax cannot carry (a ";" in a value, PNO without PNUM)', () => {
    const base: Hj212Packet = { cn: '2011', mn: 'WP01', cp: { fields: {}, factors: {} } };
    expect(() => encodePacket({ ...base, cp: { fields: { Remark: 'a;b' }, factors: {} } })).toThrow();
    expect(() => encodePacket({ ...base, pno: 1 })).toThrow();
    expect(encodePacket(base).toString()).toMatch(/^##\d{4}CN=2011;MN=WP01;CP=&&&&[0-9A-F]{4}\r\n$/);
  });
});
