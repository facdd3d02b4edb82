import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { as, testAccess } from '../../test/helpers/principal.js';
import { createHttpServer } from '../../gateway/http/server.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { registerTicketRoutes } from './api.js';
import { createTicketService, type TicketService } from './service.js';
import { createSqliteStore, type SqliteStore } from './sqlite.js';
import { codEvent, HOUR, silentLog, T0, tempDb } from './testing/fixtures.js';
import type { Ticket, TicketSummary } from './types.js';

let app: FastifyInstance;
let store: SqliteStore;
let service: TicketService;
let tmp: ReturnType<typeof tempDb>;
const clock = { t: T0 };
let cod: TicketSummary;
let ro: TicketSummary;

beforeAll(async () => {
  tmp = tempDb('tickets-api-');
  store = createSqliteStore({ file: tmp.file });
  store.start();
  service = createTicketService({ store: store.tickets, registry: loadRegistry(), now: () => clock.t, log: silentLog });
  app = createHttpServer({ log: silentLog, health: { health: () => ({}) } });
  const access = testAccess();
  access.install(app);
  registerTicketRoutes(app, service, { audit: access.audit, registry: loadRegistry() });
  await app.ready();
  cod = service.applyEvent(codEvent('open', T0, 700))!;
  clock.t = T0 + HOUR;
  ro = service.applyEvent(codEvent('open', T0 + HOUR, 3, { site: 'RO-03', pollutant: 'w00001', rule: 'ro-dry', ruleType: 'dry-weather-flow', category: 'illicit-discharge', limit: undefined }))!;
});

afterAll(async () => {
  await app?.close();
  service?.stop();
  store?.stop();
  tmp?.remove();
});

// a chief reads everything; 李明 (officer OF-02, the officer of WP-05) moves his ticket
const get = (url: string) => app.inject({ method: 'GET', url, headers: as('chief') });
const post = (url: string, payload: unknown) => app.inject({ method: 'POST', url, payload: payload as object, headers: as('otherOfficer') });

describe('tickets HTTP API', () => {
  it('lists tickets newest first, with filters', async () => {
    const all = await get('/api/tickets');
    expect(all.statusCode).toBe(200);
    expect(all.json()).toMatchObject({ total: 2, limit: 50, offset: 0, tickets: [{ id: ro.id }, { id: cod.id }] });

    const byKind = await get('/api/tickets?kind=illicit-discharge');
    expect(byKind.json().tickets.map((t: TicketSummary) => t.id)).toEqual([ro.id]);
    const byOfficer = await get('/api/tickets?officer=OF-02&status=open,acknowledged');
    expect(byOfficer.json().tickets.map((t: TicketSummary) => t.id)).toEqual([cod.id]);
    const repeated = await get('/api/tickets?status=closed&status=rectifying');
    expect(repeated.json()).toMatchObject({ total: 0 });
    const window = await get(`/api/tickets?from=${encodeURIComponent('2026-11-25T10:30:00+08:00')}&to=2026-11-25T12:00:00Z`);
    expect(window.json().tickets.map((t: TicketSummary) => t.id)).toEqual([ro.id]);
    const paged = await get('/api/tickets?limit=1&offset=1&enterprise=E-05&category=exceedance');
    expect(paged.json()).toMatchObject({ total: 1, tickets: [] });
  });

  it.each([
    ['/api/tickets?status=opne', /status/],
    ['/api/tickets?kind=smell', /kind/],
    ['/api/tickets?from=yesterday', /from/],
    ['/api/tickets?limit=0', /limit/],
    ['/api/tickets?limit=abc', /limit/],
    ['/api/tickets?stauts=open', /stauts/],
    ['/api/tickets?category=odor&kind=exceedance', /category and kind disagree/],
    ['/api/tickets?from=2026-11-26T00:00:00Z&to=2026-11-25T00:00:00Z', /from must be before to/],
  ])('GET %s → 400 with the zod message', async (url, message) => {
    const res = await get(url);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'bad request', where: 'query' });
    expect(res.json().message).toMatch(message);
  });

  it('GET /api/tickets/:id returns the ticket with history and evidence; unknown → 404', async () => {
    const res = await get(`/api/tickets/${cod.id}`);
    expect(res.statusCode).toBe(200);
    const t = res.json() as Ticket;
    expect(t).toMatchObject({ id: cod.id, site: 'WP-05', officer: 'OF-02', status: 'open' });
    expect(t.history).toHaveLength(1);
    expect(t.evidence.map((e) => e.kind)).toEqual(['limit']);
    const missing = await get('/api/tickets/WO-20990101-0001');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().message).toBe('no ticket WO-20990101-0001');
  });

  it('POST transitions: 200 with the moved ticket, 409 with the reason, 404, 400', async () => {
    const ok = await post(`/api/tickets/${cod.id}/transitions`, { to: 'acknowledged', note: '已电话联系企业' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'acknowledged', history: [{}, { actor: 'OF-02', from: 'open', to: 'acknowledged', note: '已电话联系企业' }] });

    const refused = await post(`/api/tickets/${cod.id}/transitions`, { to: 'closed', actor: 'OF-02' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().message).toMatch(/from acknowledged to closed/);

    await post(`/api/tickets/${cod.id}/transitions`, { to: 'rectifying', actor: 'OF-02' });
    await post(`/api/tickets/${cod.id}/transitions`, { to: 'awaiting_verification', actor: 'OF-02' });
    service.applyEvent(codEvent('clear', T0 + HOUR));
    clock.t = T0 + 3 * HOUR + 10 * 60_000;
    const early = await post(`/api/tickets/${cod.id}/transitions`, { to: 'closed', actor: 'OF-02' });
    expect(early.statusCode).toBe(409);
    expect(early.json().message).toMatch(/compliant for 2 h 10 min of the required 24 h/);
    clock.t = T0 + 26 * HOUR;
    const closed = await post(`/api/tickets/${cod.id}/transitions`, { to: 'closed', actor: 'OF-02' });
    expect(closed.statusCode).toBe(200);
    expect(closed.json()).toMatchObject({ status: 'closed', closedAt: T0 + 26 * HOUR });

    const unknown = await post('/api/tickets/WO-20990101-0001/transitions', { to: 'acknowledged', actor: 'OF-02' });
    expect(unknown.statusCode).toBe(404);
  });

  it.each([
    [{ to: 'done', actor: '陈科长' }, 'body', /to/],
    [{ to: 'acknowledged', actor: 'x'.repeat(20_000) }, 'body', /actor/],
    [{ to: 'acknowledged', actor: 'system' }, 'body.actor', /must be you/],
    [{ to: 'acknowledged', actor: 'OF-03' }, 'body.actor', /must be you/],
    [{ to: 'acknowledged', extra: 1 }, 'body', /extra/],
    [{ to: 'acknowledged', note: 'n'.repeat(2001) }, 'body', /note/],
  ])('POST transitions with body %# → 400', async (body, where, message) => {
    const res = await app.inject({ method: 'POST', url: `/api/tickets/${ro.id}/transitions`, payload: body, headers: as('chief') });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'bad request', where });
    expect(res.json().message).toMatch(message);
    expect(service.get(ro.id)!.status).toBe('open');
  });
});
