import { describe, expect, it } from 'vitest';
import { flatline } from './flatline.js';
import { events, testScheduler, trackTimers } from './testing.js';

describe('flatline', () => {
  it('opens when every value stayed within ±epsilon of the first for durationMs, clears when one moves', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-d-e|', { a: 1, b: 1.05, c: 0.95, d: 1, e: 2 });
      expectObservable(source.pipe(flatline({ durationMs: 5, epsilon: 0.1 }, undefined, ts), events())).toBe('------o-c|', {
        o: { type: 'open', ts: 6, value: 1, ref: 1, since: 0, count: 4 },
        c: { type: 'clear', ts: 8, value: 2, ref: 1, since: 0, count: 4 },
      });
      expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });

  it('compares with the run’s first value, so a slow drift is not flat', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold('a-b-c-d-e-f|', { a: 1, b: 1.08, c: 1.16, d: 1.24, e: 1.32, f: 1.4 });
      expectObservable(source.pipe(flatline({ durationMs: 4, epsilon: 0.1 }, undefined, ts), events())).toBe('-----------|');
    });
  });

  it('with epsilon 0 only identical values are flat; a clear starts the next run', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('aaabbb|', { a: 3, b: 4 }).pipe(flatline({ durationMs: 2 }, undefined, ts), events())).toBe('--oc-p|', {
        o: { type: 'open', ts: 2, value: 3, ref: 3, since: 0, count: 3 },
        c: { type: 'clear', ts: 3, value: 4, ref: 3, since: 0, count: 3 },
        p: { type: 'open', ts: 5, value: 4, ref: 4, since: 3, count: 3 },
      });
    });
  });

  it('is judged on samples only: no timer, a silent sensor does not open', () => {
    const ts = testScheduler();
    const t = trackTimers(ts);
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('a 100ms -', { a: 5 }).pipe(flatline({ durationMs: 5 }, undefined, t.scheduler), events())).toBe('');
    });
    expect(t.fired).toEqual([]);
  });

  it('emits its state with every step, and a run continues from its stored since after a restart', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('ab', { a: 5, b: 6 }).pipe(flatline({ durationMs: 5 }, undefined, ts))).toBe('ab', {
        a: { state: { run: { since: 0, ref: 5, count: 1, open: false } } },
        b: { state: { run: { since: 1, ref: 6, count: 1, open: false } } },
      });
      const saved = JSON.parse(JSON.stringify({ run: { since: -10, ref: 5, count: 3, open: false } }));
      expectObservable(cold('a', { a: { value: 5 } }).pipe(flatline({ durationMs: 5 }, saved, ts), events())).toBe('o', {
        o: { type: 'open', ts: 0, value: 5, ref: 5, since: -10, count: 4 },
      });
    });
  });

  it('empty and never emit nothing; errors are forwarded', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold<never>('|').pipe(flatline({ durationMs: 5 }, undefined, ts))).toBe('|');
      expectObservable(cold<never>('-').pipe(flatline({ durationMs: 5 }, undefined, ts))).toBe('-');
      expectObservable(cold('a#', { a: 1 }).pipe(flatline({ durationMs: 5 }, undefined, ts), events())).toBe('-#');
    });
  });

  it('unsubscribing stops the output and unsubscribes the source', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('aaaaaaaaa|', { a: 1 });
      expectObservable(source.pipe(flatline({ durationMs: 5 }, undefined, ts), events()), '^---!').toBe('');
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
  });

  it('refuses a zero duration or a negative epsilon', () => {
    expect(() => flatline({ durationMs: 0 })).toThrow(/durationMs/);
    expect(() => flatline({ durationMs: 5, epsilon: -1 })).toThrow(/epsilon/);
  });
});
