import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { runMachine, type Machine, sampleValue, type Sample, type Step } from './stateful.js';

const HOUR = 3_600_000;
const PERIOD_MS = { hour: HOUR, day: 24 * HOUR } as const;

/**
 * Mean of each clock hour or local calendar day (rule averaging `clock-hour`: GB 16297-1996 §3.2,
 * GB 37822-2019 A.2.2; `day`: GB 8978-1996). A window is [start, start + period) in local time
 * (`tzOffsetMs`, default UTC+8 Asia/Shanghai); its first value opens it, and a scheduler timer at its end
 * emits the mean even if no value followed. A window without values emits nothing.
 * A value that arrives at or after the end of the open window (the timer had not run yet, or after a
 * restart) first closes that window, and that step carries its mean.
 *
 * Restart survival (see stateful.ts): emits one `Step { state, event }` per input (event only when it
 * closed a window) and one per window end (event: the window). On complete or unsubscribe the unfinished
 * window is not emitted: it is in the last persisted `state`, so after a restart it continues and is
 * judged at its end (or at once, if its end passed while the process was down).
 */
export interface ClockWindowMeanOptions {
  period: 'hour' | 'day';
  /** local time = UTC + tzOffsetMs; default +8 h (Asia/Shanghai) */
  tzOffsetMs?: number;
  /** default 1 */
  minSamples?: number;
}

export interface ClockWindowMeanState {
  /** the window being filled, absent between windows */
  window?: { start: number; sum: number; n: number; min: number; max: number };
}

export interface ClockWindowMean {
  /** epoch ms, inclusive */
  windowStart: number;
  /** epoch ms, exclusive */
  windowEnd: number;
  value: number;
  n: number;
  min: number;
  max: number;
  valid: boolean;
}

/** The pure machine, run by the operator below and directly by the rule engine. */
export function clockWindowMeanMachine(options: ClockWindowMeanOptions): Machine<ClockWindowMeanState, Sample, ClockWindowMean> {
  const { period, tzOffsetMs = 8 * HOUR, minSamples = 1 } = options;
  const len = PERIOD_MS[period];
  if (len === undefined) throw new RangeError(`clockWindowMean: period must be 'hour' or 'day', got ${String(period)}`);
  if (!Number.isFinite(tzOffsetMs)) throw new RangeError(`clockWindowMean: tzOffsetMs must be a finite number, got ${tzOffsetMs}`);
  const startOf = (t: number) => Math.floor((t + tzOffsetMs) / len) * len - tzOffsetMs;
  const close = (w: NonNullable<ClockWindowMeanState['window']>): ClockWindowMean => ({
    windowStart: w.start,
    windowEnd: w.start + len,
    value: w.sum / w.n,
    n: w.n,
    min: w.min,
    max: w.max,
    valid: w.n >= minSamples,
  });
  return {
    init: () => ({}),
    step(state, input, now) {
      const v = sampleValue(input);
      const w = state.window;
      if (w && now < w.start + len) {
        return { state: { window: { start: w.start, sum: w.sum + v, n: w.n + 1, min: Math.min(w.min, v), max: Math.max(w.max, v) } } };
      }
      const fresh = { start: startOf(now), sum: v, n: 1, min: v, max: v };
      return w ? { state: { window: fresh }, event: close(w) } : { state: { window: fresh } };
    },
    timer: {
      due: (state) => (state.window ? state.window.start + len : undefined),
      fire: (state) => (state.window ? { state: {}, event: close(state.window) } : { state }),
    },
  };
}

export function clockWindowMean(
  options: ClockWindowMeanOptions,
  initial?: ClockWindowMeanState,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<Sample, Step<ClockWindowMeanState, ClockWindowMean>> {
  return runMachine(clockWindowMeanMachine(options), initial, scheduler);
}
