import { describe, expect, it } from 'vitest';
import { countInWindow } from './countInWindow.js';
import { events, testScheduler, trackTimers } from './testing.js';

describe('countInWindow', () => {
  it('opens when count inputs fall within windowMs, clears by timer when fewer remain', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('x-x-x-----------|');
      expectObservable(source.pipe(countInWindow({ count: 3, windowMs: 10 }, undefined, ts), events())).toBe('----o-----c-----|', {
        o: { type: 'open', ts: 4, since: 0, count: 3 },
        // the input at 0 leaves the window at 10
        c: { type: 'clear', ts: 10, since: 0, count: 2 },
      });
      expectSubscriptions(source.subscriptions).toBe('^---------------!');
    });
  });

  it('inputs while open keep it open and push the clear back', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('x-x-x-x-x-------').pipe(countInWindow({ count: 3, windowMs: 10 }, undefined, ts), events())).toBe('----o---------c', {
        o: { type: 'open', ts: 4, since: 0, count: 3 },
        // the third newest input (at 4) leaves the window at 14
        c: { type: 'clear', ts: 14, since: 0, count: 2 },
      });
    });
  });

  it('inputs spread wider than windowMs never open; an input exactly windowMs old is out', () => {
    const ts = testScheduler();
    const t = trackTimers(ts);
    ts.run(({ cold, expectObservable }) => {
      // inputs at 0, 6, 10, 16: at 10 the input at 0 is exactly 10 old, at 16 the one at 6 is
      expectObservable(cold('x-----x---x-----x|').pipe(countInWindow({ count: 3, windowMs: 10 }, undefined, t.scheduler), events())).toBe('-----------------|');
    });
    expect(t.fired).toEqual([]);
  });

  it('emits its state with every step', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('xx|').pipe(countInWindow({ count: 2, windowMs: 3 }, undefined, ts))).toBe('ab|', {
        a: { state: { times: [0], open: false } },
        b: { state: { times: [0, 1], open: true, since: 0 }, event: { type: 'open', ts: 1, since: 0, count: 2 } },
      });
    });
  });

  it('after a restart it continues from the stored inputs', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const open = JSON.parse(JSON.stringify({ times: [-8, -5, -1], open: true, since: -8 }));
      expectObservable(cold<never>('-').pipe(countInWindow({ count: 3, windowMs: 10 }, open, ts), events())).toBe('--c', {
        c: { type: 'clear', ts: 2, since: -8, count: 2 },
      });
      expectObservable(cold('x').pipe(countInWindow({ count: 3, windowMs: 10 }, { times: [-20, -5, -1], open: false }, ts), events())).toBe('o----c', {
        o: { type: 'open', ts: 0, since: -5, count: 3 },
        c: { type: 'clear', ts: 5, since: -5, count: 2 },
      });
    });
  });

  it('empty and never emit nothing; errors are forwarded', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold<never>('|').pipe(countInWindow({ count: 1, windowMs: 5 }, undefined, ts))).toBe('|');
      expectObservable(cold<never>('-').pipe(countInWindow({ count: 1, windowMs: 5 }, undefined, ts))).toBe('-');
      expectObservable(cold('x#').pipe(countInWindow({ count: 1, windowMs: 5 }, undefined, ts), events())).toBe('o#', {
        o: { type: 'open', ts: 0, since: 0, count: 1 },
      });
    });
  });

  it('unsubscribing cancels the clear timer and unsubscribes the source', () => {
    const ts = testScheduler();
    const t = trackTimers(ts);
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('xx------');
      expectObservable(source.pipe(countInWindow({ count: 2, windowMs: 5 }, undefined, t.scheduler), events()), '^--!').toBe('-o', {
        o: { type: 'open', ts: 1, since: 0, count: 2 },
      });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
    expect(t.fired).toEqual([]);
    expect(t.live()).toBe(0);
  });

  it('refuses a count or window that cannot work', () => {
    expect(() => countInWindow({ count: 0, windowMs: 5 })).toThrow(/count/);
    expect(() => countInWindow({ count: 1.5, windowMs: 5 })).toThrow(/count/);
    expect(() => countInWindow({ count: 3, windowMs: 0 })).toThrow(/windowMs/);
  });
});
