import type Database from 'better-sqlite3';
import type { PatrolSheet, SignOff } from './types.js';

export interface PatrolSummary {
  id: string;
  periodStart: number;
  periodEnd: number;
  producedAt: number;
  dueAt: number;
  /** officers who have signed their part off */
  signedBy: string[];
}

/** Patrol sheets, their sign-offs and the chief alerts sent for them. Synchronous like the ticket store. */
export interface PatrolStore {
  /** stores the sheet; a sheet made again for the same period replaces the figures and keeps the sign-offs */
  save(sheet: PatrolSheet): void;
  get(id: string): PatrolSheet | undefined;
  /** newest period first */
  list(page: { limit: number; offset: number }): { sheets: PatrolSummary[]; total: number };
  /** records an officer's sign-off; false when that officer has already signed the sheet */
  signOff(s: SignOff): boolean;
  signOffs(sheet: string): SignOff[];
  /** records that the chief was alerted about an officer's missing sign-off; false if that was already done */
  markAlerted(sheet: string, officer: string, at: number): boolean;
}

// Portable SQL (no SQLite-only syntax beyond INSERT OR IGNORE's equivalent ON CONFLICT DO NOTHING).
const SCHEMA = `
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
);`;

interface SheetRow { id: string; period_start: number; period_end: number; produced_at: number; due_at: number; body: string }
interface SignRow { sheet: string; officer: string; signed_by: string; signed_at: number; remarks: string }

/** The patrol's tables in the tickets' SQLite file (processor/tickets/sqlite.ts `db`); creates them if missing. */
export function sqlitePatrolStore(db: Database.Database): PatrolStore {
  db.exec(SCHEMA);
  const upsert = db.prepare(
    `INSERT INTO patrol_sheets (id, period_start, period_end, produced_at, due_at, body) VALUES (@id, @start, @end, @producedAt, @dueAt, @body)
     ON CONFLICT (id) DO UPDATE SET period_start = excluded.period_start, period_end = excluded.period_end, produced_at = excluded.produced_at, due_at = excluded.due_at, body = excluded.body`,
  );
  const byId = db.prepare<[string], SheetRow>('SELECT * FROM patrol_sheets WHERE id = ?');
  const page = db.prepare<[number, number], SheetRow>('SELECT * FROM patrol_sheets ORDER BY period_end DESC LIMIT ? OFFSET ?');
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM patrol_sheets');
  const signs = db.prepare<[string], SignRow>('SELECT * FROM patrol_signoffs WHERE sheet = ? ORDER BY signed_at, officer');
  const sign = db.prepare('INSERT INTO patrol_signoffs (sheet, officer, signed_by, signed_at, remarks) VALUES (?, ?, ?, ?, ?) ON CONFLICT (sheet, officer) DO NOTHING');
  const alert = db.prepare('INSERT INTO patrol_alerts (sheet, officer, alerted_at) VALUES (?, ?, ?) ON CONFLICT (sheet, officer) DO NOTHING');
  const toSignOff = (r: SignRow): SignOff => ({ sheet: r.sheet, officer: r.officer, by: r.signed_by, at: r.signed_at, remarks: JSON.parse(r.remarks) as Record<string, string> });

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
    signOffs: (sheet) => signs.all(sheet).map(toSignOff),
    markAlerted: (sheet, officer, at) => alert.run(sheet, officer, at).changes === 1,
  };
}
