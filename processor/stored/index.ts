import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';

/** What was stored for one series at one timestamp. */
export interface StoredValue {
  value: number;
  flag: string;
  /**
   * recorded by the last commit before this process started: its spool append may not have happened
   * (kill -9 between the two), so an exact re-send of it is taken again (see createSqliteStoredTimestamps)
   */
  uncertain: boolean;
}

export interface StoredRow {
  series: number;
  ts: number;
  value: number;
  flag: string;
}

/**
 * The record of every (series, timestamp) already stored, so stored history is never overwritten
 * (issue 11: "a reading for a series and timestamp already stored is refused as a duplicate however old it
 * is and across restarts"). A series (site, device, pollutant) is a small integer. Injected into the
 * processor; the SQL is kept portable (PRIMARY KEY (series, ts), INSERT ... ON CONFLICT) for a PostgreSQL
 * store with the same interface.
 */
export interface StoredTimestamps {
  /** the integer id of a series, assigned on first sight and kept */
  seriesId(site: string, device: string, pollutant: string): number;
  /** the newest timestamp stored for the series (-Infinity when none): a reading above it cannot be a duplicate */
  newest(series: number): number;
  get(series: number, ts: number): StoredValue | undefined;
  /** records the rows, in one transaction; durable (survives kill -9) when it returns */
  record(rows: readonly StoredRow[]): void;
  /** takes rows back (their spool append failed: the source sends them again) */
  remove(rows: readonly Pick<StoredRow, 'series' | 'ts'>[]): void;
  /**
   * forgets timestamps before `before` (epoch ms), which validation refuses anyway (timestampBounds.maxPastMs):
   * the record stays as long as a reading for it could still arrive, no longer; returns the rows deleted
   */
  prune(before: number): number;
  close(): void;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS series (id INTEGER PRIMARY KEY, site TEXT NOT NULL, device TEXT NOT NULL, pollutant TEXT NOT NULL, UNIQUE (site, device, pollutant));
CREATE TABLE IF NOT EXISTS stored (series INTEGER NOT NULL, ts INTEGER NOT NULL, value REAL NOT NULL, flag TEXT NOT NULL, gen INTEGER NOT NULL, PRIMARY KEY (series, ts)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT INTO meta (key, value) VALUES ('gen', 0) ON CONFLICT (key) DO NOTHING;
`;

/**
 * SQLite (WAL) record of stored timestamps in `file` (e.g. <dataDir>/stored.db), opened by `open()` or
 * on first use. Each `record` is one
 * transaction and bumps a commit generation kept in `meta`; the rows carry it.
 *
 * Ordering with the spool (kill -9): the processor records a commit's rows here BEFORE the spool append
 * (both synchronous, in the same turn), and removes them again if the append throws. A kill -9 between
 * the two leaves rows recorded whose readings may not be on disk; their batches were not acknowledged, so
 * their sources send them again. Only the last generation can be in that state (one commit completes
 * before the next begins), so rows of the generation found at open are `uncertain`: an exact re-send of
 * one is taken again (written once more: the same point, harmless in InfluxDB) and confirmed, a different
 * value is refused as for any stored row. synchronous=NORMAL: a commit survives a killed process (the WAL
 * is in the OS's cache); a power loss may lose the last commits, the spool's own fsync policy decides
 * what the readings lose then.
 */
export function createSqliteStoredTimestamps(file: string): StoredTimestamps & { open(): void } {
  let impl: StoredTimestamps | undefined;
  const it = () => (impl ??= openSqlite(file));
  return {
    open: () => void it(),
    seriesId: (site, device, pollutant) => it().seriesId(site, device, pollutant),
    newest: (series) => it().newest(series),
    get: (series, ts) => it().get(series, ts),
    record: (rows) => it().record(rows),
    remove: (rows) => it().remove(rows),
    prune: (before) => it().prune(before),
    close() {
      impl?.close();
      impl = undefined;
    },
  };
}

function openSqlite(file: string): StoredTimestamps {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  const uncertainGen = (db.prepare("SELECT value FROM meta WHERE key = 'gen'").get() as { value: number }).value;
  let gen = uncertainGen;
  const ids = new Map<string, number>();
  for (const r of db.prepare('SELECT id, site, device, pollutant FROM series').all() as { id: number; site: string; device: string; pollutant: string }[]) ids.set(`${r.site}\0${r.device}\0${r.pollutant}`, r.id);
  const insertSeries = db.prepare('INSERT INTO series (site, device, pollutant) VALUES (?, ?, ?)');
  const newestStmt = db.prepare('SELECT MAX(ts) AS ts FROM stored WHERE series = ?');
  const getStmt = db.prepare('SELECT value, flag, gen FROM stored WHERE series = ? AND ts = ?');
  // a row is only recorded when accepted: new, or an uncertain one taken again (then confirmed with this generation)
  const insert = db.prepare('INSERT INTO stored (series, ts, value, flag, gen) VALUES (?, ?, ?, ?, ?) ON CONFLICT (series, ts) DO UPDATE SET gen = excluded.gen');
  const setGen = db.prepare("UPDATE meta SET value = ? WHERE key = 'gen'");
  const del = db.prepare('DELETE FROM stored WHERE series = ? AND ts = ?');
  // per series, a range of the primary key: no full scan
  const pruneSeries = db.prepare('DELETE FROM stored WHERE series = ? AND ts < ?');
  const recordTx = db.transaction((rows: readonly StoredRow[]) => {
    gen++;
    setGen.run(gen);
    for (const r of rows) insert.run(r.series, r.ts, r.value, r.flag, gen);
  });
  const removeTx = db.transaction((rows: readonly Pick<StoredRow, 'series' | 'ts'>[]) => {
    for (const r of rows) del.run(r.series, r.ts);
  });
  return {
    seriesId(site, device, pollutant) {
      const key = `${site}\0${device}\0${pollutant}`;
      let id = ids.get(key);
      if (id === undefined) {
        id = Number(insertSeries.run(site, device, pollutant).lastInsertRowid);
        ids.set(key, id);
      }
      return id;
    },
    newest(series) {
      const row = newestStmt.get(series) as { ts: number | null } | undefined;
      return row?.ts ?? -Infinity;
    },
    get(series, ts) {
      const row = getStmt.get(series, ts) as { value: number; flag: string; gen: number } | undefined;
      return row ? { value: row.value, flag: row.flag, uncertain: uncertainGen > 0 && row.gen === uncertainGen } : undefined;
    },
    record(rows) {
      if (rows.length > 0) recordTx(rows);
    },
    remove(rows) {
      if (rows.length > 0) removeTx(rows);
    },
    prune(before) {
      let n = 0;
      for (const id of ids.values()) n += pruneSeries.run(id, before).changes;
      return n;
    },
    close: () => db.close(),
  };
}

/**
 * Prunes now and every `everyMs` (default 1 h) the timestamps older than validation accepts
 * (timestampBounds.maxPastMs, plus a day of margin): a reading that old is refused before dedupe, so its
 * record is no longer needed. Returns the stop.
 */
export function prunePeriodically(stored: StoredTimestamps, maxPastMs: number, log: Pick<Logger, 'info' | 'error'>, everyMs = 3_600_000, now: () => number = Date.now): () => void {
  const prune = () => {
    try {
      const rows = stored.prune(now() - maxPastMs - 86_400_000);
      if (rows > 0) log.info({ rows }, 'stored timestamps older than the accepted past forgotten');
    } catch (err) {
      log.error({ err: (err as Error).message }, 'stored timestamps not pruned');
    }
  };
  prune();
  const timer = setInterval(prune, everyMs).unref();
  return () => clearInterval(timer);
}
