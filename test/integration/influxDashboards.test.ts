import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/log.js';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { changeOf, codTicket } from '../../processor/alerts/testing/fixtures.js';
import { createInfluxSink } from '../../processor/sinks/influx/index.js';
import { ticketPoint } from '../../processor/sinks/influx/ticketEvents.js';
import { meanPoint } from '../../processor/sinks/influx/means.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';

interface Target {
  refId: string;
  datasource: { type: string; uid: string };
  query: string;
  rawQuery: boolean;
}
interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Target[];
}
interface Variable {
  name: string;
  query: string;
  datasource: { uid: string };
}
interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
}

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const files = readdirSync(root('dashboards/json')).filter((f) => f.endsWith('.json'));
const dashboards = files.map((f) => ({ file: f, d: JSON.parse(readFileSync(root(`dashboards/json/${f}`), 'utf8')) as Dashboard }));
const datasources = parse(readFileSync(root('dashboards/provisioning/datasources/influxdb.yaml'), 'utf8')) as { datasources: { uid: string; type: string; url: string; jsonData: Record<string, string> }[] };
const registry = loadRegistry();
const HAN = /[\u4e00-\u9fff]/;

describe('Grafana provisioning files', () => {
  it('provide the park overview, rain outlet, wastewater pipe and air fence-line dashboards', () => {
    expect(files.sort()).toEqual(['air-fence.json', 'park-overview.json', 'rain-outlets.json', 'wastewater-pipes.json']);
    expect(new Set(dashboards.map(({ d }) => d.uid)).size).toBe(files.length);
  });

  it('provision one InfluxQL data source from environment variables', () => {
    const [ds] = datasources.datasources;
    expect(ds).toMatchObject({ uid: 'park-influxdb', type: 'influxdb', url: '${INFLUX_URL}', jsonData: { version: 'InfluxQL', dbName: '${INFLUX_DATABASE}' } });
  });

  for (const { file, d } of dashboards) {
    it(`${file}: schema 39, Chinese and English titles, unique ids, panels on the grid, every query on the provisioned data source`, () => {
      expect(d.schemaVersion).toBe(39);
      expect(d.title).toMatch(HAN);
      expect(d.title).toMatch(/[A-Za-z]/);
      expect(new Set(d.panels.map((p) => p.id)).size).toBe(d.panels.length);
      const cells = new Set<string>();
      for (const p of d.panels) {
        expect(p.title, `panel ${p.id}`).toMatch(HAN);
        expect(p.gridPos.x + p.gridPos.w, `panel ${p.id} width`).toBeLessThanOrEqual(24);
        for (let x = p.gridPos.x; x < p.gridPos.x + p.gridPos.w; x++)
          for (let y = p.gridPos.y; y < p.gridPos.y + p.gridPos.h; y++) {
            expect(cells.has(`${x},${y}`), `panel ${p.id} overlaps at ${x},${y}`).toBe(false);
            cells.add(`${x},${y}`);
          }
        if (p.type === 'row') continue;
        expect(p.datasource?.uid).toBe('park-influxdb');
        for (const t of p.targets ?? []) expect(t.datasource.uid).toBe('park-influxdb');
      }
      for (const v of d.templating.list) expect(v.datasource.uid).toBe('park-influxdb');
    });
  }
});

describe('dashboard queries against a real influxd holding what the sink writes', () => {
  let influx: RunningInflux;
  const now = Date.now();

  beforeAll(async () => {
    influx = await startInflux();
    // every pollutant of one site per kind, a few minutes of history, one reading flagged M
    const readings: Reading[] = [];
    for (const siteId of ['RO-01', 'WP-01', 'AQ-01', 'WS-01']) {
      const site = registry.sites.find((s) => s.id === siteId)!;
      for (const device of site.devices) {
        const codes = device.kind !== 'modbus' ? device.channels : registry.inputs.modbus.maps[device.map]!.channels.map((c) => c.pollutant);
        for (const pollutant of codes)
          for (let i = 1; i <= 5; i++)
            readings.push({ site: siteId, device: device.id, pollutant, value: pollutant === 'w99002' ? 1 : i * 1.5, unit: '', ts: now - i * 60_000, flag: i === 1 && siteId === 'WP-01' ? 'M' : 'N', source: device.kind });
      }
    }
    const dir = mkdtempSync(join(tmpdir(), 'dash-spool-'));
    const sink = createInfluxSink({ url: influx.url, database: influx.database, registry, log: createLogger('dash-test', 'silent'), spool: { dir } });
    sink.start();
    sink.append(readings);
    // ticket annotations, one per site kind, as processor/sinks/influx/ticketEvents.ts writes them
    const opened = (site: string, level: 'warning' | 'control' | 'exceedance', i: number) =>
      ticketPoint({ ...changeOf('opened', codTicket({ id: `WO-20261126-000${i}`, site, rule: `r-${level}`, level, category: site.startsWith('AQ') ? 'odor' : 'exceedance' })), at: now - i * 60_000 });
    const tickets = [opened('WP-01', 'exceedance', 1), opened('AQ-01', 'warning', 2), opened('RO-01', 'control', 3)];
    sink.appendPoints(tickets);
    // the valid hourly and daily means the rule engine writes (measurement means)
    const mean = { site: 'WP-01', pollutant: 'w01018', value: 120, valid: true, n: 6, excluded: {}, coverage: 1, flowWeighted: true, volume: 36, revision: 0, backfill: false, judgedAt: now };
    // stamped within the dashboards' last hour (a real one is stamped at its window's start)
    const start = now - 30 * 60_000;
    sink.appendPoints([meanPoint({ ...mean, period: 'hour', start, end: start + 3_600_000 }), meanPoint({ ...mean, period: 'day', start: start - 1000, end: start + 86_399_000, validHours: 22 })]);
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
    expect(sink.counters.pointsWritten).toBe(readings.length + tickets.length + 2);
  });
  afterAll(async () => {
    await influx?.close();
  });

  /** Grafana's interpolation of what these dashboards use, with multi-value variables as an escaped regex group */
  function interpolate(query: string, vars: Record<string, string[]>): string {
    let q = query.replace(/\$timeFilter/g, 'time > now() - 1h').replace(/\$__interval/g, '1m');
    for (const [name, values] of Object.entries(vars)) q = q.replaceAll(`$${name}`, `(${values.map((v) => v.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&')).join('|')})`);
    return q;
  }

  for (const { file, d } of dashboards) {
    it(`${file}: every variable and panel query runs and returns data`, async () => {
      const vars: Record<string, string[]> = {};
      for (const v of d.templating.list) {
        const rows = await influx.query<{ value: string }>(interpolate(v.query, vars));
        vars[v.name] = rows.map((r) => r.value);
        expect(vars[v.name]!.length, `variable ${v.name}`).toBeGreaterThan(0);
      }
      for (const p of d.panels)
        for (const t of p.targets ?? []) {
          const q = interpolate(t.query, vars);
          for (const code of q.matchAll(/"pollutant" = '([a-z0-9]+)'/g)) expect(registry.pollutants, `${p.title}: ${code[1]}`).toHaveProperty(code[1]!);
          const rows = await influx.query(q);
          const values = rows.flatMap((r) => ['mean', 'last', 'count', 'value'].map((k) => r[k])).filter((v) => typeof v === 'number');
          expect(values.length, `${p.title} / ${t.refId}: ${q}`).toBeGreaterThan(0);
        }
    });
  }
});

