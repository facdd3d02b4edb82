import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { requireMs, runMachine, sampleValue, type Machine, type Sample, type Step } from './stateful.js';

/**
 * Mean of the values received in the last `windowMs` of scheduler time, recomputed on every input
 * (rule averaging `rolling`). A value is in the window while `now - t < windowMs`, so a value exactly
 * `windowMs` old has left it. The mean counts (`valid`) only with at least `minSamples` values.
 *
 * O(1) amortised per value: the window is a ring buffer (`t`, `v`, capacity doubling when full) with a
 * running sum, re-added from the buffer once per `capacity` evictions so that rounding cannot drift.
 * The state is updated IN PLACE (see stateful.ts): persist or copy it before the next step.
 *
 * Restart survival (design shared by this folder, see stateful.ts): emits one `Step { state, event }`
 * per input; `event` is always set. Persist `state` and pass it back as `initial`; a state saved by the
 * previous version (`{ samples: [{ t, v }] }`) is converted on load.
 */
export interface RollingMeanOptions {
  windowMs: number;
  /** default 1 */
  minSamples?: number;
}

export interface RollingMeanState {
  /** ring buffer: times (epoch ms) and values; slot `(head + i) % t.length` holds the i-th oldest */
  t: number[];
  v: number[];
  head: number;
  /** values in the window */
  n: number;
  /** sum of the values in the window */
  sum: number;
  /** evictions since the sum was last re-added from the buffer */
  drift: number;
}

/** The state saved by the previous version: the window as a list, oldest first. */
export interface LegacyRollingMeanState {
  samples: Array<{ t: number; v: number }>;
}

export interface RollingMean {
  value: number;
  n: number;
  valid: boolean;
}

const MIN_CAPACITY = 8;

/** A stored state of either version, as a ring. */
export function toRollingMeanState(saved: RollingMeanState | LegacyRollingMeanState | undefined): RollingMeanState | undefined {
  if (!saved || !('samples' in saved)) return saved;
  const cap = Math.max(MIN_CAPACITY, saved.samples.length);
  const t = new Array<number>(cap).fill(0);
  const v = new Array<number>(cap).fill(0);
  let sum = 0;
  saved.samples.forEach((s, i) => {
    t[i] = s.t;
    v[i] = s.v;
    sum += s.v;
  });
  return { t, v, head: 0, n: saved.samples.length, sum, drift: 0 };
}

function grow(s: RollingMeanState): void {
  const cap = Math.max(MIN_CAPACITY, s.t.length * 2);
  const t = new Array<number>(cap).fill(0);
  const v = new Array<number>(cap).fill(0);
  for (let i = 0; i < s.n; i++) {
    const j = (s.head + i) % s.t.length;
    t[i] = s.t[j]!;
    v[i] = s.v[j]!;
  }
  Object.assign(s, { t, v, head: 0 });
}

/** The pure (in-place) machine, run by the operator below and directly by the rule engine. */
export function rollingMeanMachine(options: RollingMeanOptions): Machine<RollingMeanState, Sample, RollingMean> {
  const { windowMs, minSamples = 1 } = options;
  requireMs('rollingMean', 'windowMs', windowMs, 1);
  return {
    init: () => ({ t: new Array<number>(MIN_CAPACITY).fill(0), v: new Array<number>(MIN_CAPACITY).fill(0), head: 0, n: 0, sum: 0, drift: 0 }),
    step(s, input, now) {
      const cap = s.t.length;
      while (s.n > 0 && now - s.t[s.head]! >= windowMs) {
        s.sum -= s.v[s.head]!;
        s.head = (s.head + 1) % cap;
        s.n--;
        s.drift++;
      }
      if (s.n === cap) grow(s);
      const value = sampleValue(input);
      const at = (s.head + s.n) % s.t.length;
      s.t[at] = now;
      s.v[at] = value;
      s.n++;
      s.sum += value;
      if (s.drift >= s.t.length) {
        s.sum = 0;
        for (let i = 0; i < s.n; i++) s.sum += s.v[(s.head + i) % s.t.length]!;
        s.drift = 0;
      }
      return { state: s, event: { value: s.sum / s.n, n: s.n, valid: s.n >= minSamples } };
    },
  };
}

export function rollingMean(
  options: RollingMeanOptions,
  initial?: RollingMeanState | LegacyRollingMeanState,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<Sample, Step<RollingMeanState, RollingMean>> {
  return runMachine(rollingMeanMachine(options), toRollingMeanState(initial), scheduler);
}
