import { filter, map, merge, scan, type Observable, type SchedulerLike } from 'rxjs';
import type { Reading } from '../../gateway/model/reading.js';
import { persistent } from '../operators/persistent.js';
import type { Rule, RuleEvent } from './schema.js';
import { keep } from './series.js';
import type { StateKeeper } from './stateKeeper.js';

type DryRule = Extract<Rule, { type: 'dry-weather-flow' }>;
const FLOW = 'w00000';
const LEVEL = 'w99001';

/**
 * When it last rained at the weather station (rainfall > 0), persisted. With no record at all the park is
 * taken as dry since the record began — a rain outlet must not flow on a dry day, and the weather
 * station reports any rain that would explain the flow.
 */
export function lastRain$(weather$: Observable<Reading>, rule: DryRule, keeper: StateKeeper, scheduler: SchedulerLike): Observable<number | undefined> {
  const key = `dry-weather|${rule.id}|last-rain`;
  const initial = keeper.initial<{ at?: number }>(key)?.at;
  return weather$.pipe(
    filter((r) => r.pollutant === rule.rainPollutant && r.flag === 'N' && r.value > 0),
    map(() => {
      const at = scheduler.now();
      keeper.record(key, { at }, true);
      return at as number | undefined;
    }),
    (rain$) => merge(rain$, [initial]),
  );
}

/** 晴天出水: flow or level at a rain outlet while the weather station has recorded no rain for the dry period. */
export function dryWeatherEvents(
  outlet$: Observable<Reading>,
  lastRain: Observable<number | undefined>,
  site: string,
  rule: DryRule,
  keeper: StateKeeper,
  scheduler: SchedulerLike,
): Observable<RuleEvent> {
  const key = `dry-weather|${rule.id}|${site}`;
  type Acc = { flow?: number; level?: number; lastRain?: number; judge: boolean };
  let acc: Acc = { judge: false };
  const inputs$ = merge(
    outlet$.pipe(
      filter((r) => r.flag === 'N' && (r.pollutant === FLOW || r.pollutant === LEVEL)),
      map((r) => ({ reading: r })),
    ),
    lastRain.pipe(map((at) => ({ rain: at }))),
  );
  return inputs$.pipe(
    scan((a: Acc, x: { reading?: Reading; rain?: number }): Acc => {
      if (!x.reading) return { ...a, lastRain: x.rain ?? a.lastRain, judge: false };
      return x.reading.pollutant === FLOW ? { ...a, flow: x.reading.value, judge: true } : { ...a, level: x.reading.value, judge: true };
    }, acc),
    filter((a) => a.judge),
    map((a) => {
      acc = a;
      const dry = a.lastRain === undefined || scheduler.now() - a.lastRain >= rule.dryPeriodMs;
      const flowing = (a.flow ?? 0) > rule.flowAbove || (a.level ?? 0) > rule.levelAbove;
      return dry && flowing;
    }),
    persistent({ durationMs: rule.durationMs }, keeper.initial(key), scheduler),
    keep(keeper, key),
    filter((s) => s.event !== undefined),
    map(({ event: e }) => ({
      type: e!.type,
      rule: rule.id,
      ruleType: 'dry-weather-flow' as const,
      category: 'illicit-discharge' as const,
      site,
      pollutant: FLOW,
      ts: e!.ts,
      since: e!.since,
      value: acc.flow,
      context: { flow: acc.flow, level: acc.level, lastRainAt: acc.lastRain ?? null, dryPeriodMs: rule.dryPeriodMs, flowAbove: rule.flowAbove, levelAbove: rule.levelAbove },
    })),
  );
}
