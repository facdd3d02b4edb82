import type Database from 'better-sqlite3';
import type { PatrolSheet, Reopened, SignOff } from './types.js';

export interface PatrolSummary {
  id: string;
  periodStart: number;
  periodEnd: number;
  producedAt: number;
  dueAt: number;
  /** officers who have signed their part off (currently: a reopened part is not signed until signed again) */
  signedBy: string[];
}

/** A chief reopening an officer's signed part: the sign-off moves to the history, the part can be signed again. */
export interface ReopenRequest {
  sheet: string;
  officer: string;
  /** the chief (username) */
  by: string;
  at: number;
  reason: string;
}

/** Patrol sheets, their sign-offs and the chief alerts sent for them. Synchronous like the ticket store. */
export interface PatrolStore {
  /** stores the sheet; a sheet made again for the same period replaces the figures and keeps the sign-offs */
  save(sheet: PatrolSheet): void;
  get(id: string): PatrolSheet | undefined;
  /** newest period first */
  list(page: { limit: number; offset: number }): { sheets: PatrolSummary[]; total: number };
  /** records an officer's sign-off (its revision counted after the reopened ones); false when that officer's part is signed already */
  signOff(s: Omit<SignOff, 'revision'>): boolean;
  /** the current sign-offs (one per officer at most) */
  signOffs(sheet: string): SignOff[];
  /** moves the officer's current sign-off into the history (kept for good); undefined when the part is not signed */
  reopen(r: ReopenRequest): Reopened | undefined;
  /** every reopened sign-off of the sheet, oldest first: the history never overwritten */
  reopened(sheet: string): Reopened[];
  /** records that the chief was alerted about an officer's missing sign-off; false if that was already done */
  markAlerted(sheet: string, officer: string, at: number): boolean;
}

/**
 * The patrol's ordered migrations, applied once each (table patrol_migrations holds the applied ones), each
 * in its own transaction with its record. Append new ones; never edit or reorder. Portable SQL.
 * The first is written with IF NOT EXISTS: files made before this list existed already hold its tables.
 */
export const PATROL_MIGRATIONS: readonly { name: string; sql: string }[] = [
  {
    name: 'patrol sheets, sign-offs, chief alerts',
    sql: `
      CREATE TABLE IF NOT EXISTS patrol_sheets (
        id TEXT PRIMARY KEY,
        period_start INTEGER NOT NULL,
        period_end INTEGER NOT NULL,
        produced_at INTEGER NOT NULL,
        due_at INTEGER NOT NULL,
        body TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS patrol_sheets_end ON patrol_sheets (period_end);
      CREATE TABLE IF NOT EXISTS patrol_signoffs (
        sheet TEXT NOT NULL REFERENCES patrol_sheets (id),
        officer TEXT NOT NULL,
        signed_by TEXT NOT NULL,
        signed_at INTEGER NOT NULL,
        remarks TEXT NOT NULL,
        PRIMARY KEY (sheet, officer)
      );
      CREATE TABLE IF NOT EXISTS patrol_alerts (
        sheet TEXT NOT NULL,
        officer TEXT NOT NULL,
        alerted_at INTEGER NOT NULL,
        PRIMARY KEY (sheet, officer)
      );`,
  },
  {
    // reopened sign-offs: one row per revision, never updated; the current sign-off is revision (count here + 1)
    name: 'patrol sign-off history',
    sql: `
      CREATE TABLE patrol_signoff_history (
        sheet TEXT NOT NULL REFERENCES patrol_sheets (id),
        officer TEXT NOT NULL,
        revision INTEGER NOT NULL,
        signed_by TEXT NOT NULL,
        signed_at INTEGER NOT NULL,
        remarks TEXT NOT NULL,
        reopened_by TEXT NOT NULL,
        reopened_at INTEGER NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (sheet, officer, revision)
      );`,
  },
];

