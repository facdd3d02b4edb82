import { filter, map, type OperatorFunction, type SchedulerAction, type SchedulerLike, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { expect } from 'vitest';
import type { Step } from './stateful.js';

/** Test helpers for the operators in this folder (imported by tests only). */

export const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** Keeps only the events of a stream of steps. */
export const events = <S, E>(): OperatorFunction<Step<S, E>, E> =>
  (source) =>
    source.pipe(
      filter((s) => s.event !== undefined),
      map((s) => s.event as E),
    );

/**
 * Wraps a scheduler to watch the timers an operator sets: `fired` lists the times timers ran,
 * `live()` counts timers set and neither run nor cancelled.
 */
export function trackTimers(inner: SchedulerLike): { scheduler: SchedulerLike; fired: number[]; live: () => number } {
  const fired: number[] = [];
  let live = 0;
  const schedule = <T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T): Subscription => {
    live++;
    let done = false;
    const sub = inner.schedule<T>(
      function (this: SchedulerAction<T>, s?: T) {
        done = true;
        live--;
        fired.push(inner.now());
        work.call(this, s);
      },
      delay,
      state,
    );
    sub.add(() => {
      if (!done) live--;
      done = true;
    });
    return sub;
  };
  return { scheduler: { now: () => inner.now(), schedule } as SchedulerLike, fired, live: () => live };
}
