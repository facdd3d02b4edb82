import type Database from 'better-sqlite3';
import type { AuditEntry, AuditFilter, AuditLog } from './types.js';

interface Row {
  id: number;
  at: number;
  actor: string;
  actor_role: AuditEntry['actorRole'] | null;
  address: string | null;
  action: string;
  target: string;
  outcome: AuditEntry['outcome'];
  reason: string | null;
  before_json: string | null;
  after_json: string | null;
}

const MAX_TEXT = 2000;
const clip = (s: string | undefined, max = MAX_TEXT) => (s === undefined ? null : s.length > max ? `${s.slice(0, max)}…` : s);
const json = (v: unknown) => (v === undefined ? null : JSON.stringify(v));

function entry(r: Row): AuditEntry {
  return {
    id: r.id,
    at: r.at,
    actor: r.actor,
    ...(r.actor_role ? { actorRole: r.actor_role } : {}),
    ...(r.address ? { address: r.address } : {}),
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    ...(r.reason !== null ? { reason: r.reason } : {}),
    ...(r.before_json !== null ? { before: JSON.parse(r.before_json) as unknown } : {}),
    ...(r.after_json !== null ? { after: JSON.parse(r.after_json) as unknown } : {}),
  };
}

const PAGE = 500;

/** The audit log on access.db's audit_log table (append-only: its triggers refuse UPDATE and DELETE). */
export function sqliteAuditLog(db: Database.Database, now: () => number): AuditLog & { iterate(filter: AuditFilter): IterableIterator<AuditEntry> } {
  const insert = db.prepare(
    `INSERT INTO audit_log (at, actor, actor_role, address, action, target, outcome, reason, before_json, after_json)
     VALUES (@at, @actor, @actor_role, @address, @action, @target, @outcome, @reason, @before_json, @after_json)`,
  );
  const where = (f: AuditFilter) => {
    const clauses: string[] = [];
    const params: Record<string, unknown> = {};
    const add = (clause: string, key: string, value: unknown) => {
      if (value === undefined) return;
      clauses.push(clause);
      params[key] = value;
    };
    add('at >= @from', 'from', f.from);
    add('at < @to', 'to', f.to);
    for (const k of ['actor', 'action', 'target', 'outcome'] as const) add(`${k} = @${k}`, k, f[k]);
    return { clauses, params };
  };
  return {
    append(e) {
      const row = {
        at: e.at ?? now(),
        actor: clip(e.actor, 200)!,
        actor_role: e.actorRole ?? null,
        address: clip(e.address, 100),
        action: clip(e.action, 100)!,
        target: clip(e.target, 300)!,
        outcome: e.outcome,
        reason: clip(e.reason),
        before_json: json(e.before),
        after_json: json(e.after),
      };
      const id = Number(insert.run(row).lastInsertRowid);
      return entry({ id, ...row });
    },
    list(f) {
      const w = where(f);
      const sql = w.clauses.length ? `WHERE ${w.clauses.join(' AND ')}` : '';
      const total = (db.prepare(`SELECT count(*) AS n FROM audit_log ${sql}`).get(w.params) as { n: number }).n;
      const rows = db.prepare(`SELECT * FROM audit_log ${sql} ORDER BY id DESC LIMIT @limit OFFSET @offset`).all({ ...w.params, limit: f.limit ?? 100, offset: f.offset ?? 0 }) as Row[];
      return { entries: rows.map(entry), total };
    },
    /** oldest first, in pages by id (no statement stays open between pages, so others may write meanwhile): for the export */
    *iterate(f) {
      const w = where(f);
      const stmt = db.prepare(`SELECT * FROM audit_log WHERE ${[...w.clauses, 'id > @after'].join(' AND ')} ORDER BY id ASC LIMIT ${PAGE}`);
      let after = 0;
      let left = f.limit ?? Infinity;
      for (;;) {
        const rows = stmt.all({ ...w.params, after }) as Row[];
        for (const r of rows) {
          if (left-- <= 0) return;
          yield entry(r);
        }
        if (rows.length < PAGE) return;
        after = rows.at(-1)!.id;
      }
    },
  };
}
