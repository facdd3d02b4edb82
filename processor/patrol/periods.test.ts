import { describe, expect, it } from 'vitest';
import { PatrolConfigSchema } from '../../gateway/registry/patrol.js';
import { lastEndedPeriod, localStamp, nextPatrolTime, periodEndingAt, sheetId, zoneOffsetMs } from './periods.js';

const TIMES = ['08:30', '16:30'];
const TZ = 'Asia/Shanghai';
const at = (s: string) => Date.parse(s);

describe('patrol periods (park-local clock)', () => {
  it('Asia/Shanghai is UTC+8 all year', () => {
    expect(zoneOffsetMs(at('2026-01-15T00:00:00Z'), TZ)).toBe(8 * 3_600_000);
    expect(zoneOffsetMs(at('2026-07-15T00:00:00Z'), TZ)).toBe(8 * 3_600_000);
    expect(localStamp(at('2026-11-27T16:30:00Z'), TZ)).toEqual({ date: '2026-11-28', time: '00:30' });
  });

  it('finds the next patrol time strictly after now, across midnight', () => {
    expect(nextPatrolTime(at('2026-11-27T16:00:00+08:00'), TIMES, TZ)).toBe(at('2026-11-27T16:30:00+08:00'));
    expect(nextPatrolTime(at('2026-11-27T16:30:00+08:00'), TIMES, TZ)).toBe(at('2026-11-28T08:30:00+08:00'));
    expect(nextPatrolTime(at('2026-11-27T23:59:00+08:00'), TIMES, TZ)).toBe(at('2026-11-28T08:30:00+08:00'));
    expect(nextPatrolTime(at('2026-11-28T00:10:00+08:00'), TIMES, TZ)).toBe(at('2026-11-28T08:30:00+08:00'));
  });

  it('the 16:30 sheet covers 08:30 → 16:30, the 08:30 sheet the night before', () => {
    expect(periodEndingAt(at('2026-11-27T16:30:00+08:00'), TIMES, TZ)).toEqual({ start: at('2026-11-27T08:30:00+08:00'), end: at('2026-11-27T16:30:00+08:00') });
    const night = periodEndingAt(at('2026-11-28T08:30:00+08:00'), TIMES, TZ);
    expect(night).toEqual({ start: at('2026-11-27T16:30:00+08:00'), end: at('2026-11-28T08:30:00+08:00') });
    expect(sheetId(night, TZ)).toBe('P-20261128-0830');
    expect(lastEndedPeriod(at('2026-11-28T12:00:00+08:00'), TIMES, TZ)).toEqual(night);
  });

  it('one time a day makes a daily sheet; the times need not be sorted', () => {
    expect(periodEndingAt(at('2026-11-27T09:00:00+08:00'), ['09:00'], TZ)).toEqual({ start: at('2026-11-26T09:00:00+08:00'), end: at('2026-11-27T09:00:00+08:00') });
    expect(nextPatrolTime(at('2026-11-27T10:00:00+08:00'), ['16:30', '08:30'], TZ)).toBe(at('2026-11-27T16:30:00+08:00'));
  });

  it('the registry block defaults to 08:30 and 16:30 and refuses bad times, saying where and why', () => {
    expect(PatrolConfigSchema.parse({})).toMatchObject({ times: ['08:30', '16:30'], signOffWithinMs: 7_200_000 });
    const bad = PatrolConfigSchema.safeParse({ times: ['8:30', '16:30'] });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]).toMatchObject({ path: ['times', 0], message: 'a local time "HH:MM" (00:00 to 23:59)' });
    expect(PatrolConfigSchema.safeParse({ times: ['08:30', '08:30'] }).error!.issues[0]!.message).toBe('patrol times must differ');
  });
});
