import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AccessControl } from './accessControl.js';
import { allowed, badRequest, refusal } from './guard.js';
import { CreateUserSchema, IdSchema, IssueTokenSchema, UpdateUserSchema } from './schemas.js';
import type { Principal } from './types.js';
import type { User } from './users.js';

const UserParams = z.strictObject({ id: IdSchema });
const TokenParams = z.strictObject({ id: IdSchema, tokenId: IdSchema });
const DAY = 86_400_000;

/** Personal data only to the roles that need it: a mobile to chief and admin, and to the user themself. */
export function visibleUser(u: User, to: Principal): User {
  if (to.role === 'chief' || to.role === 'admin' || to.userId === u.id) return u;
  const { mobile: _hidden, ...rest } = u;
  return rest;
}

/**
 * GET /api/users, GET /api/users/:id: any signed-in principal (mobiles only as visibleUser allows);
 * POST /api/users, PATCH /api/users/:id, and the tokens under /api/users/:id/tokens: admin only.
 */
export function registerUserRoutes(app: FastifyInstance, ac: AccessControl): void {
  const signedIn = ['viewer', 'officer', 'chief', 'admin'] as const;

  app.get('/api/users', async (req, reply) => {
    if (!allowed(ac, req, reply, signedIn)) return reply;
    return { users: ac.users.list().map((u) => visibleUser(u, req.principal)) };
  });

  app.get('/api/users/:id', async (req, reply) => {
    if (!allowed(ac, req, reply, signedIn)) return reply;
    const p = UserParams.safeParse(req.params);
    if (!p.success) return badRequest(reply, 'path', p.error);
    const u = ac.users.get(p.data.id);
    return u ? visibleUser(u, req.principal) : reply.code(404).send({ error: 'not found', message: `no user ${p.data.id}` });
  });

  /** a user as the audit log names it: by username, or by id when there is no such user */
  const userTarget = (id: string) => `user:${ac.users.get(id)?.username ?? id}`;

  app.post('/api/users', async (req, reply) => {
    if (!allowed(ac, req, reply, ['admin'], { action: 'user.create', target: 'user:' })) return reply;
    const body = CreateUserSchema.safeParse(req.body);
    if (!body.success) return badRequest(reply, 'body', body.error);
    try {
      return reply.code(201).send(ac.users.create(body.data, req.principal));
    } catch (err) {
      return refusal(reply, err);
    }
  });

  app.patch('/api/users/:id', async (req, reply) => {
    const p = UserParams.safeParse(req.params);
    if (!p.success) return badRequest(reply, 'path', p.error);
    if (!allowed(ac, req, reply, ['admin'], { action: 'user.update', target: userTarget(p.data.id) })) return reply;
    const body = UpdateUserSchema.safeParse(req.body);
    if (!body.success) return badRequest(reply, 'body', body.error);
    try {
      return ac.users.update(p.data.id, body.data, req.principal);
    } catch (err) {
      return refusal(reply, err);
    }
  });

  app.get('/api/users/:id/tokens', async (req, reply) => {
    if (!allowed(ac, req, reply, ['admin'])) return reply;
    const p = UserParams.safeParse(req.params);
    if (!p.success) return badRequest(reply, 'path', p.error);
    if (!ac.users.get(p.data.id)) return reply.code(404).send({ error: 'not found', message: `no user ${p.data.id}` });
    return { tokens: ac.tokens.list(p.data.id) };
  });

  /** the token's value is in this answer only: it is stored as a SHA-256 */
  app.post('/api/users/:id/tokens', async (req, reply) => {
    const p = UserParams.safeParse(req.params);
    if (!p.success) return badRequest(reply, 'path', p.error);
    if (!allowed(ac, req, reply, ['admin'], { action: 'token.create', target: userTarget(p.data.id) })) return reply;
    const body = IssueTokenSchema.safeParse(req.body);
    if (!body.success) return badRequest(reply, 'body', body.error);
    try {
      const t = ac.tokens.issue(p.data.id, body.data.name, req.principal, body.data.ttlDays === undefined ? undefined : body.data.ttlDays * DAY);
      return reply.code(201).header('cache-control', 'no-store').send(t);
    } catch (err) {
      return refusal(reply, err);
    }
  });

  app.delete('/api/users/:id/tokens/:tokenId', async (req, reply) => {
    const p = TokenParams.safeParse(req.params);
    if (!p.success) return badRequest(reply, 'path', p.error);
    if (!allowed(ac, req, reply, ['admin'], { action: 'token.revoke', target: userTarget(p.data.id) })) return reply;
    if (!ac.tokens.list(p.data.id).some((t) => t.id === p.data.tokenId)) return reply.code(404).send({ error: 'not found', message: `user ${p.data.id} has no token ${p.data.tokenId}` });
    ac.tokens.revoke(p.data.tokenId, req.principal);
    return reply.code(204).send();
  });
}