describe('ticket levels on the dashboards', () => {
  let influx: RunningInflux;
  const now = Date.now();
  beforeAll(async () => {
    influx = await startInflux();
    const dir = mkdtempSync(join(tmpdir(), 'dash-tickets-'));
    const sink = createInfluxSink({ url: influx.url, database: influx.database, registry, log: createLogger('dash-test', 'silent'), spool: { dir } });
    sink.start();
    sink.appendPoints([
      ticketPoint({ ...changeOf('opened', codTicket({ id: 'WO-20261126-0001', site: 'AQ-01', pollutant: 'a21028', rule: 'aq-h2s', category: 'odor', level: 'warning' })), at: now - 120_000 }),
      ticketPoint({ ...changeOf('opened', codTicket({ id: 'WO-20261126-0002', site: 'AQ-01', pollutant: 'a21028', rule: 'aq-h2s-15min', category: 'odor', level: 'exceedance' })), at: now - 60_000 }),
    ]);
    await sink.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    await influx?.close();
  });

  it('every dashboard annotates opened tickets with their level (预警 / 管控 / 超标) as a tag', async () => {
    for (const { file, d } of dashboards) {
      const anno = (d as unknown as { annotations: { list: { name: string; query?: string; tagsColumn?: string; textColumn?: string }[] } }).annotations.list.find((a) => a.query?.includes('"tickets"'));
      expect(anno, file).toBeDefined();
      expect(anno!.tagsColumn!.split(',')).toContain('level');
      const q = anno!.query!.replace(/\$timeFilter/g, 'time > now() - 1h').replaceAll('$site', '(AQ\\-01)');
      const rows = await influx.query<{ level: string; text: string }>(q);
      expect(rows.map((r) => r.level).sort(), file).toEqual(['exceedance', 'warning']);
      expect(rows.find((r) => r.level === 'warning')!.text).toContain('预警');
    }
  });

  it('the overview lists tickets with their level', async () => {
    const panel = dashboards.find((x) => x.file === 'park-overview.json')!.d.panels.find((p) => p.targets?.some((t) => t.query.includes('"tickets"')))!;
    const rows = await influx.query<{ level: string; id: string }>(panel.targets![0]!.query.replace(/\$timeFilter/g, 'time > now() - 1h'));
    expect(rows.map((r) => [r.level, r.id]).sort()).toEqual([
      ['exceedance', 'WO-20261126-0002'],
      ['warning', 'WO-20261126-0001'],
    ]);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(root('docker-compose.yml'), 'utf8')) as { services: Record<string, { ports?: string[]; volumes?: string[]; profiles?: string[]; image?: string }> };

  it('publishes ports on the host loopback only and mounts the Grafana provisioning from ./dashboards', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gateway', 'grafana', 'influxdb', 'mosquitto', 'simulators']);
    for (const [name, s] of Object.entries(compose.services)) for (const p of s.ports ?? []) expect(p, name).toMatch(/^127\.0\.0\.1:/);
    const grafana = compose.services.grafana!;
    expect(grafana.volumes).toEqual(expect.arrayContaining(['./dashboards/provisioning:/etc/grafana/provisioning:ro', './dashboards/json:/var/lib/grafana/dashboards:ro']));
    const provider = parse(readFileSync(root('dashboards/provisioning/dashboards/park.yaml'), 'utf8')) as { providers: { type: string; options: { path: string } }[] };
    expect(provider.providers[0]).toMatchObject({ type: 'file', options: { path: '/var/lib/grafana/dashboards' } });
    expect(compose.services.influxdb!.image).toBe('influxdb:1.8');
    expect(compose.services.simulators!.profiles).toEqual(['simulators']);
    // an external broker for deployments runs the project's shipped configuration (QoS 1 without silent drops)
    expect(compose.services.mosquitto!.profiles).toEqual(['mosquitto']);
    expect(compose.services.mosquitto!.volumes).toEqual(expect.arrayContaining(['./gateway/broker/mosquitto.conf:/mosquitto/config/mosquitto.conf:ro']));
  });
});
