import { describe, expect, it } from 'vitest';
import { rollingMean } from './rollingMean.js';
import { events, testScheduler } from './testing.js';

describe('rollingMean', () => {
  it('emits the mean, count, min and max of the last windowMs on every input', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c---d|', { a: 1, b: 3, c: 5, d: 7 });
      expectObservable(source.pipe(rollingMean({ windowMs: 5, minSamples: 2 }, undefined, ts), events())).toBe('a-b-c---d|', {
        a: { value: 1, n: 1, min: 1, max: 1, valid: false },
        b: { value: 2, n: 2, min: 1, max: 3, valid: true },
        c: { value: 3, n: 3, min: 1, max: 5, valid: true },
        // at 8 the values at 0 and 2 have left the window (8 - 2 >= 5)
        d: { value: 6, n: 2, min: 5, max: 7, valid: true },
      });
      expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });

  it('takes bare numbers or anything with a value (a Reading)', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold('ab', { a: { value: 2 }, b: 4 });
      expectObservable(source.pipe(rollingMean({ windowMs: 10 }, undefined, ts), events())).toBe('ab', {
        a: { value: 2, n: 1, min: 2, max: 2, valid: true },
        b: { value: 3, n: 2, min: 2, max: 4, valid: true },
      });
    });
  });

  it('a value exactly windowMs old has left the window', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold('a---b', { a: 10, b: 20 });
      expectObservable(source.pipe(rollingMean({ windowMs: 4 }, undefined, ts), events())).toBe('a---b', {
        a: { value: 10, n: 1, min: 10, max: 10, valid: true },
        b: { value: 20, n: 1, min: 20, max: 20, valid: true },
      });
    });
  });

  it('empty and never emit nothing; errors are forwarded', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold<never>('|').pipe(rollingMean({ windowMs: 5 }, undefined, ts))).toBe('|');
      expectObservable(cold<never>('-').pipe(rollingMean({ windowMs: 5 }, undefined, ts))).toBe('-');
      expectObservable(cold('a#', { a: 4 }).pipe(rollingMean({ windowMs: 5 }, undefined, ts), events())).toBe('a#', {
        a: { value: 4, n: 1, min: 4, max: 4, valid: true },
      });
    });
  });

  it('unsubscribing stops the output and unsubscribes the source', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-d|', { a: 1, b: 1, c: 1, d: 1 });
      expectObservable(source.pipe(rollingMean({ windowMs: 5 }, undefined, ts), events()), '^--!').toBe('a-b-', {
        a: { value: 1, n: 1, min: 1, max: 1, valid: true },
        b: { value: 1, n: 2, min: 1, max: 1, valid: true },
      });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('emits its state with every step, and resumes from a persisted (JSON) state after a restart', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b', { a: 1, b: 3 }).pipe(rollingMean({ windowMs: 5 }, undefined, ts))).toBe('a-b', {
        a: { state: { samples: [{ t: 0, v: 1 }] }, event: { value: 1, n: 1, min: 1, max: 1, valid: true } },
        b: { state: { samples: [{ t: 0, v: 1 }, { t: 2, v: 3 }] }, event: { value: 2, n: 2, min: 1, max: 3, valid: true } },
      });
    });
    // persisted before a restart; the new process starts at t = 0: one value expired meanwhile, two did not
    const saved = JSON.parse(JSON.stringify({ samples: [{ t: -9, v: 100 }, { t: -2, v: 1 }, { t: -1, v: 3 }] }));
    const after = testScheduler();
    after.run(({ cold, expectObservable }) => {
      expectObservable(cold('a', { a: 5 }).pipe(rollingMean({ windowMs: 5, minSamples: 3 }, saved, after), events())).toBe('a', {
        a: { value: 3, n: 3, min: 1, max: 5, valid: true },
      });
    });
  });

  it('refuses a window that is not positive', () => {
    expect(() => rollingMean({ windowMs: 0 })).toThrow(/windowMs/);
  });
});
