import type { Registry, Site } from '../../gateway/registry/schema.js';
import type { TicketFilter, TicketPage, TicketSummary } from '../tickets/types.js';
import { sheetId, type PatrolPeriod } from './periods.js';
import { limitsOf, type PeriodStats } from './stats.js';
import type { DeviceRow, FactorRow, OfficerPart, PatrolSheet, SiteSheet } from './types.js';

/** the ticket store as the patrol reads it (TicketService and TicketStore both fit) */
export interface TicketLister {
  list(filter: TicketFilter): TicketPage;
}

const pct = (part: number, whole: number) => (whole > 0 ? Math.min(100, Math.round((part / whole) * 10_000) / 100) : 0);

/** every page of a ticket query */
export function allTickets(tickets: TicketLister, filter: TicketFilter): TicketSummary[] {
  const out: TicketSummary[] = [];
  for (;;) {
    const page = tickets.list({ ...filter, limit: 500, offset: out.length });
    out.push(...page.tickets);
    if (page.tickets.length === 0 || out.length >= page.total) return out;
  }
}

/** each device's channels with their reporting interval (a Modbus channel's own cycle, else the device's interval) */
function channelsWithInterval(registry: Registry, site: Site): { device: string; channels: { pollutant: string; intervalMs: number }[]; intervalMs: number }[] {
  return site.devices.map((d) => {
    if (d.kind !== 'modbus') return { device: d.id, intervalMs: d.intervalMs, channels: d.channels.map((p) => ({ pollutant: p, intervalMs: d.intervalMs })) };
    const map = registry.inputs.modbus.maps[d.map];
    return { device: d.id, intervalMs: d.intervalMs, channels: (map?.channels ?? []).map((c) => ({ pollutant: c.pollutant, intervalMs: c.cycleMs ?? d.intervalMs })) };
  });
}

export interface SheetInput {
  registry: Registry;
  period: PatrolPeriod;
  stats: PeriodStats;
  tickets: TicketLister;
  producedAt: number;
}

/**
 * The patrol sheet of one half day (每日2次巡查), pure over what InfluxDB and the ticket store hold:
 * per site data completeness and online %, min / valid mean / max of each factor against its limit,
 * exceedances and warnings, tickets opened in the period or still open, the valve state, devices offline
 * and factors flatlined; per officer, their enterprises first.
 */
export function buildSheet({ registry, period, stats, tickets, producedAt }: SheetInput): PatrolSheet {
  const cfg = registry.patrol;
  const span = period.end - period.start;
  const limits = limitsOf(registry);
  const enterprises = new Map(registry.enterprises.map((e) => [e.id, e]));
  const opened = allTickets(tickets, { from: period.start, to: period.end, on: 'openedAt' });
  const open = allTickets(tickets, { status: ['open', 'acknowledged', 'rectifying', 'awaiting_verification'], to: period.end, on: 'openedAt' });
  const idsAt = (list: TicketSummary[], site: string) => list.filter((t) => t.site === site).map((t) => t.id);

  const sites: SiteSheet[] = registry.sites.map((site) => {
    const enterprise = site.enterprise ? enterprises.get(site.enterprise) : undefined;
    const devices: DeviceRow[] = channelsWithInterval(registry, site).map(({ device, channels, intervalMs }) => {
      const expected = channels.reduce((n, c) => n + Math.floor(span / c.intervalMs), 0);
      const received = channels.reduce((n, c) => n + (stats.received.get(`${site.id}/${device}/${c.pollutant}`) ?? 0), 0);
      const lastAt = stats.lastAt.get(`${site.id}/${device}`);
      const buckets = Math.ceil(span / cfg.onlineBucketMs);
      return {
        device,
        expected,
        received,
        completeness: pct(received, expected),
        online: pct(stats.buckets.get(`${site.id}/${device}`) ?? 0, buckets),
        offline: lastAt === undefined || lastAt < period.end - cfg.offlineIntervals * intervalMs,
        ...(lastAt !== undefined ? { lastAt } : {}),
      };
    });
    const pollutants = [...new Set(channelsWithInterval(registry, site).flatMap((d) => d.channels.map((c) => c.pollutant)))];
    const factors: FactorRow[] = pollutants.map((p) => {
      const v = stats.valid.get(`${site.id}/${p}`);
      const info = registry.pollutants[p];
      const limit = limits.get(`${site.id}/${p}`)?.limit;
      const beyond = stats.beyond.get(`${site.id}/${p}`);
      const received = site.devices.reduce((n, d) => n + (stats.received.get(`${site.id}/${d.id}/${p}`) ?? 0), 0);
      return {
        pollutant: p,
        nameZh: info?.nameZh ?? p,
        unit: info?.unit ?? '',
        received,
        valid: v?.count ?? 0,
        ...(v && v.count > 0 ? { min: v.min, mean: v.mean, max: v.max } : {}),
        ...(limit ? { limit } : {}),
        exceedances: beyond?.exceedances ?? 0,
        warnings: beyond?.warnings ?? 0,
        flatlined: v !== undefined && v.count >= 2 && v.min === v.max,
      };
    });
    const expected = devices.reduce((n, d) => n + d.expected, 0);
    const received = devices.reduce((n, d) => n + d.received, 0);
    const valve = stats.valve.get(site.id);
    return {
      site: site.id,
      name: site.name,
      kind: site.kind,
      ...(enterprise ? { enterprise: enterprise.id, enterpriseName: enterprise.name } : {}),
      officer: enterprise?.officer ?? site.officer ?? '',
      expected,
      received,
      completeness: pct(received, expected),
      online: devices.length ? Math.round((devices.reduce((n, d) => n + d.online, 0) / devices.length) * 100) / 100 : 0,
      devices,
      factors,
      exceedances: factors.reduce((n, f) => n + f.exceedances, 0),
      warnings: factors.reduce((n, f) => n + f.warnings, 0),
      ticketsOpened: idsAt(opened, site.id),
      ticketsOpen: idsAt(open, site.id),
      ...(valve ? { valve } : {}),
      offlineDevices: devices.filter((d) => d.offline).map((d) => d.device),
      flatlinedFactors: factors.filter((f) => f.flatlined).map((f) => f.pollutant),
    };
  });
  return { id: sheetId(period, registry.park.timezone), period, producedAt, dueAt: producedAt + cfg.signOffWithinMs, timezone: registry.park.timezone, sites, officers: officerParts(registry, sites) };
}

/** per officer: their enterprises (registry order) with their sites first, then their own sites */
export function officerParts(registry: Registry, sites: readonly SiteSheet[]): OfficerPart[] {
  return registry.officers
    .map((o) => ({
      officer: o.id,
      name: o.name,
      enterprises: registry.enterprises.filter((e) => e.officer === o.id).map((e) => ({ id: e.id, name: e.name, sites: sites.filter((s) => s.enterprise === e.id).map((s) => s.site) })),
      sites: sites.filter((s) => !s.enterprise && s.officer === o.id).map((s) => s.site),
    }))
    .filter((p) => p.enterprises.length > 0 || p.sites.length > 0);
}
