import { NEVER, type Observable, type SchedulerAction, type SchedulerLike, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import type { Rejection } from '../operators/validate.js';
import { observe } from '../tickets/aggregate.js';
import type { TicketSummary } from '../tickets/types.js';
import { createRuleEngine } from './engine.js';
import type { RuleEvent } from './schema.js';
import { createStateKeeper } from './stateKeeper.js';
import { memoryRuleState, reading } from './testing.js';

const SEC = 1000;

/** the default park with only the rules `keep` selects, without exceedance warnings (预警); exceedances open at once */
function park(keep: (type: string) => boolean): Registry {
  const r = structuredClone(loadRegistry());
  r.rules = r.rules.filter((x) => keep(x.type) && (x.type !== 'exceedance' || (x.averaging.kind === 'instant' && x.level !== 'warning'))).map((x) => (x.type === 'exceedance' ? { ...x, durationMs: 0, averaging: { kind: 'instant' as const } } : x));
  return r;
}

/** a scheduler that counts every action scheduled on it (a timer per machine would show up here) */
function counting(inner: SchedulerLike): { scheduler: SchedulerLike; scheduled: () => number } {
  let n = 0;
  const schedule = <T>(work: (this: SchedulerAction<T>, state?: T) => void, delay?: number, state?: T): Subscription => {
    n++;
    return inner.schedule<T>(work, delay, state);
  };
  return { scheduler: { now: () => inner.now(), schedule } as SchedulerLike, scheduled: () => n };
}

function run(registry: Registry, marbles: string, batches: Record<string, readonly Reading[]>, store = memoryRuleState()) {
  const emitted: { at: number; events: readonly RuleEvent[] }[] = [];
  const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
  const c = counting(ts);
  ts.run(({ cold, flush }) => {
    const keeper = createStateKeeper(store);
    const readings$ = cold(marbles, batches) as Observable<readonly Reading[]>;
    const engine = createRuleEngine({ registry, readings$, rejections$: NEVER as Observable<Rejection>, keeper, scheduler: c.scheduler });
    const sub = engine.batches$.subscribe((events) => emitted.push({ at: ts.now(), events }));
    flush();
    sub.unsubscribe();
  });
  return { emitted, events: emitted.flatMap((e) => e.events), scheduled: c.scheduled() };
}

const wp = (site: string, pollutant: string, value: number) => reading(site, pollutant, value);

describe('rule engine on batches', () => {
  it('judges several series of one batch, emits their events as one batch, and passes over a series no rule reads', () => {
    const registry = park((t) => t === 'exceedance');
    const b = { a: [wp('WP-01', 'w01018', 620), wp('WP-01', 'w99999', 1e9), wp('WP-02', 'w21003', 60), reading('NO-SITE', 'w01018', 900), wp('WP-03', 'w01018', 100)] };
    const { emitted } = run(registry, 'a', b);
    expect(emitted).toHaveLength(1);
    expect(emitted[0]!.events.map((e) => `${e.type} ${e.rule} ${e.site}`)).toEqual(['open wp-cod WP-01', 'open wp-nh3n WP-02']);
  });

  it('coalesces the updates of one rule instance within a batch into its last, listing every value', () => {
    const registry = park((t) => t === 'exceedance');
    const b = {
      o: [wp('WP-01', 'w01018', 600)],
      u: [wp('WP-01', 'w01018', 610), wp('WP-02', 'w01018', 700), wp('WP-01', 'w01018', 640), wp('WP-01', 'w01018', 630)],
      c: [wp('WP-01', 'w01018', 650), wp('WP-01', 'w01018', 300), wp('WP-01', 'w01018', 700), wp('WP-01', 'w01018', 710)],
    };
    const { emitted } = run(registry, 'o 999ms u 999ms c', b);
    const wp01 = (i: number) => emitted[i]!.events.filter((e) => e.site === 'WP-01').map((e) => ({ type: e.type, value: e.value, values: e.values }));
    expect(wp01(0)).toEqual([{ type: 'open', value: 600, values: undefined }]);
    // three updates in the second batch: one event, the last value, all three values
    expect(wp01(1)).toEqual([{ type: 'update', value: 630, values: [610, 640, 630] }]);
    expect(emitted[1]!.events.filter((e) => e.site === 'WP-02').map((e) => e.type)).toEqual(['open']);
    // an update, a clear, a new open and its update: the order of the episode is kept
    expect(wp01(2)).toEqual([
      { type: 'update', value: 650, values: undefined },
      { type: 'clear', value: 300, values: undefined },
      { type: 'open', value: 700, values: undefined },
      { type: 'update', value: 710, values: undefined },
    ]);
  });

  it('a coalesced update counts every value on the ticket, as the updates one by one would', () => {
    const t = { samples: 1, mean: 600, peak: 600, lastSeen: 0, limit: { max: 500, standard: 'x' } } as TicketSummary;
    const oneByOne = [610, 640, 630].reduce((acc, v, i) => observe(acc, { ts: i + 1, value: v }), t);
    expect(observe(t, { ts: 3, value: 630, values: [610, 640, 630] })).toEqual(oneByOne);
  });

  it('fires no-data for several devices from one timer wheel: one scheduler timer at a time, none re-armed per reading', () => {
    const registry = park((t) => t === 'no-data');
    const devices = ['WP-01-M', 'WP-02-M', 'WP-03-M'];
    const all = devices.map((d) => ({ ...reading(d.slice(0, 5), 'w01018', 1), device: d }));
    // every device reports once a second for 60 s (one batch each), then WP-02-M and WP-03-M fall silent
    const steady = Array.from({ length: 60 }, () => 'a').join(' 999ms ');
    const after = Array.from({ length: 20 }, () => 'b').join(' 999ms ');
    const { events, scheduled } = run(registry, `${steady} 999ms ${after}|`, { a: all, b: [all[0]!] });
    const timeoutOf = (d: string) => loadRegistry().sites.flatMap((s) => s.devices).find((x) => x.id === d)!.intervalMs * 3;
    const off = events.filter((e) => e.type === 'open' && e.ruleType === 'no-data' && devices.includes(String(e.context?.device)));
    expect(off.map((e) => e.context?.device).sort()).toEqual(['WP-02-M', 'WP-03-M']);
    for (const e of off) expect(e.ts).toBe(59 * SEC + timeoutOf(String(e.context?.device)));
    // 57 devices of the park, 80 batches: a timer per machine and reading would be thousands
    expect(scheduled).toBeLessThanOrEqual(10);
  });

  it('loads a rolling-mean window saved by the previous version (JSON samples) and judges its mean', () => {
    const registry = park((t) => t === 'exceedance');
    registry.rules = registry.rules.map((r) => (r.id === 'wp-cod' ? { ...r, averaging: { kind: 'rolling' as const, minutes: 10 }, minSamples: 3 } : r));
    const store = memoryRuleState();
    // two values of the window before the restart, as the previous version stored them (scheduler time starts at 0)
    store.map.set('exceedance|wp-cod|WP-01|w01018|avg', { samples: [{ t: -120_000, v: 900 }, { t: -60_000, v: 600 }] });
    const { events } = run(registry, 'a', { a: [wp('WP-01', 'w01018', 300)] }, store);
    // mean of 900, 600 and 300 is 600 > 500: opens at once (duration 0); without the saved window 300 alone would not
    expect(events.find((e) => e.rule === 'wp-cod')).toMatchObject({ type: 'open', value: 600 });
    const saved = store.map.get('exceedance|wp-cod|WP-01|w01018|avg') as { n: number; sum: number };
    expect(saved).toMatchObject({ n: 3, sum: 1800 });
  });
});
