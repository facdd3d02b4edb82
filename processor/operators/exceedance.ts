import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { requireMs, runMachine, type Machine, sampleValue, type Sample, type Step } from './stateful.js';

/**
 * Exceedance of a limit (超标) that must last `durationMs` before it is an event; `max`, `min` or both
 * (pH 6–9). A value is outside when `value > max` or `value < min`.
 *
 * - inside → a sample outside starts a pending exceedance at scheduler time `since`.
 * - pending → `open` once it has been outside for ≥ durationMs: judged at each sample, and by a timer at
 *   `since + durationMs` so it opens on time when samples are sparse (in the pending phase the last
 *   sample is always outside). A sample back inside the limits drops it silently.
 * - open → each sample outside emits `update`; a sample inside the hysteresis band (≤ clearMax when max
 *   is set and ≥ clearMin when min is set; they default to the limits) emits `clear`; a sample inside
 *   the limits but not yet inside the band changes nothing.
 * Event statistics (`peak`: the value furthest beyond its limit, `mean`, `count`) cover the episode's
 * samples outside the limits; `value` is the sample of the transition (the last one, for the timer).
 *
 * Restart survival (see stateful.ts): emits one `Step { state, event? }` per input and per timer firing;
 * persist `state`, pass it back as `initial`. A pending exceedance keeps its `since` and opens at
 * `since + durationMs` (at once if that passed during the restart).
 */
export interface ExceedanceOptions {
  max?: number;
  min?: number;
  clearMax?: number;
  clearMin?: number;
  durationMs: number;
}

export interface ExceedanceState {
  phase: 'inside' | 'pending' | 'open';
  /** present unless inside */
  episode?: Episode;
}

export interface Episode {
  /** epoch ms of the first sample outside */
  since: number;
  /** the last sample */
  value: number;
  peak: number;
  sum: number;
  count: number;
}

export interface ExceedanceEvent {
  type: 'open' | 'update' | 'clear';
  /** epoch ms (scheduler time) */
  ts: number;
  value: number;
  since: number;
  peak: number;
  mean: number;
  count: number;
}

/** The pure machine, run by the operator below and directly by the rule engine. */
export function exceedanceMachine(options: ExceedanceOptions): Machine<ExceedanceState, Sample, ExceedanceEvent> {
  const { max, min, durationMs, clearMax = max, clearMin = min } = options;
  requireMs('exceedance', 'durationMs', durationMs);
  if (max === undefined && min === undefined) throw new RangeError('exceedance: a limit needs max, min or both');
  if (max !== undefined && min !== undefined && min > max) throw new RangeError(`exceedance: min ${min} is above max ${max}`);
  if (max !== undefined && clearMax !== undefined && clearMax > max) throw new RangeError(`exceedance: clearMax ${clearMax} is above max ${max}`);
  if (min !== undefined && clearMin !== undefined && clearMin < min) throw new RangeError(`exceedance: clearMin ${clearMin} is below min ${min}`);

  const beyond = (v: number) => Math.max(max === undefined ? -Infinity : v - max, min === undefined ? -Infinity : min - v);
  const isOutside = (v: number) => beyond(v) > 0;
  const isCleared = (v: number) => (clearMax === undefined || v <= clearMax) && (clearMin === undefined || v >= clearMin);
  const add = (e: Episode, v: number): Episode => ({
    since: e.since,
    value: v,
    peak: beyond(v) > beyond(e.peak) ? v : e.peak,
    sum: e.sum + v,
    count: e.count + 1,
  });
  const event = (type: ExceedanceEvent['type'], e: Episode, ts: number, value = e.value): ExceedanceEvent => ({
    type,
    ts,
    value,
    since: e.since,
    peak: e.peak,
    mean: e.sum / e.count,
    count: e.count,
  });
  const opensBy = (e: Episode, now: number): Step<ExceedanceState, ExceedanceEvent> =>
    now - e.since >= durationMs ? { state: { phase: 'open', episode: e }, event: event('open', e, now) } : { state: { phase: 'pending', episode: e } };

  return {
    init: () => ({ phase: 'inside' }),
    step(state, input, now) {
      const v = sampleValue(input);
      const e = state.episode;
      if (state.phase === 'inside' || !e) return isOutside(v) ? opensBy({ since: now, value: v, peak: v, sum: v, count: 1 }, now) : { state: { phase: 'inside' } };
      if (state.phase === 'pending') return isOutside(v) ? opensBy(add(e, v), now) : { state: { phase: 'inside' } };
      if (isOutside(v)) {
        const next = add(e, v);
        return { state: { phase: 'open', episode: next }, event: event('update', next, now) };
      }
      if (isCleared(v)) return { state: { phase: 'inside' }, event: event('clear', e, now, v) };
      return { state: { phase: 'open', episode: { ...e, value: v } } };
    },
    timer: {
      due: (state) => (state.phase === 'pending' && state.episode ? state.episode.since + durationMs : undefined),
      // only pending has a timer, and a pending episode's last sample is outside
      fire: (state, now) => (state.episode ? { state: { phase: 'open', episode: state.episode }, event: event('open', state.episode, now) } : { state }),
    },
  };
}

export function exceedance(
  options: ExceedanceOptions,
  initial?: ExceedanceState,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<Sample, Step<ExceedanceState, ExceedanceEvent>> {
  return runMachine(exceedanceMachine(options), initial, scheduler);
}
