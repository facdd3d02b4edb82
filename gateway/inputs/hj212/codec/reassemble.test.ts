import { describe, expect, it } from 'vitest';
import { Hj212Reassembler, type Hj212Packet } from './index.js';

const MN = '010000A8900016F000169DC0';
/** Part `pno` of `pnum` of an hourly 2061 split over factors, its own QN (Appendix C, Tables C.47-C.50). */
function part(pno: number, pnum: number, over: Partial<Hj212Packet> = {}): Hj212Packet {
  return {
    qn: `2016080108585753${pno}`,
    st: '32',
    cn: '2061',
    pw: '123456',
    mn: MN,
    flag: 7,
    pnum,
    pno,
    cp: { dataTime: '20160801080000', fields: {}, factors: { [`w0100${pno}`]: { Avg: `${pno}.5`, Flag: 'N' } } },
    ...over,
  };
}

const whole = (pnum: number): Hj212Packet => ({
  qn: '20160801085857531',
  st: '32',
  cn: '2061',
  pw: '123456',
  mn: MN,
  flag: 5, // D bit cleared, A bit kept
  cp: { dataTime: '20160801080000', fields: {}, factors: Object.fromEntries(Array.from({ length: pnum }, (_, i) => [`w0100${i + 1}`, { Avg: `${i + 1}.5`, Flag: 'N' }])) },
});

describe('Hj212Reassembler (Appendix C split packets)', () => {
  it('a packet without PNUM passes through unchanged', () => {
    const r = new Hj212Reassembler();
    const p: Hj212Packet = { cn: '2011', mn: MN, cp: { fields: {}, factors: {} } };
    expect(r.push(p, 0)).toBe(p);
  });

  it('joins parts in PNO order when they arrive out of order, ignoring a duplicate', () => {
    const r = new Hj212Reassembler();
    expect(r.push(part(3, 3), 0)).toBeUndefined();
    expect(r.push(part(1, 3), 1)).toBeUndefined();
    expect(r.push(part(3, 3), 2)).toBeUndefined(); // resent duplicate
    expect(r.waiting).toBe(1);
    const joined = r.push(part(2, 3), 3);
    expect(joined).toEqual(whole(3));
    expect(Object.keys(joined?.cp.factors ?? {})).toEqual(['w01001', 'w01002', 'w01003']);
    expect(r.waiting).toBe(0);
  });

  it('keeps sets apart by MN, CN, DataTime and PNUM', () => {
    const r = new Hj212Reassembler();
    expect(r.push(part(1, 2), 0)).toBeUndefined();
    expect(r.push(part(2, 2, { mn: 'OTHER' }), 0)).toBeUndefined();
    expect(r.push(part(2, 2, { cn: '2051' }), 0)).toBeUndefined();
    expect(r.push(part(2, 2, { cp: { dataTime: '20160801090000', fields: {}, factors: { w01002: { Avg: '2.5', Flag: 'N' } } } }), 0)).toBeUndefined();
    expect(r.waiting).toBe(4);
    expect(r.push(part(2, 2), 0)).toEqual(whole(2));
  });

  it('expires an incomplete set after the timeout and returns its parts for dead-lettering', () => {
    const r = new Hj212Reassembler({ timeoutMs: 1000 });
    r.push(part(2, 3), 100);
    r.push(part(1, 3), 600);
    expect(r.expire(1099)).toEqual([]);
    expect(r.expire(1100)).toEqual([part(1, 3), part(2, 3)]);
    expect(r.waiting).toBe(0);
    expect(r.push(part(3, 3), 1200)).toBeUndefined(); // a late part starts a new set, it does not complete the old one
  });

  it('a part with PNO outside 1..PNUM is not kept and comes back from expire()', () => {
    const r = new Hj212Reassembler();
    const odd = part(4, 3);
    expect(r.push(odd, 0)).toBeUndefined();
    expect(r.waiting).toBe(0);
    expect(r.expire(0)).toEqual([odd]);
  });

  it('holds at most maxSets incomplete sets: the oldest is dropped and returned by expire()', () => {
    const r = new Hj212Reassembler({ maxSets: 2 });
    r.push(part(1, 2, { mn: 'A' }), 0);
    r.push(part(1, 2, { mn: 'B' }), 1);
    r.push(part(1, 2, { mn: 'C' }), 2);
    expect(r.waiting).toBe(2);
    expect(r.expire(3)).toEqual([part(1, 2, { mn: 'A' })]);
    expect(r.push(part(2, 2, { mn: 'C' }), 4)?.mn).toBe('C');
  });

  it('the first copy of a part is kept: a resend of PNO 1 with another QN does not change the joined QN', () => {
    const r = new Hj212Reassembler();
    r.push(part(1, 2), 0);
    r.push(part(1, 2, { qn: '20160801085999999' }), 1);
    expect(r.push(part(2, 2), 2)?.qn).toBe('20160801085857531');
  });
});
