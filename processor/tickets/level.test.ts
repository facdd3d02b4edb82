import Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { as, testAccess } from '../../test/helpers/principal.js';
import { createHttpServer } from '../../gateway/http/server.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { registerTicketRoutes } from './api.js';
import { migrate, MIGRATIONS } from './migrations.js';
import { createTicketService, type TicketChange, type TicketService } from './service.js';
import { createSqliteStore, type SqliteStore } from './sqlite.js';
import { codEvent, silentLog, T0, tempDb } from './testing/fixtures.js';
import type { Ticket, TicketSummary } from './types.js';

// 预警 / 管控 / 超标 on tickets: stored, listed, filtered through the HTTP API, and given to old tickets by the migration.

let app: FastifyInstance;
let store: SqliteStore;
let service: TicketService;
let tmp: ReturnType<typeof tempDb>;
const changes: TicketChange[] = [];
let warn: TicketSummary;
let exceed: TicketSummary;
let control: TicketSummary;
let noData: TicketSummary;

beforeAll(async () => {
  tmp = tempDb('tickets-level-');
  store = createSqliteStore({ file: tmp.file });
  store.start();
  const registry = loadRegistry();
  service = createTicketService({ store: store.tickets, registry, now: () => T0, log: silentLog, rules: registry.rules });
  service.changes$.subscribe((c) => changes.push(c));
  app = createHttpServer({ log: silentLog, health: { health: () => ({}) } });
  const access = testAccess();
  access.install(app);
  registerTicketRoutes(app, service, { audit: access.audit, registry });
  await app.ready();
  // events as the rule engine emits them (with their level), and one without (the rule's registry level applies)
  warn = service.applyEvent(codEvent('open', T0, 420, { rule: 'wp-cod-warn', level: 'warning', limit: { max: 400, standard: '园区预警规则 COD 达限值80%' } }))!;
  exceed = service.applyEvent(codEvent('open', T0, 700, { level: 'exceedance' }))!;
  control = service.applyEvent(codEvent('open', T0, 55, { site: 'RO-01', rule: 'ro-cod', limit: { max: 40, standard: 'GB 3838-2002 表1 V类 (园区基准)' } }))!;
  noData = service.applyEvent(codEvent('open', T0, undefined, { site: 'RO-02', rule: 'no-data', ruleType: 'no-data', category: 'no-data', pollutant: '*', limit: undefined }))!;
});

afterAll(async () => {
  await app?.close();
  service?.stop();
  store?.stop();
  tmp?.remove();
});

const get = (url: string) => app.inject({ method: 'GET', url, headers: as('viewer') });

describe('ticket level', () => {
  it('is stored on the ticket from the event, else from the rule in the registry', () => {
    expect([warn.level, exceed.level, control.level, noData.level]).toEqual(['warning', 'exceedance', 'control', 'warning']);
    expect(store.tickets.get(warn.id)!.level).toBe('warning');
    expect(changes.find((c) => c.type === 'opened' && c.ticket.id === control.id)!.ticket.level).toBe('control');
  });

  it('is returned and filtered by the HTTP API (?level=, comma list or repeated)', async () => {
    const one = await get(`/api/tickets/${warn.id}`);
    expect((one.json() as Ticket).level).toBe('warning');
    const ids = async (q: string) => ((await get(`/api/tickets?${q}`)).json() as { tickets: TicketSummary[] }).tickets.map((t) => t.id).sort();
    expect(await ids('level=warning')).toEqual([noData.id, warn.id].sort());
    expect(await ids('level=control,exceedance')).toEqual([exceed.id, control.id].sort());
    expect(await ids('level=exceedance&level=warning&category=exceedance')).toEqual([exceed.id, warn.id].sort());
    const bad = await get('/api/tickets?level=severe');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/level/);
  });

  it("the 'ticket-level' migration gives tickets opened before it their rule type's level", () => {
    const t = tempDb('tickets-level-migrate-');
    try {
      const db = new Database(t.file);
      const at = MIGRATIONS.findIndex((m) => m.name === 'ticket-level');
      expect(at).toBeGreaterThan(0);
      migrate(db, MIGRATIONS.slice(0, at));
      const row = db.prepare(`INSERT INTO tickets (id, site, officer, pollutant, rule, category, status, opened_at, updated_at, first_seen, last_seen, count, samples, verification_ms)
        VALUES (?, ?, 'OF-01', ?, ?, ?, 'open', 0, 0, 0, 0, 1, 0, 0)`);
      row.run('WO-20261125-0001', 'WP-01', 'w01018', 'wp-cod', 'exceedance');
      row.run('WO-20261125-0002', 'RO-01', 'w01018', 'ro-cod', 'exceedance');
      row.run('WO-20261125-0003', 'RO-01', '*', 'no-data', 'no-data');
      row.run('WO-20261125-0004', 'RO-02', 'w00000', 'ro-dry-flow', 'illicit-discharge');
      migrate(db);
      const levels = db.prepare('SELECT id, level FROM tickets ORDER BY id').all() as { id: string; level: string }[];
      expect(levels.map((r) => r.level)).toEqual(['exceedance', 'control', 'warning', 'control']);
      expect(() => db.prepare("UPDATE tickets SET level = 'severe'").run()).toThrow(/CHECK/);
      db.close();
    } finally {
      t.remove();
    }
  });
});
