import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadRegistry } from '../registry/loader.js';
import { ADMIN_TOKEN, authRig, bearer, SYSTEM_ADMIN, type AuthRig } from './testing.js';
import type { User } from './users.js';

let rig: AuthRig;
const tokens: Record<string, string> = {};

beforeEach(async () => {
  rig = await authRig();
  const { ac } = rig;
  const viewer = ac.users.create({ username: 'viewer.wu', role: 'viewer' }, SYSTEM_ADMIN);
  const chief = ac.users.create({ username: 'chief.zhou', role: 'chief' }, SYSTEM_ADMIN);
  tokens.viewer = ac.tokens.issue(viewer.id, 'test', SYSTEM_ADMIN).token;
  tokens.chief = ac.tokens.issue(chief.id, 'test', SYSTEM_ADMIN).token;
  tokens.of01 = ac.tokens.issue(ac.users.byUsername('OF-01')!.id, 'test', SYSTEM_ADMIN).token;
  tokens.of02 = ac.tokens.issue(ac.users.byUsername('OF-02')!.id, 'test', SYSTEM_ADMIN).token;
  tokens.admin = ADMIN_TOKEN;
});
afterEach(() => rig.close());

const get = (url: string, who?: string) => rig.app.inject({ method: 'GET', url, headers: who ? bearer(tokens[who]!) : {} });
const send = (method: 'POST' | 'PATCH', url: string, payload: unknown, who = 'admin') => rig.app.inject({ method, url, headers: bearer(tokens[who]!), payload: payload as object });

describe('users', () => {
  it("makes each registry officer a user (role officer, officer = its id), and disables, not deletes, one who leaves the registry", async () => {
    const of01 = rig.ac.users.byUsername('OF-01')!;
    expect(of01).toMatchObject({ role: 'officer', officer: 'OF-01', displayName: '王青', mobile: '13800001101', disabled: false });
    const dir = rig.dir;
    await rig.close(true);
    const registry = loadRegistry();
    const smaller = { ...registry, officers: registry.officers.filter((o) => o.id !== 'OF-04') };
    rig = await authRig({ dir, registry: smaller });
    expect(rig.ac.users.byUsername('OF-04')).toMatchObject({ disabled: true, officer: 'OF-04' });
    expect(rig.ac.users.byUsername('OF-01')).toMatchObject({ id: of01.id, disabled: false });
    expect(rig.ac.audit.list({ target: 'user:OF-04', action: 'user.update' }).entries[0]).toMatchObject({ actor: 'system', reason: expect.stringContaining('no longer in the registry') });
  });

  it("shows an officer's mobile to chief and admin and to the officer themself, never to a viewer or another officer", async () => {
    const mobileOf01 = (who: string) => get('/api/users', who).then((r) => (r.json().users as User[]).find((u) => u.username === 'OF-01')?.mobile);
    expect(await mobileOf01('admin')).toBe('13800001101');
    expect(await mobileOf01('chief')).toBe('13800001101');
    expect(await mobileOf01('of01')).toBe('13800001101');
    expect(await mobileOf01('viewer')).toBeUndefined();
    expect(await mobileOf01('of02')).toBeUndefined();
    const id = rig.ac.users.byUsername('OF-01')!.id;
    const one = await get(`/api/users/${id}`, 'viewer');
    expect(one.statusCode).toBe(200);
    expect(one.body).not.toContain('13800001101');
    expect((await get(`/api/users/${id}`, 'of02')).body).not.toContain('13800001101');
    expect((await get('/api/users')).statusCode).toBe(401);
  });

  it('lets an admin create and change users, audited with before and after and never a hash', async () => {
    const created = await send('POST', '/api/users', { username: 'ops.li', displayName: '李运维', role: 'viewer', password: 'a long enough password' });
    expect(created.statusCode).toBe(201);
    const id = (created.json() as User).id;
    expect((await send('POST', '/api/users', { username: 'ops.li', role: 'viewer' })).statusCode).toBe(409);
    const changed = await send('PATCH', `/api/users/${id}`, { role: 'chief', password: 'another long password' });
    expect(changed.statusCode).toBe(200);
    expect(changed.json()).toMatchObject({ role: 'chief' });
    expect((await send('PATCH', `/api/users/${id}`, { role: 'officer' })).statusCode).toBe(400);
    expect((await send('PATCH', `/api/users/${id}`, { displayName: 'y'.repeat(101) })).statusCode).toBe(400);
    expect((await send('PATCH', `/api/users/nobody`, { displayName: 'Nobody' })).statusCode).toBe(404);
    const update = rig.ac.audit.list({ action: 'user.update', target: 'user:ops.li' }).entries[0]!;
    expect(update).toMatchObject({ actor: 'admin-token', actorRole: 'admin', before: { role: 'viewer' }, after: { role: 'chief', password: 'changed' } });
    const everything = JSON.stringify(rig.ac.audit.list({ limit: 1000 }).entries);
    expect(everything).not.toContain('$scrypt$');
    expect(everything).not.toContain('another long password');
    // not an admin: refused and audited
    expect((await send('PATCH', `/api/users/${id}`, { role: 'admin' }, 'chief')).statusCode).toBe(403);
    expect(rig.ac.audit.list({ action: 'user.update', outcome: 'denied' }).entries[0]).toMatchObject({ actor: 'chief.zhou', target: 'user:ops.li' });
  });

  it.each([
    ['a username too long', { username: 'x'.repeat(65), role: 'viewer' }],
    ['a display name too long', { username: 'ok.name', displayName: 'x'.repeat(101), role: 'viewer' }],
    ['an unknown role', { username: 'ok.name', role: 'root' }],
    ['a short password', { username: 'ok.name', role: 'viewer', password: 'short' }],
    ['an officer not in the registry', { username: 'ok.name', role: 'officer', officer: 'OF-99' }],
    ['an unknown field', { username: 'ok.name', role: 'viewer', admin: true }],
    ['role officer without its officer id', { username: 'ok.name', role: 'officer' }],
  ])('refuses %s with 400 saying where', async (_what, body) => {
    const r = await send('POST', '/api/users', body);
    expect(r.statusCode).toBe(400);
    expect(r.json().message).toBeTruthy();
  });
});

