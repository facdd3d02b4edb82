import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createHttpServer, type HttpHardening } from '../http/server.js';
import { loadRegistry } from '../registry/loader.js';
import type { Registry } from '../registry/schema.js';
import { createAccessControl, registerAuth, type AccessControl } from './index.js';
import type { Principal } from './types.js';

/** scrypt at a cheap cost so that tests stay fast (production uses DEFAULT_COST) */
export const CHEAP = { ln: 4, r: 8, p: 1 };
export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const SYSTEM_ADMIN: Principal = { kind: 'admin-token', username: 'admin-token', role: 'admin', address: '127.0.0.1' };

/** access control on a temp access.db with a settable clock, behind a real createHttpServer (inject or listen) */
export async function authRig(o: { registry?: Registry; dir?: string; http?: HttpHardening; adminToken?: string | null; idleTtlMs?: number; sessionTtlMs?: number; metrics?: boolean; secureCookies?: boolean } = {}) {
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'access-'));
  const clock = { t: Date.parse('2026-11-28T08:00:00Z') };
  const log = pino({ level: 'silent' });
  const ac: AccessControl = createAccessControl({
    file: join(dir, 'access.db'),
    registry: o.registry ?? loadRegistry(),
    adminToken: o.adminToken === null ? undefined : (o.adminToken ?? ADMIN_TOKEN),
    now: () => clock.t,
    log,
    hashCost: CHEAP,
    idleTtlMs: o.idleTtlMs,
    sessionTtlMs: o.sessionTtlMs,
  });
  ac.start();
  const app: FastifyInstance = createHttpServer({
    log,
    health: { health: () => ({ up: true }) },
    readiness: { check: async () => ({ ready: true, failed: [], checks: {} }) },
    ...(o.metrics ? { metrics: { metrics: async () => 'park_up 1\n', contentType: 'text/plain; version=0.0.4' } } : {}),
    ...o.http,
  });
  registerAuth(app, ac, { secureCookies: o.secureCookies });
  return {
    dir,
    clock,
    ac,
    app,
    file: join(dir, 'access.db'),
    async close(keepDir = false) {
      await app.close();
      ac.stop();
      if (!keepDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type AuthRig = Awaited<ReturnType<typeof authRig>>;

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
/** the session cookie of a login answer, as a Cookie header */
export function sessionFrom(setCookie: string | string[] | undefined): { cookie: string } {
  const c = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  return { cookie: (c ?? '').split(';')[0]! };
}
