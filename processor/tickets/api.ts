import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import { ANY_ROLE, auditDenied, auditedAction, clip, principalOf, requireRole, seesPersonalData } from '../../gateway/auth/authorize.js';
import { maskPersonalData } from '../../gateway/auth/personal.js';
import { scopeOf, seesTicket } from '../../gateway/auth/scope.js';
import type { AuditLog, Principal, Role } from '../../gateway/auth/types.js';
import type { Registry } from '../../gateway/registry/schema.js';
import type { TicketService } from './service.js';
import { TicketCategorySchema, TicketLevelSchema, TicketPrioritySchema, TicketStatusSchema, type TicketFilter } from './types.js';

/** repeated query keys (?status=open&status=closed) arrive as arrays: treat them like a comma list */
const joined = (v: unknown) => (Array.isArray(v) ? v.join(',') : v);
const isoTime = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));
const nonEmpty = z.string().trim().min(1);
/** identifiers in queries and paths: every text field has a length limit (issue 11) */
const ident = nonEmpty.max(64);

export const TicketQuerySchema = z
  .strictObject({
    status: z.preprocess(
      joined,
      z
        .string()
        .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
        .pipe(z.array(TicketStatusSchema).min(1, 'status needs at least one status')),
    ).optional(),
    /** 预警 / 管控 / 超标: warning, control, exceedance (comma list or repeated) */
    level: z.preprocess(
      joined,
      z
        .string()
        .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
        .pipe(z.array(TicketLevelSchema).min(1, 'level needs at least one level')),
    ).optional(),
    site: ident.optional(),
    enterprise: ident.optional(),
    officer: ident.optional(),
    category: TicketCategorySchema.optional(),
    /** alias of category */
    kind: TicketCategorySchema.optional(),
    /** normal | high | urgent (raised by repeated odor source attribution) */
    priority: TicketPrioritySchema.optional(),
    /** true: only tickets past their deadline and not closed; false: only those that are not */
    overdue: z.enum(['true', 'false'], { message: 'overdue must be true or false' }).transform((v) => v === 'true').optional(),
    /** ISO 8601 with offset, inclusive */
    from: isoTime.optional(),
    /** ISO 8601 with offset, exclusive */
    to: isoTime.optional(),
    /** which time from/to apply to */
    on: z.enum(['openedAt', 'lastSeen']).default('openedAt'),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    offset: z.coerce.number().int().min(0).default(0),
  })
  .refine((q) => !(q.category && q.kind && q.category !== q.kind), { message: 'category and kind disagree; give one of them', path: ['kind'] })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, { message: 'from must be before to', path: ['to'] });

export const TransitionBodySchema = z.strictObject({
  to: TicketStatusSchema,
  /**
   * the person making the move is the signed-in principal; a client that still sends `actor` must send
   * its own username ('system' is reserved for the rule engine and never a principal's)
   */
  actor: nonEmpty.max(200).optional(),
  note: z.string().max(2000).optional(),
});

const IdParams = z.strictObject({ id: ident });

/** who may move a ticket: officers (in their scope), chiefs and admins; viewers only read */
const ACTING_ROLES: readonly Role[] = ['officer', 'chief', 'admin'];

export interface TicketRouteDeps {
  /** every transition, allowed or refused, is recorded here */
  audit: AuditLog;
  /** the officers' scopes (gateway/auth/scope.ts) */
  registry: Registry;
}

function badRequest(reply: FastifyReply, where: string, error: z.ZodError) {
  return reply.code(400).send({ error: 'bad request', where, message: z.prettifyError(error) });
}

const notFound = (reply: FastifyReply, id: string) => reply.code(404).send({ error: 'not found', message: `no ticket ${id}` });

/** personal data (officers' mobiles, alert recipients) only for chief and admin */
const forViewer = <T>(p: Principal, body: T): T => (seesPersonalData(p) ? body : maskPersonalData(body));

