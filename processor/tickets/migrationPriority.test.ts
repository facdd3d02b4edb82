import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, MIGRATIONS } from './migrations.js';
import { sqliteTicketStore } from './sqliteTickets.js';

describe("migration 'ticket-priority'", () => {
  it('upgrades a database with tickets and evidence: evidence kept, priority normal, attribution evidence accepted', () => {
    const db = new Database(':memory:');
    const before = MIGRATIONS.findIndex((m) => m.name === 'ticket-priority');
    expect(before).toBeGreaterThan(0);
    migrate(db, MIGRATIONS.slice(0, before));
    db.prepare(
      `INSERT INTO tickets (id, site, officer, pollutant, rule, category, status, opened_at, updated_at, first_seen, last_seen, count, samples, verification_ms)
       VALUES ('WO-20261120-0001', 'AQ-01', 'OF-01', 'a21028', 'aq-h2s', 'odor', 'open', 1, 1, 1, 1, 1, 1, 3600000)`,
    ).run();
    db.prepare(`INSERT INTO ticket_evidence (ticket, at, kind, data) VALUES ('WO-20261120-0001', 1, 'wind', '{"direction":45}')`).run();

    migrate(db);
    const store = sqliteTicketStore(db);
    store.appendEvidence('WO-20261120-0001', { at: 2, kind: 'attribution', data: { top: 'E-15' } });
    const t = store.get('WO-20261120-0001')!;
    expect(t.priority).toBe('normal');
    expect(t.evidence.map((e) => [e.kind, e.data])).toEqual([
      ['wind', { direction: 45 }],
      ['attribution', { top: 'E-15' }],
    ]);
    expect(() => db.prepare(`UPDATE tickets SET priority = 'whenever'`).run()).toThrow(/CHECK/);
    expect(() => store.appendEvidence('WO-20261120-0001', { at: 3, kind: 'selfie' as never, data: {} })).toThrow(/CHECK/);
    db.close();
  });
});