/** Applies the patrol migrations not applied yet; returns how many are applied in all. */
export function migratePatrol(db: Database.Database, migrations = PATROL_MIGRATIONS): number {
  db.exec('CREATE TABLE IF NOT EXISTS patrol_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)');
  const applied = db.prepare<[], { v: number | null }>('SELECT MAX(version) AS v FROM patrol_migrations');
  const record = db.prepare('INSERT INTO patrol_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const done = applied.get()?.v ?? 0;
  if (done > migrations.length) throw new Error(`patrol schema version ${done} is newer than this program knows (${migrations.length}); refusing to open it`);
  for (;;) {
    // the version is read again inside each write-locked transaction: two processes apply a migration once
    const more = db
      .transaction(() => {
        const v = applied.get()?.v ?? 0;
        const m = migrations[v];
        if (!m) return false;
        db.exec(m.sql);
        record.run(v + 1, m.name, Date.now());
        return true;
      })
      .immediate();
    if (!more) return migrations.length;
  }
}

interface SheetRow { id: string; period_start: number; period_end: number; produced_at: number; due_at: number; body: string }
interface SignRow { sheet: string; officer: string; signed_by: string; signed_at: number; remarks: string }
interface HistoryRow extends SignRow { revision: number; reopened_by: string; reopened_at: number; reason: string }

/** The patrol's tables in the tickets' SQLite file (processor/tickets/sqlite.ts `db`); migrates them first. */
export function sqlitePatrolStore(db: Database.Database): PatrolStore {
  migratePatrol(db);
  const upsert = db.prepare(
    `INSERT INTO patrol_sheets (id, period_start, period_end, produced_at, due_at, body) VALUES (@id, @start, @end, @producedAt, @dueAt, @body)
     ON CONFLICT (id) DO UPDATE SET period_start = excluded.period_start, period_end = excluded.period_end, produced_at = excluded.produced_at, due_at = excluded.due_at, body = excluded.body`,
  );
  const byId = db.prepare<[string], SheetRow>('SELECT * FROM patrol_sheets WHERE id = ?');
  const page = db.prepare<[number, number], SheetRow>('SELECT * FROM patrol_sheets ORDER BY period_end DESC LIMIT ? OFFSET ?');
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM patrol_sheets');
  const signs = db.prepare<[string], SignRow>('SELECT * FROM patrol_signoffs WHERE sheet = ? ORDER BY signed_at, officer');
  const signOf = db.prepare<[string, string], SignRow>('SELECT * FROM patrol_signoffs WHERE sheet = ? AND officer = ?');
  const sign = db.prepare('INSERT INTO patrol_signoffs (sheet, officer, signed_by, signed_at, remarks) VALUES (?, ?, ?, ?, ?) ON CONFLICT (sheet, officer) DO NOTHING');
  const unsign = db.prepare('DELETE FROM patrol_signoffs WHERE sheet = ? AND officer = ?');
  const history = db.prepare<[string], HistoryRow>('SELECT * FROM patrol_signoff_history WHERE sheet = ? ORDER BY reopened_at, officer, revision');
  const revisions = db.prepare<[string], { officer: string; n: number }>('SELECT officer, COUNT(*) AS n FROM patrol_signoff_history WHERE sheet = ? GROUP BY officer');
  const keep = db.prepare(
    `INSERT INTO patrol_signoff_history (sheet, officer, revision, signed_by, signed_at, remarks, reopened_by, reopened_at, reason)
     SELECT sheet, officer, (SELECT COUNT(*) FROM patrol_signoff_history h WHERE h.sheet = s.sheet AND h.officer = s.officer) + 1, signed_by, signed_at, remarks, ?, ?, ?
     FROM patrol_signoffs s WHERE sheet = ? AND officer = ?`,
  );
  const alert = db.prepare('INSERT INTO patrol_alerts (sheet, officer, alerted_at) VALUES (?, ?, ?) ON CONFLICT (sheet, officer) DO NOTHING');
  const revisionsOf = (sheet: string) => new Map(revisions.all(sheet).map((r) => [r.officer, r.n]));
  const toSignOff = (r: SignRow, revision: number): SignOff => ({ sheet: r.sheet, officer: r.officer, by: r.signed_by, at: r.signed_at, remarks: JSON.parse(r.remarks) as Record<string, string>, revision });
  const reopenTx = db.transaction((r: ReopenRequest): Reopened | undefined => {
    if (!signOf.get(r.sheet, r.officer)) return undefined;
    keep.run(r.by, r.at, r.reason, r.sheet, r.officer);
    unsign.run(r.sheet, r.officer);
    return toReopened(history.all(r.sheet).filter((h) => h.officer === r.officer).at(-1)!);
  });
  const toReopened = (h: HistoryRow): Reopened => ({ ...toSignOff(h, h.revision), reopenedBy: h.reopened_by, reopenedAt: h.reopened_at, reason: h.reason });

  return {
    save(sheet) {
      upsert.run({ id: sheet.id, start: sheet.period.start, end: sheet.period.end, producedAt: sheet.producedAt, dueAt: sheet.dueAt, body: JSON.stringify(sheet) });
    },
    get(id) {
      const row = byId.get(id);
      return row ? (JSON.parse(row.body) as PatrolSheet) : undefined;
    },
    list({ limit, offset }) {
      const sheets = page.all(limit, offset).map((r) => ({ id: r.id, periodStart: r.period_start, periodEnd: r.period_end, producedAt: r.produced_at, dueAt: r.due_at, signedBy: signs.all(r.id).map((s) => s.officer) }));
      return { sheets, total: count.get()!.n };
    },
    signOff(s) {
      return sign.run(s.sheet, s.officer, s.by, s.at, JSON.stringify(s.remarks)).changes === 1;
    },
    signOffs(sheet) {
      const before = revisionsOf(sheet);
      return signs.all(sheet).map((r) => toSignOff(r, (before.get(r.officer) ?? 0) + 1));
    },
    reopen: (r) => reopenTx.immediate(r),
    reopened: (sheet) => history.all(sheet).map(toReopened),
    markAlerted: (sheet, officer, at) => alert.run(sheet, officer, at).changes === 1,
  };
}
