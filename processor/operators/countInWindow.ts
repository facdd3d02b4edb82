import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { requireMs, runMachine, type Machine, type Step } from './stateful.js';

/**
 * Repeated events: `open` when `count` inputs fall within `windowMs` of scheduler time (e.g. three
 * physically impossible values within 10 min); `clear` when, after an open, the last `windowMs` holds
 * fewer than `count` inputs again: a scheduler timer fires when the count-th newest input leaves the
 * window. An input is in the window while `now - t < windowMs`. Inputs while open change no event.
 *
 * Restart survival (see stateful.ts): emits one `Step { state, event? }` per input and per timer firing;
 * persist `state`, pass it back as `initial`. Inputs that left the window during a restart are dropped
 * at once (which may clear an open episode on subscription).
 */
export interface CountInWindowOptions {
  count: number;
  windowMs: number;
}

export interface CountInWindowState {
  /** epoch ms of the inputs in the window, oldest first */
  times: number[];
  open: boolean;
  /** while open: the time of the oldest input in the window when it opened */
  since?: number;
}

export interface CountInWindowEvent {
  type: 'open' | 'clear';
  /** epoch ms (scheduler time) */
  ts: number;
  /** the time of the oldest input in the window when the episode opened */
  since: number;
  /** inputs in the window at the transition */
  count: number;
}

/** The pure machine, run by the operator below and directly by the rule engine. */
export function countInWindowMachine<T>(options: CountInWindowOptions): Machine<CountInWindowState, T, CountInWindowEvent> {
  const { count, windowMs } = options;
  if (!Number.isInteger(count) || count < 1) throw new RangeError(`countInWindow: count must be an integer >= 1, got ${count}`);
  requireMs('countInWindow', 'windowMs', windowMs, 1);
  const inWindow = (times: number[], now: number) => times.filter((t) => now - t < windowMs);
  return {
    init: () => ({ times: [], open: false }),
    step(state, _input, now) {
      const times = [...inWindow(state.times, now), now];
      if (state.open || times.length < count) return { state: { ...state, times } };
      const since = times[0] ?? now;
      return { state: { times, open: true, since }, event: { type: 'open', ts: now, since, count: times.length } };
    },
    timer: {
      due: (state) => (state.open ? (state.times[state.times.length - count] ?? -Infinity) + windowMs : undefined),
      fire(state, now) {
        const times = inWindow(state.times, now);
        if (times.length >= count) return { state: { ...state, times } };
        return { state: { times, open: false }, event: { type: 'clear', ts: now, since: state.since ?? now, count: times.length } };
      },
    },
  };
}

export function countInWindow<T>(
  options: CountInWindowOptions,
  initial?: CountInWindowState,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<T, Step<CountInWindowState, CountInWindowEvent>> {
  return runMachine(countInWindowMachine<T>(options), initial, scheduler);
}
