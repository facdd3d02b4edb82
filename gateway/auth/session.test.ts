import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, authRig, bearer, sessionFrom, SYSTEM_ADMIN, type AuthRig } from './testing.js';

let rig: AuthRig;
const MIN = 60_000;
const PASSWORD = 'correct horse battery';

beforeEach(async () => {
  rig = await authRig({ idleTtlMs: 30 * MIN, sessionTtlMs: 12 * 60 * MIN });
  rig.ac.users.create({ username: 'zhou.chief', displayName: '周科长', role: 'chief', password: PASSWORD }, SYSTEM_ADMIN);
});
afterEach(() => rig.close());

const login = (username: string, password: string, remoteAddress = '127.0.0.1') => rig.app.inject({ method: 'POST', url: '/api/login', payload: { username, password }, remoteAddress });
const me = (headers: Record<string, string>) => rig.app.inject({ method: 'GET', url: '/api/me', headers });

describe('login sessions', () => {
  it('logs in with a cookie that is HttpOnly, SameSite=Strict, Path=/, and /api/me answers without secrets', async () => {
    const bad = await login('zhou.chief', 'wrong password!');
    expect(bad.statusCode).toBe(401);
    expect(bad.headers['set-cookie']).toBeUndefined();

    const ok = await login('zhou.chief', PASSWORD);
    expect(ok.statusCode).toBe(200);
    const set = String(ok.headers['set-cookie']);
    expect(set).toMatch(/^park_session=[A-Za-z0-9_-]{40,};/);
    expect(set).toContain('HttpOnly');
    expect(set).toContain('SameSite=Strict');
    expect(set).toContain('Path=/');
    expect(set).not.toContain('Secure'); // not configured here

    const who = await me(sessionFrom(ok.headers['set-cookie']));
    expect(who.statusCode).toBe(200);
    expect(who.json()).toMatchObject({ kind: 'session', username: 'zhou.chief', role: 'chief', displayName: '周科长' });
    expect(who.body).not.toMatch(/scrypt|password|park_session/);
    // the session id itself is not in the database, only its SHA-256
    const db = new Database(rig.file, { readonly: true });
    const sessionId = sessionFrom(ok.headers['set-cookie']).cookie.split('=')[1]!;
    expect(db.prepare('SELECT count(*) AS n FROM sessions WHERE id_hash = ?').get(sessionId)).toEqual({ n: 0 });
    expect(db.prepare('SELECT count(*) AS n FROM sessions').get()).toEqual({ n: 1 });
    db.close();
  });

  it('ends a session after the idle time, and at its absolute expiry however active', async () => {
    const idle = sessionFrom((await login('zhou.chief', PASSWORD)).headers['set-cookie']);
    rig.clock.t += 29 * MIN;
    expect((await me(idle)).statusCode).toBe(200);
    rig.clock.t += 31 * MIN;
    expect((await me(idle)).statusCode).toBe(401);

    const busy = sessionFrom((await login('zhou.chief', PASSWORD)).headers['set-cookie']);
    for (let h = 0; h < 12 * 60 - 20; h += 20) {
      rig.clock.t += 20 * MIN;
      expect((await me(busy)).statusCode, `after ${h + 20} min`).toBe(200);
    }
    rig.clock.t += 20 * MIN; // 12 h 00 min after login
    expect((await me(busy)).statusCode).toBe(401);
  });

  it('logs out: the cookie is cleared and the session no longer works', async () => {
    const s = sessionFrom((await login('zhou.chief', PASSWORD)).headers['set-cookie']);
    const out = await rig.app.inject({ method: 'POST', url: '/api/logout', headers: s });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/^park_session=; .*Max-Age=0/);
    expect((await me(s)).statusCode).toBe(401);
    expect(rig.ac.audit.list({ action: 'logout' }).entries).toMatchObject([{ actor: 'zhou.chief', outcome: 'ok' }]);
  });

  it('lets a signed-in user change their own password with the current one; other sessions end', async () => {
    const s1 = sessionFrom((await login('zhou.chief', PASSWORD)).headers['set-cookie']);
    const s2 = sessionFrom((await login('zhou.chief', PASSWORD)).headers['set-cookie']);
    const change = (current: string, password: string) => rig.app.inject({ method: 'POST', url: '/api/me/password', headers: s1, payload: { current, password } });
    expect((await change('not my password', 'a brand new password')).statusCode).toBe(403);
    expect((await change(PASSWORD, 'short')).statusCode).toBe(400);
    const ok = await change(PASSWORD, 'a brand new password');
    expect(ok.statusCode).toBe(204);
    expect((await me(sessionFrom(ok.headers['set-cookie']))).statusCode).toBe(200);
    expect((await me(s1)).statusCode).toBe(401);
    expect((await me(s2)).statusCode).toBe(401);
    expect((await login('zhou.chief', PASSWORD)).statusCode).toBe(401);
    expect((await login('zhou.chief', 'a brand new password')).statusCode).toBe(200);
    expect(JSON.stringify(rig.ac.audit.list({ limit: 1000 }).entries)).not.toContain('brand new');
  });

  it('ends the sessions of a user who is disabled', async () => {
    const s = sessionFrom((await login('zhou.chief', PASSWORD)).headers['set-cookie']);
    rig.ac.users.update(rig.ac.users.byUsername('zhou.chief')!.id, { disabled: true }, SYSTEM_ADMIN);
    expect((await me(s)).statusCode).toBe(401);
    expect((await login('zhou.chief', PASSWORD)).statusCode).toBe(401);
  });
});

