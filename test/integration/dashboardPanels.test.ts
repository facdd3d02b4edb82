import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { SiteKind } from '../../gateway/registry/schema.js';
import { renderedDashboards, variablesOf, type Panel } from './dashboardJson.js';
import { FLAGS, NON_N_FLAGS } from '../../dashboards/src/panels.js';
import { staleAfterMs } from '../../dashboards/src/registryFacts.js';
import { expectedPerDay } from '../../dashboards/src/quality.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { FLAGGED, FLAGGED_AT, LIVE, SILENT, TICKETS, dashboardVars, interpolate, seriesOf, writeKnownData } from './dashboardData.js';
import { checkStale, checkStatePanel } from './dashboardStateChecks.js';
import type { Reading } from '../../gateway/model/reading.js';

const registry = loadRegistry();
const dashboards = renderedDashboards(registry);
const KINDS: SiteKind[] = ['rain_outlet', 'wastewater_pipe', 'air_fence', 'weather'];
const site = (id: string) => registry.sites.find((s) => s.id === id)!;
const codesAt = (id: string) => new Set(site(id).devices.flatMap((d) => (d.kind !== 'modbus' ? d.channels : registry.inputs.modbus.maps[d.map]!.channels.map((c) => c.pollutant))));
/** the measurements a query reads: one quoted name or a /^(a|b)$/ group */
const measurementsOf = (q: string): SiteKind[] => {
  const m = /FROM (?:"([a-z_]+)"|\/\^\(([a-z_|]+)\)\$\/)/.exec(q)!;
  return (m[1] ? [m[1]] : m[2]!.split('|')) as SiteKind[];
};
const codeOf = (q: string) => /"pollutant" = '([a-z0-9]+)'/.exec(q)?.[1];
/** the live sites of these kinds that measure `code` */
const liveWith = (kinds: readonly SiteKind[], code: string) => LIVE.filter((id) => kinds.includes(site(id).kind) && codesAt(id).has(code)).sort();

