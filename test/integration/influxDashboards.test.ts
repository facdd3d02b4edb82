import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { JSON_DIR, renderDashboards } from '../../dashboards/generate.js';
import { renderedDashboards, variablesOf, type Dashboard, type Panel } from './dashboardJson.js';

const root = (p: string) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const registry = loadRegistry();
const dashboards = renderedDashboards(registry);
const datasources = parse(readFileSync(root('dashboards/provisioning/datasources/influxdb.yaml'), 'utf8')) as { datasources: { uid: string; type: string; url: string; jsonData: Record<string, string> }[] };
const HAN = /[\u4e00-\u9fff]/;
const panelOf = (d: Dashboard, title: RegExp): Panel => d.panels.find((p) => p.type !== 'row' && title.test(p.title))!;

describe('Grafana provisioning files generated from the registry', () => {
  it('are the files `npm run dashboards` writes from gateway/registry/park.yaml (stale files fail)', () => {
    const rendered = renderDashboards(registry);
    expect(readdirSync(JSON_DIR).filter((f) => f.endsWith('.json')).sort()).toEqual(Object.keys(rendered).sort());
    for (const [file, text] of Object.entries(rendered)) expect(readFileSync(`${JSON_DIR}${file}`, 'utf8'), `${file} is stale: run npm run dashboards`).toBe(text);
  });

  it('provide the park overview, rain outlet, wastewater pipe, air fence-line, data quality, tickets and gateway health dashboards on one InfluxQL data source', () => {
    expect(Object.keys(dashboards).sort()).toEqual(['air-fence.json', 'data-quality.json', 'gateway-health.json', 'park-overview.json', 'rain-outlets.json', 'tickets.json', 'wastewater-pipes.json']);
    expect(new Set(Object.values(dashboards).map((d) => d.uid)).size).toBe(7);
    const [ds] = datasources.datasources;
    expect(ds).toMatchObject({ uid: 'park-influxdb', type: 'influxdb', url: '${INFLUX_URL}', jsonData: { version: 'InfluxQL', dbName: '${INFLUX_DATABASE}' } });
  });

  for (const [file, d] of Object.entries(dashboards))
    it(`${file}: a schema version, uid and title, Chinese and English titles, unique ids, panels on the grid, every query on the provisioned data source`, () => {
      expect(d.schemaVersion).toBeGreaterThanOrEqual(39);
      expect(d.uid).toMatch(/^park-/);
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
        expect(p.targets?.length, `panel ${p.id}`).toBeGreaterThan(0);
        for (const t of p.targets ?? []) {
          expect(t).toMatchObject({ datasource: { uid: 'park-influxdb' }, rawQuery: true });
          for (const code of t.query.matchAll(/"pollutant" = '([a-z0-9]+)'/g)) expect(registry.pollutants, `${p.title}: ${code[1]}`).toHaveProperty(code[1]!);
        }
      }
      expect(d.annotations.list.some((a) => a.target?.query.includes('FROM "tickets"'))).toBe(true);
    });
});

