import type { Machine } from '../operators/stateful.js';
import type { RuleContext } from './cell.js';

/**
 * Reading time (HJ 212 DataTime) drives durations and rolling windows. A reading older than the last one
 * its series judged (a back-fill, or an out-of-order packet) feeds only the clock windows
 * (processor/means), never a duration machine: a duration is a run of consecutive values, which a late
 * one cannot extend or break. `last` is kept under `key|ts`. A reading older than the lateness horizon
 * behind processing time `now` is not judged at all.
 */
export function inOrder(key: string, ctx: RuleContext): (ts: number, now: number) => boolean {
  const k = `${key}|ts`;
  const horizon = ctx.horizonMs ?? Infinity;
  let last = ctx.keeper.initial<number>(k) ?? -Infinity;
  return (ts, now) => {
    if (ts < last || ts < now - horizon) return false;
    if (ts > last) ctx.keeper.record(k, (last = ts));
    return true;
  };
}

/**
 * A duration machine stepped with reading time, whose timer (the engine's wheel, processing time) must
 * not run ahead of its series: a series re-sent 3 h late is 3 h behind, so a pending duration fires
 * `lag` later in processing time, i.e. when as much time has passed for its series, and its event
 * carries reading time. `lag` (processing − reading time of the series' last value) is in memory: after
 * a restart it starts at 0, as before reading time.
 */
export function onReadingTime<S, I, E>(machine: Machine<S, I, E>): { machine: Machine<S, I, E>; behind(now: number, ts: number): void } {
  let lag = 0;
  const t = machine.timer;
  return {
    machine: t
      ? {
          ...machine,
          timer: {
            due: (s) => {
              const at = t.due(s);
              return at === undefined ? undefined : at + lag;
            },
            fire: (s, now) => t.fire(s, now - lag),
          },
        }
      : machine,
    behind(now, ts) {
      lag = Math.max(0, now - ts);
    },
  };
}
