import { z } from 'zod';
import type { Reading } from '../../gateway/model/reading.js';
import type { Registry } from '../../gateway/registry/schema.js';
import type { RuleEvent } from '../rules/schema.js';
import type { EventEvidence } from '../tickets/service.js';
import type { Point } from './geo.js';
import { persistenceOf, type AttributionStore, type Persistence } from './persistence.js';
import { rankCandidates, type Candidate, type Firing, type ScoredCandidate, type Sector } from './rank.js';
import { episodeWind, WindHistory, type EpisodeWind } from './wind.js';

export { memoryAttributionStore, persistenceOf, type AttributionRecord, type AttributionStore, type Persistence } from './persistence.js';
export { sqliteAttributionStore } from './sqliteStore.js';
export { rankCandidates, sectorOf, type Candidate, type Firing, type ScoredCandidate, type Sector } from './rank.js';
export { bearingDistance, angleBetween, type Point } from './geo.js';
export { episodeWind, WindHistory, type EpisodeWind, type WindSample } from './wind.js';

/** What is attached to an odor ticket as evidence kind 'attribution'. */
export interface Attribution {
  site: string;
  pollutant: string;
  rule: string;
  /** epoch ms of the event */
  at: number;
  /** the episode's vector-mean wind at the station (its own anemometer, else the weather station); null without wind data */
  wind: EpisodeWind | null;
  sector: Sector | null;
  calm: boolean;
  /** the best candidates, best first (at most `top` of the registry's attribution config) */
  candidates: ScoredCandidate[];
  /** candidates in the sector, before the cut to `top` */
  considered: number;
  /** other stations firing together, with the sectors intersected */
  intersecting: { site: string; wind: EpisodeWind | null; sector: Sector | null }[];
  top?: { enterprise: string; name: string };
  persistence: Persistence;
  /** one line for people (Chinese, like the alerts) */
  summary: string;
}

export interface OdorAttribution {
  /** every batch of accepted readings: keeps the wind history of each wind source */
  observe(batch: readonly Reading[]): void;
  /**
   * The rule events of one batch: follows the odor episodes (open/clear) and, for each odor `open`,
   * ranks the upwind enterprises, records the top one and returns the evidence and priority for its ticket.
   */
  annotate(events: readonly RuleEvent[]): Map<RuleEvent, EventEvidence>;
}

/**
 * The rule engine's 15-min wind at the weather station, as it puts it on odor events (context.wind). Its
 * state survives a restart, so right after one, before this component has wind of its own, it stands in.
 */
const EngineWindSchema = z.object({ speed: z.number(), direction: z.number(), resultant: z.number().min(0).max(1), n: z.number().int().positive(), at: z.number() });
const ENGINE_WIND_MS = 15 * 60_000;

interface Episode {
  site: string;
  since: number;
  clearedAt?: number;
}

/**
 * Odor source attribution (异味溯源): a component fed with the readings (wind) and the rule engine's
 * events. Wind history is bounded per source (registry attribution.historyMs / historyMax); the record
 * of attributions (persistence across episodes) lives in `store`.
 */
