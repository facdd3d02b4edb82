import { expect } from 'vitest';
import type { Reading } from '../../gateway/model/reading.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { isOverdue } from '../../processor/tickets/types.js';
import type { Panel, Target } from './dashboardJson.js';
import { staleAfterMs } from '../../dashboards/src/registryFacts.js';
import type { RunningInflux } from '../helpers/influx.js';
import { LIVE, SILENT, interpolate, seriesOf } from './dashboardData.js';
import { attributionSample, HEALTH_STARTED_BEFORE, HEALTH_TICKS, stateTickets } from './dashboardState.js';

export interface StateContext {
  influx: RunningInflux;
  registry: Registry;
  readings: readonly Reading[];
  now: number;
}

const sorted = (xs: string[]) => [...xs].sort();
/** the open and overdue counts of a set of tickets, counted here without the writer (overdue: past its deadline and not closed, processor/tickets isOverdue) */
function counts(c: StateContext, tickets: ReturnType<typeof stateTickets>, at: number, key: (t: (typeof tickets)[number]) => string) {
  const out = new Map<string, [number, number]>();
  for (const t of tickets.filter((x) => x.status !== 'closed')) {
    const [open, overdue] = out.get(key(t)) ?? [0, 0];
    out.set(key(t), [open + 1, overdue + (isOverdue(t, at) ? 1 : 0)]);
  }
  return out;
}

/** the stale mark of every site of the kinds (target B of a latest-value table or patrol matrix): the silent site 1, a site that sends 0 */
export async function checkStale(c: StateContext, t: Target, vars: Record<string, string[]>, kinds: readonly string[], where: string): Promise<Map<string, number>> {
  const rows = await c.influx.query<{ site: string; stale: number }>(interpolate(t.query, vars));
  const sites = c.registry.sites.filter((s) => kinds.includes(s.kind)).map((s) => s.id);
  expect(sorted(rows.map((r) => r.site)), `${where} B`).toEqual(sorted(sites));
  const stale = new Map(rows.map((r) => [r.site, r.stale]));
  if (sites.includes(SILENT)) expect(stale.get(SILENT), `${where} ${SILENT} 停报`).toBe(1);
  for (const s of sites) expect(stale.get(s), `${where} ${s}`).toBe(LIVE.includes(s) ? 0 : 1);
  return stale;
}

