import { describe, expect, it } from 'vitest';
import { FLAG_ACK, flagVersion, hj212Time, isSplit, makeFlag, makeQn, needsAck, parseHj212Time } from './index.js';

describe('time helpers (local time, UTC+8 by default)', () => {
  const ms = Date.UTC(2016, 7, 1, 0, 58, 57, 223); // 2016-08-01 08:58:57.223 in UTC+8

  it('hj212Time / parseHj212Time / makeQn in China Standard Time', () => {
    expect(hj212Time(ms)).toBe('20160801085857');
    expect(parseHj212Time('20160801085857')).toBe(ms - 223);
    expect(makeQn(ms)).toBe('20160801085857223');
    expect(makeQn(ms, 1)).toBe('20160801085857001');
    expect(makeQn(ms, 1001)).toBe('20160801085857001');
    expect(parseHj212Time('20160801085857223')).toBe(ms);
  });

  it('another zone, and day rollover', () => {
    expect(hj212Time(ms, 0)).toBe('20160801005857');
    expect(hj212Time(Date.UTC(2016, 11, 31, 16, 0, 0))).toBe('20170101000000');
    expect(parseHj212Time('20170101000000')).toBe(Date.UTC(2016, 11, 31, 16, 0, 0));
  });

  it('refuses what is not a calendar moment', () => {
    for (const s of ['2016080108585', '20160230120000', '20160801240000', '2016080108585x', '']) expect(parseHj212Time(s), s).toBeUndefined();
  });
});

describe('Flag bits (HJ 212-2017 §6.3.2 Table 3, domain.md §1.3)', () => {
  it('A bit = acknowledgement, D bit = split, bits 2-7 = version', () => {
    expect(FLAG_ACK).toBe(1);
    expect([4, 5, 6, 7].map(needsAck)).toEqual([false, true, false, true]);
    expect([4, 5, 6, 7].map(isSplit)).toEqual([false, false, true, true]);
    expect(needsAck(undefined)).toBe(false);
    expect(flagVersion(5)).toBe(1);
    expect(flagVersion(1)).toBe(0);
    expect(makeFlag({ ack: true })).toBe(5);
    expect(makeFlag({ ack: true, split: true })).toBe(7);
    expect(makeFlag({ version: 0, ack: true })).toBe(1);
  });
});
