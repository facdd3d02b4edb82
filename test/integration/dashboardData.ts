import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../gateway/log.js';
import type { Reading } from '../../gateway/model/reading.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { changeOf, codTicket } from '../../processor/alerts/testing/fixtures.js';
import { createInfluxSink } from '../../processor/sinks/influx/index.js';
import { meanPoint } from '../../processor/sinks/influx/means.js';
import { ticketPoint } from '../../processor/sinks/influx/ticketEvents.js';
import { variablesOf, type Dashboard, type Target, type Variable } from './dashboardJson.js';
import type { RunningInflux } from '../helpers/influx.js';
import { writeStateData } from './dashboardState.js';

/** sites that report every 5 s through the last 25 s (the wind direction 18°, 36° … 90°, the other values 1.5, 3 … 7.5); SILENT reported two hours ago and has been silent since */
export const LIVE = ['RO-01', 'WP-01', 'WP-13', 'AQ-01', 'WS-01'];
export const SILENT = 'WP-02';
/** flags written at WP-01 besides N (a calibration and a maintenance value far above anything real, an over-range value) */
/** the opened tickets of the data set: site, level, id */
export const TICKETS = [
  ['WP-01', 'exceedance', 'WO-20261126-0001'],
  ['AQ-01', 'warning', 'WO-20261126-0002'],
  ['RO-01', 'control', 'WO-20261126-0003'],
] as const;
export const FLAGGED = { C: 9999, M: 8888, T: 7777 } as const;
/** every reading flagged other than N in the data set: site, factor, flag */
export const FLAGGED_AT: readonly (readonly [string, string, string])[] = [...Object.keys(FLAGGED).map((f) => ['WP-01', 'w01018', f] as const), ['AQ-01', 'a24088', 'M']];

/**
 * The known data set: every factor of the live sites for 25 s (flag N), WP-01's COD also flagged
 * C, M and T, the silent site's readings two hours old, three opened tickets, valid and invalid means.
 */
export async function writeKnownData(influx: RunningInflux, registry: Registry, now: number): Promise<Reading[]> {
  const readings: Reading[] = [];
  const codesAt = (siteId: string) => {
    const site = registry.sites.find((s) => s.id === siteId)!;
    return site.devices.flatMap((d) => (d.kind !== 'modbus' ? d.channels : registry.inputs.modbus.maps[d.map]!.channels.map((c) => c.pollutant)).map((code) => ({ device: d.id, code, source: d.kind })));
  };
  for (const siteId of LIVE)
    for (const { device, code, source } of codesAt(siteId))
      for (let i = 1; i <= 5; i++) readings.push({ site: siteId, device, pollutant: code, value: code === 'w99002' ? 1 : code === 'a01008' ? i * 18 : i * 1.5, unit: '', ts: now - i * 5_000, flag: 'N', source });
  const cod = codesAt('WP-01').find((c) => c.code === 'w01018')!;
  for (const [i, [flag, value]] of Object.entries(FLAGGED).entries()) readings.push({ site: 'WP-01', device: cod.device, pollutant: 'w01018', value, unit: '', ts: now - 6_000 - i * 1000, flag: flag as Reading['flag'], source: cod.source });
  // a maintenance value at a fence-line station too: the overview's by-flag panel adds both kinds into one M series
  const nmhc = codesAt('AQ-01').find((c) => c.code === 'a24088')!;
  readings.push({ site: 'AQ-01', device: nmhc.device, pollutant: 'a24088', value: FLAGGED.M, unit: '', ts: now - 6_000, flag: 'M', source: nmhc.source });
  for (const { device, code, source } of codesAt(SILENT)) readings.push({ site: SILENT, device, pollutant: code, value: 2, unit: '', ts: now - 2 * 3_600_000, flag: 'N', source });

  const dir = mkdtempSync(join(tmpdir(), 'dash-spool-'));
  const sink = createInfluxSink({ url: influx.url, database: influx.database, registry, log: createLogger('dash-test', 'silent'), spool: { dir } });
  sink.start();
  sink.append(readings);
  const opened = (site: string, level: 'warning' | 'control' | 'exceedance', i: number) =>
    ticketPoint({ ...changeOf('opened', codTicket({ id: `WO-20261126-000${i}`, site, enterprise: registry.sites.find((x) => x.id === site)!.enterprise, rule: `r-${level}`, level, category: site.startsWith('AQ') ? 'odor' : 'exceedance' })), at: now - i * 60_000 });
  sink.appendPoints([opened('WP-01', 'exceedance', 1), opened('AQ-01', 'warning', 2), opened('RO-01', 'control', 3)]);
  const mean = { pollutant: 'w01018', value: 120, valid: true, n: 6, excluded: {}, coverage: 1, flowWeighted: true, volume: 36, revision: 0, backfill: false, judgedAt: now };
  const start = now - 30 * 60_000;
  sink.appendPoints([
    meanPoint({ ...mean, site: 'WP-01', period: 'hour', start, end: start + 3_600_000 }),
    meanPoint({ ...mean, site: 'WP-01', period: 'day', start: start - 1000, end: start + 86_399_000, validHours: 22 }),
    // an invalid hour (too little valid data) is never drawn
    meanPoint({ ...mean, site: 'WP-13', value: 999, valid: false, coverage: 0.2, period: 'hour', start, end: start + 3_600_000 }),
  ]);
  // what the gateway's state writers add: site state, ticket counts, its own health, roses, an attribution
  const state = await writeStateData(sink, registry, readings, now);
  await sink.stop();
  rmSync(dir, { recursive: true, force: true });
  if (sink.counters.pointsWritten !== readings.length + 6 + state) throw new Error(`wrote ${sink.counters.pointsWritten} points, expected ${readings.length + 6 + state}`);
  return readings;
}

