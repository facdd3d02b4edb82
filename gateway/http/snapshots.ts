import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ANY_ROLE, principalOf, requireRole } from '../auth/authorize.js';
import { scopeOf, seesTicket } from '../auth/scope.js';
import type { AuditLog } from '../auth/types.js';
import type { Registry } from '../registry/schema.js';

/** The images attached to tickets, as the composition root provides them (processor/snapshots). */
export interface SnapshotSource {
  /** the JPEG stored for snapshot `snapshot` if it is evidence on ticket `ticket`, else undefined */
  image(ticket: string, snapshot: string): Buffer | undefined;
  /** where ticket `ticket` is (its site and enterprise, for the officer's scope); undefined when unknown */
  ticket(ticket: string): { site: string; enterprise?: string } | undefined;
}

export interface SnapshotRouteDeps {
  /** kept for the route's registration alike the others; reading an image is not audited */
  audit: AuditLog;
  registry: Registry;
}

const Params = z.object({
  id: z.string().regex(/^WO-\d{8}-\d{4,}$/),
  snap: z.string().regex(/^[A-Z]{2}-\d{2}-\d{1,16}-[0-9a-f]{12}$/),
});

/**
 * GET /api/tickets/:id/snapshots/:snap — read-only: the camera image attached to a ticket (evidence
 * kind 'snapshot', its `url`), as image/jpeg. Only images that are evidence on that ticket are served;
 * one removed by the retention, or unknown, is 404. Issue 11: viewer, officer, chief and admin; an
 * officer only on tickets of their scope (404 otherwise, as for the ticket itself); anonymous 401.
 */
export function registerSnapshotRoutes(app: FastifyInstance, source: SnapshotSource, deps: SnapshotRouteDeps): void {
  app.get('/api/tickets/:id/snapshots/:snap', { preHandler: requireRole(ANY_ROLE) }, async (req, reply) => {
    const p = Params.safeParse(req.params);
    if (!p.success) return reply.code(400).send({ error: 'bad ticket or snapshot id', issues: p.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) });
    const where = source.ticket(p.data.id);
    const img = where && seesTicket(scopeOf(deps.registry, principalOf(req)), where) ? source.image(p.data.id, p.data.snap) : undefined;
    if (!img) return reply.code(404).send({ error: `no snapshot ${p.data.snap} on ticket ${p.data.id}` });
    return reply.header('content-type', 'image/jpeg').header('cache-control', 'private, max-age=86400, immutable').header('x-content-type-options', 'nosniff').send(img);
  });
}
