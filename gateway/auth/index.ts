import type { FastifyInstance } from 'fastify';
import type { AccessControl } from './accessControl.js';
import { registerAuditRoutes } from './auditRoutes.js';
import { registerSessionRoutes } from './session.js';
import { registerUserRoutes } from './userRoutes.js';

export { createAccessControl, type AccessControl, type AccessControlOptions } from './accessControl.js';
export type { User } from './users.js';
export type { TokenInfo } from './credentials.js';
export { visibleUser } from './userRoutes.js';
export { SESSION_COOKIE } from './session.js';
export * from './types.js';

/**
 * Sets request.principal on every request (session cookie or Authorization: Bearer; anonymous
 * otherwise) and registers /api/login, /api/logout, /api/me, /api/users*, /api/users/:id/tokens*,
 * /api/audit and /api/audit/export. Call right after createHttpServer, before other routes.
 */
export function registerAuth(app: FastifyInstance, ac: AccessControl, o: { secureCookies?: boolean } = {}): void {
  registerSessionRoutes(app, ac, o);
  registerUserRoutes(app, ac);
  registerAuditRoutes(app, ac);
}
