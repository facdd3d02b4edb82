import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AccessControl } from './accessControl.js';
import { AccessError } from './schemas.js';
import type { Role } from './types.js';

/**
 * The role check of this folder's own routes (users, tokens, audit): 401 without credentials
 * (RFC 9110 §15.5.2, with a WWW-Authenticate challenge), 403 for a role that may not. A refused change
 * (not a refused read) is audited with outcome 'denied'.
 */
export function allowed(ac: AccessControl, req: FastifyRequest, reply: FastifyReply, roles: readonly Role[], audit?: { action: string; target: string }): boolean {
  const p = req.principal;
  if (p.role && roles.includes(p.role)) return true;
  if (audit) ac.audit.append({ actor: p.username, actorRole: p.role, address: p.address, ...audit, outcome: 'denied', reason: p.role ? `role ${p.role} may not` : 'not signed in' });
  if (!p.role) void reply.code(401).header('www-authenticate', 'Bearer realm="park"').send({ error: 'not signed in', message: 'sign in (POST /api/login) or send Authorization: Bearer <token>' });
  else void reply.code(403).send({ error: 'forbidden', message: `this needs the role ${roles.join(' or ')}; you are ${p.role}` });
  return false;
}

export function badRequest(reply: FastifyReply, where: string, error: z.ZodError) {
  return reply.code(400).send({ error: 'bad request', where, message: z.prettifyError(error) });
}

/** AccessError → its status; anything else is rethrown (Fastify answers 500 and logs it) */
export function refusal(reply: FastifyReply, err: unknown) {
  if (err instanceof AccessError) return reply.code(err.status).send({ error: err.status === 404 ? 'not found' : err.status === 409 ? 'conflict' : 'bad request', message: err.message });
  throw err;
}
