import { interval, map, merge, NEVER, type Observable, take, timer, VirtualAction, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import type { Rejection } from '../operators/validate.js';
import { HEARTBEAT_KEY, resumeAfterDowntime } from './downtime.js';
import { createRuleEngine } from './engine.js';
import type { RuleEvent } from './schema.js';
import { createStateKeeper } from './stateKeeper.js';
import { memoryRuleState } from './testing.js';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;

/** WP-01 (wp-pipe-a: analysers on 60/30-min cycles, polled every 5 s) and WP-20 (daily calibration at 02:00), no-data and instrument rules only */
function park(): Registry {
  const r = structuredClone(loadRegistry());
  r.sites = r.sites.filter((s) => s.id === 'WP-01' || s.id === 'WP-20');
  r.rules = r.rules.filter((x) => x.type === 'no-data' || x.type === 'instrument').map((x) => (x.type === 'instrument' ? { ...x, durationMs: 5 * MIN } : x));
  return r;
}

const at = (site: string, device: string, pollutant: string, flag: Reading['flag'] = 'N') => (ts: number): Reading => ({ site, device, pollutant, value: 1, unit: '', ts, flag, source: 'modbus' });

/** the engine on a virtual clock from `start` to `end` (epoch ms), fed by `feed`; the rule state lives in `store` across runs */
function runAt(start: number, end: number, store: ReturnType<typeof memoryRuleState>, feed: (sched: VirtualTimeScheduler, stamp: (f: (ts: number) => Reading) => (i: unknown) => Reading) => Observable<Reading>) {
  const sched = new VirtualTimeScheduler(VirtualAction, end);
  sched.frame = start;
  const events: RuleEvent[] = [];
  const keeper = createStateKeeper(store);
  const stamp = (f: (ts: number) => Reading) => () => f(sched.now());
  const readings$ = feed(sched, stamp).pipe(map((r) => [r]));
  const engine = createRuleEngine({ registry: park(), readings$, rejections$: NEVER as Observable<Rejection>, keeper, scheduler: sched });
  const sub = engine.events$.subscribe((e) => events.push(e));
  sched.flush();
  sub.unsubscribe();
  keeper.flush();
  return events;
}

describe('no-data on each analyser’s own cycle', () => {
  it('an analyser on a 60-min cycle is not silent between measurements; after missing 3 cycles its own ticket names it', () => {
    const t0 = Date.UTC(2026, 10, 27, 0, 0);
    const events = runAt(t0, t0 + 6 * H, memoryRuleState(), (sched, stamp) =>
      merge(
        // flow every 5 s for 6 h (the device is polled every 5 s and answers)
        interval(5 * S, sched).pipe(take((6 * H) / (5 * S)), map(stamp(at('WP-01', 'WP-01-M', 'w00000')))),
        // COD measured at 0, 1 h, 2 h, then no more
        timer(0, H, sched).pipe(take(3), map(stamp(at('WP-01', 'WP-01-M', 'w01018')))),
        // NH3-N (30-min cycle) every 30 min throughout
        timer(0, 30 * MIN, sched).pipe(take(12), map(stamp(at('WP-01', 'WP-01-M', 'w21003')))),
      ),
    ).filter((e) => e.site === 'WP-01' && e.ruleType === 'no-data');
    // the device: never silent (flow every 5 s); NH3-N never (every 30 min against 3 × 30 min)
    expect(events.filter((e) => e.pollutant === '*' || e.pollutant === 'w21003')).toEqual([]);
    // COD: silent 3 × 60 min after its last measurement at 2 h, not before
    const cod = events.filter((e) => e.pollutant === 'w01018');
    expect(cod).toEqual([
      expect.objectContaining({ type: 'open', category: 'no-data', rule: 'no-data', site: 'WP-01', pollutant: 'w01018', since: t0 + 2 * H, ts: t0 + 5 * H, context: { device: 'WP-01-M', pollutant: 'w01018', cycleMs: H, timeoutMs: 3 * H } }),
    ]);
    // TP and TN never measured: each opens 3 cycles after start, on its own
    expect(events.filter((e) => e.pollutant === 'w21011' || e.pollutant === 'w21001').map((e) => [e.pollutant, e.ts - t0])).toEqual([
      ['w21011', 3 * H],
      ['w21001', 3 * H],
    ]);
  });
});

describe('the gateway’s own downtime is never counted against a device', () => {
  const stop = Date.UTC(2026, 10, 27, 8, 0);
  /** first run: WP-01-M and WP-20-M report every 5 s for a minute, then the engine stops */
  const firstRun = () => {
    const store = memoryRuleState();
    runAt(stop - MIN, stop, store, (sched, stamp) =>
      merge(
        interval(5 * S, sched).pipe(take(12), map(stamp(at('WP-01', 'WP-01-M', 'w00000')))),
        interval(5 * S, sched).pipe(take(12), map(stamp(at('WP-20', 'WP-20-M', 'w00000')))),
      ),
    );
    expect(store.map.get(HEARTBEAT_KEY)).toEqual({ at: stop });
    return store;
  };

  it('after 10 minutes down, a device that reports normally gets no ticket; a silent one gets its ticket after its timeout', () => {
    const store = firstRun();
    const restart = stop + 10 * MIN;
    const events = runAt(restart, restart + 2 * MIN, store, (sched, stamp) => interval(5 * S, sched).pipe(take(24), map(stamp(at('WP-01', 'WP-01-M', 'w00000'))))).filter((e) => e.pollutant === '*');
    // WP-01-M reports again: nothing; WP-20-M stays silent: open after 3 × 5 s of gateway time, not at start,
    // silent since its last value before the stop
    expect(events.map((e) => [e.type, e.site, e.ts - restart, e.since])).toEqual([['open', 'WP-20', 15 * S, stop]]);
  });

  it('without the heartbeat (downtime unknown) every watch starts a full timeout at start', () => {
    const store = firstRun();
    store.map.delete(HEARTBEAT_KEY);
    const restart = stop + 10 * MIN;
    const events = runAt(restart, restart + 2 * MIN, store, (sched, stamp) => interval(5 * S, sched).pipe(take(24), map(stamp(at('WP-01', 'WP-01-M', 'w00000'))))).filter((e) => e.pollutant === '*');
    expect(events.map((e) => [e.type, e.site, e.ts - restart])).toEqual([['open', 'WP-20', 15 * S]]);
  });

  it('silence before the stop still counts; an offline watch stays offline', () => {
    expect(resumeAfterDowntime({ last: 1000, offline: false }, 60_000, 100_000)).toEqual({ last: 61_000, offline: false, seen: 1000 });
    expect(resumeAfterDowntime({ last: 1000, offline: true }, 60_000, 100_000)).toEqual({ last: 1000, offline: true });
    expect(resumeAfterDowntime({ last: 1000, offline: false }, undefined, 100_000)).toEqual({ last: 100_000, offline: false, seen: 1000 });
    // a second restart before any value: the last value seen stays the one before the first
    expect(resumeAfterDowntime({ last: 61_000, offline: false, seen: 1000 }, 30_000, 200_000)).toEqual({ last: 91_000, offline: false, seen: 1000 });
    expect(resumeAfterDowntime(undefined, 60_000, 100_000)).toBeUndefined();
  });
});

describe('scheduled calibration windows (WP-20-M: daily 02:00-03:00 Asia/Shanghai, analysers, C/M)', () => {
  /** 30 min of COD flagged `flag` every minute from `start`, with normal flow */
  const flagged = (start: number, flag: Reading['flag'], pollutant = 'w01018') =>
    runAt(start, start + 30 * MIN, memoryRuleState(), (sched, stamp) => timer(0, MIN, sched).pipe(take(30), map(stamp(at('WP-20', 'WP-20-M', pollutant, flag)))))
      .filter((e) => e.ruleType === 'instrument');

  it('C flags inside the window open no instrument ticket', () => {
    expect(flagged(Date.UTC(2026, 10, 26, 18, 5), 'C')).toEqual([]); // 02:05 local
    expect(flagged(Date.UTC(2026, 10, 26, 18, 20), 'M')).toEqual([]);
  });

  it('the same C flags outside the window do, after the rule’s duration', () => {
    const start = Date.UTC(2026, 10, 26, 21, 5); // 05:05 local
    expect(flagged(start, 'C')).toEqual([expect.objectContaining({ type: 'open', rule: 'instrument', site: 'WP-20', ts: start + 5 * MIN, context: { flags: { w01018: 'C' } } })]);
  });

  it('inside the window, a flag or a channel the window does not cover still opens one', () => {
    const start = Date.UTC(2026, 10, 26, 18, 5);
    expect(flagged(start, 'D').map((e) => [e.type, e.ts - start])).toEqual([['open', 5 * MIN]]);
    expect(flagged(start, 'C', 'w00000').map((e) => [e.type, e.ts - start])).toEqual([['open', 5 * MIN]]);
  });
});
