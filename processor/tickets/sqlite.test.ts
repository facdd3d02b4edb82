import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { MIGRATIONS, migrate } from './migrations.js';
import { createSqliteStore, type SqliteStore } from './sqlite.js';
import { LiveTicketExistsError, TicketConflictError, TicketNotFoundError } from './store.js';
import { HOUR, T0, tempDb } from './testing/fixtures.js';
import type { TicketSummary } from './types.js';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((f) => f()));

function open(file?: string): { store: SqliteStore; file: string } {
  let f = file;
  if (!f) {
    const tmp = tempDb();
    cleanups.push(tmp.remove);
    f = tmp.file;
  }
  const store = createSqliteStore({ file: f });
  store.start();
  cleanups.push(() => store.stop());
  return { store, file: f };
}

let seq = 0;
function draft(over: Partial<TicketSummary> = {}): Omit<TicketSummary, 'version'> {
  seq++;
  return {
    id: `WO-20261125-${String(seq).padStart(4, '0')}`, site: 'WP-05', enterprise: 'E-05', officer: 'OF-02', pollutant: 'w01018', rule: 'wp-cod',
    category: 'exceedance', level: 'exceedance', status: 'open', openedAt: T0, updatedAt: T0, firstSeen: T0, lastSeen: T0, count: 1, samples: 1, peak: 700, mean: 700,
    limit: { max: 500, standard: 'GB 8978-1996' }, verificationMs: 24 * HOUR, ...over,
  };
}

