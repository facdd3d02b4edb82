import { take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { runMachine, type Machine } from './stateful.js';
import { testScheduler, trackTimers } from './testing.js';

/** counts inputs; a timer 5 frames after each input emits 'quiet' */
const quiet: Machine<{ n: number; last?: number }, string, string> = {
  init: () => ({ n: 0 }),
  step: (s, input, now) => {
    if (input === 'bad') throw new Error('bad input');
    return { state: { n: s.n + 1, last: now }, event: input };
  },
  timer: {
    due: (s) => (s.last === undefined ? undefined : s.last + 5),
    fire: (s) => ({ state: { n: s.n }, event: 'quiet' }),
  },
};

describe('runMachine', () => {
  it('emits one step per input and per timer firing, re-arming the timer on every step', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b------c|').pipe(runMachine(quiet, undefined, ts))).toBe('a-b----q-c|', {
        a: { state: { n: 1, last: 0 }, event: 'a' },
        b: { state: { n: 2, last: 2 }, event: 'b' },
        q: { state: { n: 2 }, event: 'quiet' },
        c: { state: { n: 3, last: 9 }, event: 'c' },
      });
    });
  });

  it('a timer due in the past (initial state from before a restart) fires at subscription', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('--').pipe(runMachine(quiet, { n: 7, last: -100 }, ts))).toBe('q-', { q: { state: { n: 7 }, event: 'quiet' } });
    });
  });

  it('an error thrown by a step is forwarded and cancels the timer', () => {
    const ts = testScheduler();
    const t = trackTimers(ts);
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a-(b|)', { a: 'a', b: 'bad' });
      expectObservable(source.pipe(runMachine(quiet, undefined, t.scheduler))).toBe('a-#', { a: { state: { n: 1, last: 0 }, event: 'a' } }, new Error('bad input'));
      expectSubscriptions(source.subscriptions).toBe('^-!');
    });
    expect(t.fired).toEqual([]);
    expect(t.live()).toBe(0);
  });

  it('unsubscribing cancels the pending timer: it never runs', () => {
    const ts = testScheduler();
    const t = trackTimers(ts);
    ts.run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('a------');
      expectObservable(source.pipe(runMachine(quiet, undefined, t.scheduler)), '^--!').toBe('a---', { a: { state: { n: 1, last: 0 }, event: 'a' } });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
    expect(t.fired).toEqual([]);
    expect(t.live()).toBe(0);
  });

  it('a downstream that unsubscribes while receiving a step leaves no timer behind', () => {
    const ts = testScheduler();
    const t = trackTimers(ts);
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('a-b').pipe(runMachine(quiet, undefined, t.scheduler), take(1))).toBe('(a|)', { a: { state: { n: 1, last: 0 }, event: 'a' } });
    });
    expect(t.fired).toEqual([]);
    expect(t.live()).toBe(0);
  });

  it('complete and error from the source are forwarded and cancel the timer', () => {
    const ts = testScheduler();
    const t = trackTimers(ts);
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('a|').pipe(runMachine(quiet, undefined, t.scheduler))).toBe('a|', { a: { state: { n: 1, last: 0 }, event: 'a' } });
      expectObservable(cold('a#').pipe(runMachine(quiet, undefined, t.scheduler))).toBe('a#', { a: { state: { n: 1, last: 0 }, event: 'a' } });
    });
    expect(t.fired).toEqual([]);
    expect(t.live()).toBe(0);
  });
});
