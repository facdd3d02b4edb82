import { describe, expect, it } from 'vitest';
import { exceedance, type ExceedanceState } from './exceedance.js';
import { events, testScheduler, trackTimers } from './testing.js';

describe('exceedance', () => {
  it('opens by timer durationMs after it began, updates while outside, clears inside the hysteresis band', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b---cde|', { a: 12, b: 16, c: 14, d: 9, e: 8 });
      const op = exceedance({ max: 10, clearMax: 8, durationMs: 5 }, undefined, ts);
      expectObservable(source.pipe(op, events())).toBe('-----ou-c|', {
        o: { type: 'open', ts: 5, value: 16, since: 0, peak: 16, mean: 14, count: 2 },
        u: { type: 'update', ts: 6, value: 14, since: 0, peak: 16, mean: 14, count: 3 },
        // d = 9 is inside the limit but above clearMax: still open, no event
        c: { type: 'clear', ts: 8, value: 8, since: 0, peak: 16, mean: 14, count: 3 },
      });
      expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });

  it('opens on time from a single sparse sample', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('a 20ms b', { a: 30, b: 1 }).pipe(exceedance({ max: 10, durationMs: 10 }, undefined, ts), events())).toBe('10ms o 10ms c', {
        o: { type: 'open', ts: 10, value: 30, since: 0, peak: 30, mean: 30, count: 1 },
        c: { type: 'clear', ts: 21, value: 1, since: 0, peak: 30, mean: 30, count: 1 },
      });
    });
  });

  it('is judged at each sample: a sample at since + durationMs opens, once', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('a----b', { a: 12, b: 13 }).pipe(exceedance({ max: 10, durationMs: 5 }, undefined, ts), events())).toBe('-----o', {
        o: { type: 'open', ts: 5, value: 13, since: 0, peak: 13, mean: 12.5, count: 2 },
      });
      // durationMs 0: the first sample outside opens
      expectObservable(cold('a', { a: 12 }).pipe(exceedance({ max: 10, durationMs: 0 }, undefined, ts), events())).toBe('o', {
        o: { type: 'open', ts: 0, value: 12, since: 0, peak: 12, mean: 12, count: 1 },
      });
    });
  });

  it('a pending exceedance back inside the limit is dropped: no event, its timer cancelled', () => {
    const ts = testScheduler();
    const t = trackTimers(ts);
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b---------', { a: 12, b: 10 }).pipe(exceedance({ max: 10, durationMs: 5 }, undefined, t.scheduler), events())).toBe('');
    });
    expect(t.fired).toEqual([]);
  });

  it('two-sided range (pH 6–9): low and high both exceed; peak is the value furthest beyond its limit', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold('abcd', { a: 5.5, b: 10.5, c: 8.8, d: 7 });
      expectObservable(source.pipe(exceedance({ min: 6, max: 9, clearMin: 6.5, clearMax: 8.5, durationMs: 0 }, undefined, ts), events())).toBe('ou-c', {
        o: { type: 'open', ts: 0, value: 5.5, since: 0, peak: 5.5, mean: 5.5, count: 1 },
        u: { type: 'update', ts: 1, value: 10.5, since: 0, peak: 10.5, mean: 8, count: 2 },
        // 8.8 is inside 6–9 but above clearMax 8.5: still open, no event
        c: { type: 'clear', ts: 3, value: 7, since: 0, peak: 10.5, mean: 8, count: 2 },
      });
    });
  });

  it('emits its state with every step', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('ab', { a: 12, b: 3 }).pipe(exceedance({ max: 10, durationMs: 5 }, undefined, ts))).toBe('ab', {
        a: { state: { phase: 'pending', episode: { since: 0, value: 12, peak: 12, sum: 12, count: 1 } } },
        b: { state: { phase: 'inside' } },
      });
    });
  });

  it('after a restart a pending exceedance keeps its since: it opens at since + durationMs, at once if that passed', () => {
    const pending = (since: number): ExceedanceState => JSON.parse(JSON.stringify({ phase: 'pending', episode: { since, value: 12, peak: 12, sum: 12, count: 1 } }));
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const o = (at: number, since: number) => ({ type: 'open', ts: at, value: 12, since, peak: 12, mean: 12, count: 1 });
      expectObservable(cold<never>('-').pipe(exceedance({ max: 10, durationMs: 5 }, pending(-3), ts), events())).toBe('--o', { o: o(2, -3) });
      expectObservable(cold<never>('-').pipe(exceedance({ max: 10, durationMs: 5 }, pending(-60), ts), events())).toBe('o', { o: o(0, -60) });
      const open: ExceedanceState = { phase: 'open', episode: { since: -60, value: 12, peak: 14, sum: 26, count: 2 } };
      expectObservable(cold('a', { a: 1 }).pipe(exceedance({ max: 10, durationMs: 5 }, open, ts), events())).toBe('c', {
        c: { type: 'clear', ts: 0, value: 1, since: -60, peak: 14, mean: 13, count: 2 },
      });
    });
  });

  it('empty and never emit nothing; errors are forwarded', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold<never>('|').pipe(exceedance({ max: 1, durationMs: 5 }, undefined, ts))).toBe('|');
      expectObservable(cold<never>('-').pipe(exceedance({ max: 1, durationMs: 5 }, undefined, ts))).toBe('-');
      expectObservable(cold('a#', { a: 5 }).pipe(exceedance({ max: 1, durationMs: 5 }, undefined, ts), events())).toBe('-#');
    });
  });

  it('unsubscribing cancels the pending timer and unsubscribes the source', () => {
    const ts = testScheduler();
    const t = trackTimers(ts);
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-----', { a: 12, b: 13 });
      expectObservable(source.pipe(exceedance({ max: 10, durationMs: 5 }, undefined, t.scheduler), events()), '^---!').toBe('');
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
    expect(t.fired).toEqual([]);
    expect(t.live()).toBe(0);
  });

  it('refuses limits that cannot work', () => {
    expect(() => exceedance({ durationMs: 0 })).toThrow(/max, min or both/);
    expect(() => exceedance({ min: 9, max: 6, durationMs: 0 })).toThrow(/above max/);
    expect(() => exceedance({ max: 10, clearMax: 11, durationMs: 0 })).toThrow(/clearMax/);
    expect(() => exceedance({ min: 6, clearMin: 5, durationMs: 0 })).toThrow(/clearMin/);
    expect(() => exceedance({ max: 10, durationMs: -1 })).toThrow(/durationMs/);
  });
});