describe('SQLite ticket store', () => {
  it('migrates an empty file to the latest schema, WAL + synchronous=FULL, and re-opens without re-migrating', () => {
    const { store, file } = open();
    expect(store.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2); // FULL
    store.tickets.insert(draft());
    store.stop();

    const again = open(file).store;
    expect(again.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(again.tickets.list().total).toBe(1);
    expect(migrate(again.db)).toEqual({ from: MIGRATIONS.length, to: MIGRATIONS.length });
  });

  it('applies only the pending migrations of an older file, and refuses a newer one', () => {
    const tmp = tempDb();
    cleanups.push(tmp.remove);
    const raw = new Database(tmp.file);
    expect(migrate(raw, MIGRATIONS.slice(0, 1))).toEqual({ from: 0, to: 1 });
    expect(raw.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'rule_state'").get()).toEqual({ n: 0 });
    raw.close();

    const { store } = open(tmp.file);
    store.ruleState.save('k', { open: true });
    expect(store.ruleState.load('k')).toEqual({ open: true });
    store.stop();

    const newer = new Database(tmp.file);
    newer.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    newer.close();
    expect(() => createSqliteStore({ file: tmp.file }).start()).toThrow(/newer than this program knows/);
  });

  it('the database itself refuses a second live ticket for one (site, pollutant, rule)', () => {
    const { store } = open();
    store.tickets.insert(draft());
    expect(() => store.tickets.insert(draft())).toThrow(LiveTicketExistsError);
    // bypassing the store: raw SQL is refused by the partial unique index too
    expect(() =>
      store.db
        .prepare(
          `INSERT INTO tickets (id, site, officer, pollutant, rule, category, status, opened_at, updated_at, first_seen, last_seen, count, samples, verification_ms)
           VALUES ('WO-X', 'WP-05', 'OF-02', 'w01018', 'wp-cod', 'exceedance', 'rectifying', 0, 0, 0, 0, 1, 0, 0)`,
        )
        .run(),
    ).toThrow(/UNIQUE constraint failed/);
    // other keys and closed tickets are fine
    store.tickets.insert(draft({ pollutant: 'w21003' }));
    store.tickets.insert(draft({ status: 'closed', closedAt: T0 }));
    store.tickets.insert(draft({ status: 'closed', closedAt: T0 }));
    expect(store.tickets.list().total).toBe(4);
  });

  it('update is optimistic: a stale version is refused, a reopen that would duplicate a live ticket is refused', () => {
    const { store } = open();
    const t = store.tickets.insert(draft());
    const v2 = store.tickets.update({ ...t, status: 'acknowledged', updatedAt: T0 + 1 });
    expect(v2.version).toBe(2);
    expect(() => store.tickets.update({ ...t, status: 'rectifying' })).toThrow(TicketConflictError);
    expect(store.tickets.get(t.id)).toMatchObject({ status: 'acknowledged', version: 2 });
    expect(() => store.tickets.update({ ...t, id: 'WO-nope' })).toThrow(TicketNotFoundError);

    const closed = store.tickets.update({ ...v2, status: 'closed', closedAt: T0 + 2 });
    store.tickets.insert(draft());
    expect(() => store.tickets.update({ ...closed, status: 'open', closedAt: undefined })).toThrow(LiveTicketExistsError);
  });

  it('keeps history and evidence in order, and optional fields round-trip', () => {
    const { store } = open();
    const t = store.tickets.insert(draft({ pollutant: '*', rule: 'no-data', category: 'no-data', peak: undefined, mean: undefined, samples: 0, limit: undefined, enterprise: undefined }));
    store.tickets.appendHistory(t.id, { at: T0, actor: 'system', from: 'open', to: 'open', note: 'opened' });
    store.tickets.appendHistory(t.id, { at: T0 + 1, actor: 'OF-02', from: 'open', to: 'acknowledged' });
    store.tickets.appendEvidence(t.id, { at: T0, kind: 'readings', data: { readings: [{ v: 1 }] } });
    store.tickets.appendEvidence(t.id, { at: T0 + 5, kind: 'valve', data: { action: 'close', ok: true } });
    const got = store.tickets.get(t.id)!;
    expect(got.history).toEqual([
      { at: T0, actor: 'system', from: 'open', to: 'open', note: 'opened' },
      { at: T0 + 1, actor: 'OF-02', from: 'open', to: 'acknowledged' },
    ]);
    expect(got.evidence.map((e) => e.kind)).toEqual(['readings', 'valve']);
    expect(got.evidence[1]!.data).toEqual({ action: 'close', ok: true });
    for (const k of ['peak', 'mean', 'limit', 'enterprise', 'compliantSince', 'closedAt']) expect(k in got).toBe(false);
    expect(() => store.tickets.appendEvidence('WO-nope', { at: 0, kind: 'note', data: 'x' })).toThrow(TicketNotFoundError);
  });

  it('numbers tickets per day and never reuses a number, even after a restart', () => {
    const { store, file } = open();
    expect(store.tickets.nextId('20261125')).toBe('WO-20261125-0001');
    expect(store.tickets.nextId('20261125')).toBe('WO-20261125-0002');
    expect(store.tickets.nextId('20261126')).toBe('WO-20261126-0001');
    expect(() => store.tickets.nextId('2026-11-25')).toThrow(/YYYYMMDD/);
    store.stop();
    expect(open(file).store.tickets.nextId('20261125')).toBe('WO-20261125-0003');
  });

  it('lists with filters, newest first, with total and paging', () => {
    const { store } = open();
    const put = (over: Partial<TicketSummary>) => store.tickets.insert(draft(over));
    put({ site: 'WP-05', openedAt: T0, lastSeen: T0 + 10 * HOUR });
    put({ site: 'WP-06', enterprise: 'E-06', openedAt: T0 + HOUR, lastSeen: T0 + HOUR, status: 'acknowledged' });
    put({ site: 'RO-03', enterprise: undefined, officer: 'OF-03', category: 'illicit-discharge', rule: 'ro-dry', openedAt: T0 + 2 * HOUR, lastSeen: T0 + 2 * HOUR });
    put({ site: 'WP-05', status: 'closed', closedAt: T0 + 3 * HOUR, openedAt: T0 - 5 * HOUR, lastSeen: T0 - 4 * HOUR });
    const ids = (f: Parameters<typeof store.tickets.list>[0]) => store.tickets.list(f).tickets.map((t) => t.site + ':' + t.status);

    expect(ids({})).toEqual(['RO-03:open', 'WP-06:acknowledged', 'WP-05:open', 'WP-05:closed']);
    expect(ids({ status: ['open', 'acknowledged'] })).toEqual(['RO-03:open', 'WP-06:acknowledged', 'WP-05:open']);
    expect(ids({ site: 'WP-05' })).toEqual(['WP-05:open', 'WP-05:closed']);
    expect(ids({ enterprise: 'E-06' })).toEqual(['WP-06:acknowledged']);
    expect(ids({ officer: 'OF-03' })).toEqual(['RO-03:open']);
    expect(ids({ category: 'illicit-discharge' })).toEqual(['RO-03:open']);
    expect(ids({ from: T0, to: T0 + 2 * HOUR })).toEqual(['WP-06:acknowledged', 'WP-05:open']);
    expect(ids({ from: T0 + 5 * HOUR, on: 'lastSeen' })).toEqual(['WP-05:open']);
    const page = store.tickets.list({ limit: 2, offset: 1 });
    expect(page.total).toBe(4);
    expect(page.tickets.map((t) => t.site)).toEqual(['WP-06', 'WP-05']);
  });

  it('atomically rolls back every write of a failed unit', () => {
    const { store } = open();
    expect(() =>
      store.tickets.atomically(() => {
        store.tickets.insert(draft());
        store.ruleState.save('wp-cod|WP-05|w01018', { open: true });
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(store.tickets.list().total).toBe(0);
    expect(store.ruleState.all()).toEqual([]);
  });

  it('rule state: save, load, overwrite, delete, all', () => {
    const { store, file } = open();
    expect(store.ruleState.load('a')).toBeUndefined();
    store.ruleState.save('b', { since: T0, values: [1, 2] });
    store.ruleState.save('a', 1);
    store.ruleState.save('a', { n: 2 });
    store.stop();
    const again = open(file).store;
    expect(again.ruleState.all()).toEqual([['a', { n: 2 }], ['b', { since: T0, values: [1, 2] }]]);
    again.ruleState.delete('a');
    expect(again.ruleState.load('a')).toBeUndefined();
    expect(() => again.ruleState.save('c', undefined)).toThrow(/not JSON-serialisable/);
    expect(() => createSqliteStore({ file }).tickets).toThrow(/not started/);
  });
});