/**
 * Ticket HTTP API (issue 11: every route authorised by role and scope):
 *   GET  /api/tickets?status=open,acknowledged&level=warning,control,exceedance&site=&enterprise=&officer=&category=|kind=&priority=&overdue=true|false&from=&to=&on=&limit=&offset=
 *   GET  /api/tickets/:id                 ticket with history and evidence
 *   POST /api/tickets/:id/transitions     { to, note?, actor? } — the actor is the principal
 * Reading: viewer, officer, chief, admin; an officer's list holds only the tickets of their scope.
 * Moving: officer (their scope), chief, admin. A ticket outside an officer's scope is 404 to them, as if
 * it did not exist: the list hides it too, and a 403 would confirm that the id is someone else's.
 * 401 anonymous, 403 wrong role, 400 invalid query/body (zod message), 404 unknown ticket or outside
 * the scope, 409 refused transition (reason). Each transition is audited: ok, denied or failed.
 */
export function registerTicketRoutes(app: FastifyInstance, service: TicketService, deps: TicketRouteDeps): void {
  const { audit, registry } = deps;
  const readers = { preHandler: requireRole(ANY_ROLE) };

  app.get('/api/tickets', readers, async (req, reply) => {
    const parsed = TicketQuerySchema.safeParse(req.query ?? {});
    if (!parsed.success) return badRequest(reply, 'query', parsed.error);
    const q = parsed.data;
    const p = principalOf(req);
    const filter: TicketFilter = { on: q.on, limit: q.limit, offset: q.offset };
    if (q.status) filter.status = q.status;
    if (q.level) filter.level = q.level;
    for (const key of ['site', 'enterprise', 'officer', 'from', 'to'] as const) if (q[key] !== undefined) Object.assign(filter, { [key]: q[key] });
    const category = q.category ?? q.kind;
    if (category) filter.category = category;
    if (q.priority) filter.priority = q.priority;
    if (q.overdue !== undefined) filter.overdue = q.overdue;
    const scope = scopeOf(registry, p);
    if (!scope.all) filter.within = { sites: [...scope.sites], enterprises: [...scope.enterprises] };
    const page = service.list(filter);
    return forViewer(p, { ...page, limit: q.limit, offset: q.offset });
  });

  app.get('/api/tickets/:id', readers, async (req, reply) => {
    const params = IdParams.safeParse(req.params);
    if (!params.success) return badRequest(reply, 'path', params.error);
    const p = principalOf(req);
    const ticket = service.get(params.data.id);
    if (!ticket || !seesTicket(scopeOf(registry, p), ticket)) return notFound(reply, params.data.id);
    return forViewer(p, ticket);
  });

  app.post('/api/tickets/:id/transitions', async (req, reply) => {
    const start = auditedAction(req, reply, { audit, roles: ACTING_ROLES, action: 'ticket.transition', kind: 'ticket', params: IdParams });
    if (!start) return reply;
    const { p, params, id, target } = start;
    if (!params.success) return badRequest(reply, 'path', params.error);
    const parsed = TransitionBodySchema.safeParse(req.body ?? {});
    if (!parsed.success) {
      auditDenied(audit, p, 'ticket.transition', target, `invalid body: ${z.prettifyError(parsed.error)}`);
      return badRequest(reply, 'body', parsed.error);
    }
    const { to, actor, note } = parsed.data;
    if (actor !== undefined && actor !== p.username) {
      auditDenied(audit, p, 'ticket.transition', target, `body actor ${clip(actor, 200)} is not the principal`);
      return reply.code(400).send({ error: 'bad request', where: 'body.actor', message: `actor must be you (${p.username}) or left out: the actor is whoever is signed in` });
    }
    const before = service.get(id);
    if (!before || !seesTicket(scopeOf(registry, p), before)) {
      if (before) auditDenied(audit, p, 'ticket.transition', target, `ticket ${id} is outside the scope of officer ${p.officer ?? '?'}`);
      return notFound(reply, id);
    }
    const out = service.transition(id, { to, actor: p.username, ...(note !== undefined ? { note } : {}) });
    const entry = { actor: p.username, ...(p.role ? { actorRole: p.role } : {}), address: p.address, action: 'ticket.transition', target, before: { status: before.status } };
    if (out.ok) {
      audit.append({ ...entry, outcome: 'ok', after: { status: out.ticket.status }, ...(note ? { reason: clip(note) } : {}) });
      return forViewer(p, out.ticket);
    }
    audit.append({ ...entry, outcome: 'failed', reason: clip(out.reason), after: { status: before.status, requested: to } });
    const code = out.code === 'not_found' ? 404 : 409;
    return reply.code(code).send({ error: out.code === 'not_found' ? 'not found' : 'conflict', message: out.reason });
  });
}
