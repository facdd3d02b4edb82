import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { as, testAccess } from '../../test/helpers/principal.js';
import { createHttpServer } from '../../gateway/http/server.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { registerTicketRoutes } from './api.js';
import { migrate, MIGRATIONS } from './migrations.js';
import { deadlineOf } from './aggregate.js';
import { createTicketService, type TicketService } from './service.js';
import { createSqliteStore, type SqliteStore } from './sqlite.js';
import { sqliteTicketStore } from './sqliteTickets.js';
import { codEvent, HOUR, silentLog, T0, tempDb } from './testing/fixtures.js';
import type { TicketSummary } from './types.js';

const registry = loadRegistry();
const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f();
});

function rig(reg: Registry = registry): { store: SqliteStore; service: TicketService; clock: { t: number } } {
  const tmp = tempDb('deadline-');
  const store = createSqliteStore({ file: tmp.file });
  store.start();
  const clock = { t: T0 };
  const service = createTicketService({ store: store.tickets, registry: reg, now: () => clock.t, log: silentLog });
  cleanups.push(tmp.remove, () => store.stop(), () => service.stop());
  return { store, service, clock };
}

const nh3 = { rule: 'wp-nh3', pollutant: 'w21003', limit: { max: 25, standard: 'GB 8978-1996' } };

