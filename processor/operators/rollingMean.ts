import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { requireMs, runMachine, sampleValue, type Sample, type Step } from './stateful.js';

/**
 * Mean of the values received in the last `windowMs` of scheduler time, recomputed on every input
 * (rule averaging `rolling`). A value is in the window while `now - t < windowMs`, so a value exactly
 * `windowMs` old has left it. The mean counts (`valid`) only with at least `minSamples` values.
 *
 * Restart survival (design shared by this folder, see stateful.ts): emits one `Step { state, event }`
 * per input; `event` is always set. Persist `state` and pass it back as `initial`.
 */
export interface RollingMeanOptions {
  windowMs: number;
  /** default 1 */
  minSamples?: number;
}

export interface RollingMeanState {
  /** values in the window, oldest first; `t` is epoch ms */
  samples: Array<{ t: number; v: number }>;
}

export interface RollingMean {
  value: number;
  n: number;
  min: number;
  max: number;
  valid: boolean;
}

export function rollingMean(
  options: RollingMeanOptions,
  initial?: RollingMeanState,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<Sample, Step<RollingMeanState, RollingMean>> {
  const { windowMs, minSamples = 1 } = options;
  requireMs('rollingMean', 'windowMs', windowMs, 1);
  return runMachine<RollingMeanState, Sample, RollingMean>(
    {
      init: () => ({ samples: [] }),
      step(state, input, now) {
        const samples = state.samples.filter((s) => now - s.t < windowMs);
        samples.push({ t: now, v: sampleValue(input) });
        let sum = 0;
        let min = Infinity;
        let max = -Infinity;
        for (const { v } of samples) {
          sum += v;
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
        const n = samples.length;
        return { state: { samples }, event: { value: sum / n, n, min, max, valid: n >= minSamples } };
      },
    },
    initial,
    scheduler,
  );
}
