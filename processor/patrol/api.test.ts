import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../gateway/http/server.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { as, testAccess, type TestAccess } from '../../test/helpers/principal.js';
import { createSqliteStore, type SqliteStore } from '../tickets/sqlite.js';
import { silentLog, tempDb } from '../tickets/testing/fixtures.js';
import { registerPatrolRoutes } from './api.js';
import { periodEndingAt } from './periods.js';
import { buildSheet } from './sheet.js';
import { sqlitePatrolStore, type PatrolStore } from './store.js';
import type { PatrolSheet } from './types.js';

const registry = loadRegistry();
const END = Date.parse('2026-11-27T16:30:00+08:00');
const SIGNED_AT = END + 3_600_000;
let app: FastifyInstance;
let db: SqliteStore;
let store: PatrolStore;
let access: TestAccess;
let tmp: ReturnType<typeof tempDb>;
let sheet: PatrolSheet;

beforeAll(async () => {
  tmp = tempDb('patrol-api-');
  db = createSqliteStore({ file: tmp.file });
  db.start();
  store = sqlitePatrolStore(db.db);
  const stats = { received: new Map([['WP-01/WP-01-M/w00000', 100]]), valid: new Map([['WP-01/w01018', { count: 3, min: 120, max: 620, mean: 300 }]]), buckets: new Map(), lastAt: new Map(), valve: new Map(), beyond: new Map([['WP-01/w01018', { exceedances: 1, warnings: 0 }]]) };
  sheet = buildSheet({ registry, period: periodEndingAt(END, registry.patrol.times, registry.park.timezone), stats, tickets: { list: () => ({ tickets: [], total: 0 }) }, producedAt: END });
  store.save(sheet);
  app = createHttpServer({ log: silentLog, health: { health: () => ({}) } });
  access = testAccess();
  access.install(app);
  registerPatrolRoutes(app, store, { audit: access.audit, registry, now: () => SIGNED_AT });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  access?.close();
  db?.stop();
  tmp?.remove();
});

const mySites = (officer: string) => sheet.sites.filter((s) => s.officer === officer).map((s) => s.site);

