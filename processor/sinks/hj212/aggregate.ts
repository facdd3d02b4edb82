import type { QualityFlag, Reading } from '../../../gateway/model/reading.js';
import type { Registry, SiteKind } from '../../../gateway/registry/schema.js';
import type { SeriesMean } from '../../means/index.js';
import { FlowSeries } from '../../means/flow.js';
import { localDayStart } from '../../means/window.js';
import { blockFactor, hourDayFactor, type Acc } from './blockMath.js';

const MIN10 = 600_000;
const HOUR = 3_600_000;

/** One aggregate packet's content for one site: DataTime (start of the interval, §6.3.3 Table 4) and per factor fields. */
export interface SiteAggregate {
  site: string;
  cn: '2011' | '2051' | '2061' | '2031';
  dataTime: number;
  factors: Record<string, Record<string, string>>;
}

const empty = (): Acc => ({ n: 0, all: 0, min: Infinity, max: -Infinity, allMin: Infinity, allMax: -Infinity, sum: 0, allSum: 0, g: 0, d: 0, flags: {} });

function add(a: Acc, value: number, flag: QualityFlag, flowM3?: number): void {
  a.all++;
  a.allSum += value;
  a.allMin = Math.min(a.allMin, value);
  a.allMax = Math.max(a.allMax, value);
  if (flag !== 'N') {
    a.flags[flag] = (a.flags[flag] ?? 0) + 1;
    return;
  }
  a.n++;
  a.sum += value;
  a.min = Math.min(a.min, value);
  a.max = Math.max(a.max, value);
  if (flowM3 !== undefined) {
    a.d += flowM3;
    a.g += flowM3 * value * 1e-3; // G = ΔD(m³) × C(mg/L) × 10⁻³ kg (Appendix D.1)
  }
}

/**
 * The aggregates the gateway sends upstream, computed from accepted readings by their own time:
 * 2011 the latest value of each factor per real-time interval, with its flag; 2051 10-min blocks
 * (Min/Avg/Max/Cou/Flag, flow-weighted for the pipes the registry's `means` weight by flow, HJ 212-2017
 * Appendix D.1); for 2061/2031 the hour's and day's Min/Max/Cou/Flag beside the gateway's own valid
 * means (processor/means), which give the Avg.
 */
export class Aggregates {
  private readonly flowOf = new Map<string, { pollutant: string; series: FlowSeries }>();
  private readonly kind = new Map<string, SiteKind>();
  private readonly slice = new Map<string, number>();
  private readonly latest = new Map<string, Map<string, Reading>>();
  private readonly blocks = new Map<string, Acc>();
  private readonly hours = new Map<string, Acc>();
  private readonly days = new Map<string, Acc>();
  /** readings for 10-min blocks already sent (counted, not sent again; a history request reads InfluxDB) */
  late = 0;

  constructor(
    registry: Pick<Registry, 'sites' | 'means'>,
    private readonly graceMs: number,
  ) {
    for (const s of registry.sites) {
      this.kind.set(s.id, s.kind);
      for (const d of s.devices) this.slice.set(d.id, d.intervalMs);
      const spec = registry.means.find((m) => m.siteKind === s.kind && m.weighting === 'flow');
      if (spec) this.flowOf.set(s.id, { pollutant: spec.flowPollutant, series: new FlowSeries(2 * Math.max(...s.devices.map((d) => d.intervalMs))) });
    }
  }

