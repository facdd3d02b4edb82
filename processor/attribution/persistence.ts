import type { AttributionConfig } from '../../gateway/registry/attribution.js';
import type { TicketPriority } from '../tickets/types.js';

/** One attribution made: which enterprise came out on top, for which station's event. */
export interface AttributionRecord {
  /** epoch ms of the rule event */
  at: number;
  site: string;
  pollutant: string;
  rule: string;
  /** enterprise id ranked first */
  top: string;
}

/**
 * The attributions made so far, kept across restarts (SQLite by default: sqliteStore.ts) so that an
 * enterprise on top again next week is recognised after the gateway was restarted in between.
 */
export interface AttributionStore {
  record(r: AttributionRecord): void;
  /** the times, oldest first, at which `enterprise` was on top at or after `since` */
  topsSince(enterprise: string, since: number): number[];
  /** forgets records older than `before` */
  prune(before: number): void;
}

/** In memory: for tests and for running without a database. */
export function memoryAttributionStore(): AttributionStore & { records: AttributionRecord[] } {
  const records: AttributionRecord[] = [];
  return {
    records,
    record: (r) => void records.push({ ...r }),
    topsSince: (enterprise, since) => records.filter((r) => r.top === enterprise && r.at >= since).map((r) => r.at).sort((a, b) => a - b),
    prune(before) {
      for (let i = records.length - 1; i >= 0; i--) if (records[i]!.at < before) records.splice(i, 1);
    },
  };
}

export interface Persistence {
  priority: TicketPriority;
  /** episodes with this enterprise on top within the window, this one included */
  episodes: number;
  withinMs: number;
}

/**
 * Persistent attribution (the same enterprise on top again) raises the ticket's priority. Attributions
 * less than `episodeGapMs` apart are one episode (several rules or stations firing at the same plume);
 * `high` episodes within `withinMs` (this one included) make the ticket high, `urgent` make it urgent.
 */
export function persistenceOf(previous: readonly number[], at: number, p: AttributionConfig['persistence']): Persistence {
  const times = [...previous.filter((t) => t <= at && at - t <= p.withinMs), at].sort((a, b) => a - b);
  let episodes = 0;
  let last = -Infinity;
  for (const t of times) {
    if (t - last > p.episodeGapMs) episodes++;
    last = t;
  }
  const priority: TicketPriority = episodes >= p.urgent ? 'urgent' : episodes >= p.high ? 'high' : 'normal';
  return { priority, episodes, withinMs: p.withinMs };
}