describe('patrol HTTP API', () => {
  it('lists and serves sheets to signed-in readers; an officer sees their own sites only', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/patrols', headers: as('anonymous') })).statusCode).toBe(401);
    const list = await app.inject({ method: 'GET', url: '/api/patrols', headers: as('viewer') });
    expect(list.statusCode).toBe(200);
    expect(list.json()).toMatchObject({ total: 1, sheets: [{ id: 'P-20261127-1630', signedBy: [] }] });
    const all = await app.inject({ method: 'GET', url: '/api/patrols/P-20261127-1630', headers: as('chief') });
    expect(all.json().sites).toHaveLength(registry.sites.length);
    const own = await app.inject({ method: 'GET', url: '/api/patrols/P-20261127-1630', headers: as('officer') });
    expect(own.json().sites.map((s: { site: string }) => s.site)).toEqual(mySites('OF-01'));
    expect(own.json().officers.map((p: { officer: string }) => p.officer)).toEqual(['OF-01']);
    expect((await app.inject({ method: 'GET', url: '/api/patrols/P-20261127-9999', headers: as('chief') })).statusCode).toBe(404);
    const bad = await app.inject({ method: 'GET', url: '/api/patrols/nope', headers: as('chief') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toContain('P-20261127-1630');
  });

  it('serves the daily report (日报) as a CSV download', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/patrols/P-20261127-1630?format=csv', headers: as('chief') });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toContain('attachment');
    expect(res.body.startsWith('\uFEFF巡查表,P-20261127-1630,时段,2026-11-27 08:30,2026-11-27 16:30\r\n')).toBe(true);
    const lines = res.body.split('\r\n');
    expect(lines[1]).toContain('有效均值');
    const cod = lines.find((l) => l.startsWith('WP-01,') && l.includes(',w01018,'))!;
    expect(cod).toContain(',120,300,620,≤');
  });

  it('records an officer\'s sign-off with remarks, who and when, once; audited', async () => {
    const sites = mySites('OF-01');
    const foreign = await app.inject({ method: 'POST', url: '/api/patrols/P-20261127-1630/sign-off', headers: as('officer'), payload: { remarks: { [mySites('OF-02')[0]!]: 'x' } } });
    expect(foreign.statusCode).toBe(400);
    const viewer = await app.inject({ method: 'POST', url: '/api/patrols/P-20261127-1630/sign-off', headers: as('viewer'), payload: {} });
    expect(viewer.statusCode).toBe(403);
    const admin = await app.inject({ method: 'POST', url: '/api/patrols/P-20261127-1630/sign-off', headers: as('admin'), payload: {} });
    expect(admin.statusCode).toBe(403);

    const ok = await app.inject({ method: 'POST', url: '/api/patrols/P-20261127-1630/sign-off', headers: as('officer'), payload: { remarks: { [sites[0]!]: '现场正常' } } });
    expect(ok.statusCode).toBe(201);
    expect(ok.json()).toEqual({ sheet: 'P-20261127-1630', officer: 'OF-01', by: 'OF-01', at: SIGNED_AT, remarks: { [sites[0]!]: '现场正常' }, revision: 1, late: false });
    const again = await app.inject({ method: 'POST', url: '/api/patrols/P-20261127-1630/sign-off', headers: as('chiefOfficer'), payload: {} });
    expect(again.statusCode).toBe(409);

    const list = await app.inject({ method: 'GET', url: '/api/patrols', headers: as('chief') });
    expect(list.json().sheets[0].signedBy).toEqual(['OF-01']);
    const got = await app.inject({ method: 'GET', url: '/api/patrols/P-20261127-1630', headers: as('officer') });
    expect(got.json().signOffs).toEqual([{ sheet: 'P-20261127-1630', officer: 'OF-01', by: 'OF-01', at: SIGNED_AT, remarks: { [sites[0]!]: '现场正常' }, revision: 1 }]);

    const entries = access.audit.entries.filter((e) => e.action === 'patrol.sign-off');
    expect(entries.map((e) => [e.actor, e.outcome])).toEqual([
      ['OF-01', 'denied'],
      ['screen', 'denied'],
      ['admin', 'denied'],
      ['OF-01', 'ok'],
      ['wang.qing', 'failed'],
    ]);
    expect(entries.every((e) => e.target === 'patrol:P-20261127-1630')).toBe(true);
  });
  it('lets a chief reopen an officer\'s signed part: signed again as revision 2, the first sign-off kept; audited', async () => {
    const url = '/api/patrols/P-20261127-1630/reopen';
    const reason = '备注不全，请补充';
    expect((await app.inject({ method: 'POST', url, headers: as('officer'), payload: { officer: 'OF-01', reason } })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url, headers: as('anonymous'), payload: { officer: 'OF-01', reason } })).statusCode).toBe(401);
    const bad = await app.inject({ method: 'POST', url, headers: as('chief'), payload: { officer: 'OF-01' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ where: 'body' });
    expect(bad.json().message).toContain('reason');
    expect((await app.inject({ method: 'POST', url, headers: as('chief'), payload: { officer: 'OF-01', reason, extra: 1 } })).statusCode).toBe(400);
    expect((await app.inject({ method: 'POST', url: '/api/patrols/P-20261127-9999/reopen', headers: as('chief'), payload: { officer: 'OF-01', reason } })).statusCode).toBe(404);
    expect((await app.inject({ method: 'POST', url, headers: as('chief'), payload: { officer: 'OF-99', reason } })).statusCode).toBe(404);
    // OF-02 has not signed: nothing to reopen
    expect((await app.inject({ method: 'POST', url, headers: as('chief'), payload: { officer: 'OF-02', reason } })).statusCode).toBe(409);

    const ok = await app.inject({ method: 'POST', url, headers: as('chief'), payload: { officer: 'OF-01', reason } });
    expect(ok.statusCode).toBe(200);
    const first = { sheet: 'P-20261127-1630', officer: 'OF-01', by: 'OF-01', at: SIGNED_AT, remarks: { [mySites('OF-01')[0]!]: '现场正常' }, revision: 1 };
    expect(ok.json()).toEqual({ ...first, reopenedBy: 'chen.kz', reopenedAt: SIGNED_AT, reason });
    // reopened twice is a conflict: the part is open now
    expect((await app.inject({ method: 'POST', url, headers: as('chief'), payload: { officer: 'OF-01', reason } })).statusCode).toBe(409);
    let list = await app.inject({ method: 'GET', url: '/api/patrols', headers: as('chief') });
    expect(list.json().sheets[0].signedBy).toEqual([]);

    const again = await app.inject({ method: 'POST', url: '/api/patrols/P-20261127-1630/sign-off', headers: as('officer'), payload: { remarks: { [mySites('OF-01')[0]!]: '已补充：排口无异常' } } });
    expect(again.statusCode).toBe(201);
    expect(again.json()).toMatchObject({ revision: 2, remarks: { [mySites('OF-01')[0]!]: '已补充：排口无异常' } });
    list = await app.inject({ method: 'GET', url: '/api/patrols', headers: as('chief') });
    expect(list.json().sheets[0].signedBy).toEqual(['OF-01']);
    const got = (await app.inject({ method: 'GET', url: '/api/patrols/P-20261127-1630', headers: as('officer') })).json();
    expect(got.signOffs).toMatchObject([{ officer: 'OF-01', revision: 2 }]);
    expect(got.reopened).toEqual([{ ...first, reopenedBy: 'chen.kz', reopenedAt: SIGNED_AT, reason }]);
    // another officer does not see OF-01's history
    expect((await app.inject({ method: 'GET', url: '/api/patrols/P-20261127-1630', headers: as('otherOfficer') })).json().reopened).toEqual([]);

    const entries = access.audit.entries.filter((e) => e.action === 'patrol.reopen');
    expect(entries.map((e) => [e.actor, e.outcome])).toEqual([
      ['OF-01', 'denied'],
      ['anonymous', 'denied'],
      ['chen.kz', 'denied'],
      ['chen.kz', 'denied'],
      ['chen.kz', 'failed'],
      ['chen.kz', 'failed'],
      ['chen.kz', 'ok'],
      ['chen.kz', 'failed'],
    ]);
    expect(entries.find((e) => e.outcome === 'ok')).toMatchObject({ target: 'patrol:P-20261127-1630', after: { officer: 'OF-01', reopened: true, reason } });
  });
});
