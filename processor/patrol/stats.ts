import type { Registry, Site } from '../../gateway/registry/schema.js';
import { compileRules, type BoundExceedance } from '../rules/compile.js';
import type { InfluxQuery, Row } from './influxQuery.js';
import type { PatrolPeriod } from './periods.js';

/** What InfluxDB holds for one period, keyed `site/device` or `site/pollutant` (measurements as processor/sinks/influx writes them). */
export interface PeriodStats {
  /** `site/device/pollutant` → values, any flag */
  received: Map<string, number>;
  /** `site/pollutant` → over values flagged N (HJ 212-2017 Table 8: only N counts, as processor/means) */
  valid: Map<string, { count: number; min: number; max: number; mean: number }>;
  /** `site/device` → buckets of onlineBucketMs holding at least one reading */
  buckets: Map<string, number>;
  /** `site/device` → time of the last reading */
  lastAt: Map<string, number>;
  /** site → last valve state reading (w99002) */
  valve: Map<string, { value: number; at: number }>;
  /** `site/pollutant` → valid values beyond the limit, and beyond a warning threshold within it */
  beyond: Map<string, { exceedances: number; warnings: number }>;
}

export type Threshold = { min?: number; max?: number; standard: string };

/** The exceedance-level limit and the lower (warning, control) thresholds of each series: `site/pollutant` → them. */
export function limitsOf(registry: Registry): Map<string, { limit?: Threshold; thresholds: Threshold[] }> {
  const out = new Map<string, { limit?: Threshold; thresholds: Threshold[] }>();
  const t = (b: BoundExceedance): Threshold => ({ ...(b.rule.min !== undefined ? { min: b.rule.min } : {}), ...(b.rule.max !== undefined ? { max: b.rule.max } : {}), standard: b.rule.standard });
  for (const [key, bound] of compileRules(registry).exceedance) {
    const limit = bound.find((b) => b.rule.level === 'exceedance');
    out.set(key, { ...(limit ? { limit: t(limit) } : {}), thresholds: bound.filter((b) => b.rule.level !== 'exceedance').map(t) });
  }
  return out;
}

const q = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const beyondClause = (l: Threshold) => [l.max !== undefined ? `"value" > ${l.max}` : '', l.min !== undefined ? `"value" < ${l.min}` : ''].filter(Boolean).join(' OR ');
const withinClause = (l: Threshold) => [l.max !== undefined ? `"value" <= ${l.max}` : '', l.min !== undefined ? `"value" >= ${l.min}` : ''].filter(Boolean).join(' AND ');
const num = (v: unknown) => (typeof v === 'number' ? v : 0);

/** Reads the period's figures from InfluxDB: aggregates in InfluxQL, a few statements per site kind plus one pair per limited series. */
export async function readPeriodStats(query: InfluxQuery, registry: Registry, period: PatrolPeriod, bucketMs: number): Promise<PeriodStats> {
  const time = `time >= ${period.start}ms AND time < ${period.end}ms`;
  const kinds = [...new Set(registry.sites.map((s) => s.kind))];
  const offset = ((period.start % bucketMs) + bucketMs) % bucketMs;
  const statements: string[] = [];
  for (const m of kinds) {
    const from = `FROM "${m}" WHERE ${time}`;
    statements.push(
      `SELECT count("value") ${from} GROUP BY "site", "device", "pollutant"`,
      `SELECT count("value"), min("value"), max("value"), mean("value") FROM "${m}" WHERE "flag" = 'N' AND ${time} GROUP BY "site", "pollutant"`,
      `SELECT count("value") ${from} GROUP BY time(${bucketMs}ms, ${offset}ms), "site", "device" fill(none)`,
      `SELECT last("value") ${from} GROUP BY "site", "device"`,
      `SELECT last("value") FROM "${m}" WHERE "pollutant" = 'w99002' AND ${time} GROUP BY "site"`,
    );
  }
  const limited: { key: string; over?: number; warn?: number }[] = [];
  const sites = new Map<string, Site>(registry.sites.map((s) => [s.id, s]));
  for (const [key, { limit, thresholds }] of limitsOf(registry)) {
    const [siteId, pollutant] = key.split('/') as [string, string];
    const site = sites.get(siteId)!;
    const where = `FROM "${site.kind}" WHERE "site" = ${q(siteId)} AND "pollutant" = ${q(pollutant)} AND "flag" = 'N' AND ${time}`;
    const warn = thresholds.map(beyondClause).filter(Boolean).map((c) => `(${c})`).join(' OR ');
    const entry: (typeof limited)[number] = { key };
    if (limit && beyondClause(limit)) entry.over = statements.push(`SELECT count("value") ${where} AND (${beyondClause(limit)})`) - 1;
    if (warn) entry.warn = statements.push(`SELECT count("value") ${where} AND (${warn})${limit ? ` AND (${withinClause(limit)})` : ''}`) - 1;
    limited.push(entry);
  }
  const results = await query(statements);
  const stats: PeriodStats = { received: new Map(), valid: new Map(), buckets: new Map(), lastAt: new Map(), valve: new Map(), beyond: new Map() };
  const rows = (i: number | undefined): Row[] => (i === undefined ? [] : (results[i] ?? []));
  kinds.forEach((_, k) => {
    const base = k * 5;
    for (const r of rows(base)) stats.received.set(`${r.site}/${r.device}/${r.pollutant}`, num(r.count));
    for (const r of rows(base + 1)) stats.valid.set(`${r.site}/${r.pollutant}`, { count: num(r.count), min: num(r.min), max: num(r.max), mean: num(r.mean) });
    for (const r of rows(base + 2)) stats.buckets.set(`${r.site}/${r.device}`, (stats.buckets.get(`${r.site}/${r.device}`) ?? 0) + 1);
    for (const r of rows(base + 3)) stats.lastAt.set(`${r.site}/${r.device}`, num(r.time));
    for (const r of rows(base + 4)) stats.valve.set(String(r.site), { value: num(r.last), at: num(r.time) });
  });
  for (const { key, over, warn } of limited) stats.beyond.set(key, { exceedances: num(rows(over)[0]?.count), warnings: num(rows(warn)[0]?.count) });
  return stats;
}
