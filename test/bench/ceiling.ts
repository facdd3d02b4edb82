import type { Registry } from '../../gateway/registry/schema.js';
import { indexSites } from '../../processor/sinks/lineProtocol/index.js';
import type { BenchContext } from './context.js';
import { countPoints } from './ingest.js';
import { airDevices, safeValue } from './load.js';
import { influxCpuMs } from './system.js';

/**
 * Workload 2: the InfluxDB ceiling. Raw line-protocol writes of the points the gateway writes (same
 * measurement, tags and fields) straight to the same influxd, in batches of 5,000 from a few
 * concurrent writers: what this machine's influxd takes, with nothing else in the way.
 */
export interface CeilingResult {
  writers: number;
  batch: number;
  durationMs: number;
  points: number;
  counted: number;
  pointsPerSec: number;
  influxCores: number;
  /** batch write latency, ms */
  batchMs: number[];
}

/** InfluxDB line protocol escapes (measurement: comma, space; tag keys/values: comma, equals, space). */
const esc = (s: string) => s.replace(/[,= ]/g, (c) => `\\${c}`);

export async function influxCeiling(ctx: BenchContext, registry: Registry, durationMs: number, writers = 4, batch = 5000): Promise<CeilingResult> {
  const db = 'ceiling';
  await ctx.influx.query(`CREATE DATABASE "${db}"`);
  const sites = indexSites(registry);
  // one series per (device, channel), tags exactly as processor/sinks/lineProtocol/readings.ts writes them
  const series = airDevices(registry).flatMap((d) =>
    d.channels.map((c) => {
      const s = sites.get(d.site)!;
      const tags: Record<string, string> = { site: d.site, kind: s.kind, pollutant: c, device: d.device, ...(s.enterprise ? { enterprise: s.enterprise } : {}) };
      const tagText = Object.keys(tags)
        .sort()
        .map((k) => `${esc(k)}=${esc(tags[k]!)}`)
        .join(',');
      return { head: `${esc(s.kind)},${tagText} `, code: c };
    }),
  );
  const perSeries = Math.ceil(batch / series.length);
  const tsBase = Date.now() - 5 * 3_600_000;
  const body = (w: number, b: number) => {
    let out = '';
    for (let j = 0; j < batch; j++) {
      const s = series[j % series.length]!;
      const k = b * perSeries + Math.floor(j / series.length);
      out += `${s.head}flag="N",value=${safeValue(s.code, k, j % series.length)} ${tsBase + k * writers + w}\n`;
    }
    return out;
  };
  const url = `${ctx.influx.url}/write?db=${db}&precision=ms`;
  const latencies: number[] = [];
  let points = 0;
  let maxTs = tsBase;
  const cpu0 = influxCpuMs(ctx.influx.pid);
  const t0 = Date.now();
  const end = t0 + durationMs;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      for (let b = 0; Date.now() < end; b++) {
        const text = body(w, b);
        const started = performance.now();
        const res = await fetch(url, { method: 'POST', body: text, headers: { 'content-type': 'text/plain' } });
        if (res.status !== 204) throw new Error(`InfluxDB ceiling write: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
        latencies.push(performance.now() - started);
        points += batch;
        maxTs = Math.max(maxTs, tsBase + (b * perSeries + perSeries) * writers + w + 1);
      }
    }),
  );
  const elapsed = Date.now() - t0;
  const cpu1 = influxCpuMs(ctx.influx.pid);
  const counted = await countPoints(ctx, db, 'air_fence', tsBase, maxTs);
  return { writers, batch, durationMs: elapsed, points, counted, pointsPerSec: (counted * 1000) / elapsed, influxCores: (cpu1 - cpu0) / elapsed, batchMs: latencies };
}
