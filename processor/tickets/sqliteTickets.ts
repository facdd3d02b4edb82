import Database from 'better-sqlite3';
import { formatTicketId, LiveTicketExistsError, TicketConflictError, TicketNotFoundError, type TicketStore } from './store.js';
import type { Evidence, FlowCheck, HistoryEntry, Ticket, TicketCategory, TicketFilter, TicketLevel, TicketLimit, TicketPriority, TicketStatus, TicketSummary } from './types.js';

interface TicketRow {
  id: string;
  site: string;
  enterprise: string | null;
  officer: string;
  pollutant: string;
  rule: string;
  category: string;
  level: string;
  status: string;
  opened_at: number;
  updated_at: number;
  first_seen: number;
  last_seen: number;
  count: number;
  samples: number;
  peak: number | null;
  mean: number | null;
  limit_json: string | null;
  compliant_since: number | null;
  verification_ms: number;
  closed_at: number | null;
  version: number;
  priority: string;
  flow_check: string | null;
  deadline: number | null;
}

const COLUMNS = [
  'id', 'site', 'enterprise', 'officer', 'pollutant', 'rule', 'category', 'level', 'status', 'opened_at', 'updated_at', 'first_seen', 'last_seen',
  'count', 'samples', 'peak', 'mean', 'limit_json', 'compliant_since', 'verification_ms', 'closed_at', 'version',
  'priority',
  'flow_check',
  'deadline',
] as const;
const MUTABLE = COLUMNS.filter((c) => c !== 'id' && c !== 'version');

function toRow(t: Omit<TicketSummary, 'version'> & { version?: number }): TicketRow {
  return {
    id: t.id, site: t.site, enterprise: t.enterprise ?? null, officer: t.officer, pollutant: t.pollutant, rule: t.rule,
    category: t.category, level: t.level, status: t.status, opened_at: t.openedAt, updated_at: t.updatedAt, first_seen: t.firstSeen,
    last_seen: t.lastSeen, count: t.count, samples: t.samples, peak: t.peak ?? null, mean: t.mean ?? null,
    limit_json: t.limit ? JSON.stringify(t.limit) : null, compliant_since: t.compliantSince ?? null,
    verification_ms: t.verificationMs, closed_at: t.closedAt ?? null, version: t.version ?? 1,
    priority: t.priority ?? 'normal',
    flow_check: t.flowCheck ? JSON.stringify(t.flowCheck) : null,
    deadline: t.deadline ?? null,
  };
}

function fromRow(r: TicketRow): TicketSummary {
  const t: TicketSummary = {
    id: r.id, site: r.site, officer: r.officer, pollutant: r.pollutant, rule: r.rule, category: r.category as TicketCategory, level: r.level as TicketLevel,
    status: r.status as TicketStatus, openedAt: r.opened_at, updatedAt: r.updated_at, firstSeen: r.first_seen,
    lastSeen: r.last_seen, count: r.count, samples: r.samples, verificationMs: r.verification_ms, version: r.version,
    priority: r.priority as TicketPriority,
  };
  if (r.enterprise !== null) t.enterprise = r.enterprise;
  if (r.peak !== null) t.peak = r.peak;
  if (r.mean !== null) t.mean = r.mean;
  if (r.limit_json !== null) t.limit = JSON.parse(r.limit_json) as TicketLimit;
  if (r.compliant_since !== null) t.compliantSince = r.compliant_since;
  if (r.closed_at !== null) t.closedAt = r.closed_at;
  if (r.flow_check !== null) t.flowCheck = JSON.parse(r.flow_check) as FlowCheck;
  if (r.deadline !== null) t.deadline = r.deadline;
  return t;
}

/** The partial unique index (site, pollutant, rule) WHERE status <> 'closed' refused the write. */
function isLiveKeyViolation(err: unknown): boolean {
  return err instanceof Database.SqliteError && err.code === 'SQLITE_CONSTRAINT_UNIQUE' && /tickets\.site/.test(err.message);
}