export function createOdorAttribution(deps: { registry: Registry; store: AttributionStore }): OdorAttribution {
  const { registry, store } = deps;
  const cfg = registry.attribution;
  const sites = new Map(registry.sites.map((s) => [s.id, s]));
  const weather = registry.sites.find((s) => s.kind === 'weather')?.id;
  const candidates: Candidate[] = registry.enterprises.flatMap((e) => (e.location ? [{ enterprise: e.id, name: e.name, location: e.location, emissions: e.emissions ?? [] }] : []));
  const winds = new Map<string, WindHistory>();
  const episodes = new Map<string, Episode>();

  const historyOf = (site: string) => {
    let h = winds.get(site);
    if (!h) winds.set(site, (h = new WindHistory(cfg.historyMs, cfg.historyMax)));
    return h;
  };

  /** the station's own wind over [from, to] where it has samples, else the weather station's */
  const windOver = (site: string, from: number, to: number): EpisodeWind | undefined => {
    const own = winds.get(site);
    const mine = own && episodeWind(site, own.all(), from, to);
    if (mine) return mine;
    const park = weather ? winds.get(weather) : undefined;
    return park && weather ? episodeWind(weather, park.all(), from, to) : undefined;
  };

  const firingOf = (site: string, since: number, at: number): Firing | undefined => {
    const loc: Point | undefined = sites.get(site)?.location;
    if (!loc) return undefined;
    return { site, location: loc, wind: windOver(site, Math.min(since, at - cfg.minWindowMs), at) };
  };

  /** other stations whose odor episodes overlap this one's (within coincidenceMs) */
  const othersFiring = (ev: RuleEvent, since: number): { site: string; since: number }[] => {
    const bySite = new Map<string, number>();
    for (const e of episodes.values()) {
      if (e.site === ev.site) continue;
      const overlaps = e.since <= ev.ts + cfg.coincidenceMs && (e.clearedAt === undefined || e.clearedAt >= since - cfg.coincidenceMs);
      if (overlaps) bySite.set(e.site, Math.min(bySite.get(e.site) ?? Infinity, e.since));
    }
    return [...bySite].map(([site, s]) => ({ site, since: s })).sort((a, b) => a.site.localeCompare(b.site));
  };

  const attribute = (ev: RuleEvent): Attribution | undefined => {
    const since = ev.since ?? ev.ts;
    const station = firingOf(ev.site, since, ev.ts);
    if (!station) return undefined;
    const engine = EngineWindSchema.safeParse(ev.context?.wind);
    if (!station.wind && engine.success && weather) {
      const w = engine.data;
      station.wind = { source: weather, from: w.at - ENGINE_WIND_MS, to: w.at, n: w.n, speed: w.speed, direction: w.direction, resultant: w.resultant };
    }
    const others = othersFiring(ev, since).flatMap((o) => firingOf(o.site, o.since, ev.ts) ?? []);
    const { sector, others: sectors, ranked } = rankCandidates(station, ev.pollutant, candidates, cfg, others);
    const first = ranked[0];
    let persistence: Persistence = { priority: 'normal', episodes: 0, withinMs: cfg.persistence.withinMs };
    if (first) {
      persistence = persistenceOf(store.topsSince(first.enterprise, ev.ts - cfg.persistence.withinMs), ev.ts, cfg.persistence);
      store.record({ at: ev.ts, site: ev.site, pollutant: ev.pollutant, rule: ev.rule, top: first.enterprise });
    }
    return {
      site: ev.site,
      pollutant: ev.pollutant,
      rule: ev.rule,
      at: ev.ts,
      wind: station.wind ?? null,
      sector: sector ?? null,
      calm: sector?.calm ?? false,
      candidates: ranked.slice(0, cfg.top),
      considered: ranked.length,
      intersecting: others.map((o) => ({ site: o.site, wind: o.wind ?? null, sector: sectors.find((s) => s.site === o.site) ?? null })),
      ...(first ? { top: { enterprise: first.enterprise, name: first.name } } : {}),
      persistence,
      summary: summaryOf(station.wind, sector, ranked, others.map((o) => o.site), persistence),
    };
  };

  return {
    observe(batch) {
      for (const r of batch) {
        if (r.flag !== 'N' || (r.pollutant !== 'a01007' && r.pollutant !== 'a01008')) continue;
        const h = historyOf(r.site);
        if (r.pollutant === 'a01007') h.speedAt(r.ts, r.value);
        else h.directionAt(r.ts, r.value);
      }
    },

    annotate(events) {
      const out = new Map<RuleEvent, EventEvidence>();
      if (!cfg.enabled) return out;
      const odor = events.filter((e) => e.category === 'odor' && e.type !== 'update');
      if (odor.length === 0) return out;
      // every episode of the batch first: stations opening together see each other
      for (const ev of odor) {
        const key = `${ev.site}|${ev.rule}|${ev.pollutant}`;
        if (ev.type === 'open') episodes.set(key, { site: ev.site, since: ev.since ?? ev.ts });
        else {
          const e = episodes.get(key);
          if (e) e.clearedAt = ev.ts;
        }
      }
      const now = Math.max(...odor.map((e) => e.ts));
      for (const [k, e] of episodes) if (e.clearedAt !== undefined && now - e.clearedAt > cfg.coincidenceMs) episodes.delete(k);
      for (const ev of odor) {
        if (ev.type !== 'open') continue;
        const a = attribute(ev);
        if (!a) continue;
        const reason = a.top ? `${a.top.name} (${a.top.enterprise}) 第${a.persistence.episodes}次列为首要疑似来源 (${Math.round(a.persistence.withinMs / 86_400_000)}天内)` : '';
        out.set(ev, { attribution: a, ...(a.persistence.priority !== 'normal' ? { priority: { level: a.persistence.priority, reason } } : {}) });
      }
      if (out.size > 0) store.prune(now - 4 * cfg.persistence.withinMs);
      return out;
    },
  };
}

function summaryOf(wind: EpisodeWind | undefined, sector: Sector | undefined, ranked: readonly ScoredCandidate[], others: readonly string[], p: Persistence): string {
  if (!wind || !sector) return '无风向数据，未能溯源';
  const w = `${wind.source} 风速 ${wind.speed.toFixed(1)} m/s`;
  const where = sector.calm ? `静风 (${w})：附近 ${Math.round(sector.reachM)} m 内各方向来源均有可能` : `上风向 ${Math.round(sector.centreDeg)}°±${Math.round(sector.halfWidthDeg)}° (${w})`;
  const withOthers = others.length ? `，与 ${others.join('、')} 扇区求交` : '';
  if (ranked.length === 0) return `${where}${withOthers}：扇区内无登记企业`;
  const list = ranked.slice(0, 3).map((c, i) => `${i + 1}. ${c.name} ${Math.round(c.distanceM)} m`).join('；');
  const again = p.priority !== 'normal' ? `；${p.episodes}次列为首要来源` : '';
  return `${where}${withOthers}：疑似来源 ${list}${again}`;
}
