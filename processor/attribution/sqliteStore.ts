import type Database from 'better-sqlite3';
import type { AttributionStore } from './persistence.js';

/** AttributionStore on the application's SQLite file (table `odor_attribution`, migrations.ts 'ticket-priority'). */
export function sqliteAttributionStore(db: Database.Database): AttributionStore {
  const q = {
    record: db.prepare('INSERT INTO odor_attribution (at, site, pollutant, rule, top) VALUES (?, ?, ?, ?, ?)'),
    tops: db.prepare<[string, number], { at: number }>('SELECT at FROM odor_attribution WHERE top = ? AND at >= ? ORDER BY at'),
    prune: db.prepare('DELETE FROM odor_attribution WHERE at < ?'),
  };
  return {
    record: (r) => void q.record.run(r.at, r.site, r.pollutant, r.rule, r.top),
    topsSince: (enterprise, since) => q.tops.all(enterprise, since).map((r) => r.at),
    prune: (before) => void q.prune.run(before),
  };
}
