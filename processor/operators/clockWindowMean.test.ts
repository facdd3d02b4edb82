import { describe, expect, it } from 'vitest';
import { clockWindowMean } from './clockWindowMean.js';
import { events, testScheduler, trackTimers } from './testing.js';

const H = 3_600_000;
// Virtual time 0 is 1970-01-01T00:00Z, 08:00 in Asia/Shanghai (UTC+8).

describe('clockWindowMean', () => {
  it('emits each clock hour when it ends, by timer, even when no value followed', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      // a at 0, b at 30 min, c at 89 min; nothing after
      const source = cold('a 30m b 59m c', { a: 2, b: 4, c: 6 });
      expectObservable(source.pipe(clockWindowMean({ period: 'hour', minSamples: 2 }, undefined, ts), events())).toBe('3600000ms x 3599999ms y', {
        x: { windowStart: 0, windowEnd: H, value: 3, n: 2, min: 2, max: 4, valid: true },
        y: { windowStart: H, windowEnd: 2 * H, value: 6, n: 1, min: 6, max: 6, valid: false },
      });
      expectSubscriptions(source.subscriptions).toBe('^');
    });
  });

  it('an hour without values emits nothing; a value at the boundary belongs to the next hour', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      // a at 0; b exactly at 1 h; then silence for two hours; c at 4 h
      const source = cold('a 3599999ms b 10799999ms c', { a: 1, b: 2, c: 3 });
      expectObservable(source.pipe(clockWindowMean({ period: 'hour' }, undefined, ts), events())).toBe('3600000ms x 3599999ms y 10799999ms z', {
        x: { windowStart: 0, windowEnd: H, value: 1, n: 1, min: 1, max: 1, valid: true },
        y: { windowStart: H, windowEnd: 2 * H, value: 2, n: 1, min: 2, max: 2, valid: true },
        // nothing at 3 h and 4 h
        z: { windowStart: 4 * H, windowEnd: 5 * H, value: 3, n: 1, min: 3, max: 3, valid: true },
      });
    });
  });

  it('a day is the local calendar day: with UTC+8 it ends at 16:00 UTC', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold('a 600m b', { a: 10, b: 20 });
      expectObservable(source.pipe(clockWindowMean({ period: 'day' }, undefined, ts), events())).toBe(`${16 * H}ms x`, {
        x: { windowStart: -8 * H, windowEnd: 16 * H, value: 15, n: 2, min: 10, max: 20, valid: true },
      });
      expectObservable(cold('a', { a: 1 }).pipe(clockWindowMean({ period: 'day', tzOffsetMs: 0 }, undefined, ts), events())).toBe(`${24 * H}ms x`, {
        x: { windowStart: 0, windowEnd: 24 * H, value: 1, n: 1, min: 1, max: 1, valid: true },
      });
    });
  });

  it('emits its state with every step; on complete the unfinished window is not emitted', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('ab|', { a: 1, b: { value: 3 } }).pipe(clockWindowMean({ period: 'hour' }, undefined, ts))).toBe('ab|', {
        a: { state: { window: { start: 0, sum: 1, n: 1, min: 1, max: 1 } } },
        b: { state: { window: { start: 0, sum: 4, n: 2, min: 1, max: 3 } } },
      });
    });
  });

  it('after a restart, the persisted window continues, or is judged at once if its end has passed', () => {
    const saved = (start: number) => JSON.parse(JSON.stringify({ window: { start, sum: 5, n: 1, min: 5, max: 5 } }));
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('a', { a: 7 }).pipe(clockWindowMean({ period: 'hour' }, saved(0), ts), events())).toBe(`${H}ms x`, {
        x: { windowStart: 0, windowEnd: H, value: 6, n: 2, min: 5, max: 7, valid: true },
      });
    });
    const late = testScheduler();
    late.run(({ cold, expectObservable }) => {
      expectObservable(cold<never>('-').pipe(clockWindowMean({ period: 'hour' }, saved(-2 * H), late))).toBe('x', {
        x: { state: {}, event: { windowStart: -2 * H, windowEnd: -H, value: 5, n: 1, min: 5, max: 5, valid: true } },
      });
    });
  });

  it('empty and never emit nothing; errors are forwarded', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold<never>('|').pipe(clockWindowMean({ period: 'hour' }, undefined, ts))).toBe('|');
      expectObservable(cold<never>('-').pipe(clockWindowMean({ period: 'hour' }, undefined, ts))).toBe('-');
      expectObservable(cold('a#', { a: 1 }).pipe(clockWindowMean({ period: 'hour' }, undefined, ts), events())).toBe('-#');
    });
  });

  it('unsubscribing cancels the window timer and unsubscribes the source', () => {
    const ts = testScheduler();
    const t = trackTimers(ts);
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b', { a: 1, b: 2 });
      expectObservable(source.pipe(clockWindowMean({ period: 'hour' }, undefined, t.scheduler), events()), '^-!').toBe('');
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
    expect(t.fired).toEqual([]);
    expect(t.live()).toBe(0);
  });
});
