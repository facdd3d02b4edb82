import { asyncScheduler, mergeMap, Observable, share, type SchedulerLike } from 'rxjs';
import type { Reading } from '../../gateway/model/reading.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { buildMeans, type MeansCounters, type MeansListener, type SeriesMean } from '../means/index.js';
import type { Rejection } from '../operators/validate.js';
import { Cell, type OnReading, type RuleContext } from './cell.js';
import { compileRules, type BoundExceedance, type CompiledRules } from './compile.js';
import { dryWeatherInstance, lastRainInstance } from './dryWeather.js';
import { levelTable } from './levels.js';
import { rainOutlets } from './rainMode.js';
import type { RuleEvent } from './schema.js';
import { exceedanceInstance, flatlineInstance } from './series.js';
import { beat, downtimeAt } from './downtime.js';
import { noDataWatches } from './noDataWatch.js';
import { instrumentInstance, outOfRangeInstance, windInstance, type Wind } from './site.js';
import type { StateKeeper } from './stateKeeper.js';
import { TimerWheel } from './wheel.js';

export interface RuleEngine {
  readonly compiled: CompiledRules;
  /**
   * The events of each batch of readings (and of each round of timers), in order; an instance's
   * `update`s within one batch are coalesced into its last one (`values` lists every value it stands
   * for). Odor events carry the wind at that moment in context.wind. Shared: one run for all subscribers.
   */
  readonly batches$: Observable<readonly RuleEvent[]>;
  /** the same events one by one */
  readonly events$: Observable<RuleEvent>;
  /** 15-minute vector-mean wind at the weather station while the engine runs, undefined before the first report */
  wind(): Wind | undefined;
  /** windows judged, invalid, revised, values too late to judge (processor/means) */
  readonly means: MeansCounters;
}

export interface RuleEngineDeps {
  registry: Registry;
  /** batches of accepted readings, each already durable */
  readings$: Observable<readonly Reading[]>;
  rejections$: Observable<Rejection>;
  keeper: StateKeeper;
  scheduler?: SchedulerLike;
  /** a rule instance failed on a reading (a bug, not bad input): reported, and the batch goes on */
  onError?: (err: Error, reading: Reading) => void;
  /** each judged hourly and daily mean (valid or not, revisions too): the InfluxDB sink's `means` */
  onMeans?: (means: SeriesMean[]) => void;
}

/** The compiled dispatch table of one run: site → (pollutant → series instances, site instances); device → no-data. */
interface SiteEntry {
  series: Map<string, OnReading[]>;
  all: OnReading[];
}

/**
 * The rules of the registry applied to batches of validated readings: per series (exceedance with its
 * averaging, flatline), per site (instrument state, dry-weather flow at rain outlets), per device (no
 * data), and on rejected impossible values (out of physical range). The registry's rules compile once
 * into a table; each reading costs a few Map lookups and the steps of the machines that read its series
 * (a series no rule reads: one Map miss). Every timer of every machine is on one wheel (wheel.ts). State
 * is kept by `keeper`, urgent changes written once per batch, so that running durations and windows
 * survive a restart. Time comes from `scheduler`.
 */
