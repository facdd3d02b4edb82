import { describe, expect, it } from 'vitest';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { HOUR, pipeReading, runEngine, withInterval } from './testing.js';

const MIN = 60_000;
const GRACE = 5 * MIN; // park.yaml lateness.graceMs
const T = 10 * HOUR; // the hour [T, T + 1 h) whose data the logger re-sends (HJ 212 补传)

/** the park without no-data, with AQ-01 (fence NMHC) and WP-01 (pipe) reporting every 10 min */
function park(): Registry {
  const r = withInterval(withInterval(loadRegistry(), 'AQ-01', 10 * MIN), 'WP-01', 10 * MIN);
  r.rules = r.rules.filter((x) => x.type !== 'no-data' && x.type !== 'flatline');
  return r;
}

const nmhc = (value: number, ts: number): Reading => ({ site: 'AQ-01', device: 'AQ-01-V', pollutant: 'a24088', value, unit: 'mg/m3', ts, flag: 'N', source: 'mqtt' });
const slices = (start: number, n: number, from = 0) => Array.from({ length: n }, (_, i) => start + (from + i) * 10 * MIN);

describe('reading time and lateness (back-fill, HJ 212 补传)', () => {
  it('back-filled readings 3 h old, in reverse order in one batch, fall into their own hours in order; a window not yet judged is judged once, as back-fill', () => {
    const ts = [...slices(T, 6), ...slices(T + HOUR, 6)];
    // NMHC 5.0 then 2.0 mg/m3; pipe COD with its flow, all in one packet, newest first
    const batch = ts.flatMap((t, i) => [nmhc(i < 6 ? 5 : 2, t), pipeReading('WP-01', 'w01018', i < 6 ? 100 + 100 * (i % 2) : 50, t), pipeReading('WP-01', 'w00000', i % 2 ? 30 : 10, t)]).reverse();
    const arrive = T + 4 * HOUR;
    const { means, events } = runEngine(park(), [{ at: arrive, readings: batch }], arrive + HOUR);

    const hours = means.filter((m) => m.site === 'AQ-01' && m.period === 'hour');
    expect(hours.map((h) => [h.start, h.value, h.n, h.valid, h.revision, h.backfill])).toEqual([
      [T, 5, 6, true, 0, true],
      [T + HOUR, 2, 6, true, 0, true],
    ]);
    // flows were matched by reading time: COD 100 at 10 L/s and 200 at 30 L/s → (3×6×0.1 + 3×18×0.2)/(3×6 + 3×18) × 10³ = 175 mg/L
    const cod = means.filter((m) => m.site === 'WP-01' && m.pollutant === 'w01018' && m.period === 'hour');
    expect(cod.map((h) => [h.start, h.flowWeighted])).toEqual([
      [T, true],
      [T + HOUR, true],
    ]);
    expect(cod[0]!.value).toBeCloseTo(175, 9);
    // the hour above GB 16297's 4.0 opens the hourly-mean ticket, stamped at its hour's end and marked back-fill
    const open = events.filter((e) => e.rule === 'aq-nmhc-fence-1h');
    expect(open.map((e) => e.type)).toEqual(['open', 'clear']);
    expect(open[0]).toMatchObject({ value: 5, ts: T + HOUR, since: T + HOUR, context: { backfill: true, window: { start: T, revision: 0 } } });
  });

  it('a window already judged is re-opened by back-fill and re-judged after it settles: the revised mean replaces the stored one; a now-exceeding revision opens a ticket marked back-fill', () => {
    // live: two values in the hour (20 min of 60): judged invalid at its end + grace, no ticket
    const live = slices(T, 2).map((t) => ({ at: t, readings: [nmhc(6, t)] }));
    // 3 h later the logger re-sends the other four slices
    const arrive = T + 4 * HOUR;
    const backfill = { at: arrive, readings: slices(T, 4, 2).map((t) => nmhc(6, t)) };
    const { means, events, engine } = runEngine(park(), [...live, backfill], arrive + HOUR);

    const judged = means.filter((m) => m.site === 'AQ-01' && m.period === 'hour' && m.start === T);
    // judged at its end + grace; re-judged once processing time passed the last late value + grace
    expect(judged.map((m) => [m.revision, m.valid, m.n, m.backfill, m.judgedAt])).toEqual([
      [0, false, 2, false, T + HOUR + GRACE],
      [1, true, 6, true, arrive + GRACE],
    ]);
    expect(engine.means.revisions).toBe(1);
    const fence = events.filter((e) => e.rule === 'aq-nmhc-fence-1h');
    expect(fence).toHaveLength(1);
    expect(fence[0]).toMatchObject({ type: 'open', value: 6, ts: T + HOUR, context: { backfill: true, window: { start: T, revision: 1 } } });
    expect(engine.means.invalid).toBeGreaterThanOrEqual(1);
  });

  it('a revision that is now compliant is stored and changes no ticket; readings older than the horizon are stored but not judged', () => {
    const r = park();
    r.lateness = { graceMs: GRACE, horizonMs: 3 * HOUR };
    // live: four slices of 6.0 make a valid hour above the limit → ticket opens at the hour's end
    const live = slices(T, 5).map((t) => ({ at: t, readings: [nmhc(6, t)] }));
    // 2 h later: the last slice 0.1 (revised mean 5.0167, still above) ... and 4 h later one too late to judge
    const late = { at: T + 2 * HOUR, readings: [nmhc(0.1, T + 50 * MIN)] };
    const tooLate = { at: T + 5 * HOUR, readings: [nmhc(0.1, T + 40 * MIN)] };
    const { means, events, engine } = runEngine(r, [...live, late, tooLate], T + 6 * HOUR);
    const judged = means.filter((m) => m.site === 'AQ-01' && m.period === 'hour' && m.start === T);
    expect(judged.map((m) => m.revision)).toEqual([0, 1]);
    expect(judged[1]!.value).toBeCloseTo((5 * 6 + 0.1) / 6, 9);
    expect(engine.means.tooLate).toBe(1);
    // still above: the open ticket is updated with the revised mean, marked back-fill
    const fence = events.filter((e) => e.rule === 'aq-nmhc-fence-1h');
    expect(fence.map((e) => [e.type, e.context?.backfill])).toEqual([
      ['open', false],
      ['update', true],
    ]);

    // now a revision that brings the mean under the limit: stored, no clear, no new ticket
    const compliant = { at: T + 2 * HOUR, readings: [nmhc(0, T + 50 * MIN)] };
    const low = slices(T, 5).map((t) => ({ at: t, readings: [nmhc(4.5, t)] }));
    const second = runEngine(r, [...low, compliant], T + 3 * HOUR);
    const revised = second.means.filter((m) => m.site === 'AQ-01' && m.period === 'hour' && m.start === T);
    expect(revised.map((m) => [m.revision, m.valid])).toEqual([
      [0, true],
      [1, true],
    ]);
    expect(revised[1]!.value).toBeCloseTo(3.75, 9);
    expect(second.events.filter((e) => e.rule === 'aq-nmhc-fence-1h').map((e) => e.type)).toEqual(['open']);
  });
  it('a back-fill batch in reverse order drives durations in reading time: the exceedance opens with its readings’ own times', () => {
    // WP-02 COD 700 every minute for 12 min, re-sent 3 h later newest first
    const ts = Array.from({ length: 13 }, (_, i) => T + i * MIN);
    const batch = ts.map((t) => pipeReading('WP-02', 'w01018', 700, t)).reverse();
    const { events } = runEngine(park(), [{ at: T + 3 * HOUR, readings: batch }], T + 4 * HOUR);
    const wp = events.filter((e) => e.rule === 'wp-cod' && e.site === 'WP-02');
    expect(wp[0]).toMatchObject({ type: 'open', since: T, ts: T + 10 * MIN });
  });

  it('a reading older than the last one of its series feeds only the windows, never a duration', () => {
    // live 700 at T+10 min; then one late 700 stamped T (before it) and the series goes on at 300
    const arrivals = [
      { at: T + 10 * MIN, readings: [pipeReading('WP-02', 'w01018', 700, T + 10 * MIN)] },
      { at: T + 11 * MIN, readings: [pipeReading('WP-02', 'w01018', 700, T)] },
      { at: T + 21 * MIN, readings: [pipeReading('WP-02', 'w01018', 700, T + 21 * MIN)] },
    ];
    const { events, means } = runEngine(park(), arrivals, T + 2 * HOUR);
    // pending since T+10 min (not T): opens at T+20 min by the timer, not at T+10 min through the late value
    expect(events.find((e) => e.rule === 'wp-cod' && e.site === 'WP-02')).toMatchObject({ type: 'open', since: T + 10 * MIN });
    expect(means.find((m) => m.site === 'WP-02' && m.pollutant === 'w01018' && m.period === 'hour')).toMatchObject({ start: T, n: 3 });
  });
  it('a back-fill ending in a short excess does not open by the clock: its timer runs as far behind as its series, and a live compliant value drops it', () => {
    const arrive = T + 3 * HOUR;
    // 3 min of COD 700 re-sent 3 h late, then the live value 5 s later is back within the limit
    const backfill = { at: arrive, readings: [0, 1, 2, 3].map((i) => pipeReading('WP-02', 'w01018', 700, T + i * MIN)) };
    const live = { at: arrive + 5000, readings: [pipeReading('WP-02', 'w01018', 300, arrive + 5000)] };
    expect(runEngine(park(), [backfill, live], arrive + HOUR).events.filter((e) => e.rule === 'wp-cod')).toEqual([]);
    // no live value: the duration completes 10 min later for the series (its reading time), and the event says so
    const alone = runEngine(park(), [backfill], arrive + HOUR).events.filter((e) => e.rule === 'wp-cod');
    expect(alone[0]).toMatchObject({ type: 'open', since: T, ts: T + 10 * MIN });
  });

  it('a reading older than the horizon opens nothing, even as the first of its series', () => {
    const r = park();
    r.lateness = { graceMs: GRACE, horizonMs: 2 * HOUR };
    // 15 min of COD 700 stamped 3 h before it arrives: stored, not judged
    const batch = Array.from({ length: 16 }, (_, i) => pipeReading('WP-02', 'w01018', 700, T + i * MIN));
    const { events, means, engine } = runEngine(r, [{ at: T + 3 * HOUR, readings: batch }], T + 5 * HOUR);
    expect(events.filter((e) => e.site === 'WP-02')).toEqual([]);
    expect(means.filter((m) => m.site === 'WP-02')).toEqual([]);
    expect(engine.means.tooLate).toBe(16);
  });
});
