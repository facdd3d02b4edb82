import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type Database from 'better-sqlite3';
import { z } from 'zod';

/**
 * Acknowledgement links (签收链接) in the alerts: `${PUBLIC_URL}/ack/<token>`, where the token is
 * `base64url(ticket|officer|expiry) . base64url(HMAC-SHA256(key, that first part))`. Whoever holds the link may
 * acknowledge that ticket as that officer until it expires; nothing else. The key is the gateway's own
 * (linkKey: 32 random bytes made once and kept in park.db), so links stay valid across restarts.
 */

/** how long a link stays valid after the alert is built, by default */
export const ACK_TTL_MS = 72 * 3600_000;

export interface AckClaims {
  ticket: string;
  /** the officer id the link acknowledges as */
  officer: string;
  /** expiry, epoch ms */
  exp: number;
}

export type AckCheck = { ok: true; claims: AckClaims } | { ok: false; why: 'malformed' | 'forged' | 'expired'; message: string; claims?: AckClaims };

const ClaimsSchema = z.object({
  ticket: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
  officer: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
  exp: z.coerce.number().int().positive(),
});

/** a token as it may appear in a path: payload (at most 200 characters) and a 32-byte MAC, both base64url */
export const AckTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{1,200}\.[A-Za-z0-9_-]{43}$/, 'not an acknowledgement link token');

const mac = (key: Buffer, payload: string): Buffer => createHmac('sha256', key).update(payload).digest();

export function signAckToken(key: Buffer, c: AckClaims): string {
  const claims = ClaimsSchema.parse(c);
  const payload = Buffer.from(`${claims.ticket}|${claims.officer}|${claims.exp}`, 'utf8').toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** Checks a token: its MAC in constant time first, then its claims and expiry. */
export function verifyAckToken(key: Buffer, token: string, now: number): AckCheck {
  if (!AckTokenSchema.safeParse(token).success) return { ok: false, why: 'malformed', message: '签收链接格式不正确 (the link is not a valid acknowledgement link)' };
  const [payload, sig] = token.split('.') as [string, string];
  const given = Buffer.from(sig, 'base64url');
  const expected = mac(key, payload);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, why: 'forged', message: '签收链接无效 (the link was not issued by this gateway)' };
  const [ticket, officer, exp, ...rest] = Buffer.from(payload, 'base64url').toString('utf8').split('|');
  const parsed = ClaimsSchema.safeParse({ ticket, officer, exp });
  if (!parsed.success || rest.length) return { ok: false, why: 'malformed', message: '签收链接内容不正确 (the link does not name a ticket and an officer)' };
  if (parsed.data.exp <= now) return { ok: false, why: 'expired', message: '签收链接已过期，请登录系统签收 (the link has expired; sign in to acknowledge)', claims: parsed.data };
  return { ok: true, claims: parsed.data };
}

/**
 * The alerts' link builder (processor/alerts AckLink): `${publicUrl}/ack/<token>` valid ttlMs from when the
 * alert is built; none without a public URL (PUBLIC_URL unset).
 */
export function ackLinker(o: { publicUrl: string | undefined; key: Buffer; ttlMs?: number }): (ticket: string, officer: string, at: number) => string | undefined {
  const base = o.publicUrl?.replace(/\/+$/, '');
  const ttl = o.ttlMs ?? ACK_TTL_MS;
  return (ticket, officer, at) => {
    if (!base) return undefined;
    const c = ClaimsSchema.safeParse({ ticket, officer, exp: at + ttl });
    return c.success ? `${base}/ack/${signAckToken(o.key, c.data)}` : undefined;
  };
}

/**
 * The links' HMAC key: 32 random bytes made the first time and kept in park.db (table app_secret, migration
 * 'ticket-deadline'); every later start reads the same key. Two processes starting at once keep the first.
 */
export function linkKey(db: Database.Database): Buffer {
  db.prepare(`INSERT INTO app_secret (name, value) VALUES ('ack-link-key', ?) ON CONFLICT (name) DO NOTHING`).run(randomBytes(32).toString('base64'));
  const row = db.prepare(`SELECT value FROM app_secret WHERE name = 'ack-link-key'`).get() as { value: string };
  const key = Buffer.from(row.value, 'base64');
  if (key.length < 32) throw new Error('park.db app_secret ack-link-key is shorter than 32 bytes');
  return key;
}
