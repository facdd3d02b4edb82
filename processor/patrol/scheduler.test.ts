import { pino } from 'pino';
import { TestScheduler } from 'rxjs/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { createSqliteStore } from '../tickets/sqlite.js';
import { tempDb } from '../tickets/testing/fixtures.js';
import { createPatrolScheduler, patrolOfficers } from './scheduler.js';
import { buildSheet } from './sheet.js';
import type { PeriodStats } from './stats.js';
import { sqlitePatrolStore } from './store.js';
import type { PatrolOverdue, PatrolSheet } from './types.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const registry = loadRegistry();
// 16:00 Asia/Shanghai: the next patrol time is 16:30, its sign-off due at 18:30
const BASE = Date.parse('2026-11-27T16:00:00+08:00');
const empty = (): PeriodStats => ({ received: new Map(), valid: new Map(), buckets: new Map(), lastAt: new Map(), valve: new Map(), beyond: new Map() });

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).reverse().forEach((f) => f()));

function rig() {
  const tmp = tempDb('patrol-');
  const db = createSqliteStore({ file: tmp.file });
  db.start();
  cleanups.push(tmp.remove, () => db.stop());
  return sqlitePatrolStore(db.db);
}

describe('patrol scheduler (virtual time)', () => {
  it('makes the sheet at 16:30 and alerts the chief at 18:30 about each officer who has not signed off, once', () => {
    const store = rig();
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    const overdue: PatrolOverdue[] = [];
    const produced: { id: string; at: number }[] = [];
    const now = () => BASE + ts.now();
    ts.run(() => {
      const patrol = createPatrolScheduler({
        registry,
        store,
        scheduler: ts,
        now,
        log: pino({ level: 'silent' }),
        produce: (period, producedAt) => buildSheet({ registry, period, stats: empty(), tickets: { list: () => ({ tickets: [], total: 0 }) }, producedAt }),
      });
      patrol.overdue$.subscribe((e) => overdue.push(e));
      patrol.produced$.subscribe((s: PatrolSheet) => produced.push({ id: s.id, at: now() }));
      patrol.start();
      // OF-01 signs their part at 17:30, within the two hours
      ts.schedule(() => expect(store.signOff({ sheet: 'P-20261127-1630', officer: 'OF-01', by: 'OF-01', at: now(), remarks: { 'WP-01': '已巡查' } })).toBe(true), 90 * MIN);
      ts.schedule(() => patrol.stop(), 17 * HOUR);
    });
    expect(produced).toEqual([
      { id: 'P-20261127-1630', at: Date.parse('2026-11-27T16:30:00+08:00') },
      { id: 'P-20261128-0830', at: Date.parse('2026-11-28T08:30:00+08:00') },
    ]);
    const first = overdue.filter((e) => e.sheet === 'P-20261127-1630');
    const officers = patrolOfficers(registry);
    expect(officers.length).toBeGreaterThan(1);
    expect(first.map((e) => e.officer).sort()).toEqual(officers.filter((o) => o !== 'OF-01').sort());
    for (const e of first) {
      expect(e.at).toBe(Date.parse('2026-11-27T18:30:00+08:00'));
      expect(e.dueAt).toBe(e.at);
      expect(e.text).toContain('P-20261127-1630');
      expect(e.text).toContain('18:30');
    }
    // the 08:30 sheet is not due before 10:30; the scheduler was stopped at 09:00
    expect(overdue.filter((e) => e.sheet !== 'P-20261127-1630')).toEqual([]);
    expect(store.get('P-20261127-1630')?.period).toEqual({ start: Date.parse('2026-11-27T08:30:00+08:00'), end: Date.parse('2026-11-27T16:30:00+08:00') });
    expect(store.signOffs('P-20261127-1630')).toEqual([{ sheet: 'P-20261127-1630', officer: 'OF-01', by: 'OF-01', at: Date.parse('2026-11-27T17:30:00+08:00'), remarks: { 'WP-01': '已巡查' }, revision: 1 }]);
    // recorded: a second check (a restart) would not alert again
    expect(store.markAlerted('P-20261127-1630', first[0]!.officer, 0)).toBe(false);
  });

  it('alerts every officer when the sheet could not be made', () => {
    const store = rig();
    const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
    const overdue: PatrolOverdue[] = [];
    ts.run(() => {
      const patrol = createPatrolScheduler({ registry, store, scheduler: ts, now: () => BASE + ts.now(), log: pino({ level: 'silent' }), produce: () => { throw new Error('InfluxDB down'); } });
      patrol.overdue$.subscribe((e) => overdue.push(e));
      patrol.start();
      ts.schedule(() => patrol.stop(), 3 * HOUR);
    });
    expect(overdue.map((e) => e.officer).sort()).toEqual(patrolOfficers(registry).sort());
    expect(overdue[0]!.text).toContain('巡查表未生成');
  });
});
