import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../processor/tickets/migrations.js';
import { ACK_TTL_MS, ackLinker, linkKey, signAckToken, verifyAckToken } from './ackToken.js';

const key = Buffer.alloc(32, 7);
const T = Date.parse('2026-11-28T08:30:00+08:00');
const claims = { ticket: 'WO-20261128-0001', officer: 'OF-01', exp: T + ACK_TTL_MS };

describe('acknowledgement link tokens (HMAC-SHA256, base64url)', () => {
  it('round-trips ticket, officer and expiry; the token is base64url payload and MAC', () => {
    const token = signAckToken(key, claims);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(token.split('.')[0]!, 'base64url').toString()).toBe(`WO-20261128-0001|OF-01|${T + ACK_TTL_MS}`);
    expect(verifyAckToken(key, token, T)).toEqual({ ok: true, claims });
  });

  it('refuses a token signed with another key, a changed payload, a changed MAC, and garbage', () => {
    const token = signAckToken(key, claims);
    expect(verifyAckToken(Buffer.alloc(32, 8), token, T)).toMatchObject({ ok: false, why: 'forged' });
    const otherOfficer = Buffer.from(`WO-20261128-0001|OF-02|${T + ACK_TTL_MS}`).toString('base64url');
    expect(verifyAckToken(key, `${otherOfficer}.${token.split('.')[1]}`, T)).toMatchObject({ ok: false, why: 'forged' });
    const mac = token.split('.')[1]!;
    const flipped = `${token.split('.')[0]}.${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
    expect(verifyAckToken(key, flipped, T)).toMatchObject({ ok: false, why: 'forged' });
    for (const bad of ['', 'abc', 'a.b', `${'x'.repeat(300)}.${mac}`, `${token}.x`]) expect(verifyAckToken(key, bad, T)).toMatchObject({ ok: false, why: 'malformed' });
  });

  it('refuses an expired token with a clear message, at the expiry exactly', () => {
    const token = signAckToken(key, claims);
    expect(verifyAckToken(key, token, claims.exp - 1).ok).toBe(true);
    const r = verifyAckToken(key, token, claims.exp);
    expect(r).toMatchObject({ ok: false, why: 'expired', claims });
    expect(r.ok || r.message).toContain('签收链接已过期');
  });

  it('builds links under PUBLIC_URL valid ttl from the alert time, none without it', () => {
    const link = ackLinker({ publicUrl: 'https://park.example.cn/', key, ttlMs: 1000 });
    const url = link('WO-20261128-0001', 'OF-01', T)!;
    expect(url).toMatch(/^https:\/\/park\.example\.cn\/ack\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    const token = url.split('/ack/')[1]!;
    expect(verifyAckToken(key, token, T + 999)).toMatchObject({ ok: true, claims: { ticket: 'WO-20261128-0001', officer: 'OF-01', exp: T + 1000 } });
    expect(ackLinker({ publicUrl: undefined, key })('WO-20261128-0001', 'OF-01', T)).toBeUndefined();
  });

  it('makes the key once (32 random bytes in park.db) and reads the same one afterwards', () => {
    const db = new Database(':memory:');
    migrate(db);
    const a = linkKey(db);
    expect(a).toHaveLength(32);
    expect(linkKey(db).equals(a)).toBe(true);
    const other = new Database(':memory:');
    migrate(other);
    expect(linkKey(other).equals(a)).toBe(false);
    db.close();
    other.close();
  });
});
