import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { requireMs, runMachine, type Machine, sampleValue, type Sample, type Step } from './stateful.js';

/**
 * A stuck or tampered sensor: the same value for too long. A run starts at a sample (`since`, reference
 * value `ref`) and lasts while every value stays within ±epsilon of `ref`. `open` at the first sample
 * that finds the run ≥ durationMs old (judged on samples only: a sensor that stops sending is noData's
 * business); `clear` at the first value outside, which also starts the next run.
 *
 * Restart survival (see stateful.ts): emits one `Step { state, event? }` per input; persist `state`,
 * pass it back as `initial`. A run continues from its stored `since`.
 */
export interface FlatlineOptions {
  durationMs: number;
  /** values within ±epsilon of the run's first value count as the same; default 0 */
  epsilon?: number;
}

export interface FlatlineState {
  /** the current run, absent before the first value */
  run?: { since: number; ref: number; count: number; open: boolean };
}

export interface FlatlineEvent {
  type: 'open' | 'clear';
  /** epoch ms (scheduler time) */
  ts: number;
  /** the sample of the transition */
  value: number;
  /** the run's first value */
  ref: number;
  since: number;
  /** samples in the run (for clear: the run that ended) */
  count: number;
}

/** The pure machine, run by the operator below and directly by the rule engine. */
export function flatlineMachine(options: FlatlineOptions): Machine<FlatlineState, Sample, FlatlineEvent> {
  const { durationMs, epsilon = 0 } = options;
  requireMs('flatline', 'durationMs', durationMs, 1);
  if (!(epsilon >= 0) || !Number.isFinite(epsilon)) throw new RangeError(`flatline: epsilon must be a finite number >= 0, got ${epsilon}`);
  return {
    init: () => ({}),
    step(state, input, now) {
      const v = sampleValue(input);
      const run = state.run;
      const fresh = { state: { run: { since: now, ref: v, count: 1, open: false } } };
      if (!run) return fresh;
      if (Math.abs(v - run.ref) > epsilon) {
        return run.open ? { ...fresh, event: { type: 'clear', ts: now, value: v, ref: run.ref, since: run.since, count: run.count } } : fresh;
      }
      const next = { ...run, count: run.count + 1 };
      if (run.open || now - run.since < durationMs) return { state: { run: next } };
      return { state: { run: { ...next, open: true } }, event: { type: 'open', ts: now, value: v, ref: run.ref, since: run.since, count: next.count } };
    },
  };
}

export function flatline(
  options: FlatlineOptions,
  initial?: FlatlineState,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<Sample, Step<FlatlineState, FlatlineEvent>> {
  return runMachine(flatlineMachine(options), initial, scheduler);
}
