import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Aedes } from 'aedes';
import { stringify } from 'yaml';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { loadPark } from '../../simulators/load/index.js';
import { freePort } from './influxd.js';
import type { RunningInflux } from './influx.js';

/** The load park (MQTT stations, sequence-number values) written where a gateway process reads it, and its environment. */
export async function loadRigEnv(dir: string, o: { influxUrl: string; database: string; mqttUrl: string; extra?: Record<string, string> }): Promise<{ park: Registry; env: Record<string, string> }> {
  const park = loadPark(loadRegistry());
  writeFileSync(join(dir, 'park.yaml'), stringify(park));
  const env = {
    PARK_CONFIG: join(dir, 'park.yaml'),
    INFLUX_URL: o.influxUrl,
    INFLUX_DATABASE: o.database,
    MQTT_URL: o.mqttUrl,
    HTTP_PORT: String(await freePort()),
    DATA_DIR: dir,
    ...o.extra,
  };
  return { park, env };
}

/** Resolves when the MQTT client `clientId` subscribes (call before starting that client). */
export function whenSubscribed(broker: Aedes, clientId: string): Promise<void> {
  return new Promise((resolve) => {
    const onSubscribe = (_subs: unknown, client: { id?: string } | null) => {
      if (client?.id !== clientId) return;
      broker.off('subscribe', onSubscribe);
      resolve();
    };
    broker.on('subscribe', onSubscribe);
  });
}

/** Total points of the load park's measurements (count() counts stored points, so a point written twice shows up only if its timestamp differs). */
export async function storedCount(influx: RunningInflux): Promise<number> {
  const rows = await influx.query<{ count: number }>('SELECT count(value) FROM air_fence, weather');
  return rows.reduce((n, r) => n + r.count, 0);
}

/** Per series (site/device/pollutant): the values in time order. */
export async function storedSeries(influx: RunningInflux): Promise<Map<string, number[]>> {
  const rows = await influx.query<{ site: string; device: string; pollutant: string; value: number }>('SELECT value FROM air_fence, weather GROUP BY site, device, pollutant');
  const series = new Map<string, number[]>();
  for (const r of rows) {
    const key = `${r.site}/${r.device}/${r.pollutant}`;
    let values = series.get(key);
    if (!values) series.set(key, (values = []));
    values.push(r.value);
  }
  return series;
}

/** Series whose values are not exactly 1, 2, 3 … n in time order (n from `expected`), with what is wrong. */
export function seriesProblems(series: Map<string, number[]>, expected: ReadonlyMap<string, number>): string[] {
  const problems: string[] = [];
  for (const [key, n] of expected) {
    const values = series.get(key) ?? [];
    if (values.length !== n) problems.push(`${key}: ${values.length} points, ${n} produced`);
    const bad = values.findIndex((v, i) => v !== i + 1);
    if (bad >= 0) problems.push(`${key}: point ${bad + 1} in time order has value ${values[bad]}`);
  }
  for (const key of series.keys()) if (!expected.has(key)) problems.push(`${key}: not produced`);
  return problems;
}

/** Bytes of the spool's segment files under <dataDir>/spool. */
export function spoolBytes(dataDir: string): number {
  try {
    const dir = join(dataDir, 'spool');
    return readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  } catch {
    return 0;
  }
}
