import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { from, lastValueFrom, toArray } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeadLetterStore } from '../../gateway/deadLetter/index.js';
import { createLogger } from '../../gateway/log.js';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { createProcessor } from '../index.js';
import { createSqliteStoredTimestamps, prunePeriodically } from '../stored/index.js';
import type { Duplicate } from './dedupe.js';
import { createStoredDedupe } from './dedupeStored.js';

const base: Reading = { site: 'AQ-01', device: 'AQ-01-V', pollutant: 'a24088', value: 1, unit: 'mg/m3', ts: 0, flag: 'N', source: 'mqtt' };
const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'stored-'));
  dirs.push(d);
  return join(d, 'stored.db');
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** accept then commit, as the processor does per turn */
function turn(d: ReturnType<typeof createStoredDedupe>, rs: Reading[]) {
  const out = d.accept(rs);
  d.commit?.(out);
  return out;
}

describe('createStoredDedupe: stored history is never overwritten', () => {
  it('refuses a stored timestamp however old, an exact repeat as a redelivery and another value with the stored one', () => {
    const store = createSqliteStoredTimestamps(tmp());
    const dups: Duplicate[] = [];
    const d = createStoredDedupe(store, (x) => dups.push(x));
    const at = (ts: number, value = 1) => ({ ...base, ts, value });
    // 2000 timestamps: far more than the in-memory dedupe's 512 per series
    expect(turn(d, Array.from({ length: 2000 }, (_, i) => at(i * 1000))).length).toBe(2000);
    expect(turn(d, [at(0), at(5000, 9), at(2_000_000)]).map((r) => r.ts)).toEqual([2_000_000]);
    expect(dups.map((x) => x.kept)).toEqual([undefined, { value: 1, flag: 'N' }]);
    expect(dups[1]!.detail).toMatch(/duplicate timestamp: stored value 1 flag N, new value 9 flag N refused/);
    // a late reading never stored passes, once; repeats inside one batch are caught before the commit
    expect(turn(d, [at(500), at(500, 2), at(500)]).map((r) => r.value)).toEqual([1]);
    // another device at the same site is another series
    expect(turn(d, [{ ...at(0), device: 'AQ-01-W' }]).length).toBe(1);
    store.close();
  });

  it('remembers across a restart (a new store over the same file), and forget takes back a failed append', () => {
    const file = tmp();
    const first = createSqliteStoredTimestamps(file);
    const d1 = createStoredDedupe(first, () => undefined);
    turn(d1, [{ ...base, ts: 1000 }, { ...base, ts: 2000 }]);
    const failed = d1.accept([{ ...base, ts: 3000 }]);
    d1.commit?.(failed);
    d1.forget(failed);
    turn(d1, [{ ...base, ts: 4000 }]); // a later commit: the generation of 1000/2000 is no longer the last one
    first.close();
    const dups: Duplicate[] = [];
    const again = createSqliteStoredTimestamps(file);
    const d2 = createStoredDedupe(again, (x) => dups.push(x));
    expect(turn(d2, [{ ...base, ts: 1000, value: 5 }, { ...base, ts: 2000 }, { ...base, ts: 3000 }]).map((r) => r.ts)).toEqual([3000]);
    expect(dups.map((x) => x.kept?.value)).toEqual([1, undefined]);
    again.close();
  });

  it('after a kill between record and append, the exact re-send of the last commit is taken again once; another value is not', () => {
    const file = tmp();
    const first = createSqliteStoredTimestamps(file);
    const d1 = createStoredDedupe(first, () => undefined);
    turn(d1, [{ ...base, ts: 1000 }]);
    d1.commit?.(d1.accept([{ ...base, ts: 2000 }, { ...base, ts: 3000 }])); // recorded; the process dies before the append
    first.close();
    const again = createSqliteStoredTimestamps(file);
    const d2 = createStoredDedupe(again, () => undefined);
    expect(turn(d2, [{ ...base, ts: 1000 }, { ...base, ts: 2000 }, { ...base, ts: 3000, value: 7 }]).map((r) => r.ts)).toEqual([2000]);
    expect(turn(d2, [{ ...base, ts: 2000 }]).length).toBe(0); // confirmed now
    again.close();
  });
});

