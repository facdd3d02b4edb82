import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { HOUR, pipeReading, runEngine, type Arrival } from './testing.js';

/** the default park as shipped (COD analysers on their 60-min measurement cycle), without no-data and flatline */
function park(): Registry {
  const r = loadRegistry();
  r.rules = r.rules.filter((x) => x.type !== 'no-data' && x.type !== 'flatline');
  return r;
}

/** one COD measurement per hour (stamped with its sample time) and the flow at that moment */
const hourly = (start: number, hours: number, c: number): Arrival[] =>
  Array.from({ length: hours }, (_, i) => {
    const ts = start + i * HOUR + 30 * 60_000;
    return { at: ts, readings: [pipeReading('WP-01', 'w01018', c, ts), pipeReading('WP-01', 'w00000', 10, ts)] };
  });

describe('valid means of an analyser on its measurement cycle', () => {
  it('one COD measurement an hour (60-min cycle) covers its hour: 21 such hours make a valid day, and its mean is judged', () => {
    const cod = park().inputs.modbus.maps['wp-pipe-a']!.channels.find((c) => c.pollutant === 'w01018');
    expect(cod?.cycleMs).toBe(HOUR);
    const day1 = 16 * HOUR; // local day 1970-01-02 (UTC+8)
    const { means, events } = runEngine(park(), hourly(day1, 21, 600), day1 + 24 * HOUR + 10 * 60_000);
    const hours = means.filter((m) => m.period === 'hour' && m.pollutant === 'w01018');
    expect(hours).toHaveLength(21);
    for (const h of hours) expect(h).toMatchObject({ valid: true, n: 1, coverage: 1, flowWeighted: true, volume: expect.closeTo(36, 9) });
    expect(means.find((m) => m.period === 'day' && m.pollutant === 'w01018')).toMatchObject({ valid: true, validHours: 21, value: expect.closeTo(600, 9) });
    expect(events.filter((e) => e.rule === 'wp-cod-day' && e.type === 'open')).toHaveLength(1);
  });

  it('19 measured hours are not a valid day: no daily-mean ticket', () => {
    const day1 = 16 * HOUR;
    const { means, events } = runEngine(park(), hourly(day1, 19, 600), day1 + 24 * HOUR + 10 * 60_000);
    expect(means.find((m) => m.period === 'day' && m.pollutant === 'w01018')).toMatchObject({ valid: false, validHours: 19 });
    expect(events.filter((e) => e.rule === 'wp-cod-day')).toEqual([]);
  });
});
