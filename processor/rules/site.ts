import { filter, map, scan, shareReplay, startWith, type Observable, type SchedulerLike } from 'rxjs';
import type { QualityFlag, Reading } from '../../gateway/model/reading.js';
import { countInWindow } from '../operators/countInWindow.js';
import { noData } from '../operators/noData.js';
import { persistent } from '../operators/persistent.js';
import type { Rejection } from '../operators/validate.js';
import { windVector, type WindSample, type WindVector } from '../operators/windVector.js';
import type { BoundDevice } from './compile.js';
import type { Rule, RuleEvent } from './schema.js';
import { keep } from './series.js';
import type { StateKeeper } from './stateKeeper.js';

type Of<T extends Rule['type']> = Extract<Rule, { type: T }>;

/** Instrument trouble at a site: any channel flagged (M, C, D, F, T, B ...) for longer than the rule's duration. */
export function instrumentEvents(site$: Observable<Reading>, site: string, rule: Of<'instrument'>, keeper: StateKeeper, scheduler: SchedulerLike): Observable<RuleEvent> {
  const key = `instrument|${rule.id}|${site}`;
  const trouble = new Set<QualityFlag>(rule.flags);
  return site$.pipe(
    scan((flags, r) => {
      const bad = trouble.has(r.flag);
      // most readings change nothing: keep the same map instead of copying it per reading
      if (bad ? flags.get(r.pollutant) === r.flag : !flags.has(r.pollutant)) return flags;
      const next = new Map(flags);
      if (bad) next.set(r.pollutant, r.flag);
      else next.delete(r.pollutant);
      return next;
    }, new Map<string, QualityFlag>()),
    (flags$) => {
      let latest = new Map<string, QualityFlag>();
      return flags$.pipe(
        map((f) => ((latest = f), f.size > 0)),
        persistent({ durationMs: rule.durationMs }, keeper.initial(key), scheduler),
        keep(keeper, key),
        filter((s) => s.event !== undefined),
        map(({ event: e }) => ({
          type: e!.type,
          rule: rule.id,
          ruleType: 'instrument' as const,
          category: 'instrument' as const,
          site,
          pollutant: '*',
          ts: e!.ts,
          since: e!.since,
          context: { flags: Object.fromEntries(latest) },
        })),
      );
    },
  );
}

/** A device that sends nothing for missedIntervals × its interval. */
export function noDataEvents(device$: Observable<Reading>, d: BoundDevice, keeper: StateKeeper, scheduler: SchedulerLike): Observable<RuleEvent> {
  const key = `no-data|${d.rule.id}|${d.device}`;
  return device$.pipe(
    noData({ timeoutMs: d.timeoutMs }, keeper.initial(key), scheduler),
    keep(keeper, key),
    filter((s) => s.event !== undefined),
    map(({ event: e }) => ({
      type: e!.type === 'offline' ? ('open' as const) : ('clear' as const),
      rule: d.rule.id,
      ruleType: 'no-data' as const,
      category: 'no-data' as const,
      site: d.site.id,
      pollutant: '*',
      ts: e!.ts,
      since: e!.since,
      context: { device: d.device, timeoutMs: d.timeoutMs },
    })),
  );
}

/** Impossible values (outside the physical range), `count` of them within `windowMs`. */
export function outOfRangeEvents(series$: Observable<Rejection>, site: string, pollutant: string, rule: Of<'out-of-range'>, keeper: StateKeeper, scheduler: SchedulerLike): Observable<RuleEvent> {
  const key = `out-of-range|${rule.id}|${site}|${pollutant}`;
  let last: Rejection | undefined;
  return series$.pipe(
    map((r) => (last = r)),
    countInWindow({ count: rule.count, windowMs: rule.windowMs }, keeper.initial(key), scheduler),
    keep(keeper, key),
    filter((s) => s.event !== undefined),
    map(({ event: e }) => ({
      type: e!.type,
      rule: rule.id,
      ruleType: 'out-of-range' as const,
      category: 'instrument' as const,
      site,
      pollutant,
      ts: e!.ts,
      since: e!.since,
      value: last?.reading.value,
      context: { count: e!.count, detail: last?.detail },
    })),
  );
}

export interface Wind extends WindVector {
  /** the latest instantaneous values */
  speedNow: number;
  directionNow: number;
  at: number;
}

/** Wind at the weather station: 15-minute vector mean (HJ 212 a01007 speed, a01008 direction), replayed to late subscribers. */
export function wind$(weather$: Observable<Reading>, keeper: StateKeeper, scheduler: SchedulerLike): Observable<Wind | undefined> {
  const key = 'wind|15min';
  let speed: number | undefined;
  return weather$.pipe(
    filter((r) => r.flag === 'N' && (r.pollutant === 'a01007' || r.pollutant === 'a01008')),
    map((r): WindSample | undefined => {
      if (r.pollutant === 'a01007') {
        speed = r.value;
        return undefined;
      }
      return speed === undefined ? undefined : { speed, direction: r.value };
    }),
    filter((s): s is WindSample => s !== undefined),
    (samples$) => {
      let sample: WindSample = { speed: 0, direction: 0 };
      return samples$.pipe(
        map((s) => (sample = s)),
        windVector({ windowMs: 15 * 60_000 }, keeper.initial(key), scheduler),
        keep(keeper, key, () => false),
        map((s): Wind => ({ ...s.event!, speedNow: sample.speed, directionNow: sample.direction, at: scheduler.now() })),
      );
    },
    startWith(undefined),
    shareReplay({ bufferSize: 1, refCount: true }),
  );
}
