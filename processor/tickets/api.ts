import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';
import type { TicketService } from './service.js';
import { TicketCategorySchema, TicketLevelSchema, TicketPrioritySchema, TicketStatusSchema, type TicketFilter } from './types.js';

/** repeated query keys (?status=open&status=closed) arrive as arrays: treat them like a comma list */
const joined = (v: unknown) => (Array.isArray(v) ? v.join(',') : v);
const isoTime = z.iso.datetime({ offset: true }).transform((s) => Date.parse(s));
const nonEmpty = z.string().trim().min(1);

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
    site: nonEmpty.optional(),
    enterprise: nonEmpty.optional(),
    officer: nonEmpty.optional(),
    category: TicketCategorySchema.optional(),
    /** alias of category */
    kind: TicketCategorySchema.optional(),
    /** normal | high | urgent (raised by repeated odor source attribution) */
    priority: TicketPrioritySchema.optional(),
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
  /** the person making the move; 'system' is reserved for the rule engine */
  actor: nonEmpty.refine((a) => a !== 'system', "'system' is reserved for automatic changes"),
  note: z.string().max(2000).optional(),
});

function badRequest(reply: FastifyReply, where: string, error: z.ZodError) {
  return reply.code(400).send({ error: 'bad request', where, message: z.prettifyError(error) });
}

/**
 * Ticket HTTP API:
 *   GET  /api/tickets?status=open,acknowledged&level=warning,control,exceedance&site=&enterprise=&officer=&category=|kind=&priority=&from=&to=&on=&limit=&offset=
 *   GET  /api/tickets/:id                 ticket with history and evidence
 *   POST /api/tickets/:id/transitions     { to, actor, note? }
 * 400 invalid query/body (zod message), 404 unknown ticket, 409 refused transition (reason).
 */
export function registerTicketRoutes(app: FastifyInstance, service: TicketService): void {
  app.get('/api/tickets', async (req, reply) => {
    const parsed = TicketQuerySchema.safeParse(req.query ?? {});
    if (!parsed.success) return badRequest(reply, 'query', parsed.error);
    const q = parsed.data;
    const filter: TicketFilter = { on: q.on, limit: q.limit, offset: q.offset };
    if (q.status) filter.status = q.status;
    if (q.level) filter.level = q.level;
    for (const key of ['site', 'enterprise', 'officer', 'from', 'to'] as const) if (q[key] !== undefined) Object.assign(filter, { [key]: q[key] });
    const category = q.category ?? q.kind;
    if (category) filter.category = category;
    if (q.priority) filter.priority = q.priority;
    const page = service.list(filter);
    return { ...page, limit: q.limit, offset: q.offset };
  });

  app.get<{ Params: { id: string } }>('/api/tickets/:id', async (req, reply) => {
    const ticket = service.get(req.params.id);
    if (!ticket) return reply.code(404).send({ error: 'not found', message: `no ticket ${req.params.id}` });
    return ticket;
  });

  app.post<{ Params: { id: string } }>('/api/tickets/:id/transitions', async (req, reply) => {
    const parsed = TransitionBodySchema.safeParse(req.body ?? {});
    if (!parsed.success) return badRequest(reply, 'body', parsed.error);
    const { to, actor, note } = parsed.data;
    const out = service.transition(req.params.id, { to, actor, ...(note !== undefined ? { note } : {}) });
    if (out.ok) return out.ticket;
    const code = out.code === 'not_found' ? 404 : 409;
    return reply.code(code).send({ error: out.code === 'not_found' ? 'not found' : 'conflict', message: out.reason });
  });
}
