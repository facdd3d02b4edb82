import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { HOUR, meansFixture, pipeReading, runEngine, withInterval, type Arrival, type MeansFixtureInput as Input } from './testing.js';


/** the default park without no-data (it would fire for every silent device) and with the pipes' analysers on a 10-min cycle */
function park(site = 'WP-01', intervalMs = 600_000): Registry {
  const r = withInterval(loadRegistry(), site, intervalMs);
  r.rules = r.rules.filter((x) => x.type !== 'no-data' && x.type !== 'flatline');
  return r;
}

/** each slice's concentration and flow as one batch (one HJ 212 packet), arriving at its own time */
function live(input: Input): Arrival[] {
  return input.hours.flatMap((h) =>
    h.slices.map(([c, q, flag], i) => {
      const ts = input.dayStart + h.hour * HOUR + i * input.sliceMs;
      return { at: ts, readings: [pipeReading(input.site, input.pollutant, c, ts, flag), pipeReading(input.site, 'w00000', q, ts)] };
    }),
  );
}

/** 6 slices of 10 min of `c` mg/L at 10 L/s in each of `hours` hours from `start` */
const steady = (site: string, start: number, hours: number, c: number): Arrival[] =>
  Array.from({ length: hours * 6 }, (_, i) => {
    const ts = start + i * 600_000;
    return { at: ts, readings: [pipeReading(site, 'w01018', c, ts), pipeReading(site, 'w00000', 10, ts)] };
  });

describe('valid flow-weighted means (HJ 212-2017 App. D.1, HJ 356-2019 §7)', () => {
  it('equal the hand computation of the fixture: flow-weighted hours, excluded flags counted, an invalid hour left out of the day', () => {
    const input = meansFixture<Input>('input.json');
    const expected = meansFixture<{ hours: Record<string, unknown>[]; day: Record<string, unknown> }>('expected.json');
    const { means, engine } = runEngine(park(), live(input), input.dayStart + 24 * HOUR + 10 * 60_000);
    const cod = means.filter((m) => m.site === 'WP-01' && m.pollutant === 'w01018');
    const hours = cod.filter((m) => m.period === 'hour');
    expect(hours).toHaveLength(expected.hours.length);
    hours.forEach((h, i) => {
      const e = expected.hours[i]!;
      expect(h).toMatchObject({ ...e, value: expect.closeTo(e.value as number, 9), coverage: expect.closeTo(e.coverage as number, 9), volume: expect.closeTo(e.volume as number, 9) });
    });
    const days = cod.filter((m) => m.period === 'day');
    expect(days).toHaveLength(1);
    const { hand: _hand, ...day } = expected.day;
    expect(days[0]).toMatchObject({ ...day, value: expect.closeTo(day.value as number, 9), volume: expect.closeTo(765, 9) });
    expect(days[0]!.value).toBeCloseTo(102.3529, 3);
    // the invalid hour (and nothing else) counted as invalid
    expect(engine.means.invalid).toBe(1);
  });

  it('a valid day above the limit opens the daily-mean ticket; a day of 5 valid hours (720 values, not ~17,000) is not a valid day and opens none', () => {
    const day1 = 16 * HOUR; // local day 1970-01-02 (UTC+8)
    const valid = runEngine(park(), steady('WP-01', day1, 21, 600), day1 + 24 * HOUR + 10 * 60_000);
    const opened = valid.events.filter((e) => e.rule === 'wp-cod-day');
    expect(opened).toHaveLength(1);
    expect(opened[0]).toMatchObject({ type: 'open', value: expect.closeTo(600, 9), ts: day1 + 24 * HOUR, context: { averaging: 'day', window: { start: day1, revision: 0 }, backfill: false } });

    // 720 values at the pipe's 5-s cycle: one hour of a day
    const fast = park('WP-01', 5000);
    const arrivals = Array.from({ length: 720 }, (_, i) => {
      const ts = day1 + 3 * HOUR + i * 5000;
      return { at: ts, readings: [pipeReading('WP-01', 'w01018', 700, ts), pipeReading('WP-01', 'w00000', 10, ts)] };
    });
    const invalid = runEngine(fast, arrivals, day1 + 24 * HOUR + 10 * 60_000);
    const day = invalid.means.find((m) => m.period === 'day' && m.pollutant === 'w01018');
    expect(day).toMatchObject({ valid: false, validHours: 1, n: 720, value: expect.closeTo(700, 9) });
    expect(invalid.events.filter((e) => e.rule === 'wp-cod-day')).toEqual([]);
    expect(invalid.engine.means.invalid).toBeGreaterThanOrEqual(1);
    // the same values one by one still open the instant rule: only the daily mean is withheld
    expect(invalid.events.some((e) => e.rule === 'wp-cod' && e.type === 'open')).toBe(true);
  });
});