describe('createSqliteStoredTimestamps.prune', () => {
  it('forgets only timestamps before the bound, of every series', () => {
    const store = createSqliteStoredTimestamps(tmp());
    const d = createStoredDedupe(store, () => undefined);
    turn(d, [1000, 2000, 3000].flatMap((ts) => [{ ...base, ts }, { ...base, device: 'AQ-01-W', ts }]));
    expect(store.prune(2500)).toBe(4);
    const a = store.seriesId('AQ-01', 'AQ-01-V', 'a24088');
    expect([1000, 2000, 3000].map((ts) => store.get(a, ts)?.value)).toEqual([undefined, undefined, 1]);
    store.close();
  });

  it('prunePeriodically forgets what is older than the accepted past (maxPastMs and a day) at once, then hourly', () => {
    const store = createSqliteStoredTimestamps(tmp());
    const d = createStoredDedupe(store, () => undefined);
    const DAY = 86_400_000;
    turn(d, [{ ...base, ts: 10 * DAY }, { ...base, ts: 20 * DAY }]);
    const lines: unknown[] = [];
    const stop = prunePeriodically(store, 5 * DAY, { info: (o: unknown) => void lines.push(o), error: () => undefined }, 3_600_000, () => 20 * DAY);
    stop();
    const id = store.seriesId(base.site, base.device, base.pollutant);
    expect([store.get(id, 10 * DAY), store.get(id, 20 * DAY)?.value]).toEqual([undefined, 1]);
    expect(lines).toEqual([{ rows: 1 }]);
    store.close();
  });
});

describe('the processor with the durable record', () => {
  it("dead-letters another value for a stored timestamp as 'duplicate-timestamp' and an exact repeat as 'duplicate'", async () => {
    const now = Date.now();
    const store = createSqliteStoredTimestamps(tmp());
    const deadLetters = createDeadLetterStore();
    const appended: Reading[] = [];
    const r = { ...base, ts: now - 60_000 };
    const batches$ = from([{ readings: [r, { ...r, ts: now }] }, { readings: [{ ...r, value: 2 }] }, { readings: [r] }]);
    const p = createProcessor({ registry: loadRegistry(), batches$, store: { append: (rs) => void appended.push(...rs) }, deadLetters, log: createLogger('dedupe-test', 'silent'), stored: store });
    const seen = (await lastValueFrom(p.accepted$.pipe(toArray()))).flat();
    expect(seen.map((x) => x.value)).toEqual([1, 1]);
    expect(appended).toEqual(seen);
    expect(p.counters.rejected).toEqual({ 'duplicate-timestamp': 1, duplicate: 1 });
    expect(deadLetters.recent().map((e) => e.reason)).toEqual(['duplicate-timestamp', 'duplicate']);
    store.close();
  });

  it('an append that throws leaves nothing recorded: the re-send passes', async () => {
    const store = createSqliteStoredTimestamps(tmp());
    const r = { ...base, ts: Date.now() };
    let fail = true;
    const appended: Reading[] = [];
    const batches$ = from([{ readings: [r] }, { readings: [r] }]);
    const append = (rs: readonly Reading[]) => {
      if (fail) {
        fail = false;
        throw new Error('disk full');
      }
      appended.push(...rs);
    };
    const p = createProcessor({ registry: loadRegistry(), batches$, store: { append }, deadLetters: createDeadLetterStore(), log: createLogger('dedupe-test', 'silent'), stored: store, commit: 'batch' });
    await lastValueFrom(p.accepted$.pipe(toArray()));
    expect(appended).toEqual([r]);
    store.close();
  });
});
