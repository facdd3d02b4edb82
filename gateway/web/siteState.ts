import { scopeOf, seesSite } from '../auth/scope.js';
import type { Principal } from '../auth/types.js';
import type { Site, SiteKind } from '../registry/schema.js';
import type { ValveState } from '../../processor/interlock/types.js';
import type { TicketStatus } from '../../processor/tickets/types.js';
import type { WebDeps } from './types.js';

export const SITE_KIND_ZH: Record<SiteKind, string> = { rain_outlet: '雨水排口', wastewater_pipe: '一企一管', air_fence: '厂界空气', weather: '气象' };

/** every status but closed */
export const LIVE_STATUSES: TicketStatus[] = ['open', 'acknowledged', 'rectifying', 'awaiting_verification'];

export interface SiteState {
  site: Site;
  /** one of this person's own sites (an officer's scope) */
  mine: boolean;
  online: number;
  devices: number;
  /** newest successful poll or message of any of the site's devices, epoch ms */
  lastOkAt?: number;
  /** open tickets at the site; undefined for sites outside the person's scope (their tickets are not theirs to see) */
  openTickets?: number;
  valve?: ValveState;
}

/**
 * Every site's current state for this person. Everyone signed in sees every site's state (devices,
 * data age, valve: facts of the park, not of a case); the number of open tickets only for the sites in
 * their scope, as the tickets themselves. Their own sites come first, then by kind and id.
 */
export function siteStates(deps: WebDeps, p: Principal): SiteState[] {
  const scope = scopeOf(deps.registry, p);
  const valves = deps.valves?.() ?? [];
  const out = deps.registry.sites.map((site): SiteState => {
    let online = 0;
    let lastOkAt: number | undefined;
    for (const d of site.devices) {
      const s = deps.health.get(d.id);
      if (s?.online) online++;
      if (s?.lastOkAt !== undefined && (lastOkAt === undefined || s.lastOkAt > lastOkAt)) lastOkAt = s.lastOkAt;
    }
    const sees = seesSite(scope, site.id);
    const openTickets = sees ? deps.tickets.list({ site: site.id, status: LIVE_STATUSES, limit: 1 }).total : undefined;
    const valve = valves.find((v) => v.site === site.id);
    return { site, mine: !scope.all && sees, online, devices: site.devices.length, ...(lastOkAt !== undefined ? { lastOkAt } : {}), ...(openTickets !== undefined ? { openTickets } : {}), ...(valve ? { valve } : {}) };
  });
  const kinds = Object.keys(SITE_KIND_ZH);
  return out.sort((a, b) => Number(b.mine) - Number(a.mine) || kinds.indexOf(a.site.kind) - kinds.indexOf(b.site.kind) || a.site.id.localeCompare(b.site.id));
}

/**
 * How old a site's newest data may be before it counts as silent: the no-data rule's missed intervals
 * (default 3) times the slowest device interval at the site (as the dashboards judge it).
 */
export function staleAfterMs(deps: WebDeps, site: Site): number {
  const rule = deps.registry.rules.find((r) => r.type === 'no-data');
  const missed = rule && rule.type === 'no-data' ? rule.missedIntervals : 3;
  return missed * Math.max(...site.devices.map((d) => d.intervalMs));
}

/** "3 分钟前", "2 小时前", "—" */
export function age(now: number, at: number | undefined): string {
  if (at === undefined) return '—';
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s} 秒前`;
  if (s < 3600) return `${Math.floor(s / 60)} 分钟前`;
  if (s < 86_400) return `${Math.floor(s / 3600)} 小时前`;
  return `${Math.floor(s / 86_400)} 天前`;
}

/** 开 / 关 / 未知, with where it comes from */
export const valveText = (v: ValveState | undefined): string => (v === undefined ? '—' : v.open === undefined ? '未知' : v.open ? '开' : '关');
