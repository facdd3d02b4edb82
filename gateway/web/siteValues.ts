import type { Registry, Site } from '../registry/schema.js';
import type { InfluxQuery, Row } from '../../processor/patrol/influxQuery.js';
import { compileRules } from '../../processor/rules/compile.js';
import type { RuleLevel } from '../registry/rules.js';
import type { ChartPoint } from './chart.js';

/** the chart's bucket: the largest value of each 5 minutes (an instant limit is judged on single values) */
export const BUCKET_MS = 5 * 60_000;
/** how far back the site page looks */
export const WINDOW_MS = 24 * 3_600_000;

export interface FactorValues {
  pollutant: string;
  /** largest valid (flag N) value per bucket */
  points: ChartPoint[];
  /** the newest value of any flag */
  latest?: { value: number; flag: string; at: number };
  /** values not flagged N in the window (HJ 212-2017 Table 8: only N counts) */
  flagged: number;
}

export interface SiteLimit {
  rule: string;
  level: RuleLevel;
  max?: number;
  min?: number;
  standard: string;
  /** judged on hourly or daily means, not on single values (drawn, not used to flag a value) */
  averaged: boolean;
}

/** an InfluxQL string literal (tag values from the registry: quotes and backslashes escaped) */
const lit = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * The InfluxQL of a site's last `WINDOW_MS` (measurement = the site kind, tags site and pollutant, fields
 * value and flag, as processor/sinks/influx writes them): valid values' 5-minute maxima per factor, the
 * newest value with its flag per factor, and the count of flagged values per factor.
 */
export function siteStatements(site: Site, now: number): string[] {
  const where = `WHERE "site" = ${lit(site.id)} AND time >= ${now - WINDOW_MS}ms AND time <= ${now}ms`;
  const m = `"${site.kind}"`;
  return [
    `SELECT max("value") AS "value" FROM ${m} ${where} AND "flag" = 'N' GROUP BY time(${BUCKET_MS}ms), "pollutant" fill(none)`,
    `SELECT last("value") AS "value", "flag" FROM ${m} ${where} GROUP BY "pollutant"`,
    `SELECT count("value") AS "n" FROM ${m} ${where} AND "flag" <> 'N' GROUP BY "pollutant"`,
  ];
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** a site's recent values per factor, in the registry's order of pollutants (factors without values are left out) */
export async function readSiteValues(query: InfluxQuery, registry: Registry, site: Site, now: number): Promise<FactorValues[]> {
  const [buckets = [], last = [], flagged = []] = await query(siteStatements(site, now));
  const by = new Map<string, FactorValues>();
  const get = (r: Row) => {
    const p = str(r.pollutant);
    if (!p) return undefined;
    let f = by.get(p);
    if (!f) by.set(p, (f = { pollutant: p, points: [], flagged: 0 }));
    return f;
  };
  for (const r of buckets) {
    const t = num(r.time);
    const v = num(r.value);
    if (t !== undefined && v !== undefined) get(r)?.points.push({ t, v });
  }
  for (const r of last) {
    const t = num(r.time);
    const v = num(r.value);
    const f = get(r);
    if (f && t !== undefined && v !== undefined) f.latest = { value: v, flag: str(r.flag) ?? '?', at: t };
  }
  for (const r of flagged) {
    const f = get(r);
    if (f) f.flagged = num(r.n) ?? 0;
  }
  const order = Object.keys(registry.pollutants);
  return [...by.values()].sort((a, b) => order.indexOf(a.pollutant) - order.indexOf(b.pollutant));
}

/** the limits judged on a site's factor (the rule engine's binding: 纳管协议 overrides and derived 预警) */
export function siteLimits(registry: Registry): (site: string, pollutant: string) => SiteLimit[] {
  const compiled = compileRules(registry).exceedance;
  return (site, pollutant) =>
    (compiled.get(`${site}/${pollutant}`) ?? []).map((b) => ({
      rule: b.rule.id,
      level: b.rule.level,
      standard: b.rule.standard,
      averaged: b.rule.averaging.kind === 'clock-hour' || b.rule.averaging.kind === 'day',
      ...(b.rule.max !== undefined ? { max: b.rule.max } : {}),
      ...(b.rule.min !== undefined ? { min: b.rule.min } : {}),
    }));
}

/** the worst level a single value breaks among the limits judged on single values, if any */
export function breached(value: number, limits: readonly SiteLimit[]): SiteLimit | undefined {
  const rank: Record<RuleLevel, number> = { warning: 1, control: 2, exceedance: 3 };
  let worst: SiteLimit | undefined;
  for (const l of limits) if (!l.averaged && ((l.max !== undefined && value > l.max) || (l.min !== undefined && value < l.min))) if (!worst || rank[l.level] > rank[worst.level]) worst = l;
  return worst;
}
