import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { hashSecret, type HashCost } from '../secrets/index.js';
import type { Registry } from '../registry/schema.js';
import { AccessError, CreateUserSchema, UpdateUserSchema } from './schemas.js';
import type { AuditLog, Principal, Role } from './types.js';
import { z } from 'zod';

export interface User {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  officer?: string;
  mobile?: string;
  disabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export interface UserRow {
  id: string;
  username: string;
  display_name: string;
  role: Role;
  officer: string | null;
  mobile: string | null;
  password_hash: string | null;
  disabled: 0 | 1;
  source: 'registry' | 'api';
  removed: 0 | 1;
  created_at: number;
  updated_at: number;
}

export const toUser = (r: UserRow): User => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  ...(r.officer ? { officer: r.officer } : {}),
  ...(r.mobile ? { mobile: r.mobile } : {}),
  disabled: r.disabled === 1,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const newId = (prefix: string) => `${prefix}${randomBytes(9).toString('base64url')}`;

const SYSTEM: Principal = { kind: 'anonymous', username: 'system', address: '' };
const actorOf = (p: Principal) => ({ actor: p.username, actorRole: p.role, address: p.address || undefined });

function invalid(where: string, e: z.ZodError): AccessError {
  return new AccessError(400, `${where}: ${z.prettifyError(e)}`);
}

/** Users in access.db: created and changed by an admin (audited with before and after, never a hash), officers kept in step with the registry. */
export function userStore(o: { db: Database.Database; audit: AuditLog; registry: Registry; now: () => number; hashCost?: HashCost; log: Logger; onDisabled: (userId: string) => void }) {
  const { db, audit, now } = o;
  const byId = db.prepare('SELECT * FROM users WHERE id = ?');
  const byName = db.prepare('SELECT * FROM users WHERE username = ?');
  const officers = new Set(o.registry.officers.map((x) => x.id));
  const mobileOf = (officer: string | null) => (officer ? o.registry.officers.find((x) => x.id === officer)?.mobile : undefined) ?? null;
  const row = (id: string) => byId.get(id) as UserRow | undefined;

  const insert = (r: UserRow) =>
    db
      .prepare(
        `INSERT INTO users (id, username, display_name, role, officer, mobile, password_hash, disabled, source, removed, created_at, updated_at)
         VALUES (@id, @username, @display_name, @role, @officer, @mobile, @password_hash, @disabled, @source, @removed, @created_at, @updated_at)`,
      )
      .run(r);

  function create(input: unknown, actor: Principal): User {
    const p = CreateUserSchema.safeParse(input);
    if (!p.success) throw invalid('user', p.error);
    const u = p.data;
    if (u.officer && !officers.has(u.officer)) throw new AccessError(400, `user.officer: ${u.officer} is not an officer of the registry`);
    if (u.role === 'officer' && !u.officer) throw new AccessError(400, 'user.officer: role officer needs the registry officer id it acts as');
    if (byName.get(u.username)) throw new AccessError(409, `username ${u.username} is taken`);
    const t = now();
    const r: UserRow = {
      id: newId('u_'),
      username: u.username,
      display_name: u.displayName ?? u.username,
      role: u.role,
      officer: u.officer ?? null,
      mobile: mobileOf(u.officer ?? null),
      password_hash: u.password ? hashSecret(u.password, o.hashCost) : null,
      disabled: 0,
      source: 'api',
      removed: 0,
      created_at: t,
      updated_at: t,
    };
    try {
      insert(r);
    } catch (err) {
      // the database is the judge of uniqueness (two admins creating the same name at once)
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new AccessError(409, `username ${u.username} is taken`);
      throw err;
    }
    const user = toUser(r);
    audit.append({ ...actorOf(actor), action: 'user.create', target: `user:${u.username}`, outcome: 'ok', after: { ...user, password: u.password ? 'set' : 'none' } });
    return user;
  }

  function update(id: string, patch: unknown, actor: Principal): User {
    const p = UpdateUserSchema.safeParse(patch);
    if (!p.success) throw invalid('user', p.error);
    const c = p.data;
    const before = row(id);
    if (!before) throw new AccessError(404, `no user ${id}`);
    if (c.officer && !officers.has(c.officer)) throw new AccessError(400, `user.officer: ${c.officer} is not an officer of the registry`);
    if (before.source === 'registry' && c.officer !== undefined && c.officer !== before.officer) throw new AccessError(400, "user.officer: a registry officer's officer id comes from the registry");
    const after: UserRow = {
      ...before,
      display_name: c.displayName ?? before.display_name,
      role: c.role ?? before.role,
      officer: c.officer === undefined ? before.officer : c.officer,
      mobile: c.officer === undefined ? before.mobile : mobileOf(c.officer),
      disabled: c.disabled === undefined ? before.disabled : c.disabled ? 1 : 0,
      password_hash: c.password ? hashSecret(c.password, o.hashCost) : before.password_hash,
      updated_at: now(),
    };
    if (after.role === 'officer' && !after.officer) throw new AccessError(400, 'user.officer: role officer needs the registry officer id it acts as');
    db.prepare(
      `UPDATE users SET display_name = @display_name, role = @role, officer = @officer, mobile = @mobile, disabled = @disabled,
       password_hash = @password_hash, updated_at = @updated_at WHERE id = @id`,
    ).run(after);
    // a disabled user's sessions end now; a password change ends every other session too
    if (after.disabled === 1 || c.password) o.onDisabled(id);
    const user = toUser(after);
    audit.append({
      ...actorOf(actor),
      action: 'user.update',
      target: `user:${before.username}`,
      outcome: 'ok',
      before: toUser(before),
      after: c.password ? { ...user, password: 'changed' } : user,
    });
    return user;
  }

  /**
   * Officers come from the registry: each becomes a user (role officer, `officer` = its id, username
   * its id, no password until an admin sets one or issues a token); an officer no longer in the
   * registry is disabled, never deleted (the audit log and tickets still name them).
   */
  function syncOfficers(): void {
    const t = now();
    const existing = db.prepare("SELECT * FROM users WHERE source = 'registry'").all() as UserRow[];
    const known = new Map(existing.map((r) => [r.officer!, r]));
    db.transaction(() => {
      for (const of of o.registry.officers) {
        const r = known.get(of.id);
        if (!r) {
          if (byName.get(of.id)) {
            o.log.warn({ officer: of.id }, 'registry officer not made a user: its id is already the username of another user');
            continue;
          }
          const created: UserRow = { id: newId('u_'), username: of.id, display_name: of.name, role: 'officer', officer: of.id, mobile: of.mobile, password_hash: null, disabled: 0, source: 'registry', removed: 0, created_at: t, updated_at: t };
          insert(created);
          audit.append({ ...actorOf(SYSTEM), action: 'user.create', target: `user:${of.id}`, outcome: 'ok', reason: 'officer in the registry', after: toUser(created) });
        } else if (r.display_name !== of.name || r.mobile !== of.mobile || r.removed === 1) {
          const after: UserRow = { ...r, display_name: of.name, mobile: of.mobile, removed: 0, disabled: r.removed === 1 ? 0 : r.disabled, updated_at: t };
          db.prepare('UPDATE users SET display_name = @display_name, mobile = @mobile, removed = 0, disabled = @disabled, updated_at = @updated_at WHERE id = @id').run(after);
          audit.append({ ...actorOf(SYSTEM), action: 'user.update', target: `user:${r.username}`, outcome: 'ok', reason: 'officer changed in the registry', before: toUser(r), after: toUser(after) });
        }
      }
      const current = new Set(o.registry.officers.map((x) => x.id));
      for (const r of existing) {
        if (current.has(r.officer!) || r.removed === 1) continue;
        db.prepare('UPDATE users SET disabled = 1, removed = 1, updated_at = ? WHERE id = ?').run(t, r.id);
        o.onDisabled(r.id);
        audit.append({ ...actorOf(SYSTEM), action: 'user.update', target: `user:${r.username}`, outcome: 'ok', reason: 'officer no longer in the registry: disabled', before: toUser(r), after: { ...toUser(r), disabled: true, updatedAt: t } });
      }
    })();
  }

  return {
    create,
    update,
    syncOfficers,
    row,
    rowByName: (name: string) => byName.get(name) as UserRow | undefined,
    get: (id: string) => {
      const r = row(id);
      return r && toUser(r);
    },
    byUsername: (name: string) => {
      const r = byName.get(name) as UserRow | undefined;
      return r && toUser(r);
    },
    list: () => (db.prepare('SELECT * FROM users ORDER BY username').all() as UserRow[]).map(toUser),
  };
}
export type UserStore = ReturnType<typeof userStore>;