describe('audit log', () => {
  it('refuses UPDATE and DELETE in the database itself, whoever writes', () => {
    const e = rig.ac.audit.append({ actor: 'someone', action: 'test', target: 'x', outcome: 'ok' });
    const db = new Database(rig.file);
    try {
      expect(() => db.prepare("UPDATE audit_log SET actor = 'nobody' WHERE id = ?").run(e.id)).toThrow(/append-only: UPDATE refused/);
      expect(() => db.prepare('DELETE FROM audit_log WHERE id = ?').run(e.id)).toThrow(/append-only: DELETE refused/);
      expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
      expect(db.prepare('SELECT actor FROM audit_log WHERE id = ?').get(e.id)).toEqual({ actor: 'someone' });
    } finally {
      db.close();
    }
  });

  it('is listed and exported by an admin only', async () => {
    for (const who of ['viewer', 'of01', 'chief']) {
      expect((await get('/api/audit', who)).statusCode, who).toBe(403);
      expect((await get('/api/audit/export?format=csv', who)).statusCode, who).toBe(403);
    }
    expect((await get('/api/audit')).statusCode).toBe(401);
    expect((await get('/api/audit/export?format=jsonl')).statusCode).toBe(401);
  });

  it('lists with filters, newest first, and pages', async () => {
    const r = await get('/api/audit?action=token.create&limit=2&offset=1', 'admin');
    expect(r.statusCode).toBe(200);
    const body = r.json() as { total: number; entries: { action: string; target: string }[] };
    expect(body.total).toBe(4);
    expect(body.entries.map((e) => e.target)).toEqual(['user:OF-01', 'user:chief.zhou']);
    expect((await get('/api/audit?actor=admin-token&outcome=ok&from=2026-11-28T00:00:00Z&to=2026-11-29T00:00:00Z', 'admin')).json().total).toBe(6);
    expect((await get('/api/audit?from=2026-11-29T00:00:00Z', 'admin')).json().total).toBe(0);
    expect((await get('/api/audit?limit=100000', 'admin')).statusCode).toBe(400);
    expect((await get(`/api/audit?actor=${'x'.repeat(301)}`, 'admin')).statusCode).toBe(400);
  });

  it('exports as CSV (RFC 4180, formulas neutralised) and as JSON Lines', async () => {
    rig.ac.audit.append({ actor: 'mallory', action: 'note', target: '=HYPERLINK("http://x")', outcome: 'failed', reason: 'a, "quoted"\nline' });
    const csv = await get('/api/audit/export?format=csv&actor=mallory', 'admin');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.headers['content-disposition']).toMatch(/attachment; filename="audit-.*\.csv"/);
    expect(csv.body).toBe(
      'id,at,actor,actorRole,address,action,target,outcome,reason,before,after\r\n' +
        `${rig.ac.audit.list({ actor: 'mallory' }).entries[0]!.id},2026-11-28T08:00:00.000Z,mallory,,,note,"'=HYPERLINK(""http://x"")",failed,"a, ""quoted""\nline",,\r\n`,
    );
    const jsonl = await get('/api/audit/export?format=jsonl', 'admin');
    expect(jsonl.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = jsonl.body.trimEnd().split('\n').map((l) => JSON.parse(l) as { id: number; action: string });
    expect(lines.length).toBe(rig.ac.audit.list({}).total);
    expect(lines.map((l) => l.id)).toEqual([...lines.map((l) => l.id)].sort((a, b) => a - b));
    expect(lines.at(-1)).toMatchObject({ action: 'audit.export' });
    expect((await get('/api/audit/export?format=xml', 'admin')).statusCode).toBe(400);
  });
});
