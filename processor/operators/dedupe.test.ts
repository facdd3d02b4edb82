import { describe, expect, it } from 'vitest';
import { from, lastValueFrom, toArray } from 'rxjs';
import { createDeadLetterStore } from '../../gateway/deadLetter/index.js';
import { createLogger } from '../../gateway/log.js';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { createProcessor } from '../index.js';
import { createDedupe, type Duplicate } from './dedupe.js';

const base: Reading = { site: 'AQ-01', device: 'AQ-01-V', pollutant: 'a21028', value: 0.02, unit: 'mg/m3', ts: 1_000, flag: 'N', source: 'mqtt' };

describe('createDedupe', () => {
  it('lets each (series, ts) through once and reports the repeats', () => {
    const dups: Duplicate[] = [];
    const v = {
      a: base,
      b: { ...base, ts: 2_000 },
      c: base, // QoS 1 redelivery
      d: { ...base, device: 'AQ-01-W' }, // another instrument at the same site: its own series
      e: { ...base, pollutant: 'a21001' },
      f: { ...base, ts: 2_000 },
    };
    const d = createDedupe((x) => dups.push(x));
    expect(d.accept([v.a, v.b])).toEqual([v.a, v.b]);
    expect(d.accept([v.c, v.d, v.e, v.f])).toEqual([v.d, v.e]);
    expect(dups.map((x) => x.reading)).toEqual([v.c, v.f]);
    expect(dups[0]!.detail).toBe('AQ-01/AQ-01-V/a21028 at 1970-01-01T00:00:01.000Z: already received (a redelivery); dropped');
    expect(dups[0]!.kept).toBeUndefined();
  });

  it('catches a repeat inside one batch', () => {
    const dups: Duplicate[] = [];
    expect(createDedupe((x) => dups.push(x)).accept([base, base])).toEqual([base]);
    expect(dups).toHaveLength(1);
  });

  it('keeps the first of two readings with the same timestamp and different values, and says so', () => {
    const dups: Duplicate[] = [];
    const b = { ...base, value: 0.05, flag: 'C' as const };
    expect(createDedupe((x) => dups.push(x)).accept([base, b])).toEqual([base]);
    expect(dups[0]!.kept).toEqual({ value: 0.02, flag: 'N' });
    expect(dups[0]!.detail).toMatch(/already received with value 0.02 flag N; this 0.05 flag C is dropped/);
  });

  it('forgets what a failed append did not keep, so the resend passes', () => {
    const dups: Duplicate[] = [];
    const d = createDedupe((x) => dups.push(x));
    const batch = [base, { ...base, ts: 2_000 }];
    expect(d.accept(batch)).toEqual(batch);
    d.forget(batch);
    expect(d.accept(batch)).toEqual(batch);
    expect(dups).toEqual([]);
  });

  it('forgets beyond perSeries timestamps and beyond windowMs of the newest: bounded memory', () => {
    const run = (readings: Reading[], opts: { perSeries?: number; windowMs?: number }) => {
      const dups: Reading[] = [];
      const out = createDedupe((d) => dups.push(d.reading), opts).accept(readings);
      return { out: out.map((r) => r.ts), dups: dups.map((r) => r.ts) };
    };
    const at = (...ts: number[]) => ts.map((t) => ({ ...base, ts: t }));
    // perSeries 2: 1 is forgotten once 2 and 3 came, so its repeat passes; 3's repeat does not
    expect(run(at(1, 2, 3, 1, 3), { perSeries: 2 })).toEqual({ out: [1, 2, 3, 1], dups: [3] });
    // windowMs 10: 1 is forgotten once 20 came
    expect(run(at(1, 5, 20, 1, 20), { windowMs: 10 })).toEqual({ out: [1, 5, 20, 1], dups: [20] });
    // a late reading inside the window is remembered
    expect(run(at(10, 5, 5), { windowMs: 10 })).toEqual({ out: [10, 5], dups: [5] });
    expect(() => createDedupe(() => undefined, { perSeries: 0 })).toThrow(/perSeries/);
  });
});

describe('the processor drops duplicates', () => {
  it("counts them as rejected 'duplicate' and dead-letters them; consumers see each reading once", async () => {
    const now = Date.now();
    const r = { ...base, ts: now };
    const deadLetters = createDeadLetterStore();
    const appended: Reading[] = [];
    const batches$ = from([{ readings: [r] }, { readings: [{ ...r, ts: now + 1000 }] }, { readings: [r] }]);
    const p = createProcessor({ registry: loadRegistry(), batches$, store: { append: (rs) => void appended.push(...rs) }, deadLetters, log: createLogger('dedupe-test', 'silent') });
    const seen = (await lastValueFrom(p.accepted$.pipe(toArray()))).flat();
    expect(seen.map((x) => x.ts)).toEqual([now, now + 1000]);
    expect(appended).toEqual(seen);
    expect(p.counters).toMatchObject({ accepted: 2, rejected: { duplicate: 1 } });
    expect(deadLetters.recent()[0]).toMatchObject({ source: 'processor', reason: 'duplicate', where: 'AQ-01/AQ-01-V' });
  });
});
