import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { createAccessControl, registerAuth, type AccessControl } from '../../gateway/auth/index.js';
import { CHEAP, SYSTEM_ADMIN } from '../../gateway/auth/testing.js';
import type { AuditEntry, AuditLog, Principal } from '../../gateway/auth/types.js';
import { loadRegistry } from '../../gateway/registry/loader.js';

/**
 * How route tests sign in: the gateway's own authentication (gateway/auth: registerAuth on a temporary
 * access.db), with one API token per test person issued through the access control, sent as
 * `Authorization: Bearer <token>`. The registry's officers are users of their own (username = officer id).
 */
type Who = Omit<Principal, 'address' | 'userId'>;

/** the people of the tests: officers OF-01 (王青), OF-02 (李明), OF-03 (张华) of the shipped park, a chief, an admin, a viewer */
export const PEOPLE = {
  admin: { kind: 'token', username: 'admin', role: 'admin' },
  chief: { kind: 'token', username: 'chen.kz', role: 'chief' },
  viewer: { kind: 'token', username: 'screen', role: 'viewer' },
  officer: { kind: 'token', username: 'OF-01', role: 'officer', officer: 'OF-01' },
  otherOfficer: { kind: 'token', username: 'OF-02', role: 'officer', officer: 'OF-02' },
  /** 张华, officer of the rain outlets RO-0x */
  officer3: { kind: 'token', username: 'OF-03', role: 'officer', officer: 'OF-03' },
  /** the e2e tests' person: 王青 (OF-01) acting as section chief (a chief may be an officer too) */
  chiefOfficer: { kind: 'token', username: 'wang.qing', role: 'chief', officer: 'OF-01' },
} as const satisfies Record<string, Who>;

export type Person = keyof typeof PEOPLE | 'anonymous';

/** the tokens of the latest testAccess() (one access.db per test file is the usual case) */
const tokens = new Map<Person, string>();

/** headers that make a request come from `who` ('anonymous': none); testAccess() must have run */
export const as = (who: Person): Record<string, string> => {
  if (who === 'anonymous') return {};
  const token = tokens.get(who);
  if (!token) throw new Error(`as(${who}): call testAccess() first`);
  return { authorization: `Bearer ${token}` };
};

export interface TestAccess {
  /** for startGateway's `access` and for a bare Fastify app (call before registering routes) */
  install(app: FastifyInstance): void;
  /** the access control's audit log; `entries` lists it oldest first */
  readonly audit: AuditLog & { readonly entries: readonly AuditEntry[] };
  readonly ac: AccessControl;
  /** stops the access control and removes its temporary directory */
  close(): void;
}

/** real access control on a temporary access.db, the test people as users with a token each */
export function testAccess(): TestAccess {
  const dir = mkdtempSync(join(tmpdir(), 'park-access-'));
  const ac = createAccessControl({ file: join(dir, 'access.db'), registry: loadRegistry(), log: pino({ level: 'silent' }), hashCost: CHEAP });
  ac.start();
  tokens.clear();
  for (const [name, who] of Object.entries(PEOPLE) as [keyof typeof PEOPLE, Who][]) {
    const user =
      ac.users.byUsername(who.username) ??
      ac.users.create({ username: who.username, role: who.role!, ...(who.officer ? { officer: who.officer } : {}) }, SYSTEM_ADMIN);
    tokens.set(name, ac.tokens.issue(user.id, `test ${name}`, SYSTEM_ADMIN).token);
  }
  const audit = Object.defineProperty(
    {
      append: (e: Parameters<AuditLog['append']>[0]) => ac.audit.append(e),
      list: (f: Parameters<AuditLog['list']>[0]) => ac.audit.list(f),
    },
    'entries',
    { get: () => ac.audit.list({ limit: 1_000_000 }).entries.slice().reverse() },
  ) as TestAccess['audit'];
  return {
    install: (app) => registerAuth(app, ac),
    audit,
    ac,
    close() {
      ac.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
