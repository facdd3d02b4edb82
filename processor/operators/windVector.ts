import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { requireMs, runMachine, type Machine, type Step } from './stateful.js';

const RAD = Math.PI / 180;
/** below this mean speed (m/s) the wind is calm and its direction says little */
export const CALM_MS = 0.5;

/**
 * Wind over the last `windowMs` of scheduler time (default 15 min), recomputed on every input, as
 * evidence for odour and VOC events (where the plume comes from). Inputs: HJ 212 a01007 wind speed
 * (m/s) and a01008 wind direction (degrees, the direction the wind blows FROM, clockwise from north).
 * `speed` is the scalar mean speed; `direction` the unit-vector mean direction in [0, 360): atan2 of the
 * mean sine and mean cosine, so 350° and 10° average to 0°, not 180°; `resultant` the length of the mean
 * unit vector (1 = steady, 0 = no prevailing direction, when `direction` is meaningless).
 * A value is in the window while `now - t < windowMs`.
 *
 * Restart survival (see stateful.ts): emits one `Step { state, event }` per input; `event` is always
 * set. Persist `state`, pass it back as `initial`.
 */
export interface WindVectorOptions {
  /** default 15 min */
  windowMs?: number;
}

export interface WindSample {
  /** m/s (a01007) */
  speed: number;
  /** degrees the wind blows from, clockwise from north (a01008) */
  direction: number;
}

export interface WindVectorState {
  /** oldest first; `t` epoch ms, `s` speed, `d` direction */
  samples: Array<{ t: number; s: number; d: number }>;
}

export interface WindVector {
  speed: number;
  direction: number;
  resultant: number;
  n: number;
  calm: boolean;
}

/** The pure machine, run by the operator below and directly by the rule engine. */
export function windVectorMachine(options: WindVectorOptions = {}): Machine<WindVectorState, WindSample, WindVector> {
  const { windowMs = 15 * 60_000 } = options;
  requireMs('windVector', 'windowMs', windowMs, 1);
  return {
    init: () => ({ samples: [] }),
    step(state, input, now) {
      const samples = state.samples.filter((x) => now - x.t < windowMs);
      samples.push({ t: now, s: input.speed, d: input.direction });
      let speed = 0;
      let sin = 0;
      let cos = 0;
      for (const x of samples) {
        speed += x.s;
        sin += Math.sin(x.d * RAD);
        cos += Math.cos(x.d * RAD);
      }
      const n = samples.length;
      [speed, sin, cos] = [speed / n, sin / n, cos / n];
      // atan2(east, north) is the compass bearing; rounding to 1e-9° keeps 360 - ε from showing up as 359.999…
      const deg = Math.round((Math.atan2(sin, cos) / RAD) * 1e9) / 1e9;
      const direction = ((deg % 360) + 360) % 360;
      return { state: { samples }, event: { speed, direction, resultant: Math.hypot(sin, cos), n, calm: speed < CALM_MS } };
    },
  };
}

export function windVector(
  options: WindVectorOptions = {},
  initial?: WindVectorState,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<WindSample, Step<WindVectorState, WindVector>> {
  return runMachine(windVectorMachine(options), initial, scheduler);
}
