import type { FastifyInstance } from 'fastify';
import { createMemoryAuditLog } from '../../gateway/auth/memoryAudit.js';
import type { AuditEntry, AuditLog, Principal } from '../../gateway/auth/types.js';

/**
 * THE seam between the route tests and authentication. Until the auth plugin (gateway/auth/index.ts,
 * registerAuth) is wired, a test names who it is with one header and this onRequest hook turns it into
 * `request.principal`; the audit log is kept in memory. Switching the tests to the real authentication
 * means changing this file only: `install` → registerAuth(app, ac), `as(name)` → a Bearer token of a
 * user with that role, `audit` → ac.audit.
 */
export const PRINCIPAL_HEADER = 'x-test-principal';

type Who = Omit<Principal, 'address'>;

/** the people of the tests: officers OF-01 (王青), OF-02 (李明), OF-03 (张华) of the shipped park, a chief, an admin, a viewer */
export const PEOPLE = {
  admin: { kind: 'token', userId: 'u-admin', username: 'admin', role: 'admin' },
  chief: { kind: 'session', userId: 'u-chief', username: '陈科长', role: 'chief' },
  viewer: { kind: 'session', userId: 'u-viewer', username: 'screen', role: 'viewer' },
  officer: { kind: 'session', userId: 'u-of01', username: '王青', role: 'officer', officer: 'OF-01' },
  otherOfficer: { kind: 'session', userId: 'u-of02', username: '李明', role: 'officer', officer: 'OF-02' },
  /** 张华, officer of the rain outlets RO-0x */
  officer3: { kind: 'session', userId: 'u-of03', username: '张华', role: 'officer', officer: 'OF-03' },
  /** the e2e tests' person: 王青 (OF-01) acting as section chief (a chief may be an officer too) */
  chiefOfficer: { kind: 'session', userId: 'u-of01c', username: '王青', role: 'chief', officer: 'OF-01' },
} as const satisfies Record<string, Who>;

export type Person = keyof typeof PEOPLE | 'anonymous';

/** headers that make a request come from `who` ('anonymous': none) */
export const as = (who: Person): Record<string, string> => (who === 'anonymous' ? {} : { [PRINCIPAL_HEADER]: who });

/** sets request.principal from the test header (anonymous without one, or with an unknown name) */
export function installTestPrincipals(app: FastifyInstance): void {
  app.decorateRequest('principal', null as unknown as Principal);
  app.addHook('onRequest', async (req) => {
    const name = req.headers[PRINCIPAL_HEADER];
    const who = typeof name === 'string' && Object.hasOwn(PEOPLE, name) ? PEOPLE[name as keyof typeof PEOPLE] : undefined;
    req.principal = who ? { ...who, address: req.ip } : { kind: 'anonymous', username: 'anonymous', address: req.ip };
  });
}

export interface TestAccess {
  /** for startGateway's `access` and for a bare Fastify app (call before registering routes) */
  install(app: FastifyInstance): void;
  readonly audit: AuditLog & { readonly entries: readonly AuditEntry[] };
}

/** test principals plus an in-memory audit log */
export function testAccess(): TestAccess {
  return { install: installTestPrincipals, audit: createMemoryAuditLog() };
}
