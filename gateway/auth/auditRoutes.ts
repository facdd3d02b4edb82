import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccessControl } from './accessControl.js';
import { allowed, badRequest } from './guard.js';
import type { AuditEntry } from './types.js';

/** an instant: ISO 8601 with offset, or epoch milliseconds */
const instant = z.union([z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)), z.coerce.number().int().min(0)]);
const text = z.string().min(1).max(300);

/** what an audit query may filter on */
const filters = {
  from: instant.optional(),
  to: instant.optional(),
  actor: text.optional(),
  action: text.optional(),
  target: text.optional(),
  outcome: z.enum(['ok', 'denied', 'failed']).optional(),
};

export const AuditQuerySchema = z
  .strictObject({
    ...filters,
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, { message: 'from must be before to', path: ['to'] });

const ExportQuerySchema = z.strictObject({ format: z.enum(['csv', 'jsonl']), ...filters });

const COLUMNS = ['id', 'at', 'actor', 'actorRole', 'address', 'action', 'target', 'outcome', 'reason', 'before', 'after'] as const;

/**
 * One CSV field (RFC 4180 §2: quoted when it holds a comma, quote or line break; quotes doubled). A
 * field starting with = + - @ or a tab gets a leading ' so that a spreadsheet shows it as text instead
 * of running it as a formula (OWASP "CSV Injection").
 */
export function csvField(v: unknown): string {
  let s = v === undefined || v === null ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const csvLine = (e: AuditEntry) => `${COLUMNS.map((c) => csvField(c === 'at' ? new Date(e.at).toISOString() : e[c])).join(',')}\r\n`;
const jsonLine = (e: AuditEntry) => `${JSON.stringify({ ...e, at: new Date(e.at).toISOString() })}\n`;

/** GET /api/audit (newest first, filtered, paged) and GET /api/audit/export?format=csv|jsonl (oldest first, every match): admin only. */
export function registerAuditRoutes(app: FastifyInstance, ac: AccessControl): void {
  app.get('/api/audit', async (req, reply) => {
    if (!allowed(ac, req, reply, ['admin'])) return reply;
    const q = AuditQuerySchema.safeParse(req.query);
    if (!q.success) return badRequest(reply, 'query', q.error);
    const r = ac.audit.list(q.data);
    return { total: r.total, limit: q.data.limit, offset: q.data.offset, entries: r.entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })) };
  });

  app.get('/api/audit/export', async (req, reply) => {
    if (!allowed(ac, req, reply, ['admin'])) return reply;
    const q = ExportQuerySchema.safeParse(req.query);
    if (!q.success) return badRequest(reply, 'query', q.error);
    const { format, ...filter } = q.data;
    // the export is itself recorded, before it runs (so it appears in what it exports)
    ac.audit.append({ actor: req.principal.username, actorRole: req.principal.role, address: req.ip, action: 'audit.export', target: 'audit', outcome: 'ok', after: q.data });
    const entries = ac.auditEntries(filter);
    function* lines() {
      if (format === 'csv') yield `${COLUMNS.join(',')}\r\n`;
      for (const e of entries) yield format === 'csv' ? csvLine(e) : jsonLine(e);
    }
    const day = new Date().toISOString().slice(0, 10);
    return reply
      .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit-${day}.${format}"`)
      .send(Readable.from(lines()));
  });
}