describe('what the registry says, on the dashboards', () => {
  const pipes = dashboards['wastewater-pipes.json']!;

  it('draws the limits as lines: 预警 and 超标 for every pipe, the 纳管协议 limits of 鑫源印染 (WP-10) and 华瑞电镀 (WP-13) on their own series', () => {
    const cod = panelOf(pipes, /\(w01018\) mg\/L$/);
    const defaults = cod.fieldConfig!.defaults as { thresholds: { steps: unknown[] }; custom: { thresholdsStyle: { mode: string } } };
    expect(defaults.custom.thresholdsStyle.mode).toBe('line');
    expect(defaults.thresholds.steps).toEqual([{ color: 'green', value: null }, { color: 'yellow', value: 400 }, { color: 'red', value: 500 }]);
    const own = Object.fromEntries(cod.fieldConfig!.overrides.filter((o) => o.matcher.id === 'byName').map((o) => [o.matcher.options, (o.properties[0]!.value as { steps: { value: number | null }[] }).steps.map((s) => s.value)]));
    expect(own).toEqual({ 'WP-10': [null, 160, 200], 'WP-13': [null, 240, 300] });
    // pH: a range, red below 6.5 and above 9.5 (GB/T 31962-2015)
    const ph = panelOf(pipes, /\(w01001\)/);
    expect((ph.fieldConfig!.defaults as { thresholds: { steps: unknown[] } }).thresholds.steps).toEqual([{ color: 'red', value: null }, { color: 'green', value: 6.5 }, { color: 'red', value: 9.5 }]);
    // the patrol matrix colours each factor's column by its limits and names the sites with their own
    const matrix = panelOf(pipes, /巡查矩阵/);
    expect(matrix.fieldConfig!.overrides.find((o) => o.matcher.options === 'w01018')!.properties).toContainEqual({ id: 'thresholds', value: { mode: 'absolute', steps: [{ color: 'green', value: null }, { color: 'yellow', value: 400 }, { color: 'red', value: 500 }] } });
    expect(matrix.description).toContain('WP-13 w01018: 超标 ≤300 (wp-cod)');
    // the daily mean's limit on the means chart
    const means = panelOf(pipes, /\(w01018\) 有效小时\/日均值/);
    expect((means.fieldConfig!.defaults as { thresholds: { steps: unknown[] } }).thresholds.steps).toEqual([{ color: 'green', value: null }, { color: 'red', value: 500 }]);
  });

  it('names factors and units as officers read them', () => {
    expect(panelOf(pipes, /w01018/).title).toBe('化学需氧量 COD (w01018) mg/L');
    expect((panelOf(pipes, /\(w01018\) mg\/L$/).fieldConfig!.defaults as { unit: string }).unit).toBe('suffix: mg/L');
    const air = dashboards['air-fence.json']!;
    expect((panelOf(air, /\(a21028\)/).fieldConfig!.defaults as { unit: string }).unit).toBe('conmgm3');
    expect(variablesOf(pipes).find((v) => v.name === 'enterprise')!.options.map((o) => o.text)).toContain('华瑞电镀');
    const latest = panelOf(pipes, /最新值与数据龄/).fieldConfig!.overrides;
    const mapped = (field: string, value: string) => ((latest.find((o) => o.matcher.options === field)!.properties.find((p) => p.id === 'mappings')!.value as { options: Record<string, { text: string }> }[])[0]!.options[value]!.text);
    expect(mapped('pollutant', 'w01018')).toBe('化学需氧量 COD mg/L (w01018)');
    expect(mapped('site', 'RO-01')).toBe('RO-01 1#雨水排口');
  });

  it('a site, an enterprise limit or a rule added to the registry appears on the dashboards', () => {
    const wp01 = registry.sites.find((s) => s.id === 'WP-01')!;
    const more: Registry = {
      ...registry,
      sites: [...registry.sites, { ...wp01, id: 'WP-99', name: '新增排口' }],
      enterprises: registry.enterprises.map((e) => (e.id === wp01.enterprise ? { ...e, limits: [...e.limits, { pollutant: 'w21003', max: 30, verified: true }] } : e)),
    };
    const d = renderedDashboards(more)['wastewater-pipes.json']!;
    expect(variablesOf(d).find((v) => v.name === 'site')!.options.map((o) => o.value)).toContain('WP-99');
    const nh3n = panelOf(d, /\(w21003\) mg\/L$/);
    const byName = Object.fromEntries(nh3n.fieldConfig!.overrides.filter((o) => o.matcher.id === 'byName').map((o) => [o.matcher.options, (o.properties[0]!.value as { steps: { value: number | null }[] }).steps.map((s) => s.value)]));
    // WP-01 and WP-99 belong to the enterprise with the new 30 mg/L limit (and its 80 % warning)
    expect(byName['WP-01']).toEqual([null, 24, 30]);
    expect(byName['WP-99']).toEqual([null, 24, 30]);
    expect(renderDashboards(more)['wastewater-pipes.json']).not.toBe(renderDashboards(registry)['wastewater-pipes.json']);
  });
});