/** TicketStore on an open better-sqlite3 database whose schema is migrated (see migrations.ts). */
export function sqliteTicketStore(db: Database.Database): TicketStore {
  const select = `SELECT ${COLUMNS.join(', ')} FROM tickets`;
  const q = {
    findOpen: db.prepare<[string, string, string], TicketRow>(`${select} WHERE site = ? AND pollutant = ? AND rule = ? AND status <> 'closed'`),
    findLatest: db.prepare<[string, string, string], TicketRow>(
      `${select} WHERE site = ? AND pollutant = ? AND rule = ? ORDER BY opened_at DESC, id DESC LIMIT 1`,
    ),
    get: db.prepare<[string], TicketRow>(`${select} WHERE id = ?`),
    exists: db.prepare<[string], { one: number }>('SELECT 1 AS one FROM tickets WHERE id = ?'),
    insert: db.prepare<[TicketRow]>(`INSERT INTO tickets (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `@${c}`).join(', ')})`),
    update: db.prepare<[TicketRow & { expected: number }]>(
      `UPDATE tickets SET ${MUTABLE.map((c) => `${c} = @${c}`).join(', ')}, version = version + 1 WHERE id = @id AND version = @expected`,
    ),
    history: db.prepare<[string], { at: number; actor: string; from_status: string; to_status: string; note: string | null }>(
      'SELECT at, actor, from_status, to_status, note FROM ticket_history WHERE ticket = ? ORDER BY seq',
    ),
    evidence: db.prepare<[string], { at: number; kind: string; data: string }>('SELECT at, kind, data FROM ticket_evidence WHERE ticket = ? ORDER BY seq'),
    addHistory: db.prepare('INSERT INTO ticket_history (ticket, at, actor, from_status, to_status, note) VALUES (?, ?, ?, ?, ?, ?)'),
    addEvidence: db.prepare('INSERT INTO ticket_evidence (ticket, at, kind, data) VALUES (?, ?, ?, ?)'),
    nextSeq: db.prepare<[string], { last: number }>(
      'INSERT INTO ticket_sequence (day, last) VALUES (?, 1) ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last',
    ),
  };

  const requireTicket = (id: string) => {
    if (!q.exists.get(id)) throw new TicketNotFoundError(id);
  };

  return {
    findOpen: (site, pollutant, rule) => {
      const r = q.findOpen.get(site, pollutant, rule);
      return r && fromRow(r);
    },
    findLatest: (site, pollutant, rule) => {
      const r = q.findLatest.get(site, pollutant, rule);
      return r && fromRow(r);
    },
    get(id) {
      const r = q.get.get(id);
      if (!r) return undefined;
      const history = q.history.all(id).map((h) => {
        const e: HistoryEntry = { at: h.at, actor: h.actor, from: h.from_status as TicketStatus, to: h.to_status as TicketStatus };
        if (h.note !== null) e.note = h.note;
        return e;
      });
      const evidence = q.evidence.all(id).map((e): Evidence => ({ at: e.at, kind: e.kind as Evidence['kind'], data: JSON.parse(e.data) }));
      return { ...fromRow(r), history, evidence } satisfies Ticket;
    },
    list(filter: TicketFilter = {}) {
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (filter.status?.length) {
        where.push(`status IN (${filter.status.map(() => '?').join(', ')})`);
        params.push(...filter.status);
      }
      if (filter.level?.length) {
        where.push(`level IN (${filter.level.map(() => '?').join(', ')})`);
        params.push(...filter.level);
      }
      if (filter.within) {
        const { sites, enterprises } = filter.within;
        const list = (xs: readonly string[]) => xs.map(() => '?').join(', ');
        where.push(`(site IN (${list(sites)}) OR enterprise IN (${list(enterprises)}))`);
        params.push(...sites, ...enterprises);
      }
      for (const key of ['site', 'enterprise', 'officer', 'category'] as const) {
        const v = filter[key];
        if (v !== undefined) {
          where.push(`${key} = ?`);
          params.push(v);
        }
      }
      if (filter.priority !== undefined) {
        where.push('priority = ?');
        params.push(filter.priority);
      }
      if (filter.overdue !== undefined) {
        // past the deadline and not closed, at the caller's now (the service's clock)
        where.push(filter.overdue ? `(status <> 'closed' AND deadline IS NOT NULL AND deadline < ?)` : `(status = 'closed' OR deadline IS NULL OR deadline >= ?)`);
        params.push(filter.now ?? Date.now());
      }
      const timeColumn = filter.on === 'lastSeen' ? 'last_seen' : 'opened_at';
      if (filter.from !== undefined) {
        where.push(`${timeColumn} >= ?`);
        params.push(filter.from);
      }
      if (filter.to !== undefined) {
        where.push(`${timeColumn} < ?`);
        params.push(filter.to);
      }
      const clause = where.length ? ` WHERE ${where.join(' AND ')}` : '';
      const { total } = db.prepare<unknown[], { total: number }>(`SELECT count(*) AS total FROM tickets${clause}`).get(...params)!;
      const rows = db
        .prepare<unknown[], TicketRow>(`${select}${clause} ORDER BY opened_at DESC, id DESC LIMIT ? OFFSET ?`)
        .all(...params, filter.limit ?? 50, filter.offset ?? 0);
      return { tickets: rows.map(fromRow), total };
    },
    insert(ticket) {
      const row = toRow({ ...ticket, version: 1 });
      try {
        q.insert.run(row);
      } catch (err) {
        if (isLiveKeyViolation(err)) throw new LiveTicketExistsError(ticket.site, ticket.pollutant, ticket.rule);
        throw err;
      }
      return fromRow(row);
    },
    update(ticket) {
      let changes: number;
      try {
        changes = q.update.run({ ...toRow(ticket), expected: ticket.version }).changes;
      } catch (err) {
        if (isLiveKeyViolation(err)) throw new LiveTicketExistsError(ticket.site, ticket.pollutant, ticket.rule);
        throw err;
      }
      if (changes === 0) {
        requireTicket(ticket.id);
        throw new TicketConflictError(ticket.id, ticket.version);
      }
      return { ...ticket, version: ticket.version + 1 };
    },
    appendHistory(id, e) {
      requireTicket(id);
      q.addHistory.run(id, e.at, e.actor, e.from, e.to, e.note ?? null);
    },
    appendEvidence(id, e) {
      requireTicket(id);
      q.addEvidence.run(id, e.at, e.kind, JSON.stringify(e.data ?? null));
    },
    nextId(day) {
      formatTicketId(day, 0); // validates the day before the sequence moves
      return formatTicketId(day, q.nextSeq.get(day)!.last);
    },
    atomically: <T>(fn: () => T): T => db.transaction(fn).immediate(),
  };
}
