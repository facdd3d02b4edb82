import { asyncScheduler, map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { runMachine } from '../operators/stateful.js';
import { FlowSeries } from './flow.js';
import { windowMeansMachine, type MeanInput, type MeansState, type WindowMean, type WindowOptions } from './window.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const opts: WindowOptions = { weighting: 'arithmetic', hourCoverage: 0.75, dayValidHours: 20, graceMs: 5 * MIN, horizonMs: 7 * 24 * HOUR };
const x = (ts: number, value: number, over: Partial<MeanInput> = {}): MeanInput => ({ ts, value, flag: 'N', sliceMs: 10 * MIN, ...over });

/** steps every input at `now`, then fires the timer at `at`; the events of that firing */
function judge(o: WindowOptions, inputs: MeanInput[], now: number, at: number, state?: MeansState): { means: WindowMean[]; state: MeansState } {
  const m = windowMeansMachine(o);
  let s = state ?? m.init(now);
  for (const i of inputs) s = m.step(s, i, now).state;
  const due = m.timer!.due(s);
  expect(due).toBeLessThanOrEqual(at);
  const fired = m.timer!.fire(s, at);
  return { means: fired.event?.means ?? [], state: fired.state };
}

describe('windowMeansMachine', () => {
  it('judges an hour when processing time passes its end + grace (marbles): the mean of its values by reading time', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, expectObservable }) => {
      // three readings in the first hour (stamped 0, 10, 20 min) arrive at 0, 1 and 2 min; the hour is judged at 65 min
      const src = cold('a 59999ms b 59999ms c', { a: x(0, 1), b: x(10 * MIN, 2), c: x(20 * MIN, 3) });
      const out = src.pipe(
        runMachine(windowMeansMachine(opts), undefined, asyncScheduler),
        map((s) => s.event?.means.map((e) => [e.period, e.value, e.n, e.valid, e.coverage])),
      );
      expectObservable(out, '^ 70m !').toBe('a 59999ms b 59999ms c 3779999ms d', { a: undefined, b: undefined, c: undefined, d: [['hour', 2, 3, false, 0.5]] });
    });
  });

  it('gives the same windows in any arrival order; values flagged other than N are excluded and counted, T among them', () => {
    const inputs = [x(0, 10), x(10 * MIN, 20), x(20 * MIN, 30), x(30 * MIN, 999, { flag: 'T' }), x(40 * MIN, 40), x(50 * MIN, 999, { flag: 'M' }), x(HOUR, 7)];
    const now = 3 * HOUR;
    const a = judge(opts, inputs, now, now).means;
    const b = judge(opts, [...inputs].reverse(), now, now).means;
    expect(a).toEqual(b);
    expect(a[0]).toMatchObject({ period: 'hour', start: 0, value: 25, n: 4, excluded: { T: 1, M: 1 }, coverage: 40 / 60, valid: false, backfill: true });
    expect(a[1]).toMatchObject({ start: HOUR, value: 7, n: 1 });
  });

  it('a day ends at local midnight (UTC+8) and is valid with ≥ 20 valid hours; its mean is over the valid hours only', () => {
    const dayStart = 16 * HOUR; // 00:00 local on 1970-01-02
    const inputs: MeanInput[] = [];
    for (let h = 0; h < 20; h++) for (let i = 0; i < 6; i++) inputs.push(x(dayStart + h * HOUR + i * 10 * MIN, 2));
    inputs.push(x(dayStart + 20 * HOUR, 500)); // an invalid hour (10 min of 60)
    const end = dayStart + 24 * HOUR + 5 * MIN;
    const day = judge(opts, inputs, dayStart + 24 * HOUR, end).means.find((m) => m.period === 'day');
    expect(day).toMatchObject({ start: dayStart, end: dayStart + 24 * HOUR, valid: true, validHours: 20, value: 2, n: 120 });
    const short = judge({ ...opts, dayValidHours: 21 }, inputs, dayStart + 24 * HOUR, end).means.find((m) => m.period === 'day');
    expect(short).toMatchObject({ valid: false, validHours: 20 });
  });

  it('flow weighting: C = ΣG/ΣD; an hour without volume falls back to the arithmetic mean and says so', () => {
    const flow = { ...opts, weighting: 'flow' as const };
    const [h0, h1] = judge(flow, [x(0, 100, { flow: 10 }), x(10 * MIN, 400, { flow: 30 }), x(HOUR, 100), x(HOUR + 10 * MIN, 400, { flow: 0 })], 3 * HOUR, 3 * HOUR).means;
    // 100 × 6 m³ + 400 × 18 m³ over 24 m³
    expect(h0).toMatchObject({ flowWeighted: true });
    expect(h0!.value).toBeCloseTo((100 * 6 + 400 * 18) / 24, 9);
    expect(h0!.volume).toBeCloseTo(24, 9);
    expect(h1).toMatchObject({ flowWeighted: false, value: 250, volume: 0 });
  });

  it('re-opens a judged window for a late value, re-judges it grace after the last one, and forgets what the horizon passed', () => {
    const o = { ...opts, horizonMs: 6 * HOUR };
    const first = judge(o, [x(0, 1), x(10 * MIN, 1)], 10 * MIN, HOUR + 5 * MIN);
    expect(first.means.map((m) => [m.revision, m.n])).toEqual([[0, 2]]);
    const m = windowMeansMachine(o);
    let s = m.step(first.state, x(20 * MIN, 4), 3 * HOUR).state;
    s = m.step(s, x(30 * MIN, 4), 3 * HOUR + MIN).state;
    // still settling grace after the first late value: nothing yet
    const early = m.timer!.fire(s, 3 * HOUR + 5 * MIN);
    expect(early.event).toBeUndefined();
    expect(m.timer!.due(early.state)).toBe(3 * HOUR + 6 * MIN);
    const again = m.timer!.fire(early.state, 3 * HOUR + 6 * MIN);
    expect(again.event?.means.map((e) => [e.revision, e.n, e.value, e.backfill])).toEqual([[1, 4, 2.5, true]]);
    // older than the horizon: not judged, counted
    const late = m.step(again.state, x(10, 9), 7 * HOUR);
    expect(late.state.tooLate).toBe(1);
    // what waits now is the local day (1970-01-01, UTC+8: ends at 16:00 UTC)
    expect(m.timer!.due(late.state)).toBe(16 * HOUR + 5 * MIN);
    const later = m.timer!.fire(late.state, 40 * HOUR);
    expect(later.event?.means.map((e) => [e.period, e.n, e.revision])).toEqual([['day', 0, 0]]);
    // judged, and past the horizon: the day and its hour are forgotten, not even archived
    expect(later.event?.archive).toEqual([]);
    expect(later.state).toMatchObject({ hours: {}, days: {} });
    expect(m.timer!.due(later.state)).toBeUndefined();
  });

  it('a judged day leaves the state as an archive entry; restored, a late value re-judges its hour and the day', () => {
    const dayStart = 16 * HOUR;
    const inputs: MeanInput[] = [];
    for (let h = 0; h < 21; h++) for (let i = 0; i < 6; i++) inputs.push(x(dayStart + h * HOUR + i * 10 * MIN, 2));
    inputs.push(x(dayStart + 22 * HOUR, 9)); // hour 22: 10 min of 60, invalid
    const m = windowMeansMachine(opts);
    let s = m.init(0);
    for (const i of inputs) s = m.step(s, i, dayStart + 23 * HOUR).state;
    const judged = m.timer!.fire(s, dayStart + 24 * HOUR + 5 * MIN);
    const archived = judged.event!.archive;
    expect(archived.map((a) => [a.day, a.rev, Object.keys(a.hours).length])).toEqual([[dayStart, 0, 22]]);
    expect(judged.state).toMatchObject({ hours: {}, days: {} });
    expect(m.timer!.due(judged.state)).toBeUndefined();
    // the logger re-sends hour 22's other five slices the next morning: the day comes back first
    const now = dayStart + 33 * HOUR;
    s = m.step(judged.state, { restore: archived[0]! }, now).state;
    for (let i = 1; i < 6; i++) s = m.step(s, x(dayStart + 22 * HOUR + i * 10 * MIN, 9), now).state;
    const again = m.timer!.fire(s, now + 5 * MIN);
    expect(again.event!.means.map((e) => [e.period, e.start, e.revision, e.valid, e.n])).toEqual([
      ['hour', dayStart + 22 * HOUR, 1, true, 6],
      ['day', dayStart, 1, true, 132],
    ]);
    expect(again.event!.means[1]!.value).toBeCloseTo((126 * 2 + 6 * 9) / 132, 9);
    expect(again.event!.archive.map((a) => [a.day, a.rev])).toEqual([[dayStart, 1]]);
  });

  it('FlowSeries: a value’s flow is the one at or before its time within the gap; a back-fill older than all kept is found', () => {
    const f = new FlowSeries(10_000, 4);
    for (let t = 100_000; t <= 130_000; t += 5000) f.add(t, t / 1000);
    expect(f.at(115_000)).toBe(115);
    expect(f.at(117_000)).toBe(115);
    expect(f.at(99_000)).toBeUndefined(); // pushed out by live values
    f.add(10_000, 7); // a back-filled flow hours older than the rest
    expect(f.at(10_000)).toBe(7);
    expect(f.at(21_000)).toBeUndefined(); // beyond the gap
    expect(f.at(130_000)).toBe(130);
  });
});
