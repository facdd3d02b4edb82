import { describe, expect, it } from 'vitest';
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { createDeadLetterStore } from '../gateway/deadLetter/index.js';
import { createLogger } from '../gateway/log.js';
import type { Reading, ReadingBatch } from '../gateway/model/reading.js';
import { loadRegistry } from '../gateway/registry/loader.js';
import { createProcessor, type ReadingStore } from './index.js';

const registry = loadRegistry();
const log = createLogger('processor-test', 'silent');
const base: Reading = { site: 'AQ-01', device: 'AQ-01-V', pollutant: 'a21028', value: 0.02, unit: 'mg/m3', ts: 0, flag: 'N', source: 'mqtt' };
const marbles = () => new TestScheduler((a, b) => expect(a).toEqual(b));

/** A processor fed by hand; `events` records append and ack calls in the order they happen. */
function rig(store?: ReadingStore) {
  const events: string[] = [];
  const batches$ = new Subject<ReadingBatch>();
  const deadLetters = createDeadLetterStore();
  const p = createProcessor({
    registry,
    batches$,
    deadLetters,
    log,
    store: store ?? { append: (rs) => void events.push(`append ${rs.length}`) },
  });
  const emitted: (readonly Reading[])[] = [];
  const sub = p.accepted$.subscribe((b) => {
    events.push(`emit ${b.length}`);
    emitted.push(b);
  });
  const batch = (readings: Reading[], name = 'b'): ReadingBatch => ({ readings, ack: (err) => void events.push(err ? `ack ${name} ${err.message}` : `ack ${name}`) });
  return { p, events, batches$, emitted, deadLetters, sub, batch };
}

describe('createProcessor: the durability contract', () => {
  it('appends the accepted readings of a batch, then acknowledges it, then emits them', () => {
    const now = Date.now();
    const r = rig();
    r.batches$.next(r.batch([{ ...base, ts: now }, { ...base, ts: now, pollutant: 'a21001' }]));
    expect(r.events).toEqual(['append 2', 'ack b', 'emit 2']);
    expect(r.p.counters).toMatchObject({ received: { mqtt: 2 }, accepted: 2 });
    expect(r.p.appendErrors()).toBe(0);
  });

  it('does not acknowledge before the append has returned', () => {
    const now = Date.now();
    let ackedDuringAppend: boolean | undefined;
    let acked = false;
    const batches$ = new Subject<ReadingBatch>();
    const p = createProcessor({ registry, batches$, deadLetters: createDeadLetterStore(), log, store: { append: () => void (ackedDuringAppend = acked) } });
    p.accepted$.subscribe();
    batches$.next({ readings: [{ ...base, ts: now }], ack: () => (acked = true) });
    expect(ackedDuringAppend).toBe(false);
    expect(acked).toBe(true);
  });

  it('append throwing → ack(err), nothing emitted, no crash; the resend passes dedupe and is stored', () => {
    const now = Date.now();
    let fail = true;
    const stored: Reading[] = [];
    const r = rig({
      append: (rs) => {
        if (fail) throw new Error('disk full');
        stored.push(...rs);
      },
    });
    const readings = [{ ...base, ts: now }];
    r.batches$.next(r.batch(readings, 'first'));
    expect(r.events).toEqual(['ack first disk full']);
    expect(r.emitted).toEqual([]);
    expect(r.p.counters).toMatchObject({ accepted: 0 });
    expect(r.p.appendErrors()).toBe(1);
    fail = false;
    r.batches$.next(r.batch(readings, 'resend'));
    expect(r.events).toEqual(['ack first disk full', 'ack resend', 'emit 1']);
    expect(stored).toEqual(readings);
    expect(r.sub.closed).toBe(false);
  });

  it('acknowledges a batch whose readings were all refused (they are dead-lettered), without appending or emitting', () => {
    const r = rig();
    r.batches$.next(r.batch([{ ...base, ts: Date.now(), site: 'XX-99' }]));
    r.batches$.next(r.batch([]));
    expect(r.events).toEqual(['ack b', 'ack b']);
    expect(r.deadLetters.recent()[0]).toMatchObject({ source: 'processor', reason: 'unknown-site' });
  });

  it('a batch without ack (Modbus poll) is appended and emitted', () => {
    const r = rig();
    r.batches$.next({ readings: [{ ...base, ts: Date.now(), source: 'modbus' }] });
    expect(r.events).toEqual(['append 1', 'emit 1']);
  });

  it('an ack that throws is logged, not fatal', () => {
    const r = rig();
    r.batches$.next({
      readings: [{ ...base, ts: Date.now() }],
      ack: () => {
        throw new Error('socket gone');
      },
    });
    expect(r.events).toEqual(['append 1', 'emit 1']);
    expect(r.sub.closed).toBe(false);
  });

  it('judges timestamps by the scheduler clock; forwards completion and errors (marbles)', () => {
    marbles().run(({ cold, expectObservable }) => {
      const ok = { ...base, ts: 0 };
      const late = { ...base, ts: 10 * 60_000, pollutant: 'a21001' };
      const values = { a: { readings: [ok, late] }, e: { readings: [] } };
      const appended: Reading[] = [];
      const mk = (src: string) =>
        createProcessor({ registry, batches$: cold<ReadingBatch>(src, values), deadLetters: createDeadLetterStore(), log, store: { append: (rs) => void appended.push(...rs) } }).accepted$;
      expectObservable(mk('a-e|')).toBe('a--|', { a: [ok] });
      expectObservable(mk('a#')).toBe('a#', { a: [ok] });
    });
  });
});
