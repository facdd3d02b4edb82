import type { Reading } from '../../../gateway/model/reading.js';
import type { Registry, Site } from '../../../gateway/registry/schema.js';
import type { TicketLevel, TicketSummary } from '../../tickets/types.js';
import type { Point } from '../lineProtocol/index.js';

/**
 * How old a site's newest reading may be before the site counts as silent (停报): the no-data rule's
 * missed intervals (default 3) times the slowest device interval at the site, as the no-data rule
 * judges a device (processor/rules/noDataBindings.ts). The dashboards use the same figure.
 */
export function staleAfterMs(registry: Registry, site: Site): number {
  const rule = registry.rules.find((r) => r.type === 'no-data');
  const missed = rule && rule.type === 'no-data' ? rule.missedIntervals : 3;
  return missed * Math.max(...site.devices.map((d) => d.intervalMs));
}

/** the newest reading time of every site the gateway has accepted readings of since it started */
export interface LastSeen {
  observe(batch: readonly Reading[]): void;
  get(site: string): number | undefined;
}

export function createLastSeen(): LastSeen {
  const at = new Map<string, number>();
  return {
    observe(batch) {
      for (const r of batch) if (r.ts > (at.get(r.site) ?? -Infinity)) at.set(r.site, r.ts);
    },
    get: (site) => at.get(site),
  };
}

/** `state` on the map: the highest level of the site's tickets not closed, 停报 above them all */
export const SITE_STATE = { normal: 0, warning: 1, control: 2, exceedance: 3, stale: 4 } as const;
const LEVEL_RANK: Record<TicketLevel, number> = { warning: SITE_STATE.warning, control: SITE_STATE.control, exceedance: SITE_STATE.exceedance };

/**
 * Every site of the registry, each period: measurement `site_state`, tags site, kind, enterprise (its
 * name, as on the readings' points; absent without one); fields lat, lon (the registry's location, WGS84), age_s (seconds since the newest
 * reading; absent when none was accepted since the gateway started), stale (1 when age_s is beyond
 * staleAfterMs or unknown, else 0), level (highest level of the tickets not closed: 0 none, 1 预警,
 * 2 管控, 3 超标), open (tickets not closed), state (level, or 4 停报 when stale). A site that stopped
 * sending keeps its row, marked stale, on the dashboards.
 */
export function siteStatePoints(registry: Registry, lastSeen: Pick<LastSeen, 'get'>, tickets: readonly TicketSummary[], now: number): Point[] {
  const open = new Map<string, TicketSummary[]>();
  for (const t of tickets) if (t.status !== 'closed') open.set(t.site, [...(open.get(t.site) ?? []), t]);
  const names = new Map(registry.enterprises.map((e) => [e.id, e.name]));
  return registry.sites.map((s) => {
    const seen = lastSeen.get(s.id);
    const age = seen === undefined ? undefined : Math.max(0, now - seen);
    const stale = age === undefined || age > staleAfterMs(registry, s);
    const level = Math.max(SITE_STATE.normal, ...(open.get(s.id) ?? []).map((t) => LEVEL_RANK[t.level]));
    return {
      measurement: 'site_state',
      tags: { site: s.id, kind: s.kind, enterprise: names.get(s.enterprise ?? '') },
      fields: { lat: s.location.lat, lon: s.location.lon, ...(age !== undefined ? { age_s: Math.round(age / 1000) } : {}), stale: stale ? 1 : 0, level, open: open.get(s.id)?.length ?? 0, state: stale ? SITE_STATE.stale : level },
      timestamp: now,
    };
  });
}
