import type { FastifyReply, FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { z } from 'zod';
import type { AuditLog, Principal, Role } from './types.js';

/**
 * Route guards by role (issue 11: "every route is authorised by role and scope"). The auth plugin
 * (gateway/auth/index.ts) sets `request.principal` on every request; when it is missing (the plugin is
 * not registered) the request counts as anonymous: the guards fail closed.
 */

/** every role: what any signed-in person may read */
export const ANY_ROLE: readonly Role[] = ['viewer', 'officer', 'chief', 'admin'];

/** the request's principal; anonymous when the auth plugin set none */
export function principalOf(req: FastifyRequest): Principal {
  const p = (req as { principal?: Principal }).principal;
  return p ?? { kind: 'anonymous', username: 'anonymous', address: req.ip };
}

/** chief and admin see personal data (officers' mobiles, alert recipients); the others see it masked */
export const seesPersonalData = (p: Principal): boolean => p.role === 'chief' || p.role === 'admin';

export type Refusal = { code: 401 | 403; error: string; message: string };

/** why `p` may not use a route open to `roles`; undefined when it may */
export function refusal(p: Principal, roles: readonly Role[]): Refusal | undefined {
  if (p.kind === 'anonymous' || p.role === undefined) return { code: 401, error: 'unauthorized', message: 'sign in or send Authorization: Bearer <token>' };
  if (!roles.includes(p.role)) return { code: 403, error: 'forbidden', message: `role ${p.role} may not do this (needs ${roles.join(' or ')})` };
  return undefined;
}

export function refuse(reply: FastifyReply, r: Refusal) {
  return reply.code(r.code).send({ error: r.error, message: r.message });
}

/** What a refused request leaves in the audit log (valve commands: every refusal is audited). */
export interface AuditOnRefusal {
  audit: AuditLog;
  action: string;
  target: (req: FastifyRequest) => string;
}

/**
 * preHandler: 401 for anonymous, 403 for a role not in `roles`. With `onRefusal`, each refusal is also
 * appended to the audit log (outcome 'denied', actor, address, reason of refusal).
 */
export function requireRole(roles: readonly Role[], onRefusal?: AuditOnRefusal): preHandlerAsyncHookHandler {
  return async function guard(req, reply) {
    const p = principalOf(req);
    const r = refusal(p, roles);
    if (!r) return;
    if (onRefusal) auditDenied(onRefusal.audit, p, onRefusal.action, onRefusal.target(req), r.message);
    // an async hook that answers returns the reply, so the route's handler does not run
    return refuse(reply, r);
  };
}

/**
 * The start of an audited action on an item named in the path (`/api/<kind>s/:id/...`): who asks, the path
 * parsed, the item's id (the raw path value, clipped, when it does not parse: the audit names what was
 * asked for) and its audit target `<kind>:<id>`. A role refusal is audited and answered here (undefined is
 * returned); the caller answers a bad path with badRequest when its own order of checks reaches it.
 */
export function auditedAction<T extends { id: string }>(
  req: FastifyRequest,
  reply: FastifyReply,
  o: { audit: AuditLog; roles: readonly Role[]; action: string; kind: string; params: z.ZodType<T> },
): { p: Principal; params: z.ZodSafeParseResult<T>; id: string; target: string } | undefined {
  const p = principalOf(req);
  const params = o.params.safeParse(req.params);
  const id = params.success ? params.data.id : clip(String((req.params as { id?: unknown }).id), 64);
  const target = `${o.kind}:${id}`;
  const denied = refusal(p, o.roles);
  if (!denied) return { p, params, id, target };
  auditDenied(o.audit, p, o.action, target, denied.message);
  void refuse(reply, denied);
  return undefined;
}

export function auditDenied(audit: AuditLog, p: Principal, action: string, target: string, reason: string): void {
  audit.append({ actor: p.username, ...(p.role ? { actorRole: p.role } : {}), address: p.address, action, target, outcome: 'denied', reason: clip(reason) });
}

/** audit fields are bounded like every other text field */
export const clip = (s: string, max = 2000): string => (s.length > max ? `${s.slice(0, max)}…` : s);
