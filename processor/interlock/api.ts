import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ANY_ROLE, auditDenied, clip, principalOf, refusal, refuse, requireRole } from '../../gateway/auth/authorize.js';
import { scopeOf, seesSite } from '../../gateway/auth/scope.js';
import type { AuditLog, Principal, Role } from '../../gateway/auth/types.js';
import type { Registry } from '../../gateway/registry/schema.js';
import type { Interlock, ReopenResult } from './types.js';

const nonEmpty = z.string().trim().min(1);

/** A person's valve command: why, kept with the action and in the audit log; who is the principal. */
export const ReopenBodySchema = z.strictObject({
  /** optional, and only the principal's own username: the actor is whoever is signed in */
  actor: nonEmpty.max(200).optional(),
  reason: nonEmpty.max(2000),
});

const SiteParams = z.strictObject({ site: z.string().regex(/^[A-Z]{2}-\d{2}$/, 'a site id such as WP-01') });

/** issue 11: "reopening a valve needs the chief or admin role and a reason"; the override is the admin's */
const REOPEN_ROLES: readonly Role[] = ['chief', 'admin'];
const OVERRIDE_ROLES: readonly Role[] = ['admin'];

export interface ValveRouteDeps {
  /** every valve command a person asked for, allowed or refused */
  audit: AuditLog;
  /** the officers' scopes for GET /api/valves */
  registry: Registry;
}

const siteOf = (req: FastifyRequest) => clip(String((req.params as { site?: unknown }).site), 64);

/**
 * Valve HTTP API (issue 11):
 *   GET  /api/valves               the interlocked valves as last known, an officer's only in their scope
 *   POST /api/valves/:site/open    { reason } chief or admin → 200 { action } when the valve reports open
 *   POST /api/valves/:site/close   { reason } admin only (override: shut by hand) → 200 { action }
 * Commands are serialised per valve and idempotent (a command joining one in flight gets its outcome,
 * `joined: true`). 401 anonymous, 403 wrong role; 400 invalid body (zod message); 404 unknown site or no
 * interlock; 502 the device did not accept the write; 409 the write was accepted but the valve does not
 * report the commanded state. Each command is audited: ok, failed, or denied (with the refusal).
 */
export function registerValveRoutes(app: FastifyInstance, interlock: Interlock, deps: ValveRouteDeps): void {
  const { audit, registry } = deps;

  app.get('/api/valves', { preHandler: requireRole(ANY_ROLE) }, async (req) => {
    const scope = scopeOf(registry, principalOf(req));
    return { valves: interlock.valves().filter((v) => seesSite(scope, v.site)) };
  });

  const command = (kind: 'open' | 'close', roles: readonly Role[], run: (site: string, actor: string, reason: string) => Promise<ReopenResult>) =>
    async (req: FastifyRequest, reply: FastifyReply) => {
      const p = principalOf(req);
      const action = kind === 'open' ? 'valve.reopen' : 'valve.close';
      const target = `valve:${siteOf(req)}`;
      const deny = (reason: string) => auditDenied(audit, p, action, target, reason);
      const denied = refusal(p, roles);
      if (denied) {
        deny(denied.message);
        return refuse(reply, denied);
      }
      const params = SiteParams.safeParse(req.params);
      if (!params.success) return invalid(reply, 'path', params.error, deny);
      const parsed = ReopenBodySchema.safeParse(req.body ?? {});
      if (!parsed.success) return invalid(reply, 'body', parsed.error, deny);
      if (parsed.data.actor !== undefined && parsed.data.actor !== p.username) {
        deny(`body actor ${clip(parsed.data.actor, 200)} is not the principal`);
        return reply.code(400).send({ error: 'bad request', where: 'body.actor', message: `actor must be you (${p.username}) or left out: the actor is whoever is signed in` });
      }
      const { reason } = parsed.data;
      const open = interlock.valves().find((v) => v.site === params.data.site)?.open;
      const before = { open: open ?? null };
      const out = await run(params.data.site, p.username, reason);
      if (out.kind !== 'done') {
        entry(audit, p, action, target, 'failed', out.message, before);
        return reply.code(404).send({ error: 'not found', message: out.message });
      }
      const { action: a } = out;
      const joined = out.joined ? { joined: true } : {};
      const wanted = kind === 'open' ? 'open' : 'shut';
      entry(audit, p, action, target, a.ok && a.confirmed ? 'ok' : 'failed', reason, before, { ...a, ...joined });
      if (!a.ok) return reply.code(502).send({ error: 'valve write failed', message: a.error ?? 'not written', action: a, ...joined });
      if (!a.confirmed) return reply.code(409).send({ error: `valve not confirmed ${wanted}`, message: a.error ?? 'not confirmed', action: a, ...joined });
      return { action: a, ...joined };
    };

  app.post('/api/valves/:site/open', command('open', REOPEN_ROLES, (site, actor, reason) => interlock.reopen(site, actor, reason)));
  app.post('/api/valves/:site/close', command('close', OVERRIDE_ROLES, (site, actor, reason) => interlock.closeByHand(site, actor, reason)));
}

function invalid(reply: FastifyReply, where: string, error: z.ZodError, deny: (reason: string) => void) {
  const message = z.prettifyError(error);
  deny(`invalid ${where}: ${message}`);
  return reply.code(400).send({ error: 'bad request', where, message });
}

function entry(audit: AuditLog, p: Principal, action: string, target: string, outcome: 'ok' | 'failed', reason: string, before: unknown, after?: unknown) {
  audit.append({ actor: p.username, ...(p.role ? { actorRole: p.role } : {}), address: p.address, action, target, outcome, reason: clip(reason), before, ...(after !== undefined ? { after } : {}) });
}
