import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { requireMs, runMachine, type Machine, type Step } from './stateful.js';

/**
 * Silence detection. `offline` when no value has arrived for `timeoutMs` since the last value (or since
 * subscription, before the first value), by a scheduler timer; `online` on the next value after that.
 * Both events carry `since`: the time of the last value before the silence (or the subscription time).
 *
 * Restart survival (see stateful.ts): emits one `Step { state, event? }` per input and per timer firing;
 * persist `state`, pass it back as `initial`. With `initial.last = t` the first timeout fires at
 * t + timeoutMs (at once if that has passed); an offline state stays offline until a value arrives.
 */
export interface NoDataOptions {
  timeoutMs: number;
}

export interface NoDataState {
  /** epoch ms of the last value, or of the subscription before any value */
  last: number;
  offline: boolean;
  /**
   * when `last` was moved on for time the watcher itself was not running (processor/rules/downtime.ts):
   * the epoch ms of the last value actually seen, which events report as `since`
   */
  seen?: number;
}

export interface NoDataEvent {
  type: 'offline' | 'online';
  /** epoch ms (scheduler time) */
  ts: number;
  since: number;
}

/** The pure machine, run by the operator below and directly by the rule engine. */
export function noDataMachine<T>(options: NoDataOptions): Machine<NoDataState, T, NoDataEvent> {
  const { timeoutMs } = options;
  requireMs('noData', 'timeoutMs', timeoutMs, 1);
  return {
    init: (now) => ({ last: now, offline: false }),
    step: (state, _value, now) =>
      state.offline
        ? { state: { last: now, offline: false }, event: { type: 'online', ts: now, since: state.seen ?? state.last } }
        : { state: { last: now, offline: false } },
    timer: {
      due: (state) => (state.offline ? undefined : state.last + timeoutMs),
      fire: (state, now) => ({ state: { ...state, offline: true }, event: { type: 'offline', ts: now, since: state.seen ?? state.last } }),
    },
  };
}

export function noData<T>(
  options: NoDataOptions,
  initial?: NoDataState,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<T, Step<NoDataState, NoDataEvent>> {
  return runMachine(noDataMachine<T>(options), initial, scheduler);
}