/** the values a custom variable offers (All selected: every value) */
export const variableValues = (v: Variable): string[] => v.options.map((o) => o.value);

/** Grafana's interpolation of what the dashboards use: the time range as the last hour, multi-value variables as an escaped regex group. */
export function interpolate(query: string, vars: Record<string, string[]>): string {
  let q = query.replace(/\$timeFilter/g, 'time > now() - 1h').replace(/\$__interval/g, '1m');
  for (const [name, values] of Object.entries(vars)) q = q.replaceAll(`$${name}`, `(${values.map((v) => v.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&')).join('|')})`);
  return q;
}

export const dashboardVars = (d: Dashboard): Record<string, string[]> => Object.fromEntries(variablesOf(d).map((v) => [v.name, variableValues(v)]));

/** Grafana's series name for an InfluxQL row: the target's alias with $tag_<key>, $measurement and $col filled in. */
export function seriesName(t: Target, row: Record<string, unknown>, column: string): string {
  if (!t.alias) return `${String(row._measurement)}.${column}`;
  return t.alias
    .replace(/\$tag_([A-Za-z0-9_]+)/g, (_, k: string) => String(row[k] ?? ''))
    .replace(/\$measurement/g, String(row._measurement))
    .replace(/\$col/g, column);
}

/**
 * The series a time-series target returns, by the name Grafana gives them, with their values; two
 * series (measurement and tags) under one name fail, as Grafana would show them as one legend twice.
 */
export async function seriesOf(influx: RunningInflux, t: Target, vars: Record<string, string[]>): Promise<Map<string, number[]>> {
  const rows = await influx.query(interpolate(t.query, vars));
  const out = new Map<string, number[]>();
  const identity = new Map<string, string>();
  for (const row of rows)
    for (const [col, v] of Object.entries(row)) {
      if (col === 'time' || col.startsWith('_') || typeof v !== 'number') continue;
      const name = seriesName(t, row, col);
      const id = JSON.stringify(Object.entries(row).filter(([k, x]) => k === '_measurement' || typeof x === 'string').concat([['col', col]]));
      if (identity.get(name) !== undefined && identity.get(name) !== id) throw new Error(`${t.refId}: two series named "${name}" (${identity.get(name)} and ${id})`);
      identity.set(name, id);
      out.set(name, [...(out.get(name) ?? []), v]);
    }
  return out;
}
