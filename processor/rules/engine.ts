import { asyncScheduler, filter, groupBy, ignoreElements, map, merge, mergeMap, share, shareReplay, withLatestFrom, type Observable, type SchedulerLike } from 'rxjs';
import type { Reading } from '../../gateway/model/reading.js';
import type { Registry } from '../../gateway/registry/schema.js';
import type { Rejection } from '../operators/validate.js';
import { compileRules, type CompiledRules } from './compile.js';
import { dryWeatherEvents, lastRain$ } from './dryWeather.js';
import type { RuleEvent } from './schema.js';
import { perKey } from './perKey.js';
import { exceedanceEvents, flatlineEvents } from './series.js';
import { instrumentEvents, noDataEvents, outOfRangeEvents, wind$, type Wind } from './site.js';
import type { StateKeeper } from './stateKeeper.js';

export interface RuleEngine {
  readonly compiled: CompiledRules;
  /** every rule event; odor events carry the wind at that moment in context.wind */
  readonly events$: Observable<RuleEvent>;
  /** 15-minute vector-mean wind at the weather station */
  readonly wind$: Observable<Wind | undefined>;
}

/**
 * The rules of the registry applied to the validated readings: per series (exceedance with its averaging,
 * flatline), per site (instrument state, dry-weather flow at rain outlets), per device (no data), and on
 * rejected impossible values (out of physical range). State is kept by `keeper` so that running
 * durations and windows survive a restart. Time comes from `scheduler`.
 */
export function createRuleEngine(deps: {
  registry: Registry;
  readings$: Observable<Reading>;
  rejections$: Observable<Rejection>;
  keeper: StateKeeper;
  scheduler?: SchedulerLike;
}): RuleEngine {
  const { registry, keeper } = deps;
  const scheduler = deps.scheduler ?? asyncScheduler;
  const compiled = compileRules(registry);
  const readings$ = deps.readings$.pipe(share());
  const weatherId = compiled.weather?.id;
  const weather$ = readings$.pipe(filter((r) => r.site === weatherId));
  const wind = wind$(weather$, keeper, scheduler);
  const dry = compiled.dryWeather;
  // subscribed from the start (below), so no rain report is missed before the first outlet reports
  const lastRain = dry ? lastRain$(weather$, dry, keeper, scheduler).pipe(shareReplay({ bufferSize: 1, refCount: true })) : undefined;
  const rainOutlets = new Set(compiled.rainOutlets.map((s) => s.id));

  const perSeries$ = readings$.pipe(
    groupBy((r) => `${r.site}/${r.pollutant}`),
    mergeMap((g) => {
      const site = g.key.slice(0, g.key.indexOf('/'));
      return merge(
        ...(compiled.exceedance.get(g.key) ?? []).map((b) => exceedanceEvents(g, b, keeper, scheduler)),
        ...(compiled.flatline.get(g.key) ?? []).map((rule) => flatlineEvents(g, site, rule, keeper, scheduler)),
      );
    }),
  );

  const perSite$ = readings$.pipe(
    groupBy((r) => r.site),
    mergeMap((g) => {
      const instrument = compiled.instrument.get(g.key);
      return merge(
        ...(instrument ? [instrumentEvents(g, g.key, instrument, keeper, scheduler)] : []),
        ...(dry && lastRain && rainOutlets.has(g.key) ? [dryWeatherEvents(g, lastRain, g.key, dry, keeper, scheduler)] : []),
      );
    }),
  );

  // one Map lookup per reading rather than one filter per device (the park has ~60 devices, a big one thousands)
  const noData = new Map(compiled.noData.map((d) => [d.device, d]));
  const perDevice$ = perKey(readings$, (r) => r.device, [...noData.keys()], (device$, device) => noDataEvents(device$, noData.get(device)!, keeper, scheduler));

  const oor = compiled.outOfRange;
  const impossible$ = oor
    ? deps.rejections$.pipe(
        filter((r) => r.reason === 'out-of-physical-range'),
        groupBy((r) => `${r.reading.site}/${r.reading.pollutant}`),
        mergeMap((g) => outOfRangeEvents(g, g.key.split('/')[0]!, g.key.split('/')[1]!, oor, keeper, scheduler)),
      )
    : merge();

  const events$ = merge(lastRain ? lastRain.pipe(ignoreElements()) : merge(), perSeries$, perSite$, perDevice$, impossible$).pipe(
    withLatestFrom(wind),
    map(([ev, w]) => (ev.category === 'odor' ? { ...ev, context: { ...ev.context, wind: w ?? null } } : ev)),
    share(),
  );
  return { compiled, events$, wind$: wind };
}
