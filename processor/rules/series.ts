import { filter, map, tap, type Observable, type SchedulerLike } from 'rxjs';
import type { Reading } from '../../gateway/model/reading.js';
import { clockWindowMean } from '../operators/clockWindowMean.js';
import { exceedance } from '../operators/exceedance.js';
import { flatline } from '../operators/flatline.js';
import { rollingMean } from '../operators/rollingMean.js';
import type { Step } from '../operators/stateful.js';
import type { BoundExceedance } from './compile.js';
import type { Rule, RuleEvent } from './schema.js';
import type { StateKeeper } from './stateKeeper.js';

/** Persist each step's state under `key`; urgent when the step carries an event other than an update. */
export function keep<S, E>(keeper: StateKeeper, key: string, urgent: (s: Step<S, E>) => boolean = (s) => s.event !== undefined) {
  return tap<Step<S, E>>((s) => keeper.record(key, s.state, urgent(s)));
}

/**
 * Only values the instrument reports as normal (HJ 212 flag N) are judged against limits: values flagged
 * M, C, D, F, T, B or S never open an exceedance (the instrument rule deals with them).
 */
const normalValues = (series$: Observable<Reading>) =>
  series$.pipe(
    filter((r) => r.flag === 'N'),
    map((r) => r.value),
  );

/** The values an exceedance rule judges: each value, a rolling mean, or the mean of each clock hour / day. */
function judged(values$: Observable<number>, b: BoundExceedance, key: string, keeper: StateKeeper, scheduler: SchedulerLike): Observable<number> {
  const avg = b.rule.averaging;
  if (avg.kind === 'instant') return values$;
  const k = `${key}|avg`;
  if (avg.kind === 'rolling') {
    return values$.pipe(
      rollingMean({ windowMs: avg.minutes * 60_000, minSamples: b.rule.minSamples }, keeper.initial(k), scheduler),
      keep(keeper, k, () => false),
      filter((s) => s.event?.valid === true),
      map((s) => s.event!.value),
    );
  }
  return values$.pipe(
    clockWindowMean({ period: avg.kind === 'clock-hour' ? 'hour' : 'day', minSamples: b.rule.minSamples }, keeper.initial(k), scheduler),
    keep(keeper, k, (s) => s.event !== undefined),
    filter((s) => s.event?.valid === true),
    map((s) => s.event!.value),
  );
}

export function exceedanceEvents(series$: Observable<Reading>, b: BoundExceedance, keeper: StateKeeper, scheduler: SchedulerLike): Observable<RuleEvent> {
  const { rule, site } = b;
  const key = `exceedance|${rule.id}|${site.id}|${rule.pollutant}`;
  return judged(normalValues(series$), b, key, keeper, scheduler).pipe(
    exceedance({ max: rule.max, min: rule.min, clearMax: rule.clearMax, clearMin: rule.clearMin, durationMs: rule.durationMs }, keeper.initial(key), scheduler),
    keep(keeper, key, (s) => s.event !== undefined && s.event.type !== 'update'),
    filter((s) => s.event !== undefined),
    map(({ event: e }) => ({
      type: e!.type,
      rule: rule.id,
      ruleType: 'exceedance' as const,
      category: b.category,
      site: site.id,
      pollutant: rule.pollutant,
      ts: e!.ts,
      value: e!.value,
      since: e!.since,
      limit: { ...(rule.min !== undefined ? { min: rule.min } : {}), ...(rule.max !== undefined ? { max: rule.max } : {}), standard: rule.standard },
      context: { peak: e!.peak, mean: e!.mean, count: e!.count, averaging: rule.averaging.kind, durationMs: rule.durationMs },
    })),
  );
}

export function flatlineEvents(series$: Observable<Reading>, site: string, rule: Extract<Rule, { type: 'flatline' }>, keeper: StateKeeper, scheduler: SchedulerLike): Observable<RuleEvent> {
  const key = `flatline|${rule.id}|${site}|${rule.pollutant}`;
  return normalValues(series$).pipe(
    flatline({ durationMs: rule.durationMs, epsilon: rule.epsilon }, keeper.initial(key), scheduler),
    keep(keeper, key),
    filter((s) => s.event !== undefined),
    map(({ event: e }) => ({
      type: e!.type,
      rule: rule.id,
      ruleType: 'flatline' as const,
      category: 'flatline' as const,
      site,
      pollutant: rule.pollutant,
      ts: e!.ts,
      since: e!.since,
      value: e!.value,
      context: { durationMs: rule.durationMs, epsilon: rule.epsilon },
    })),
  );
}
