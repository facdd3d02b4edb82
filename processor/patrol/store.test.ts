import { afterEach, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { createSqliteStore } from '../tickets/sqlite.js';
import { tempDb } from '../tickets/testing/fixtures.js';
import { periodEndingAt } from './periods.js';
import { buildSheet } from './sheet.js';
import { migratePatrol, PATROL_MIGRATIONS, sqlitePatrolStore } from './store.js';

const registry = loadRegistry();
const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((f) => f()));

const sheetEnding = (iso: string, producedAt = Date.parse(iso)) =>
  buildSheet({
    registry,
    period: periodEndingAt(Date.parse(iso), registry.patrol.times, registry.park.timezone),
    stats: { received: new Map(), valid: new Map(), buckets: new Map(), lastAt: new Map(), valve: new Map(), beyond: new Map() },
    tickets: { list: () => ({ tickets: [], total: 0 }) },
    producedAt,
  });

describe('patrol store (SQLite, the tickets\' file)', () => {
  it('keeps sheets, newest first, and their sign-offs across a re-made sheet and a reopened file', () => {
    const tmp = tempDb('patrol-store-');
    cleanups.push(tmp.remove);
    let db = createSqliteStore({ file: tmp.file });
    db.start();
    let store = sqlitePatrolStore(db.db);
    const a = sheetEnding('2026-11-27T16:30:00+08:00');
    store.save(a);
    store.save(sheetEnding('2026-11-28T08:30:00+08:00'));
    expect(store.signOff({ sheet: a.id, officer: 'OF-02', by: 'OF-02', at: 5, remarks: { 'WP-05': '正常' } })).toBe(true);
    expect(store.signOff({ sheet: a.id, officer: 'OF-02', by: 'someone', at: 6, remarks: {} })).toBe(false);
    // made again (e.g. after a late reading): figures replaced, the sign-off stays
    store.save(sheetEnding('2026-11-27T16:30:00+08:00', a.producedAt + 1000));
    db.stop();

    db = createSqliteStore({ file: tmp.file });
    db.start();
    cleanups.push(() => db.stop());
    store = sqlitePatrolStore(db.db);
    expect(store.list({ limit: 10, offset: 0 })).toMatchObject({ total: 2, sheets: [{ id: 'P-20261128-0830', signedBy: [] }, { id: 'P-20261127-1630', signedBy: ['OF-02'] }] });
    expect(store.get(a.id)?.producedAt).toBe(a.producedAt + 1000);
    expect(store.signOffs(a.id)).toEqual([{ sheet: a.id, officer: 'OF-02', by: 'OF-02', at: 5, remarks: { 'WP-05': '正常' }, revision: 1 }]);
    expect(store.markAlerted(a.id, 'OF-01', 7)).toBe(true);
    expect(store.markAlerted(a.id, 'OF-01', 8)).toBe(false);
    expect(store.get('P-20261129-0830')).toBeUndefined();
  });
  it('reopens a signed part: the sign-off moves to the history (never overwritten), revisions count up; migrations apply once', () => {
    const tmp = tempDb('patrol-reopen-');
    cleanups.push(tmp.remove);
    let db = createSqliteStore({ file: tmp.file });
    db.start();
    let store = sqlitePatrolStore(db.db);
    const a = sheetEnding('2026-11-27T16:30:00+08:00');
    store.save(a);
    expect(store.reopen({ sheet: a.id, officer: 'OF-01', by: 'chen.kz', at: 1, reason: 'x' })).toBeUndefined();
    store.signOff({ sheet: a.id, officer: 'OF-01', by: 'OF-01', at: 10, remarks: { 'WP-01': '一' } });
    expect(store.reopen({ sheet: a.id, officer: 'OF-01', by: 'chen.kz', at: 11, reason: '补充' })).toMatchObject({ revision: 1, by: 'OF-01', reopenedBy: 'chen.kz', reason: '补充' });
    expect(store.signOffs(a.id)).toEqual([]);
    store.signOff({ sheet: a.id, officer: 'OF-01', by: 'wang.qing', at: 20, remarks: { 'WP-01': '二' } });
    store.reopen({ sheet: a.id, officer: 'OF-01', by: 'chen.kz', at: 21, reason: '再查' });
    store.signOff({ sheet: a.id, officer: 'OF-01', by: 'OF-01', at: 30, remarks: { 'WP-01': '三' } });
    db.stop();

    db = createSqliteStore({ file: tmp.file });
    db.start();
    cleanups.push(() => db.stop());
    store = sqlitePatrolStore(db.db);
    expect(migratePatrol(db.db)).toBe(PATROL_MIGRATIONS.length);
    expect((db.db.prepare('SELECT COUNT(*) AS n FROM patrol_migrations').get() as { n: number }).n).toBe(PATROL_MIGRATIONS.length);
    expect(store.signOffs(a.id)).toEqual([{ sheet: a.id, officer: 'OF-01', by: 'OF-01', at: 30, remarks: { 'WP-01': '三' }, revision: 3 }]);
    expect(store.reopened(a.id).map((r) => [r.revision, r.by, r.at, r.remarks['WP-01'], r.reopenedAt, r.reason])).toEqual([
      [1, 'OF-01', 10, '一', 11, '补充'],
      [2, 'wang.qing', 20, '二', 21, '再查'],
    ]);
    // the history is unique per revision in the database
    expect(() => db.db.prepare("INSERT INTO patrol_signoff_history VALUES (?, 'OF-01', 1, 'x', 1, '{}', 'y', 2, 'z')").run(a.id)).toThrow(/UNIQUE|PRIMARY/);
  });
});
