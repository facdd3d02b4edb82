import { describe, expect, it } from 'vitest';
import { noData } from './noData.js';
import { events, testScheduler, trackTimers } from './testing.js';

describe('noData', () => {
  it('goes offline timeoutMs after the last value and online on the next value', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-b--------cd|');
      expectObservable(source.pipe(noData({ timeoutMs: 5 }, undefined, ts), events())).toBe('-------f---n-|', {
        f: { type: 'offline', ts: 7, since: 2 },
        n: { type: 'online', ts: 11, since: 2 },
      });
      expectSubscriptions(source.subscriptions).toBe('^------------!');
    });
  });

  it('after coming back online a new silence goes offline again', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('a------b').pipe(noData({ timeoutMs: 3 }, undefined, ts), events())).toBe('---f---n--g', {
        f: { type: 'offline', ts: 3, since: 0 },
        n: { type: 'online', ts: 7, since: 0 },
        g: { type: 'offline', ts: 10, since: 7 },
      });
    });
  });

  it('a stream that keeps coming never goes offline; each value restarts the timeout', () => {
    const ts = testScheduler();
    const t = trackTimers(ts);
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('a---b---c---d---|').pipe(noData({ timeoutMs: 5 }, undefined, t.scheduler), events())).toBe('----------------|');
    });
    expect(t.fired).toEqual([]);
  });

  it('never: offline timeoutMs after subscription, once', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold<never>('-').pipe(noData({ timeoutMs: 5 }, undefined, ts), events())).toBe('-----f', { f: { type: 'offline', ts: 5, since: 0 } });
    });
  });

  it('emits its state with every step', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('-a----b|').pipe(noData({ timeoutMs: 3 }, undefined, ts))).toBe('-a--f-b|', {
        a: { state: { last: 1, offline: false } },
        f: { state: { last: 1, offline: true }, event: { type: 'offline', ts: 4, since: 1 } },
        b: { state: { last: 6, offline: false }, event: { type: 'online', ts: 6, since: 1 } },
      });
    });
  });

  it('after a restart the timeout runs from the stored last value, at once if it passed', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold<never>('-').pipe(noData({ timeoutMs: 5 }, { last: -3, offline: false }, ts), events())).toBe('--f', {
        f: { type: 'offline', ts: 2, since: -3 },
      });
      expectObservable(cold<never>('-').pipe(noData({ timeoutMs: 5 }, { last: -60, offline: false }, ts), events())).toBe('f', {
        f: { type: 'offline', ts: 0, since: -60 },
      });
      expectObservable(cold('---a|').pipe(noData({ timeoutMs: 5 }, { last: -60, offline: true }, ts), events())).toBe('---n|', {
        n: { type: 'online', ts: 3, since: -60 },
      });
    });
  });

  it('empty emits nothing; errors are forwarded', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold<never>('|').pipe(noData({ timeoutMs: 5 }, undefined, ts))).toBe('|');
      expectObservable(cold('a#').pipe(noData({ timeoutMs: 5 }, undefined, ts), events())).toBe('-#');
    });
  });

  it('unsubscribing cancels the timeout and unsubscribes the source', () => {
    const ts = testScheduler();
    const t = trackTimers(ts);
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-------');
      expectObservable(source.pipe(noData({ timeoutMs: 5 }, undefined, t.scheduler), events()), '^--!').toBe('');
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
    expect(t.fired).toEqual([]);
    expect(t.live()).toBe(0);
  });

  it('refuses a timeout that is not positive', () => {
    expect(() => noData({ timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});
