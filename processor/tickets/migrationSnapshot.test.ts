import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from './migrations.js';
import { tempDb } from './testing/fixtures.js';

describe("the evidence table rebuild (migration 'ticket-priority')", () => {
  it('keeps every evidence row and its sequence, and then accepts the snapshot kinds (and still refuses unknown kinds)', () => {
    const tmp = tempDb();
    const db = new Database(tmp.file);
    const at = MIGRATIONS.findIndex((m) => m.name === 'ticket-priority');
    expect(at).toBeGreaterThan(0);
    migrate(db, MIGRATIONS.slice(0, at));
    db.prepare(
      `INSERT INTO tickets (id, site, officer, pollutant, rule, category, status, opened_at, updated_at, first_seen, last_seen, count, samples, verification_ms)
       VALUES ('WO-20261128-0001', 'RO-03', 'OF-03', 'w01018', 'ro-cod', 'exceedance', 'open', 1, 1, 1, 1, 1, 1, 1)`,
    ).run();
    const add = (kind: string) => db.prepare(`INSERT INTO ticket_evidence (ticket, at, kind, data) VALUES ('WO-20261128-0001', 5, ?, '{}')`).run(kind);
    add('readings');
    add('limit');
    expect(() => add('snapshot')).toThrow(/CHECK/);
    migrate(db, MIGRATIONS.slice(0, at + 1));
    expect(db.prepare('SELECT seq, kind FROM ticket_evidence ORDER BY seq').all()).toEqual([
      { seq: 1, kind: 'readings' },
      { seq: 2, kind: 'limit' },
    ]);
    add('snapshot');
    add('snapshot-failed');
    expect(() => add('selfie')).toThrow(/CHECK/);
    expect(db.prepare('SELECT max(seq) AS s FROM ticket_evidence').get()).toEqual({ s: 4 });
    expect(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'ticket_evidence'`).all()).toEqual([{ name: 'ticket_evidence_ticket' }]);
    db.close();
    tmp.remove();
  });
});
