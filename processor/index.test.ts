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
    commit: 'batch',
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
    const p = createProcessor({ registry, batches$, deadLetters: createDeadLetterStore(), log, store: { append: () => void (ackedDuringAppend = acked) }, commit: 'batch' });
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
        createProcessor({ registry, batches$: cold<ReadingBatch>(src, values), deadLetters: createDeadLetterStore(), log, store: { append: (rs) => void appended.push(...rs) }, commit: 'batch' }).accepted$;
      expectObservable(mk('a-e|')).toBe('a--|', { a: [ok] });
      expectObservable(mk('a#')).toBe('a#', { a: [ok] });
    });
  });
});

describe('createProcessor: one append per event-loop turn (group commit)', () => {
  /** a processor whose end of turn is run by hand */
  function turnRig(append: (rs: readonly Reading[]) => void) {
    const events: string[] = [];
    const turns: (() => void)[] = [];
    const batches$ = new Subject<ReadingBatch>();
    const p = createProcessor({ registry, batches$, deadLetters: createDeadLetterStore(), log, store: { append: (rs) => (events.push(`append ${rs.length}`), append(rs)) }, defer: (fn) => void turns.push(fn) });
    const sub = p.accepted$.subscribe((b) => void events.push(`emit ${b.length}`));
    const batch = (readings: Reading[], name: string): ReadingBatch => ({ readings, ack: (err) => void events.push(err ? `ack ${name} ${err.message}` : `ack ${name}`) });
    return { p, events, turns, batches$, sub, batch };
  }

  it('appends the batches of one turn once, then acknowledges each in order, then emits them together', () => {
    const now = Date.now();
    const r = turnRig(() => {});
    r.batches$.next(r.batch([{ ...base, ts: now }, { ...base, ts: now, pollutant: 'a21001' }], 'm1'));
    r.batches$.next(r.batch([{ ...base, ts: now + 1 }], 'm2'));
    r.batches$.next(r.batch([{ ...base, ts: now, pollutant: 'a21001' }], 'dup')); // a redelivery: refused, still acknowledged
    expect(r.events).toEqual([]); // nothing is acknowledged before the turn's append
    expect(r.turns).toHaveLength(1);
    r.turns.shift()!();
    expect(r.events).toEqual(['append 3', 'ack m1', 'ack m2', 'ack dup', 'emit 3']);
    r.batches$.next(r.batch([{ ...base, ts: now + 2 }], 'm3'));
    r.turns.shift()!();
    expect(r.events.slice(5)).toEqual(['append 1', 'ack m3', 'emit 1']);
  });

  it('a failed append refuses every batch of the turn; their resends are stored', () => {
    const now = Date.now();
    let fail = true;
    const r = turnRig(() => {
      if (fail) throw new Error('disk full');
    });
    r.batches$.next(r.batch([{ ...base, ts: now }], 'm1'));
    r.batches$.next(r.batch([{ ...base, ts: now + 1 }], 'm2'));
    r.turns.shift()!();
    expect(r.events).toEqual(['append 2', 'ack m1 disk full', 'ack m2 disk full']);
    expect(r.p.appendErrors()).toBe(2);
    fail = false;
    r.batches$.next(r.batch([{ ...base, ts: now }, { ...base, ts: now + 1 }], 'resend'));
    r.turns.shift()!();
    expect(r.events.slice(3)).toEqual(['append 2', 'ack resend', 'emit 2']);
  });

  it('on unsubscribe the waiting batches are still appended and acknowledged', () => {
    const r = turnRig(() => {});
    r.batches$.next(r.batch([{ ...base, ts: Date.now() }], 'last'));
    r.sub.unsubscribe();
    expect(r.events).toEqual(['append 1', 'ack last']);
    r.turns.shift()!(); // the scheduled end of turn finds nothing left
    expect(r.events).toEqual(['append 1', 'ack last']);
  });
});

