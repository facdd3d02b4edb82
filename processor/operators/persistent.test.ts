import { describe, expect, it } from 'vitest';
import { persistent } from './persistent.js';
import { events, testScheduler, trackTimers } from './testing.js';

const B = { t: true, f: false };

describe('persistent', () => {
  it('opens by timer once the condition has held for durationMs, clears on the first false', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('t-t-t---ft|', B);
      expectObservable(source.pipe(persistent({ durationMs: 5 }, undefined, ts), events())).toBe('-----o--c-|', {
        o: { type: 'open', ts: 5, since: 0 },
        c: { type: 'clear', ts: 8, since: 0 },
      });
      expectSubscriptions(source.subscriptions).toBe('^---------!');
    });
  });

  it('opens on time with a single true and no further input', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('--t', B).pipe(persistent({ durationMs: 30 }, undefined, ts), events())).toBe('32ms o', { o: { type: 'open', ts: 32, since: 2 } });
    });
  });

  it('a false before durationMs drops the run: no event, timer cancelled; the next run starts afresh', () => {
    const ts = testScheduler();
    const t = trackTimers(ts);
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('t-f-t------', B).pipe(persistent({ durationMs: 5 }, undefined, t.scheduler), events())).toBe('---------o', {
        o: { type: 'open', ts: 9, since: 4 },
      });
    });
    expect(t.fired).toEqual([9]);
  });

  it('is judged at each input too: durationMs 0 opens on the first true', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('ftf', B).pipe(persistent({ durationMs: 0 }, undefined, ts), events())).toBe('-oc', {
        o: { type: 'open', ts: 1, since: 1 },
        c: { type: 'clear', ts: 2, since: 1 },
      });
    });
  });

  it('emits its state with every step', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('tt--f', B).pipe(persistent({ durationMs: 2 }, undefined, ts))).toBe('abc-d', {
        a: { state: { phase: 'pending', since: 0 } },
        b: { state: { phase: 'pending', since: 0 } },
        c: { state: { phase: 'open', since: 0 }, event: { type: 'open', ts: 2, since: 0 } },
        d: { state: { phase: 'idle' }, event: { type: 'clear', ts: 4, since: 0 } },
      });
    });
  });

  it('after a restart a pending run continues from its stored since', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold<never>('-').pipe(persistent({ durationMs: 5 }, { phase: 'pending', since: -3 }, ts), events())).toBe('--o', {
        o: { type: 'open', ts: 2, since: -3 },
      });
      expectObservable(cold('t', B).pipe(persistent({ durationMs: 5 }, { phase: 'pending', since: -99 }, ts), events())).toBe('o', {
        o: { type: 'open', ts: 0, since: -99 },
      });
      expectObservable(cold('-f', B).pipe(persistent({ durationMs: 5 }, { phase: 'open', since: -99 }, ts), events())).toBe('-c', {
        c: { type: 'clear', ts: 1, since: -99 },
      });
    });
  });

  it('empty and never emit nothing; errors are forwarded', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold<never>('|').pipe(persistent({ durationMs: 5 }, undefined, ts))).toBe('|');
      expectObservable(cold<never>('-').pipe(persistent({ durationMs: 5 }, undefined, ts))).toBe('-');
      expectObservable(cold('t#', B).pipe(persistent({ durationMs: 5 }, undefined, ts), events())).toBe('-#');
    });
  });

  it('unsubscribing cancels the pending timer and unsubscribes the source', () => {
    const ts = testScheduler();
    const t = trackTimers(ts);
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('t-t------', B);
      expectObservable(source.pipe(persistent({ durationMs: 5 }, undefined, t.scheduler), events()), '^---!').toBe('');
      expectSubscriptions(source.subscriptions).toBe('^---!');
    });
    expect(t.fired).toEqual([]);
    expect(t.live()).toBe(0);
  });

  it('refuses a negative duration', () => {
    expect(() => persistent({ durationMs: -5 })).toThrow(/durationMs/);
  });
});
