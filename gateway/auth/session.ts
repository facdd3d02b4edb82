import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessControl } from './accessControl.js';
import { badRequest } from './guard.js';
import { ChangePasswordSchema, LoginBodySchema } from './schemas.js';
import type { Principal } from './types.js';

export const SESSION_COOKIE = 'park_session';
const BEARER = /^Bearer ([A-Za-z0-9._~+/-]{1,512}=*)$/i;

/** the value of one cookie in a Cookie header (RFC 6265 §5.4), undefined when absent or oversized */
export function cookie(header: string | undefined, name: string): string | undefined {
  if (!header || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) {
      const v = part.slice(i + 1).trim();
      return v.length > 0 && v.length <= 256 ? v : undefined;
    }
  }
  return undefined;
}

/** Set-Cookie for a session (RFC 6265 §4.1): HttpOnly, SameSite=Strict, Path=/, Secure when served over TLS */
function sessionCookie(value: string, maxAgeS: number, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeS}${secure ? '; Secure' : ''}`;
}

const publicPrincipal = (p: Principal) => ({ kind: p.kind, username: p.username, role: p.role, officer: p.officer, userId: p.userId });

/**
 * Sets request.principal on every request: `Authorization: Bearer <token>` (an API token or
 * PARK_ADMIN_TOKEN) first, then the session cookie; anonymous otherwise (also for credentials that are
 * unknown, expired or revoked: the routes decide what anonymous may do). Then POST /api/login,
 * POST /api/logout, GET /api/me.
 */
export function registerSessionRoutes(app: FastifyInstance, ac: AccessControl, o: { secureCookies?: boolean }): void {
  app.decorateRequest('principal', undefined as unknown as Principal);
  app.addHook('onRequest', async (req) => {
    const address = req.ip;
    const auth = req.headers.authorization;
    const bearer = auth === undefined ? undefined : (BEARER.exec(auth)?.[1] ?? '');
    const session = bearer === undefined ? cookie(req.headers.cookie, SESSION_COOKIE) : undefined;
    req.principal = ac.authenticate({ bearer, session, address }) ?? { kind: 'anonymous', username: 'anonymous', address };
  });

  app.post('/api/login', async (req, reply) => {
    const body = LoginBodySchema.safeParse(req.body);
    if (!body.success) return badRequest(reply, 'body', body.error);
    const { username, password } = body.data;
    const keys = [`address:${req.ip}`, `user:${username.toLowerCase()}`];
    const target = `user:${username}`;
    const wait = ac.limiter.retryAfterMs(...keys);
    if (wait > 0) {
      if (ac.limiter.firstRefusal(...keys)) ac.audit.append({ actor: username, address: req.ip, action: 'login', target, outcome: 'denied', reason: 'too many failed attempts: rate limited (further attempts during this lock are not recorded)' });
      return reply.code(429).header('retry-after', String(Math.ceil(wait / 1000))).send({ error: 'too many requests', message: `too many failed logins; try again in ${Math.ceil(wait / 1000)} s` });
    }
    const r = await ac.login(username, password, req.ip);
    if (!r.ok) {
      ac.limiter.failed(...keys);
      // the password is never recorded, not even a wrong one (it may be a real password with a typo)
      ac.audit.append({ actor: username, address: req.ip, action: 'login', target, outcome: 'denied', reason: r.reason });
      return reply.code(401).send({ error: 'unauthorized', message: 'wrong username or password' });
    }
    ac.limiter.succeeded(...keys);
    ac.audit.append({ actor: username, actorRole: r.principal.role, address: req.ip, action: 'login', target, outcome: 'ok' });
    return reply
      .header('set-cookie', sessionCookie(r.session.id, Math.floor(ac.sessionTtlMs / 1000), o.secureCookies ?? false))
      .send({ principal: publicPrincipal(r.principal), expiresAt: new Date(r.session.expiresAt).toISOString() });
  });

  app.post('/api/logout', async (req, reply) => {
    const id = cookie(req.headers.cookie, SESSION_COOKIE);
    if (id) ac.logout(id);
    if (req.principal.kind === 'session') ac.audit.append({ actor: req.principal.username, actorRole: req.principal.role, address: req.ip, action: 'logout', target: `user:${req.principal.username}`, outcome: 'ok' });
    return reply.header('set-cookie', sessionCookie('', 0, o.secureCookies ?? false)).code(204).send();
  });

  /** a signed-in user changes their own password, giving the current one (their other sessions end) */
  app.post('/api/me/password', async (req, reply) => {
    const p = req.principal;
    if (p.kind !== 'session' || !p.userId) return reply.code(401).send({ error: 'not signed in', message: 'sign in with your password first (POST /api/login)' });
    const body = ChangePasswordSchema.safeParse(req.body);
    if (!body.success) return badRequest(reply, 'body', body.error);
    const keys = [`address:${req.ip}`, `user:${p.username.toLowerCase()}`];
    const wait = ac.limiter.retryAfterMs(...keys);
    if (wait > 0) return reply.code(429).header('retry-after', String(Math.ceil(wait / 1000))).send({ error: 'too many requests', message: `too many failed attempts; try again in ${Math.ceil(wait / 1000)} s` });
    const check = await ac.login(p.username, body.data.current, req.ip);
    if (!check.ok) {
      ac.limiter.failed(...keys);
      ac.audit.append({ actor: p.username, actorRole: p.role, address: req.ip, action: 'user.password', target: `user:${p.username}`, outcome: 'denied', reason: 'current password wrong' });
      return reply.code(403).send({ error: 'forbidden', message: 'the current password is wrong' });
    }
    ac.logout(check.session.id);
    ac.users.update(p.userId, { password: body.data.password }, p);
    // the update ended every session of the user (a stolen one too): this one continues with a fresh id
    const fresh = ac.newSession(p.userId, req.ip);
    return reply.header('set-cookie', sessionCookie(fresh.id, Math.floor(ac.sessionTtlMs / 1000), o.secureCookies ?? false)).code(204).send();
  });

  app.get('/api/me', async (req: FastifyRequest, reply: FastifyReply) => {
    const p = req.principal;
    if (p.kind === 'anonymous') return reply.code(401).header('www-authenticate', 'Bearer realm="park"').send({ error: 'not signed in', message: 'sign in (POST /api/login) or send Authorization: Bearer <token>' });
    const u = p.userId ? ac.users.get(p.userId) : undefined;
    return { ...publicPrincipal(p), displayName: u?.displayName, ...(u?.mobile ? { mobile: u.mobile } : {}) };
  });
}
