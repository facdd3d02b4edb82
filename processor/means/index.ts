import type { Reading } from '../../gateway/model/reading.js';
import type { MeansSpec } from '../../gateway/registry/means.js';
import type { Registry, Site } from '../../gateway/registry/schema.js';
import type { OnReading, RuleContext } from '../rules/cell.js';
import { channelsOf, type CompiledRules } from '../rules/compile.js';
import { FlowSeries } from './flow.js';
import { localDayStart, windowMeansMachine, type ArchivedDay, type WindowMean } from './window.js';

export type { WindowMean } from './window.js';

/** A judged window of one series (measurement `means`). */
export interface SeriesMean extends WindowMean {
  site: string;
  pollutant: string;
}

/** Hears the judged windows of one series (an averaged exceedance rule). */
export type MeansListener = (means: readonly WindowMean[]) => void;

export interface MeansCounters {
  /** windows judged, re-judgements included */
  windows: number;
  /** judged windows that were not valid (no averaged rule judges them) */
  invalid: number;
  /** re-judgements after late values */
  revisions: number;
  /** values older than the lateness horizon: stored, not judged */
  tooLate: number;
}

export interface Means {
  /** hands a batch's flows to the flow series first, so its concentrations find theirs */
  prepare(batch: readonly Reading[]): void;
  /** the per-series handlers, for the engine's dispatch table */
  series: Array<[site: string, pollutant: string, handler: OnReading]>;
  counters: MeansCounters;
}

const DAY = 24 * 3_600_000;
/** local time of the park (Asia/Shanghai, UTC+8): days start at local midnight */
const TZ = 8 * 3_600_000;

/** used where no `means` entry of the registry covers an averaged rule's kind of site */
const ARITHMETIC: MeansSpec = {
  siteKind: 'air_fence',
  pollutants: [],
  weighting: 'arithmetic',
  flowPollutant: 'w00000',
  hourCoverage: 0.75,
  dayValidHours: 20,
  standard: 'HJ 212-2017 附录D.2: 小时值需≥45个有效分钟值, 日值需≥20个有效小时值',
  verified: true,
};

/**
 * The valid hourly and daily means of the park (processor/means/window.ts): one per series a registry
 * `means` entry names and per series an averaged (clock-hour, day) exceedance rule judges (`listeners`,
 * key `site/pollutant`). Each judged window goes to its listeners and to `onMeans` (the InfluxDB sink).
 */
export function buildMeans(
  registry: Registry,
  compiled: CompiledRules,
  ctx: RuleContext,
  listeners: ReadonlyMap<string, MeansListener[]>,
  onMeans?: (means: SeriesMean[]) => void,
  counters: MeansCounters = { windows: 0, invalid: 0, revisions: 0, tooLate: 0 },
): Means {
  const { graceMs, horizonMs } = registry.lateness;
  // the time slice a value stands for: its analyser's measurement cycle (register map `cycleMs`), else
  // its device's reporting interval (HJ 212-2017 D.1: one real-time value per slice)
  const slice = new Map(registry.sites.flatMap((s) => s.devices.map((d) => [d.id, d.intervalMs] as const)));
  const cycle = new Map<string, number>();
  for (const s of registry.sites) {
    for (const d of s.devices) {
      if (d.kind !== 'modbus') continue;
      for (const c of registry.inputs.modbus.maps[d.map]?.channels ?? []) if (c.cycleMs !== undefined) cycle.set(`${d.id}/${c.pollutant}`, c.cycleMs);
    }
  }
  const plans = new Map<string, { site: Site; pollutant: string; spec: MeansSpec }>();
  for (const site of registry.sites) {
    const channels = new Set(channelsOf(registry, site));
    for (const spec of registry.means) if (spec.siteKind === site.kind) for (const p of spec.pollutants) if (channels.has(p)) plans.set(`${site.id}/${p}`, { site, pollutant: p, spec });
  }
  for (const [key, bound] of compiled.exceedance) {
    if (plans.has(key) || !listeners.has(key)) continue;
    const { site, rule } = bound[0]!;
    plans.set(key, { site, pollutant: rule.pollutant, spec: registry.means.find((m) => m.siteKind === site.kind) ?? ARITHMETIC });
  }

  const flows = new Map<string, { pollutant: string; series: FlowSeries }>();
  const series: Means['series'] = [];
  for (const [key, { site, pollutant, spec }] of plans) {
    let flow: FlowSeries | undefined;
    if (spec.weighting === 'flow') {
      const interval = Math.max(...site.devices.map((d) => d.intervalMs));
      if (!flows.has(site.id)) flows.set(site.id, { pollutant: spec.flowPollutant, series: new FlowSeries(2 * interval) });
      flow = flows.get(site.id)!.series;
    }
    const heard = listeners.get(key) ?? [];
    const machine = windowMeansMachine({ weighting: spec.weighting, hourCoverage: spec.hourCoverage, dayValidHours: spec.dayValidHours, graceMs, horizonMs, tzOffsetMs: TZ });
    const k = `means|${site.id}|${pollutant}`;
    // judged days (with their hours) are kept apart, one keeper slot per day of the horizon, reused in turn:
    // the state written at each step holds only the days still open
    const slots = Math.ceil(horizonMs / DAY) + 2;
    const slotKey = (day: number) => `${k}|day|${Math.floor((day + TZ) / DAY) % slots}`;
    const archive = new Map<number, ArchivedDay>();
    for (let i = 0; i < slots; i++) {
      const a = ctx.keeper.initial<ArchivedDay>(`${k}|day|${i}`);
      if (a) archive.set(a.day, a);
    }
    const cell = ctx.cell(machine, k, (e) => e !== undefined, ({ means: ms, archive: out }, now) => {
      for (const a of out) {
        archive.set(a.day, a);
        ctx.keeper.record(slotKey(a.day), a, true);
      }
      for (const day of archive.keys()) if (day + DAY < now - horizonMs) archive.delete(day);
      for (const m of ms) {
        counters.windows++;
        if (!m.valid) counters.invalid++;
        if (m.revision > 0) counters.revisions++;
      }
      if (ms.length === 0) return;
      for (const l of heard) l(ms);
      onMeans?.(ms.map((m) => ({ ...m, site: site.id, pollutant })));
    });
    series.push([
      site.id,
      pollutant,
      (r, now) => {
        if (r.ts < now - horizonMs) counters.tooLate++;
        else {
          // a late value for a judged day: the day comes back into the state first
          const day = localDayStart(r.ts, TZ);
          const a = archive.get(day);
          if (a) {
            archive.delete(day);
            cell.step({ restore: a }, now);
          }
        }
        cell.step({ ts: r.ts, value: r.value, flag: r.flag, flow: flow?.at(r.ts), sliceMs: cycle.get(`${r.device}/${r.pollutant}`) ?? slice.get(r.device) ?? 5000 }, now);
      },
    ]);
  }
  return {
    prepare(batch) {
      if (flows.size === 0) return;
      for (const r of batch) {
        const f = flows.get(r.site);
        if (f && r.pollutant === f.pollutant && r.flag === 'N') f.series.add(r.ts, r.value);
      }
    },
    series,
    counters,
  };
}