describe('ticket deadlines (整改期限)', () => {
  it('sets the deadline per level when a ticket opens: exceedance 24 h, control 48 h, warning 72 h by default', () => {
    const { service } = rig();
    const ex = service.applyEvent(codEvent('open', T0, 650))!;
    const ctl = service.applyEvent(codEvent('open', T0, 3, { site: 'RO-03', pollutant: 'w00001', rule: 'ro-dry', ruleType: 'dry-weather-flow', category: 'illicit-discharge', limit: undefined }))!;
    const warn = service.applyEvent(codEvent('open', T0, 420, { ...nh3, level: 'warning' }))!;
    expect([ex.level, ctl.level, warn.level]).toEqual(['exceedance', 'control', 'warning']);
    expect(ex.deadline).toBe(T0 + 24 * HOUR);
    expect(ctl.deadline).toBe(T0 + 48 * HOUR);
    expect(warn.deadline).toBe(T0 + 72 * HOUR);
    expect(service.get(ex.id)!.deadline).toBe(T0 + 24 * HOUR);
  });

  it('takes the registry’s alerts.deadlines; a recurrence keeps the live ticket’s deadline, one after close opens a ticket with its own', () => {
    const reg: Registry = { ...registry, alerts: { ...registry.alerts, deadlines: { warning: 5 * HOUR, control: 4 * HOUR, exceedance: 2 * HOUR } } };
    expect(deadlineOf(reg, 'exceedance', T0)).toBe(T0 + 2 * HOUR);
    const { service, clock } = rig(reg);
    const first = service.applyEvent(codEvent('open', T0, 650))!;
    expect(first.deadline).toBe(T0 + 2 * HOUR);
    clock.t = T0 + HOUR;
    const again = service.applyEvent(codEvent('open', clock.t, 700))!;
    expect(again.id).toBe(first.id);
    expect(again.deadline).toBe(T0 + 2 * HOUR);
    service.applyEvent(codEvent('clear', clock.t, 100));
    for (const to of ['acknowledged', 'awaiting_verification'] as const) expect(service.transition(first.id, { to, actor: 'OF-02' }).ok).toBe(true);
    clock.t = T0 + 30 * HOUR;
    expect(service.transition(first.id, { to: 'closed', actor: 'OF-02' }).ok).toBe(true);
    clock.t = T0 + 40 * HOUR;
    const next = service.applyEvent(codEvent('open', clock.t, 800))!;
    expect(next.id).not.toBe(first.id);
    expect(next.deadline).toBe(T0 + 42 * HOUR);
    expect(service.get(first.id)!.deadline).toBe(T0 + 2 * HOUR);
  });

  it('keeps an explicit deadline given with the ticket (a manual ticket’s own wins)', () => {
    const { store } = rig();
    const t = store.tickets.insert({
      id: 'WO-20261125-0100', site: 'WP-05', enterprise: 'E-05', officer: 'OF-02', pollutant: '*', rule: 'manual', category: 'instrument', level: 'warning',
      status: 'open', openedAt: T0, updatedAt: T0, firstSeen: T0, lastSeen: T0, count: 1, samples: 0, verificationMs: 0, deadline: T0 + 5 * 24 * HOUR,
    });
    expect(store.tickets.get(t.id)!.deadline).toBe(T0 + 5 * 24 * HOUR);
  });

  it("migration 'ticket-deadline' fills the deadline of existing tickets from openedAt and their level's default", () => {
    const db = new Database(':memory:');
    const before = MIGRATIONS.findIndex((m) => m.name === 'ticket-deadline');
    expect(before).toBeGreaterThan(0);
    migrate(db, MIGRATIONS.slice(0, before));
    const insert = db.prepare(
      `INSERT INTO tickets (id, site, officer, pollutant, rule, category, level, status, opened_at, updated_at, first_seen, last_seen, count, samples, verification_ms, closed_at)
       VALUES (?, 'WP-05', 'OF-02', 'w01018', ?, 'exceedance', ?, ?, ?, 1, 1, 1, 1, 1, 3600000, ?)`,
    );
    insert.run('WO-20261120-0001', 'r1', 'exceedance', 'open', 1000, null);
    insert.run('WO-20261120-0002', 'r2', 'control', 'open', 2000, null);
    insert.run('WO-20261120-0003', 'r3', 'warning', 'closed', 3000, 5000);
    migrate(db);
    const store = sqliteTicketStore(db);
    expect(['WO-20261120-0001', 'WO-20261120-0002', 'WO-20261120-0003'].map((id) => store.get(id)!.deadline)).toEqual([1000 + 24 * HOUR, 2000 + 48 * HOUR, 3000 + 72 * HOUR]);
    db.close();
  });

  it('filters overdue tickets in SQL at the service’s now: past the deadline and not closed', () => {
    const { service, store, clock } = rig();
    const a = service.applyEvent(codEvent('open', T0, 650))!; // deadline T0 + 24 h
    clock.t = T0 + 10 * HOUR;
    const b = service.applyEvent(codEvent('open', clock.t, 40, nh3))!; // deadline T0 + 34 h
    clock.t = T0 + 30 * HOUR;
    const ids = (p: { tickets: TicketSummary[] }) => p.tickets.map((t) => t.id);
    expect(ids(service.list({ overdue: true }))).toEqual([a.id]);
    expect(ids(service.list({ overdue: false }))).toEqual([b.id]);
    expect(ids(store.tickets.list({ overdue: true, now: T0 + 40 * HOUR }))).toEqual([b.id, a.id]);
    expect(service.list({ overdue: true, status: ['closed'] }).total).toBe(0);
  });
});

describe('GET /api/tickets?overdue=', () => {
  let app: FastifyInstance;
  afterEach(async () => app?.close());

  it('lists overdue or not overdue tickets and refuses any other value with a 400 naming overdue', async () => {
    const { service, clock } = rig();
    const a = service.applyEvent(codEvent('open', T0, 650))!;
    clock.t = T0 + 20 * HOUR;
    const b = service.applyEvent(codEvent('open', clock.t, 40, nh3))!;
    clock.t = T0 + 25 * HOUR;
    app = createHttpServer({ log: silentLog, health: { health: () => ({}) } });
    const access = testAccess();
    access.install(app);
    registerTicketRoutes(app, service, { audit: access.audit, registry });
    await app.ready();
    const get = (q: string) => app.inject({ method: 'GET', url: `/api/tickets${q}`, headers: as('chief') });
    expect((await get('?overdue=true')).json().tickets.map((t: TicketSummary) => t.id)).toEqual([a.id]);
    expect((await get('?overdue=false')).json().tickets.map((t: TicketSummary) => t.id)).toEqual([b.id]);
    const bad = await get('?overdue=yes');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: 'bad request', where: 'query' });
    expect(bad.json().message).toContain('overdue');
    access.close();
  });
});