describe('what the gateway writes for the dashboards, on the dashboards', () => {
  it('every latest-value table and patrol matrix joins the 停报 (stale) mark of its sites by site, coloured 在线 green / 停报 red', () => {
    const tables = Object.values(dashboards).flatMap((d) => d.panels.filter((p) => p.type !== 'row' && /最新值与数据龄|巡查矩阵/.test(p.title)).map((p) => [d.uid, p] as const));
    expect(tables.length).toBe(8);
    for (const [uid, p] of tables) {
      expect(p.targets![1]!.query, `${uid} ${p.title}`).toMatch(/^SELECT last\("stale"\) AS "stale" FROM "site_state" WHERE .* GROUP BY "site"$/);
      expect(p.transformations!.at(-1), `${uid} ${p.title}`).toMatchObject({ id: 'joinByField', options: { mode: 'outerTabular' } });
      const stale = p.fieldConfig!.overrides.find((o) => o.matcher.options === 'stale')!;
      expect(stale.properties).toContainEqual({ id: 'displayName', value: '停报 Stale' });
      expect(JSON.stringify(stale.properties)).toContain('"1":{"text":"停报 stale","color":"red"');
    }
  });

  it('the overview has the park map: markers at the sites\' registry coordinates, coloured by state (预警/管控/超标, 停报), centred on the park', () => {
    const map = panelOf(dashboards['park-overview.json']!, /园区地图/);
    expect(map.type).toBe('geomap');
    const view = map.options!.view as { lat: number; lon: number };
    const lats = registry.sites.map((s) => s.location.lat);
    const lons = registry.sites.map((s) => s.location.lon);
    expect(view.lat).toBeGreaterThan(Math.min(...lats));
    expect(view.lat).toBeLessThan(Math.max(...lats));
    expect(view.lon).toBeGreaterThan(Math.min(...lons));
    expect(view.lon).toBeLessThan(Math.max(...lons));
    const texts = JSON.stringify(map.fieldConfig!.defaults.mappings);
    for (const t of ['正常 normal', '预警 warning', '管控 control', '超标 exceedance', '停报 stale']) expect(texts).toContain(t);
  });

  it('tickets.json shows open and overdue per enterprise and per officer; gateway-health.json names its figures in Chinese with units', () => {
    const t = dashboards['tickets.json']!;
    expect(panelOf(t, /未结与超期工单（按企业）/).targets![0]!.query).toMatch(/FROM \(SELECT last\("open"\).*FROM "ticket_state".*\) GROUP BY "enterprise"$/);
    expect(panelOf(t, /未结与超期工单（按包联干部）/).targets![0]!.query).toMatch(/GROUP BY "officer"$/);
    const h = dashboards['gateway-health.json']!;
    expect((panelOf(h, /Uptime/).fieldConfig!.defaults as { unit: string }).unit).toBe('s');
    expect((panelOf(h, /Spool backlog/).fieldConfig!.defaults as { unit: string }).unit).toBe('bytes');
    expect(panelOf(h, /Readings in per input/).targets!.map((x) => x.alias)).toEqual(expect.arrayContaining(['Modbus 读数/分 readings/min', 'MQTT 读数/分 readings/min']));
  });

  it('air-fence.json has the wind rose, a pollution rose per fence-line factor (not the meteorological ones) and the attribution table', () => {
    const air = dashboards['air-fence.json']!;
    expect(panelOf(air, /风玫瑰/).type).toBe('barchart');
    const roses = air.panels.filter((p) => p.title.startsWith('污染玫瑰'));
    expect(roses.map((p) => /\((a\d{5})\)/.exec(p.title)![1]).sort()).toEqual(['a21001', 'a21028', 'a24088', 'a99001']);
    expect((roses.find((p) => p.title.includes('a24088'))!.fieldConfig!.defaults as { unit: string }).unit).toBe('conmgm3');
    expect(panelOf(air, /异味溯源/).targets![0]!.query).toContain('FROM "attribution"');
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