  observe(batch: readonly Reading[], now: number): void {
    for (const r of batch) {
      const f = this.flowOf.get(r.site);
      if (f && r.pollutant === f.pollutant && r.flag === 'N') f.series.add(r.ts, r.value);
    }
    for (const r of batch) {
      const l = this.latest.get(r.site) ?? new Map<string, Reading>();
      this.latest.set(r.site, l);
      if ((l.get(r.pollutant)?.ts ?? -Infinity) <= r.ts) l.set(r.pollutant, r);
      const block = Math.floor(r.ts / MIN10) * MIN10;
      if (block + MIN10 + this.graceMs <= now) {
        this.late++;
        continue;
      }
      // slice volume ΔD = Q(L/s) × T(s) × 10⁻³ m³ (Appendix D.1); the flow series itself adds its own volume
      const f = this.flowOf.get(r.site);
      const q = f ? (r.pollutant === f.pollutant ? r.value : f.series.at(r.ts)) : undefined;
      const m3 = q === undefined ? undefined : (q * (this.slice.get(r.device) ?? 5000)) / 1000 / 1000;
      const k = `${r.site}|${r.pollutant}`;
      for (const [map, start] of [
        [this.blocks, block],
        [this.hours, Math.floor(r.ts / HOUR) * HOUR],
        [this.days, localDayStart(r.ts)],
      ] as const) {
        const key = `${k}|${start}`;
        let a = map.get(key);
        if (!a) map.set(key, (a = empty()));
        add(a, r.value, r.flag, m3);
      }
    }
  }

  /** 2011: the latest value per factor of each site since the last call (DataTime its newest value's time) */
  realtime(): SiteAggregate[] {
    const out: SiteAggregate[] = [];
    for (const [site, l] of this.latest) {
      if (l.size === 0) continue;
      const factors: SiteAggregate['factors'] = {};
      let t = 0;
      for (const [p, r] of l) {
        factors[p] = { Rtd: fmt(r.value), Flag: r.flag };
        t = Math.max(t, r.ts);
      }
      out.push({ site, cn: '2011', dataTime: t, factors });
      l.clear();
    }
    return out;
  }

  /** 2051: the 10-min blocks whose end + grace has passed, oldest first, one packet per site and block */
  closeBlocks(now: number): SiteAggregate[] {
    const bySite = new Map<string, SiteAggregate>();
    for (const [key, a] of [...this.blocks].sort((x, y) => Number(x[0].split('|')[2]) - Number(y[0].split('|')[2]))) {
      const [site, pollutant, s] = key.split('|') as [string, string, string];
      const start = Number(s);
      if (start + MIN10 + this.graceMs > now) continue;
      this.blocks.delete(key);
      const id = `${site}|${start}`;
      const agg = bySite.get(id) ?? { site, cn: '2051' as const, dataTime: start, factors: {} };
      bySite.set(id, agg);
      agg.factors[pollutant] = blockFactor(a, this.kind.get(site) ?? 'wastewater_pipe', this.flowOf.get(site)?.pollutant === pollutant, this.flowOf.has(site), MIN10 / 1000);
    }
    // keep the hours and days of the last 2 days only
    for (const [map, keep] of [[this.hours, 2 * 24 * HOUR], [this.days, 3 * 24 * HOUR]] as const) for (const key of map.keys()) if (Number(key.split('|')[2]) < now - keep) map.delete(key);
    return [...bySite.values()].sort((a, b) => a.dataTime - b.dataTime);
  }

  /** 2061/2031 from the gateway's judged means (one packet per site and window); revisions are sent again */
  fromMeans(means: readonly SeriesMean[]): SiteAggregate[] {
    const out = new Map<string, SiteAggregate>();
    for (const m of means) {
      const id = `${m.site}|${m.period}|${m.start}`;
      const agg = out.get(id) ?? { site: m.site, cn: m.period === 'hour' ? ('2061' as const) : ('2031' as const), dataTime: m.start, factors: {} };
      out.set(id, agg);
      const acc = (m.period === 'hour' ? this.hours : this.days).get(`${m.site}|${m.pollutant}|${m.start}`) ?? empty();
      agg.factors[m.pollutant] = hourDayFactor(m, acc, this.kind.get(m.site) ?? 'wastewater_pipe');
      // the pipe's flow with its volume (w00000-Cou m³, Appendix D.1), from the same hour's or day's flow values
      const flow = this.flowOf.get(m.site)?.pollutant;
      if (flow && !agg.factors[flow]) {
        const fa = (m.period === 'hour' ? this.hours : this.days).get(`${m.site}|${flow}|${m.start}`);
        if (fa && fa.all > 0) agg.factors[flow] = blockFactor(fa, this.kind.get(m.site) ?? 'wastewater_pipe', true, true, (m.end - m.start) / 1000);
      }
    }
    return [...out.values()];
  }
}

export const fmt = (v: number) => String(Number(v.toFixed(4)));
