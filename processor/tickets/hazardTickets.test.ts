import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { migrate, MIGRATIONS } from './migrations.js';
import { createTicketService } from './service.js';
import { createSqliteStore } from './sqlite.js';
import { sqliteTicketStore } from './sqliteTickets.js';
import { codEvent, silentLog, T0, tempDb } from './testing/fixtures.js';

const registry = loadRegistry();
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((f) => f()));

describe("migration 'hazard-tickets'", () => {
  it('keeps the evidence, accepts photos, adds the deadline, and leaves hazards out of the one-live-ticket-per-key index', () => {
    const db = new Database(':memory:');
    const at = MIGRATIONS.findIndex((m) => m.name === 'hazard-tickets');
    expect(at).toBeGreaterThan(0);
    migrate(db, MIGRATIONS.slice(0, at));
    db.prepare(
      `INSERT INTO tickets (id, site, officer, pollutant, rule, category, status, opened_at, updated_at, first_seen, last_seen, count, samples, verification_ms)
       VALUES ('WO-20261120-0001', 'WP-01', 'OF-01', 'w01018', 'wp-cod', 'exceedance', 'open', 1, 1, 1, 1, 1, 1, 3600000)`,
    ).run();
    db.prepare(`INSERT INTO ticket_evidence (ticket, at, kind, data) VALUES ('WO-20261120-0001', 1, 'snapshot', '{"id":"x"}')`).run();
    migrate(db);
    const store = sqliteTicketStore(db);
    store.appendEvidence('WO-20261120-0001', { at: 2, kind: 'photo', data: { id: 'a'.repeat(64), stage: 'found' } });
    expect(store.get('WO-20261120-0001')!.evidence.map((e) => e.kind)).toEqual(['snapshot', 'photo']);
    const hazard = { site: 'WP-01', officer: 'OF-01', pollutant: '*', rule: 'patrol-hazard', category: 'hazard' as const, level: 'control' as const, status: 'open' as const, openedAt: 5, updatedAt: 5, firstSeen: 5, lastSeen: 5, count: 1, samples: 0, verificationMs: 0, deadline: 99 };
    store.insert({ ...hazard, id: 'WO-20261120-0002' });
    store.insert({ ...hazard, id: 'WO-20261120-0003' });
    expect(store.get('WO-20261120-0003')?.deadline).toBe(99);
    // rule tickets keep their invariant
    expect(() => store.insert({ ...hazard, id: 'WO-20261120-0004', category: 'exceedance', rule: 'wp-cod', pollutant: 'w01018' })).toThrow(/live ticket already exists/);
    db.close();
  });
});

describe('hazard tickets in the ticket service', () => {
  it('opens them from a person’s report, leaves rule tickets at the site alone, and closes them only after a photo of the fix', () => {
    const tmp = tempDb();
    const db = createSqliteStore({ file: tmp.file });
    db.start();
    let t = T0;
    const service = createTicketService({ store: db.tickets, registry, now: () => t, log: silentLog });
    cleanups.push(tmp.remove, () => db.stop(), () => service.stop());
    const changes: string[] = [];
    service.changes$.subscribe((c) => changes.push(`${c.type}:${c.ticket.id}`));
    const rule = service.applyEvent(codEvent('open', T0, 650))!;
    const h = service.openHazard({ site: 'WP-05', actor: 'OF-02', note: '隐患上报 管网破损：井盖破损', deadline: T0 + 72 * 3_600_000, evidence: [{ kind: 'note', data: { hazard: 'pipe-damage' } }] });
    expect(h).toMatchObject({ site: 'WP-05', enterprise: 'E-05', officer: 'OF-02', category: 'hazard', rule: 'patrol-hazard', pollutant: '*', level: 'control', deadline: T0 + 72 * 3_600_000 });
    expect(h.id).not.toBe(rule.id);
    expect(service.get(h.id)!.history).toMatchObject([{ actor: 'OF-02', note: '隐患上报 管网破损：井盖破损' }]);
    expect(changes).toEqual([`opened:${rule.id}`, `opened:${h.id}`]);

    expect(service.transition(h.id, { to: 'acknowledged', actor: 'OF-02' }).ok).toBe(true);
    expect(service.transition(h.id, { to: 'rectifying', actor: 'OF-02' }).ok).toBe(true);
    const early = service.transition(h.id, { to: 'awaiting_verification', actor: 'OF-02' });
    expect(early).toMatchObject({ ok: false, code: 'refused', reason: expect.stringContaining('no photo of the fix yet') });
    t += 60_000;
    expect(service.recordFix(h.id, { kind: 'photo', data: { id: 'b'.repeat(64), stage: 'fixed' } }, 'OF-02')).toMatchObject({ compliantSince: T0 + 60_000 });
    expect(service.transition(h.id, { to: 'awaiting_verification', actor: 'OF-02' }).ok).toBe(true);
    expect(service.transition(h.id, { to: 'closed', actor: 'OF-02' })).toMatchObject({ ok: true, ticket: { status: 'closed' } });
    // reopened: the old photo no longer counts, a new one is needed
    expect(service.transition(h.id, { to: 'open', actor: 'chen.kz', note: '复查仍有渗漏' }).ok).toBe(true);
    expect(service.transition(h.id, { to: 'awaiting_verification', actor: 'OF-02' })).toMatchObject({ ok: false, reason: expect.stringContaining('no photo of the fix yet') });
    expect(service.recordFix('WO-19990101-0001', { kind: 'photo', data: {} }, 'OF-02')).toBeUndefined();
  });
});
