import { createHash, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { randomSecret } from '../secrets/index.js';
import { AccessError } from './schemas.js';
import type { AuditLog, Principal } from './types.js';
import { newId, type UserRow } from './users.js';

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
/** API tokens carry a prefix so that secret scanners and people recognise them */
export const TOKEN_PREFIX = 'pkt_';

const principalOf = (kind: 'session' | 'token', u: UserRow, address: string): Principal => ({
  kind,
  userId: u.id,
  username: u.username,
  role: u.role,
  ...(u.officer ? { officer: u.officer } : {}),
  address,
});

export interface TokenInfo {
  id: string;
  userId: string;
  name: string;
  createdAt: number;
  expiresAt?: number;
  revokedAt?: number;
  lastUsed?: number;
}

/**
 * Sessions and API tokens. Neither is stored as given: only a SHA-256 of it, looked up by that hash
 * (a high-entropy random value needs no salt or slow hash; the database copy cannot be replayed).
 * A session ends at its absolute expiry, after `idleTtlMs` without a request, at logout, or when its
 * user is disabled or changes password. A token ends at its expiry, when revoked, or with its user.
 */
export function credentialStore(o: { db: Database.Database; audit: AuditLog; now: () => number; sessionTtlMs: number; idleTtlMs: number; adminToken?: string }) {
  const { db, now } = o;
  const adminHash = o.adminToken ? createHash('sha256').update(o.adminToken).digest() : undefined;
  // last_seen is written at most this often per session: a request is not a disk write
  const touchEveryMs = Math.min(60_000, Math.floor(o.idleTtlMs / 10));
  const sessionByHash = db.prepare('SELECT s.created_at, s.last_seen, s.expires_at, u.* FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?');
  const tokenByHash = db.prepare('SELECT t.id AS token_id, t.expires_at AS token_expires, t.revoked_at, t.last_used, u.* FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = ?');

  function createSession(user: UserRow, address: string): { id: string; expiresAt: number } {
    const id = randomSecret(32);
    const t = now();
    const expiresAt = t + o.sessionTtlMs;
    db.prepare('INSERT INTO sessions (id_hash, user_id, created_at, last_seen, expires_at, address) VALUES (?, ?, ?, ?, ?, ?)').run(sha256(id), user.id, t, t, expiresAt, address.slice(0, 100));
    return { id, expiresAt };
  }

  function session(id: string, address: string): Principal | undefined {
    const h = sha256(id);
    const r = sessionByHash.get(h) as (UserRow & { last_seen: number; expires_at: number }) | undefined;
    if (!r) return undefined;
    const t = now();
    if (r.disabled === 1 || t >= r.expires_at || t - r.last_seen >= o.idleTtlMs) {
      db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(h);
      return undefined;
    }
    if (t - r.last_seen >= touchEveryMs) db.prepare('UPDATE sessions SET last_seen = ? WHERE id_hash = ?').run(t, h);
    return principalOf('session', r, address);
  }

  function token(value: string, address: string): Principal | undefined {
    if (adminHash) {
      // PARK_ADMIN_TOKEN: both sides hashed to equal length first, then compared in constant time
      const given = createHash('sha256').update(value).digest();
      if (timingSafeEqual(given, adminHash)) return { kind: 'admin-token', username: 'admin-token', role: 'admin', address };
    }
    if (!value.startsWith(TOKEN_PREFIX)) return undefined;
    const r = tokenByHash.get(sha256(value)) as (UserRow & { token_id: string; token_expires: number | null; revoked_at: number | null; last_used: number | null }) | undefined;
    const t = now();
    if (!r || r.disabled === 1 || r.revoked_at !== null || (r.token_expires !== null && t >= r.token_expires)) return undefined;
    if (r.last_used === null || t - r.last_used >= 60_000) db.prepare('UPDATE api_tokens SET last_used = ? WHERE id = ?').run(t, r.token_id);
    return principalOf('token', r, address);
  }

  const actorOf = (p: Principal) => ({ actor: p.username, actorRole: p.role, address: p.address || undefined });

  function issue(user: UserRow, name: string, actor: Principal, ttlMs?: number): { id: string; token: string } {
    const id = newId('t_');
    const value = `${TOKEN_PREFIX}${randomSecret(32)}`;
    const t = now();
    const expiresAt = ttlMs === undefined ? null : t + ttlMs;
    db.prepare('INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)').run(id, user.id, name.slice(0, 100), sha256(value), t, expiresAt);
    o.audit.append({ ...actorOf(actor), action: 'token.create', target: `user:${user.username}`, outcome: 'ok', after: { id, name, expiresAt: expiresAt ?? undefined } });
    return { id, token: value };
  }

  function revoke(id: string, actor: Principal): void {
    const r = db.prepare('SELECT t.*, u.username FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.id = ?').get(id) as { name: string; username: string; revoked_at: number | null } | undefined;
    if (!r) throw new AccessError(404, `no token ${id}`);
    if (r.revoked_at !== null) return;
    const t = now();
    db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ?').run(t, id);
    o.audit.append({ ...actorOf(actor), action: 'token.revoke', target: `user:${r.username}`, outcome: 'ok', before: { id, name: r.name }, after: { id, name: r.name, revokedAt: t } });
  }

  function tokensOf(userId: string): TokenInfo[] {
    const rows = db.prepare('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at').all(userId) as { id: string; user_id: string; name: string; created_at: number; expires_at: number | null; revoked_at: number | null; last_used: number | null }[];
    return rows.map((r) => ({
      id: r.id,
      userId: r.user_id,
      name: r.name,
      createdAt: r.created_at,
      ...(r.expires_at !== null ? { expiresAt: r.expires_at } : {}),
      ...(r.revoked_at !== null ? { revokedAt: r.revoked_at } : {}),
      ...(r.last_used !== null ? { lastUsed: r.last_used } : {}),
    }));
  }

  return {
    createSession,
    session,
    token,
    issue,
    revoke,
    tokensOf,
    endSession: (id: string) => void db.prepare('DELETE FROM sessions WHERE id_hash = ?').run(sha256(id)),
    endSessionsOf: (userId: string) => void db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId),
    purgeExpired: () => db.prepare('DELETE FROM sessions WHERE expires_at <= ? OR last_seen <= ?').run(now(), now() - o.idleTtlMs).changes,
  };
}
export type CredentialStore = ReturnType<typeof credentialStore>;
