import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { DEFAULT_COST, hashSecret, verifySecret, type HashCost } from '../secrets/index.js';
import type { Registry } from '../registry/schema.js';
import { sqliteAuditLog } from './audit.js';
import { credentialStore, type CredentialStore, type TokenInfo } from './credentials.js';
import { createLoginLimiter, type LoginLimiter, type LoginLimits } from './loginLimiter.js';
import { migrate } from './migrations.js';
import { AccessError } from './schemas.js';
import type { AuditEntry, AuditFilter, AuditLog, Principal, Role } from './types.js';
import { userStore, type User, type UserStore } from './users.js';

export interface AccessControl {
  readonly audit: AuditLog;
  users: {
    create(u: { username: string; displayName?: string; role: Role; officer?: string; password?: string }, actor: Principal): User;
    get(id: string): User | undefined;
    byUsername(name: string): User | undefined;
    list(): User[];
    update(id: string, patch: Partial<{ displayName: string; role: Role; officer: string | null; disabled: boolean; password: string }>, actor: Principal): User;
  };
  tokens: {
    issue(userId: string, name: string, actor: Principal, ttlMs?: number): { id: string; token: string };
    revoke(id: string, actor: Principal): void;
    /** a user's tokens, without their values (only hashes are stored) */
    list(userId: string): TokenInfo[];
  };
  start(): void;
  stop(): void;

  // what registerAuth uses
  /** the principal of a session id (cookie) or bearer token; undefined when it is unknown, expired, revoked or its user disabled */
  authenticate(c: { session?: string; bearer?: string; address: string }): Principal | undefined;
  /** checks a password (scrypt, off the event loop); a session on success. Unknown users cost the same as wrong passwords. */
  login(username: string, password: string, address: string): Promise<{ ok: true; principal: Principal; session: { id: string; expiresAt: number } } | { ok: false; reason: string }>;
  logout(sessionId: string): void;
  /** a new session for a user (after a password change: the old ones have ended) */
  newSession(userId: string, address: string): { id: string; expiresAt: number };
  readonly limiter: LoginLimiter;
  readonly sessionTtlMs: number;
  /** the audit log in id order, page by page, for the export */
  auditEntries(filter: AuditFilter): IterableIterator<AuditEntry>;
}

export interface AccessControlOptions {
  /** <dataDir>/access.db */
  file: string;
  registry: Registry;
  /** PARK_ADMIN_TOKEN (environment or the secrets file's http.adminToken) */
  adminToken?: string;
  /** absolute lifetime of a login session (default 12 h) */
  sessionTtlMs?: number;
  /** a session ends after this long without a request (default 30 min) */
  idleTtlMs?: number;
  now?: () => number;
  log: Logger;
  /** scrypt cost of new password hashes (default the production cost; tests pass a cheap one) */
  hashCost?: HashCost;
  loginLimits?: Partial<LoginLimits>;
}

/**
 * Users, sessions, API tokens and the audit log in their own SQLite file. Constructing only records
 * the options; start() opens the file, migrates, and makes the registry's officers users.
 */
export function createAccessControl(o: AccessControlOptions): AccessControl {
  const now = o.now ?? Date.now;
  const sessionTtlMs = o.sessionTtlMs ?? 12 * 3600_000;
  const idleTtlMs = o.idleTtlMs ?? 30 * 60_000;
  let db: Database.Database | undefined;
  let audit: ReturnType<typeof sqliteAuditLog> | undefined;
  let users: UserStore | undefined;
  let creds: CredentialStore | undefined;
  let purge: NodeJS.Timeout | undefined;
  // what an unknown username's password is checked against, so that it takes as long as a known one
  let decoy: string | undefined;
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error(`access control ${o.file} is not started`);
    return v;
  };
  const limiter = createLoginLimiter(now, o.loginLimits);

  return {
    audit: {
      append: (e) => started(audit).append(e),
      list: (f) => started(audit).list(f),
    },
    users: {
      create: (u, actor) => started(users).create(u, actor),
      update: (id, patch, actor) => started(users).update(id, patch, actor),
      get: (id) => started(users).get(id),
      byUsername: (name) => started(users).byUsername(name),
      list: () => started(users).list(),
    },
    tokens: {
      issue(userId, name, actor, ttlMs) {
        const u = started(users).row(userId);
        if (!u) throw new AccessError(404, `no user ${userId}`);
        return started(creds).issue(u, name, actor, ttlMs);
      },
      revoke: (id, actor) => started(creds).revoke(id, actor),
      list: (userId) => started(creds).tokensOf(userId),
    },
    start() {
      if (db) return;
      if (o.file !== ':memory:') mkdirSync(dirname(o.file), { recursive: true });
      const conn = new Database(o.file);
      try {
        conn.pragma('journal_mode = WAL');
        // an audit entry or a user change acknowledged is on disk
        conn.pragma('synchronous = FULL');
        conn.pragma('foreign_keys = ON');
        conn.pragma('busy_timeout = 5000');
        migrate(conn);
      } catch (err) {
        conn.close();
        throw err;
      }
      db = conn;
      audit = sqliteAuditLog(conn, now);
      creds = credentialStore({ db: conn, audit, now, sessionTtlMs, idleTtlMs, adminToken: o.adminToken });
      const c = creds;
      users = userStore({ db: conn, audit, registry: o.registry, now, hashCost: o.hashCost, log: o.log, onDisabled: (id) => c.endSessionsOf(id) });
      users.syncOfficers();
      decoy = hashSecret('decoy password, never a real one', o.hashCost ?? DEFAULT_COST);
      purge = setInterval(() => c.purgeExpired(), 10 * 60_000).unref();
    },
    stop() {
      clearInterval(purge);
      const conn = db;
      db = audit = users = creds = undefined;
      conn?.close();
    },
    authenticate(c) {
      if (c.bearer !== undefined) return started(creds).token(c.bearer, c.address);
      if (c.session !== undefined) return started(creds).session(c.session, c.address);
      return undefined;
    },
    async login(username, password, address) {
      const u = started(users).rowByName(username);
      const ok = await verifySecret(password, u?.password_hash ?? decoy!);
      if (!u || !u.password_hash || !ok) return { ok: false, reason: 'wrong username or password' };
      if (u.disabled === 1) return { ok: false, reason: 'user disabled' };
      const session = started(creds).createSession(u, address);
      return { ok: true, session, principal: { kind: 'session', userId: u.id, username: u.username, role: u.role, ...(u.officer ? { officer: u.officer } : {}), address } };
    },
    logout: (id) => started(creds).endSession(id),
    newSession(userId, address) {
      const u = started(users).row(userId);
      if (!u || u.disabled === 1) throw new AccessError(404, `no active user ${userId}`);
      return started(creds).createSession(u, address);
    },
    limiter,
    sessionTtlMs,
    auditEntries: (f) => started(audit).iterate(f),
  };
}
