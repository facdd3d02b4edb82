import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { requireMs, runMachine, type Machine, type Step } from './stateful.js';

/**
 * A condition that must hold continuously for `durationMs` (e.g. "readings flagged as instrument
 * trouble", HJ 212-2017 Table 8). Input: the condition on each reading. `open` when it has been true
 * since `since` for ≥ durationMs: a scheduler timer at `since + durationMs` opens it on time (also
 * judged at each true input); `clear` on the first false after open. A false before the duration
 * elapsed drops the pending run silently. Repeated trues while open change nothing.
 *
 * Restart survival (see stateful.ts): emits one `Step { state, event? }` per input and per timer firing;
 * persist `state`, pass it back as `initial`. A pending run keeps its `since` across a restart.
 */
export interface PersistentOptions {
  durationMs: number;
}

export interface PersistentState {
  phase: 'idle' | 'pending' | 'open';
  /** epoch ms of the first true of the run; present unless idle */
  since?: number;
}

export interface PersistentEvent {
  type: 'open' | 'clear';
  /** epoch ms (scheduler time) */
  ts: number;
  since: number;
}

/** The pure machine, run by the operator below and directly by the rule engine. */
export function persistentMachine(options: PersistentOptions): Machine<PersistentState, boolean, PersistentEvent> {
  const { durationMs } = options;
  requireMs('persistent', 'durationMs', durationMs);
  const open = (since: number, ts: number): Step<PersistentState, PersistentEvent> => ({ state: { phase: 'open', since }, event: { type: 'open', ts, since } });
  return {
    init: () => ({ phase: 'idle' }),
    step(state, condition, now) {
      const since = state.phase === 'idle' ? now : (state.since ?? now);
      if (!condition) {
        return state.phase === 'open' ? { state: { phase: 'idle' }, event: { type: 'clear', ts: now, since } } : { state: { phase: 'idle' } };
      }
      if (state.phase === 'open') return { state };
      return now - since >= durationMs ? open(since, now) : { state: { phase: 'pending', since } };
    },
    timer: {
      due: (state) => (state.phase === 'pending' && state.since !== undefined ? state.since + durationMs : undefined),
      fire: (state, now) => open(state.since ?? now, now),
    },
  };
}

export function persistent(
  options: PersistentOptions,
  initial?: PersistentState,
  scheduler: SchedulerLike = asyncScheduler,
): OperatorFunction<boolean, Step<PersistentState, PersistentEvent>> {
  return runMachine(persistentMachine(options), initial, scheduler);
}