describe('every panel of every dashboard on a known data set in a real influxd', () => {
  let influx: RunningInflux;
  let readings: Reading[] = [];
  const now = Date.now();
  beforeAll(async () => {
    influx = await startInflux();
    readings = await writeKnownData(influx, registry, now);
  });
  afterAll(async () => {
    await influx?.close();
  });

  /** what each kind of panel is meant to show, checked on the series it returns */
  async function check(panel: Panel, vars: Record<string, string[]>, where: string): Promise<void> {
    const targets = panel.targets ?? [];
    // site state, ticket counts, gateway health, roses, attribution: written by the gateway's state writers
    if (await checkStatePanel({ influx, registry, readings, now }, panel, vars, where)) return;
    const names = async (i: number) => [...(await seriesOf(influx, targets[i]!, vars)).keys()].sort();
    if (panel.type === 'timeseries' && targets.map((t) => t.refId).join() === 'A,B') {
      // a factor chart: one series per live site on flag N; the flagged values apart, never in the mean
      const [kind] = measurementsOf(targets[0]!.query);
      const code = codeOf(targets[0]!.query)!;
      const a = await seriesOf(influx, targets[0]!, vars);
      expect([...a.keys()].sort(), where).toEqual(liveWith([kind!], code));
      for (const values of a.values()) expect(Math.max(...values), where).toBeLessThan(100);
      const b = await seriesOf(influx, targets[1]!, vars);
      const flaggedSites = [...new Set(FLAGGED_AT.filter(([s, c]) => c === code && site(s).kind === kind).map(([s]) => s))];
      expect([...b.keys()], where).toEqual(flaggedSites.map((s) => `${s} 标记 flagged`));
      for (const values of b.values()) for (const v of values) expect(v, where).toBeGreaterThanOrEqual(Math.min(...Object.values(FLAGGED)));
    } else if (panel.type === 'timeseries' && targets.every((t) => (NON_N_FLAGS as readonly string[]).includes(t.refId))) {
      // by flag: one series per flag, named by the flag (over several kinds: per flag and kind); the data
      // set has C, M and T at a pipe and M at a fence-line station
      const kinds = measurementsOf(targets[0]!.query);
      const written = FLAGGED_AT.map(([s, , f]) => [site(s).kind, f] as const);
      for (const t of targets) {
        const label = FLAGS[t.refId as keyof typeof FLAGS];
        const expected = written.filter(([k, f]) => f === t.refId && kinds.includes(k)).map(([k]) => (kinds.length === 1 ? label : `${label} · ${k}`));
        const s = await seriesOf(influx, t, vars);
        expect([...s.keys()].sort(), `${where} ${t.refId}`).toEqual(expected.sort());
        for (const name of expected) expect(s.get(name), `${where} ${name}`).toEqual([1]);
      }
    } else if (panel.type === 'timeseries' && targets.map((t) => t.refId).join() === 'H,D') {
      const code = codeOf(targets[0]!.query);
      const expected = (period: string) => (code === 'w01018' ? [`WP-01 ${period}`] : []);
      expect(await names(0), where).toEqual(expected('小时均值 hourly'));
      expect(await names(1), where).toEqual(expected('日均值 daily'));
    } else if (panel.type === 'timeseries' && targets[0]!.refId === 'S1') {
      // transmission / valid-data rate: per site, the values received (flag N only for the valid rate) against those due
      const valid = targets[0]!.query.includes(`"flag" = 'N'`);
      for (const t of targets) {
        const id = /"site" = '([A-Z]{2}-\d{2})'/.exec(t.query)![1]!;
        const s = await seriesOf(influx, t, vars);
        const received = LIVE.includes(id) ? codesAt(id).size * 5 + (valid ? 0 : FLAGGED_AT.filter(([x]) => x === id).length) : 0;
        const total = [...s.values()].flat().reduce((a, b) => a + b, 0);
        expect(total, `${where} ${id}`).toBeCloseTo((received * 100) / expectedPerDay(registry, site(id)), 9);
        if (received) expect([...s.keys()], `${where} ${id}`).toEqual([`${id} ${site(id).name}`]);
      }
    } else if (panel.type === 'timeseries' && targets[0]!.refId === 'V') {
      expect(await seriesOf(influx, targets[0]!, vars), where).toEqual(new Map([['WP-01 日排水量 m³', [36]]]));
    } else if (panel.type === 'timeseries' && targets.every((t) => /^w\d{5}$/.test(t.refId))) {
      // daily load: valid daily mean 120 mg/L × 36 m³ / 1000 = 4.32 kg, only where a valid day was judged
      for (const t of targets) {
        const s = await seriesOf(influx, t, vars);
        if (t.refId === 'w01018') expect(s, where).toEqual(new Map([['WP-01 化学需氧量 COD (w01018) kg', [4.32]]]));
        else expect(s.size, `${where} ${t.refId}`).toBe(0);
      }
    } else if (panel.type === 'state-timeline') {
      expect(await names(0), where).toEqual(liveWith(measurementsOf(targets[0]!.query), 'w99002'));
    } else if (panel.type === 'table' && panel.transformations?.[0]?.id === 'groupingToMatrix') {
      // the patrol matrix: a value for every site and factor of the kind, the silent site's included
      const [kind] = measurementsOf(targets[0]!.query);
      const rows = await influx.query<{ site: string; pollutant: string; value: number }>(interpolate(targets[0]!.query, vars));
      const expected = [...LIVE, SILENT].filter((id) => site(id).kind === kind).flatMap((id) => [...codesAt(id)].map((c) => `${id} ${c}`));
      expect(rows.map((r) => `${r.site} ${r.pollutant}`).sort(), where).toEqual(expected.sort());
      expect(rows.every((r) => typeof r.value === 'number'), where).toBe(true);
      // and its 停报 column: the silent site marked stale (target B, joined by site)
      await checkStale({ influx, registry, readings, now }, targets[1]!, vars, [kind!], where);
    } else if (panel.type === 'table' && targets[0]!.query.includes('count("id")')) {
      const rows = await influx.query<{ enterprise?: string; level: string; opened: number }>(interpolate(targets[0]!.query, vars));
      expect(rows.map((r) => `${r.enterprise || '-'} ${r.level} ${r.opened}`).sort(), where).toEqual(TICKETS.map(([s, level]) => `${site(s).enterprise ?? '-'} ${level} 1`).sort());
    } else if (panel.type === 'table' && targets[0]!.query.includes('ORDER BY time DESC')) {
      const rows = await influx.query<{ id: string; change: string; status: string }>(interpolate(targets[0]!.query, vars));
      expect(rows.map((r) => `${r.id} ${r.change} ${r.status}`).sort(), where).toEqual(TICKETS.map(([, , id]) => `${id} opened open`).sort());
    } else if (panel.type === 'timeseries' && targets.every((t) => /^OF-\d{2}$/.test(t.refId))) {
      // per 包联干部: a ticket counts for the officer of its enterprise, or of its site when it has none
      const officerOf = (s: string) => registry.enterprises.find((e) => e.id === site(s).enterprise)?.officer ?? site(s).officer;
      for (const t of targets) {
        const officer = registry.officers.find((o) => o.id === t.refId)!;
        const n = TICKETS.filter(([s]) => officerOf(s) === t.refId).length;
        const series = await seriesOf(influx, t, vars);
        expect([...series.keys()], `${where} ${t.refId}`).toEqual(n ? [`${officer.name} ${officer.id}`] : []);
        if (n) expect([...series.values()].flat().reduce((a, b) => a + b, 0), `${where} ${t.refId}`).toBe(n);
      }
    } else if (panel.type === 'table' && targets[0]!.query.includes('"tickets"')) {
      const rows = await influx.query<{ id: string; level: string }>(interpolate(targets[0]!.query, vars));
      expect(rows.map((r) => `${r.level} ${r.id}`).sort(), where).toEqual(['control WO-20261126-0003', 'exceedance WO-20261126-0001', 'warning WO-20261126-0002']);
    } else if (panel.type === 'table') {
      // latest values: every site and factor, the silent site included with its old time (its data age)
      const kinds = measurementsOf(targets[0]!.query);
      const rows = await influx.query<{ site: string; pollutant: string; time: number; value: number; flag: string }>(interpolate(targets[0]!.query, vars));
      const expected = [...LIVE, SILENT].filter((id) => kinds.includes(site(id).kind)).flatMap((id) => [...codesAt(id)].map((c) => `${id} ${c}`));
      expect(rows.map((r) => `${r.site} ${r.pollutant}`).sort(), where).toEqual(expected.sort());
      // the 停报 column joined by site: every row of the silent site marked stale, the others live
      const stale = await checkStale({ influx, registry, readings, now }, targets[1]!, vars, kinds, where);
      for (const r of rows) expect(stale.get(r.site), `${where} ${r.site} ${r.pollutant} 停报`).toBe(r.site === SILENT ? 1 : 0);
      for (const r of rows) {
        const age = now - r.time;
        if (r.site === SILENT) expect(age, `${where} ${r.site} ${r.pollutant} stale`).toBeGreaterThan(staleAfterMs(registry, site(SILENT)));
        else expect(age, `${where} ${r.site} ${r.pollutant} fresh`).toBeLessThanOrEqual(staleAfterMs(registry, site(r.site)));
        expect(r.flag, where).toBe('N');
      }
      expect(panel.fieldConfig!.overrides.find((o) => o.matcher.options === 'Time')!.properties, where).toContainEqual({ id: 'unit', value: 'dateTimeFromNow' });
    } else if (panel.type === 'stat') {
      const [kind] = measurementsOf(targets[0]!.query);
      const s = await seriesOf(influx, targets[0]!, vars);
      const n = LIVE.filter((id) => site(id).kind === kind).reduce((sum, id) => sum + codesAt(id).size * 5, 0) + FLAGGED_AT.filter(([s]) => site(s).kind === kind).length;
      expect(s, where).toEqual(new Map([['读数 readings', [n]]]));
    } else throw new Error(`${where}: no expectation for a ${panel.type} panel`);
  }

  it(`shows the silent site ${SILENT} as 停报 (stale) with its old data age, on the pipes' patrol matrix and latest-value table and on the overview's patrol matrix`, async () => {
    // what Grafana shows after the panel's transformations: A's rows (grouped to a matrix row per site) joined with B's stale mark by site
    const joined = async (p: Panel, vars: Record<string, string[]>) => {
      const stale = new Map((await influx.query<{ site: string; stale: number }>(interpolate(p.targets![1]!.query, vars))).map((r) => [r.site, r.stale]));
      const rows = await influx.query<{ site: string; time: number; value: number }>(interpolate(p.targets![0]!.query, vars));
      return rows.map((r) => ({ ...r, stale: stale.get(r.site) }));
    };
    const pipes = dashboards['wastewater-pipes.json']!;
    const overview = dashboards['park-overview.json']!;
    const tables = [...pipes.panels.filter((p) => p.type === 'table').map((p) => [p, dashboardVars(pipes)] as const), [overview.panels.find((p) => p.type === 'table' && p.title.startsWith('巡查矩阵'))!, {}] as const];
    expect(tables.map(([p]) => p.title)).toEqual([expect.stringMatching(/^巡查矩阵/), expect.stringMatching(/^最新值与数据龄/), expect.stringMatching(/^巡查矩阵/)]);
    for (const [p, vars] of tables) {
      const rows = await joined(p, vars);
      const silent = rows.filter((r) => r.site === SILENT);
      expect(silent.length, p.title).toBe(codesAt(SILENT).size);
      for (const r of silent) {
        expect(r.stale, `${p.title} ${SILENT} 停报`).toBe(1);
        if (r.time > 0) expect(now - r.time, p.title).toBeGreaterThan(staleAfterMs(registry, site(SILENT)));
      }
      for (const r of rows.filter((x) => LIVE.includes(x.site))) expect(r.stale, `${p.title} ${r.site} 在线`).toBe(0);
    }
  });

  for (const [file, d] of Object.entries(dashboards))
    describe(file, () => {
      for (const panel of d.panels.filter((p) => p.type !== 'row'))
        it(`panel ${panel.id} ${panel.title}`, async () => {
          await check(panel, dashboardVars(d), `${file} panel ${panel.id} ${panel.title}`);
        });

      it('annotates the charts with the opened tickets of its sites, tagged with their level', async () => {
        const anno = d.annotations.list.find((a) => a.target?.query.includes('"tickets"'))!.target!;
        expect(anno).toMatchObject({ fromAnnotations: true, rawQuery: true, datasource: { uid: 'park-influxdb' } });
        expect(anno.tagsColumn!.split(',')).toContain('level');
        const rows = await influx.query<{ level: string; site: string; text: string }>(interpolate(anno.query!, dashboardVars(d)));
        const kinds = variablesOf(d).length === 0 ? KINDS : [...new Set(variablesOf(d).flatMap((v) => v.options.map((o) => registry.sites.find((s) => s.id === o.value)?.kind)).filter(Boolean))];
        const expected = [['RO-01', 'control', '管控'], ['WP-01', 'exceedance', '超标'], ['AQ-01', 'warning', '预警']].filter(([s]) => kinds.includes(site(s!).kind));
        expect(rows.map((r) => [r.site, r.level]).sort()).toEqual(expected.map(([s, l]) => [s, l]).sort());
        for (const [s, , zh] of expected) expect(rows.find((r) => r.site === s)!.text).toContain(zh);
      });
    });
});