/** Panels on the measurements the gateway's state writers fill; false for any other panel. */
export async function checkStatePanel(c: StateContext, panel: Panel, vars: Record<string, string[]>, where: string): Promise<boolean> {
  const targets = panel.targets ?? [];
  const from = /FROM "(site_state|ticket_state|gateway_health|rose|attribution)"/.exec(targets[0]?.query ?? '')?.[1];
  if (!from) return false;
  const { influx, registry, now } = c;
  const q = (t: Target) => influx.query<Record<string, unknown>>(interpolate(t.query, vars));
  if (from === 'site_state') {
    // the park map: every site of the registry at its coordinates, coloured by its state; the silent one 停报 (4)
    expect(panel.type, where).toBe('geomap');
    const rows = await q(targets[0]!);
    expect(sorted(rows.map((r) => String(r.site))), where).toEqual(sorted(registry.sites.map((s) => s.id)));
    const level: Record<string, number> = { 'WP-01': 3, 'AQ-01': 1, 'RO-01': 2, 'WP-13': 2, 'WS-01': 0 };
    for (const r of rows) {
      const s = registry.sites.find((x) => x.id === r.site)!;
      expect([r.lat, r.lon], `${where} ${s.id}`).toEqual([s.location.lat, s.location.lon]);
      expect(r.state, `${where} ${s.id} state`).toBe(LIVE.includes(s.id) ? level[s.id] : 4);
      if (s.id === SILENT) expect(Number(r.age_s) * 1000, where).toBeGreaterThan(staleAfterMs(registry, s));
    }
    expect((panel.options!.layers as { location: unknown; config: { style: { color: { field: string } } } }[])[0]).toMatchObject({ location: { mode: 'coords', latitude: 'lat', longitude: 'lon' }, config: { style: { color: { field: 'state' } } } });
  } else if (from === 'ticket_state' && panel.type === 'table') {
    // open and overdue per enterprise, officer or level: the latest counts (not those of ten minutes ago), zeros included
    const by = /GROUP BY "(enterprise|officer|level)"$/.exec(targets[0]!.query)![1] as 'enterprise' | 'officer' | 'level';
    const expected = counts(c, stateTickets(registry, now), now, (t) => (by === 'enterprise' ? (t.enterprise ?? '') : t[by]));
    const keys = by === 'enterprise' ? [...registry.enterprises.map((e) => e.id), ''] : by === 'officer' ? registry.officers.map((o) => o.id) : ['warning', 'control', 'exceedance'];
    const rows = await q(targets[0]!);
    expect(sorted(rows.map((r) => `${String(r[by] ?? '')} ${String(r.open)} ${String(r.overdue)}`)), where).toEqual(sorted(keys.map((k) => `${k} ${(expected.get(k) ?? [0, 0]).join(' ')}`)));
    expect(rows.some((r) => Number(r.overdue) > 0), `${where}: the two-day-old ticket is overdue`).toBe(true);
  } else if (from === 'ticket_state') {
    // per level over time: ten minutes ago every ticket open, now the current counts
    for (const t of targets) {
      const [level, field] = t.refId.split('_') as ['warning' | 'control' | 'exceedance', 'open' | 'overdue'];
      const at = (tickets: ReturnType<typeof stateTickets>, when: number) => counts(c, tickets, when, (x) => x.level).get(level)?.[field === 'open' ? 0 : 1] ?? 0;
      const tickets = stateTickets(registry, now);
      const series = await seriesOf(influx, t, vars);
      expect([...series.keys()], `${where} ${t.refId}`).toEqual([t.alias]);
      expect(series.get(t.alias!), `${where} ${t.refId}`).toEqual([at(tickets.map((x) => ({ ...x, status: 'open' as const })), now - 600_000), at(tickets, now)]);
    }
  } else if (from === 'gateway_health') {
    const live = new Set(c.readings.filter((r) => now - r.ts < 60_000).map((r) => r.device));
    const devices = registry.sites.flatMap((s) => s.devices.map((d) => ({ id: d.id, input: d.kind as string })));
    const perMinute: Record<string, (input?: string) => number> = {
      readings_in: (i) => c.readings.filter((r) => r.source === i).length,
      readings_accepted: () => c.readings.length,
      points_written: () => c.readings.length,
      readings_rejected: (i) => (i ? 0 : 1),
      dead_letters: () => 0,
      write_errors: () => 0,
      points_dropped: () => 0,
    };
    const gauge: Record<string, (input?: string) => number> = {
      uptime_s: () => (HEALTH_TICKS[0]! - HEALTH_TICKS.at(-1)! + HEALTH_STARTED_BEFORE) / 1000,
      devices_online: (i) => devices.filter((d) => live.has(d.id) && (i === undefined || d.input === i)).length,
      mqtt_connected: () => 0,
      alerts_pending: () => 2,
      spool_bytes: () => 0,
      influx_queue_points: () => 7,
    };
    for (const t of targets) {
      const field = /last\("([a-z_]+)"\)/.exec(t.query)![1]!;
      const input = /"input" = '([a-z0-9]+)'/.exec(t.query)?.[1];
      const series = await seriesOf(influx, t, vars);
      if (t.query.includes('GROUP BY time($__interval), "input"')) {
        // one series per input, named by it
        const inputs = [...new Set(devices.map((d) => d.input))];
        expect(sorted([...series.keys()]), `${where} ${t.refId}`).toEqual(sorted(inputs.map((i) => t.alias!.replace('$tag_input', i))));
        for (const i of inputs) expect(series.get(t.alias!.replace('$tag_input', i)), `${where} ${i}`).toEqual(HEALTH_TICKS.map(() => gauge[field]!(i)));
      } else if (t.query.includes('non_negative_derivative')) expect(series, `${where} ${t.refId}`).toEqual(new Map([[t.alias!, [perMinute[field]!(input), perMinute[field]!(input)]]]));
      else if (panel.type === 'stat') expect(series, `${where} ${t.refId}`).toEqual(new Map([[t.alias!, [gauge[field]!(input)]]]));
      else expect(series, `${where} ${t.refId}`).toEqual(new Map([[t.alias!, HEALTH_TICKS.map(() => gauge[field]!(input))]]));
    }
  } else if (from === 'rose' && targets[0]!.query.includes(`"rose" = 'wind'`)) {
    // WS-01's five readings: 18° at 1.5 m/s, 36° at 3, 54° at 4.5, 72° at 6, 90° at 7.5 (sector = round(direction / 22.5))
    const rows = await q(targets[0]!);
    expect(sorted(rows.map((r) => `${String(r.sector)} | ${String(r.speed)} | ${String(r.count)}`)), where).toEqual(
      sorted(['01 NNE 北东北 | 1 0.5-2 m/s | 1', '02 NE 东北 | 2 2-4 m/s | 1', '02 NE 东北 | 3 4-6 m/s | 1', '03 ENE 东东北 | 4 ≥6 m/s | 1', '04 E 东 | 4 ≥6 m/s | 1']),
    );
    expect(panel.transformations![0]).toMatchObject({ id: 'groupingToMatrix', options: { rowField: 'sector', columnField: 'speed' } });
  } else if (from === 'rose') {
    // AQ-01 has no anemometer: its values (1.5 … 7.5, flag N; the M-flagged one left out) meet WS-01's wind of the same instant
    const code = /"pollutant" = '([a-z0-9]+)'/.exec(targets[0]!.query)![1]!;
    const aq01 = registry.sites.find((s) => s.id === 'AQ-01')!.devices.flatMap((d) => (d.kind === 'modbus' ? [] : d.channels));
    const rows = await q(targets[0]!);
    const expected = aq01.includes(code) ? ['01 NNE 北东北 1.5', '02 NE 东北 3.75', '03 ENE 东东北 6', '04 E 东 7.5'] : [];
    expect(sorted(rows.map((r) => `${String(r.sector)} ${Number(r.mean).toFixed(2).replace(/\.?0+$/, '')}`)), where).toEqual(expected);
  } else {
    const a = attributionSample(now);
    const rows = await q(targets[0]!);
    expect(sorted(rows.map((r) => `${String(r.site)} ${String(r.rank)} ${String(r.enterprise)} ${String(r.name)} ${String(r.distance_m)}`)), where).toEqual(a.candidates.map((x, i) => `AQ-01 ${i + 1} ${x.enterprise} ${x.name} ${Math.round(x.distanceM)}`));
    expect(rows[0]!.summary, where).toBe(a.summary);
  }
  return true;
}
