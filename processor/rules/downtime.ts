import type { NoDataState } from '../operators/noData.js';
import type { StateKeeper } from './stateKeeper.js';

/**
 * The gateway's own downtime is never counted against a device. The engine records a heartbeat (the
 * scheduler time of its last round of readings or timers, and of its stop) with the rule state; at the
 * next start, downtime = start − heartbeat, and every restored no-data watch that was waiting has its
 * clock moved on by that much: a device keeps the part of its timeout it had left when the gateway
 * stopped, so silence before the stop still counts and the time the gateway was down does not. A watch
 * already offline stays offline (its ticket is open). The event still names the time of the device's
 * last value as `since` (NoDataState.seen). Without a heartbeat (state from a version that
 * kept none) the downtime is unknown and each waiting watch starts a full timeout at start-up.
 */
export const HEARTBEAT_KEY = 'engine|heartbeat';

export interface Heartbeat {
  /** scheduler time (epoch ms) the engine was last known alive */
  at: number;
}

/** record the engine alive at `now` (written with the next flush of the rule state) */
export function beat(keeper: StateKeeper, now: number): void {
  keeper.record(HEARTBEAT_KEY, { at: now } satisfies Heartbeat);
}

/** how long the engine was down before a start at `now`; undefined when no heartbeat was stored */
export function downtimeAt(keeper: StateKeeper, now: number): number | undefined {
  const h = keeper.initial<Heartbeat>(HEARTBEAT_KEY);
  return h && Number.isFinite(h.at) ? Math.max(0, now - h.at) : undefined;
}

/** a restored no-data state with the downtime taken off (see above); undefined stays undefined (a fresh watch) */
export function resumeAfterDowntime(state: NoDataState | undefined, downtimeMs: number | undefined, now: number): NoDataState | undefined {
  if (!state || state.offline) return state;
  const last = downtimeMs === undefined ? now : Math.min(now, state.last + downtimeMs);
  // `seen` keeps the time of the device's last value for the ticket (`since`), across several restarts
  return { last: Math.max(state.last, last), offline: false, seen: state.seen ?? state.last };
}
