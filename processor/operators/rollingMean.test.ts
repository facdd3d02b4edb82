import { map } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { rollingMean, rollingMeanMachine, toRollingMeanState, type LegacyRollingMeanState, type RollingMean, type RollingMeanState } from './rollingMean.js';
import type { Step } from './stateful.js';
import { events, testScheduler } from './testing.js';

/** the window of a ring state, oldest first */
const windowOf = (s: RollingMeanState) => Array.from({ length: s.n }, (_, i) => ({ t: s.t[(s.head + i) % s.t.length]!, v: s.v[(s.head + i) % s.t.length]! }));

describe('rollingMean', () => {
  it('emits the mean and count of the last windowMs on every input', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c---d|', { a: 1, b: 3, c: 5, d: 7 });
      expectObservable(source.pipe(rollingMean({ windowMs: 5, minSamples: 2 }, undefined, ts), events())).toBe('a-b-c---d|', {
        a: { value: 1, n: 1, valid: false },
        b: { value: 2, n: 2, valid: true },
        c: { value: 3, n: 3, valid: true },
        // at 8 the values at 0 and 2 have left the window (8 - 2 >= 5)
        d: { value: 6, n: 2, valid: true },
      });
      expectSubscriptions(source.subscriptions).toBe('^--------!');
    });
  });

  it('takes bare numbers or anything with a value (a Reading)', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold('ab', { a: { value: 2 }, b: 4 });
      expectObservable(source.pipe(rollingMean({ windowMs: 10 }, undefined, ts), events())).toBe('ab', {
        a: { value: 2, n: 1, valid: true },
        b: { value: 3, n: 2, valid: true },
      });
    });
  });

  it('a value exactly windowMs old has left the window', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const source = cold('a---b', { a: 10, b: 20 });
      expectObservable(source.pipe(rollingMean({ windowMs: 4 }, undefined, ts), events())).toBe('a---b', {
        a: { value: 10, n: 1, valid: true },
        b: { value: 20, n: 1, valid: true },
      });
    });
  });

  it('empty and never emit nothing; errors are forwarded', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold<never>('|').pipe(rollingMean({ windowMs: 5 }, undefined, ts))).toBe('|');
      expectObservable(cold<never>('-').pipe(rollingMean({ windowMs: 5 }, undefined, ts))).toBe('-');
      expectObservable(cold('a#', { a: 4 }).pipe(rollingMean({ windowMs: 5 }, undefined, ts), events())).toBe('a#', {
        a: { value: 4, n: 1, valid: true },
      });
    });
  });

  it('unsubscribing stops the output and unsubscribes the source', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b-c-d|', { a: 1, b: 1, c: 1, d: 1 });
      expectObservable(source.pipe(rollingMean({ windowMs: 5 }, undefined, ts), events()), '^--!').toBe('a-b-', {
        a: { value: 1, n: 1, valid: true },
        b: { value: 1, n: 2, valid: true },
      });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('emits its state with every step, and resumes from a persisted (JSON) state after a restart', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      // the state is updated in place: a snapshot per step is what a keeper would persist
      const snap = map((s: Step<RollingMeanState, RollingMean>) => ({ window: windowOf(s.state), sum: s.state.sum, event: s.event }));
      expectObservable(cold('a-b', { a: 1, b: 3 }).pipe(rollingMean({ windowMs: 5 }, undefined, ts), snap)).toBe('a-b', {
        a: { window: [{ t: 0, v: 1 }], sum: 1, event: { value: 1, n: 1, valid: true } },
        b: { window: [{ t: 0, v: 1 }, { t: 2, v: 3 }], sum: 4, event: { value: 2, n: 2, valid: true } },
      });
    });
    // persisted before a restart; the new process starts at t = 0: one value expired meanwhile, two did not
    let saved: unknown;
    const before = testScheduler();
    before.run(({ cold, flush }) => {
      cold('a 5ms b 5ms c', { a: 100, b: 1, c: 3 })
        .pipe(rollingMean({ windowMs: 10 }, undefined, before))
        .subscribe((s) => (saved = JSON.parse(JSON.stringify(s.state))));
      flush();
    });
    const after = testScheduler();
    after.run(({ cold, expectObservable }) => {
      // at 14 (time goes on from the saved 12): 100 (at 0) has left, 1 (at 6) and 3 (at 12) have not
      expectObservable(cold('14ms a', { a: 5 }).pipe(rollingMean({ windowMs: 10, minSamples: 3 }, saved as RollingMeanState, after), events())).toBe('14ms a', {
        a: { value: 3, n: 3, valid: true },
      });
    });
  });

  it('loads a state saved by the previous version (the JSON samples list)', () => {
    const legacy = JSON.parse(JSON.stringify({ samples: [{ t: -9, v: 100 }, { t: -2, v: 1 }, { t: -1, v: 3 }] })) as LegacyRollingMeanState;
    const after = testScheduler();
    after.run(({ cold, expectObservable }) => {
      expectObservable(cold('a', { a: 5 }).pipe(rollingMean({ windowMs: 5, minSamples: 3 }, legacy, after), events())).toBe('a', {
        a: { value: 3, n: 3, valid: true },
      });
    });
    expect(windowOf(toRollingMeanState(legacy)!)).toEqual(legacy.samples);
  });

  it('equals the mean of the values in the window, recomputed from scratch, on random data', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const machine = rollingMeanMachine({ windowMs: 1000, minSamples: 1 });
    let state = machine.init(0);
    const all: { t: number; v: number }[] = [];
    let now = 0;
    for (let i = 0; i < 20_000; i++) {
      now += Math.floor(rand() * (i % 5000 < 2500 ? 20 : 300)); // bursts (window grows) and lulls (it shrinks)
      const v = (rand() - 0.5) * 1e4;
      all.push({ t: now, v });
      const step = machine.step(state, v, now);
      state = step.state;
      const inWindow = all.filter((x) => now - x.t < 1000);
      const mean = inWindow.reduce((a, x) => a + x.v, 0) / inWindow.length;
      expect(step.event!.n).toBe(inWindow.length);
      expect(step.event!.value).toBeCloseTo(mean, 6);
    }
  });

  it('refuses a window that is not positive', () => {
    expect(() => rollingMean({ windowMs: 0 })).toThrow(/windowMs/);
  });
});