describe('principal', () => {
  it('gives every request a principal: anonymous without (or with unknown) credentials', async () => {
    const open = await authRig({ http: {} });
    try {
      open.app.get('/api/probe', async (req) => req.principal);
      const anon = await open.app.inject({ method: 'GET', url: '/api/probe', remoteAddress: '10.1.2.3' });
      expect(anon.json()).toEqual({ kind: 'anonymous', username: 'anonymous', address: '10.1.2.3' });
      const forged = await open.app.inject({ method: 'GET', url: '/api/probe', headers: { cookie: 'park_session=forged', ...bearer('pkt_forged') } });
      expect(forged.json()).toMatchObject({ kind: 'anonymous' });
      expect((await open.app.inject({ method: 'GET', url: '/api/probe', headers: bearer(ADMIN_TOKEN) })).json()).toMatchObject({ kind: 'admin-token', role: 'admin' });
    } finally {
      await open.close();
    }
  });

  it('marks the session cookie Secure when configured', async () => {
    const secure = await authRig({ secureCookies: true });
    try {
      secure.ac.users.create({ username: 'u1', role: 'viewer', password: PASSWORD }, SYSTEM_ADMIN);
      const r = await secure.app.inject({ method: 'POST', url: '/api/login', payload: { username: 'u1', password: PASSWORD } });
      expect(String(r.headers['set-cookie'])).toMatch(/; Secure$/);
    } finally {
      await secure.close();
    }
  });
});

describe('login rate limit', () => {
  it('answers 429 with Retry-After after 5 failures for a username, even with the right password, and audits without the password', async () => {
    for (let i = 0; i < 5; i++) expect((await login('zhou.chief', `guess number ${i}`, `10.0.0.${i + 1}`)).statusCode).toBe(401);
    const limited = await login('zhou.chief', PASSWORD, '10.0.0.99');
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);

    // a flood during the lock is refused too, and recorded once
    for (let i = 0; i < 20; i++) expect((await login('zhou.chief', PASSWORD, '10.0.0.99')).statusCode).toBe(429);
    const denied = rig.ac.audit.list({ action: 'login', outcome: 'denied' });
    expect(denied.total).toBe(6);
    expect(denied.entries[0]).toMatchObject({ actor: 'zhou.chief', target: 'user:zhou.chief', address: '10.0.0.99', reason: expect.stringContaining('rate limited') });
    const all = JSON.stringify(rig.ac.audit.list({ limit: 1000 }).entries);
    expect(all).not.toContain('guess number');
    expect(all).not.toContain(PASSWORD);

    // after Retry-After the right password works; a further failure doubles the wait (backoff)
    rig.clock.t += Number(limited.headers['retry-after']) * 1000;
    expect((await login('zhou.chief', PASSWORD, '10.0.0.99')).statusCode).toBe(200);
  });

  it('limits an address trying many usernames, and backs off longer after each further failure', async () => {
    for (let i = 0; i < 5; i++) await login(`nobody${i}`, 'whatever it is', '10.9.9.9');
    const first = await login('zhou.chief', PASSWORD, '10.9.9.9');
    expect(first.statusCode).toBe(429);
    const wait1 = Number(first.headers['retry-after']);
    // another address is not affected
    expect((await login('zhou.chief', PASSWORD, '10.9.9.8')).statusCode).toBe(200);
    rig.clock.t += wait1 * 1000;
    expect((await login('nobody9', 'still wrong!!', '10.9.9.9')).statusCode).toBe(401);
    const second = await login('zhou.chief', PASSWORD, '10.9.9.9');
    expect(second.statusCode).toBe(429);
    expect(Number(second.headers['retry-after'])).toBe(wait1 * 2);
  });
});

