import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Interlock } from './types.js';

const nonEmpty = z.string().trim().min(1);

/** A person reopening a valve: who and why, both kept with the action. */
export const ReopenBodySchema = z.strictObject({
  /** the person deciding; 'system' is reserved for automatic actions */
  actor: nonEmpty.max(200).refine((a) => a !== 'system', "'system' is reserved for automatic actions"),
  reason: nonEmpty.max(2000),
});

/**
 * Valve HTTP API:
 *   GET  /api/valves                  every interlocked valve as last known: { valves: ValveState[] }
 *   POST /api/valves/:site/open       { actor, reason } → 200 { action } when the valve reports open
 * 400 invalid body (zod message); 404 unknown site or no interlock; 502 the device did not accept the
 * write; 409 the write was accepted but the valve does not report open. Errors carry the reason and,
 * for 502/409, the recorded action.
 */
export function registerValveRoutes(app: FastifyInstance, interlock: Interlock): void {
  app.get('/api/valves', async () => ({ valves: interlock.valves() }));

  app.post<{ Params: { site: string } }>('/api/valves/:site/open', async (req, reply) => {
    const parsed = ReopenBodySchema.safeParse(req.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: 'bad request', where: 'body', message: z.prettifyError(parsed.error) });
    const out = await interlock.reopen(req.params.site, parsed.data.actor, parsed.data.reason);
    if (out.kind !== 'done') return reply.code(404).send({ error: 'not found', message: out.message });
    const { action } = out;
    if (!action.ok) return reply.code(502).send({ error: 'valve write failed', message: action.error ?? 'not written', action });
    if (!action.confirmed) return reply.code(409).send({ error: 'valve not confirmed open', message: action.error ?? 'not confirmed', action });
    return { action };
  });
}