export function createRuleEngine(deps: RuleEngineDeps): RuleEngine {
  const { registry, keeper } = deps;
  const scheduler = deps.scheduler ?? asyncScheduler;
  const compiled = compileRules(registry);
  const levelOf = levelTable(registry, compiled);
  let wind: (() => Wind | undefined) | undefined;
  const meansCounters: MeansCounters = { windows: 0, invalid: 0, revisions: 0, tooLate: 0 };

  const batches$ = new Observable<readonly RuleEvent[]>((subscriber) => {
    let out: RuleEvent[] = [];
    /** instance → index in `out` of its update in this batch */
    const updates = new Map<object, number>();
    const round = (work: () => void) => {
      keeper.batch(() => {
        work();
        beat(keeper, scheduler.now());
      });
      updates.clear();
      if (out.length === 0) return;
      const events = out;
      out = [];
      subscriber.next(events);
    };
    const wheel = new TimerWheel(scheduler, round);
    const now0 = scheduler.now();
    const meanListeners = new Map<string, MeansListener[]>();
    const ctx: RuleContext = {
      keeper,
      now: now0,
      horizonMs: registry.lateness.horizonMs,
      means: (site, pollutant, l) => void meanListeners.set(`${site}/${pollutant}`, [...(meanListeners.get(`${site}/${pollutant}`) ?? []), l]),
      emit(ev, from) {
        ev.level ??= levelOf(ev.rule, ev.site);
        if (ev.category === 'odor') ev = { ...ev, context: { ...ev.context, wind: wind?.() ?? null } };
        if (ev.type !== 'update') {
          updates.delete(from);
          out.push(ev);
          return;
        }
        const i = updates.get(from);
        if (i === undefined) {
          updates.set(from, out.length);
          out.push(ev);
          return;
        }
        const prev = out[i]!;
        const values = prev.values ?? (prev.value !== undefined ? [prev.value] : []);
        if (ev.value !== undefined) values.push(ev.value);
        out[i] = { ...ev, values };
      },
      cell: (machine, key, urgent, onEvent, initial) => new Cell(machine, key, keeper, wheel, initial ?? keeper.initial(key), now0, urgent, onEvent),
    };

    const sites = new Map<string, SiteEntry>();
    const entry = (site: string) => {
      let e = sites.get(site);
      if (!e) sites.set(site, (e = { series: new Map(), all: [] }));
      return e;
    };
    const onSeries = (site: string, pollutant: string, h: OnReading) => {
      const s = entry(site).series;
      s.set(pollutant, [...(s.get(pollutant) ?? []), h]);
    };
    const seriesOf = (key: string) => [key.slice(0, key.indexOf('/')), key.slice(key.indexOf('/') + 1)] as const;
    // rain outlets: quality judged only under flow and after the first flush of a rain event (rainMode.ts)
    const modes = compiled.weather && compiled.dryWeather ? rainOutlets(compiled.dryWeather, ctx) : undefined;
    const bind = (b: BoundExceedance) => (modes && b.rule.rainMode ? modes.whileJudged(b.site.id, exceedanceInstance(b, modes.qualityCtx(b.site.id))) : exceedanceInstance(b, ctx));
    for (const [key, bound] of compiled.exceedance) for (const b of bound) onSeries(...seriesOf(key), bind(b));
    for (const [key, rules] of compiled.flatline) for (const rule of rules) onSeries(...seriesOf(key), flatlineInstance(seriesOf(key)[0], rule, ctx));
    // valid hourly and daily means by reading time, after the averaged rules that hear them
    const means = buildMeans(registry, compiled, ctx, meanListeners, deps.onMeans, meansCounters);
    for (const [site, pollutant, h] of means.series) onSeries(site, pollutant, h);
    for (const [site, rule] of compiled.instrument) entry(site).all.push(instrumentInstance(site, rule, ctx, compiled.calibration.get(site)));
    if (compiled.weather) {
      const w = windInstance(ctx);
      wind = w.current;
      entry(compiled.weather.id).all.push(w.onReading);
      const dry = compiled.dryWeather;
      if (dry) {
        const rain = lastRainInstance(dry, ctx);
        entry(compiled.weather.id).all.push(rain.onReading);
        entry(compiled.weather.id).all.push(modes!.onWeather);
        for (const s of compiled.rainOutlets) entry(s.id).all.push(modes!.onOutlet(s.id), dryWeatherInstance(s.id, dry, rain.at, modes!.ctxFor(s.id)));
      }
    }
    const devices = noDataWatches(compiled.noData, ctx, downtimeAt(keeper, now0));
    const impossible = new Map<string, (r: Rejection, now: number) => void>();

    const dispatch = (r: Reading, now: number) => {
      const s = sites.get(r.site);
      if (s) {
        const series = s.series.get(r.pollutant);
        if (series) for (const h of series) h(r, now);
        for (const h of s.all) h(r, now);
      }
      devices.get(r.device)?.(r, now);
    };
    const onBatch = (batch: readonly Reading[]) =>
      round(() => {
        const now = scheduler.now();
        // a back-fill goes into its windows in timestamp order; flows first, for flow-weighted means
        const sorted = inOrder(batch) ? batch : [...batch].sort((a, b) => a.ts - b.ts);
        means.prepare(sorted);
        for (const r of sorted) {
          try {
            dispatch(r, now);
          } catch (err) {
            deps.onError?.(err as Error, r);
          }
        }
      });
    const oor = compiled.outOfRange;
    const onRejection = (rej: Rejection) => {
      if (!oor || rej.reason !== 'out-of-physical-range') return;
      const key = `${rej.reading.site}/${rej.reading.pollutant}`;
      let h = impossible.get(key);
      if (!h) impossible.set(key, (h = outOfRangeInstance(rej.reading.site, rej.reading.pollutant, oor, ctx)));
      const judge = h;
      round(() => judge(rej, scheduler.now()));
    };

    wheel.start();
    const sub = deps.readings$.subscribe({ next: onBatch, error: (err: unknown) => subscriber.error(err), complete: () => subscriber.complete() });
    sub.add(deps.rejections$.subscribe({ next: onRejection, error: (err: unknown) => subscriber.error(err) }));
    return () => {
      beat(keeper, scheduler.now());
      wheel.stop();
      sub.unsubscribe();
      wind = undefined;
    };
  }).pipe(share());

  return { compiled, batches$, events$: batches$.pipe(mergeMap((b) => b)), wind: () => wind?.(), means: meansCounters };
}

const inOrder = (batch: readonly Reading[]) => {
  for (let i = 1; i < batch.length; i++) if (batch[i]!.ts < batch[i - 1]!.ts) return false;
  return true;
};