describe('bearer tokens', () => {
  it('accepts PARK_ADMIN_TOKEN as an admin (kind admin-token) and nothing close to it', async () => {
    const ok = await me(bearer(ADMIN_TOKEN));
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ kind: 'admin-token', username: 'admin-token', role: 'admin' });
    expect((await me(bearer(`${ADMIN_TOKEN}x`))).statusCode).toBe(401);
    expect((await me(bearer(ADMIN_TOKEN.slice(0, -1)))).statusCode).toBe(401);
    expect((await rig.app.inject({ method: 'GET', url: '/api/audit', headers: bearer(ADMIN_TOKEN) })).statusCode).toBe(200);
  });

  it('issues a token shown once (stored as a hash), which works until revoked', async () => {
    const chief = rig.ac.users.byUsername('zhou.chief')!;
    const issued = await rig.app.inject({ method: 'POST', url: `/api/users/${chief.id}/tokens`, headers: bearer(ADMIN_TOKEN), payload: { name: 'grafana' } });
    expect(issued.statusCode).toBe(201);
    const { id, token } = issued.json() as { id: string; token: string };
    expect((await me(bearer(token))).json()).toMatchObject({ kind: 'token', username: 'zhou.chief', role: 'chief' });

    const listed = await rig.app.inject({ method: 'GET', url: `/api/users/${chief.id}/tokens`, headers: bearer(ADMIN_TOKEN) });
    expect(listed.json().tokens).toMatchObject([{ id, name: 'grafana' }]);
    expect(listed.body).not.toContain(token);
    const db = new Database(rig.file, { readonly: true });
    expect(JSON.stringify(db.prepare('SELECT * FROM api_tokens').all())).not.toContain(token);
    db.close();

    const revoked = await rig.app.inject({ method: 'DELETE', url: `/api/users/${chief.id}/tokens/${id}`, headers: bearer(ADMIN_TOKEN) });
    expect(revoked.statusCode).toBe(204);
    expect((await me(bearer(token))).statusCode).toBe(401);
    expect(rig.ac.audit.list({ target: 'user:zhou.chief' }).entries.map((e) => e.action)).toEqual(expect.arrayContaining(['token.create', 'token.revoke']));
  });

  it('refuses a token after its expiry', async () => {
    const chief = rig.ac.users.byUsername('zhou.chief')!;
    const { token } = (await rig.app.inject({ method: 'POST', url: `/api/users/${chief.id}/tokens`, headers: bearer(ADMIN_TOKEN), payload: { name: 'one day', ttlDays: 1 } })).json() as { token: string };
    rig.clock.t += 23 * 60 * MIN;
    expect((await me(bearer(token))).statusCode).toBe(200);
    rig.clock.t += 60 * MIN;
    expect((await me(bearer(token))).statusCode).toBe(401);
  });

  it('lets only an admin issue tokens; a refused attempt is audited', async () => {
    const chief = rig.ac.users.byUsername('zhou.chief')!;
    const { token } = rig.ac.tokens.issue(chief.id, 'chief cli', SYSTEM_ADMIN);
    const refused = await rig.app.inject({ method: 'POST', url: `/api/users/${chief.id}/tokens`, headers: bearer(token), payload: { name: 'more' } });
    expect(refused.statusCode).toBe(403);
    expect((await rig.app.inject({ method: 'POST', url: `/api/users/${chief.id}/tokens`, payload: { name: 'anon' } })).statusCode).toBe(401);
    expect(rig.ac.audit.list({ action: 'token.create', outcome: 'denied' }).total).toBe(2);
  });
});
