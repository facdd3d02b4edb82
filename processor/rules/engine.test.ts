import { map, NEVER, Subject, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import type { Rejection } from '../operators/validate.js';
import { createRuleEngine } from './engine.js';
import type { RuleEvent } from './schema.js';
import { createStateKeeper } from './stateKeeper.js';
import { memoryRuleState, reading } from './testing.js';

const MIN = 60_000;

/** the default park, with rules shortened to minutes so marbles stay readable */
function park(): Registry {
  const r = structuredClone(loadRegistry());
  r.rules = r.rules.map((rule) => {
    if (rule.type === 'exceedance') return { ...rule, durationMs: rule.durationMs ? 10 * MIN : 0 };
    if (rule.type === 'instrument') return { ...rule, durationMs: 5 * MIN };
    if (rule.type === 'dry-weather-flow') return { ...rule, durationMs: 3 * MIN, dryPeriodMs: 60 * MIN };
    return rule;
  });
  r.rules = r.rules.filter((x) => x.type !== 'no-data' && x.type !== 'flatline');
  return r;
}

function run(registry: Registry, script: (h: { readings: (marbles: string, values: Record<string, Reading>) => Observable<Reading> }) => Observable<Reading>) {
  const events: (RuleEvent & { at: number })[] = [];
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  scheduler.run(({ cold, flush }) => {
    const keeper = createStateKeeper(memoryRuleState());
    const readings$ = script({ readings: (m, v) => cold(m, v) });
    // each reading stamped when it arrives: durations run on reading time
    const engine = createRuleEngine({ registry, readings$: readings$.pipe(map((r) => [{ ...r, ts: scheduler.now() }])), rejections$: NEVER as Observable<Rejection>, keeper });
    const sub = engine.events$.subscribe((e) => events.push({ ...e, at: e.ts }));
    flush();
    sub.unsubscribe();
  });
  return events;
}

describe('rule engine', () => {
  it('opens one exceedance after the duration, updates it, clears it below the hysteresis level', () => {
    const v = { h: reading('WP-01', 'w01018', 620), n: reading('WP-01', 'w01018', 480), l: reading('WP-01', 'w01018', 300) };
    // samples every minute: high for 12 min, 480 (below the limit, above clearMax 450), then 300
    const events = run(park(), ({ readings }) => readings('h 59999ms h 59999ms h 59999ms h 59999ms h 59999ms h 59999ms h 59999ms h 59999ms h 59999ms h 59999ms h 59999ms h 59999ms n 59999ms l', v));
    const wp = events.filter((e) => e.rule === 'wp-cod');
    expect(wp.map((e) => e.type)).toEqual(['open', 'update', 'clear']);
    expect(wp[0]).toMatchObject({ site: 'WP-01', pollutant: 'w01018', category: 'exceedance', since: 0, ts: 10 * MIN, limit: { max: 500 } });
    expect(wp[2]!.ts).toBe(13 * MIN);
  });

  it('applies an enterprise override (华瑞电镀 COD 300)', () => {
    const v = { a: reading('WP-13', 'w01018', 350) };
    const events = run(park(), ({ readings }) => readings('a 599999ms a 59999ms a', v));
    expect(events.find((e) => e.rule === 'wp-cod')).toMatchObject({ type: 'open', site: 'WP-13', limit: { max: 300 } });
  });

  it('never opens an exceedance from values flagged as calibration; opens an instrument event instead', () => {
    const v = { c: reading('WP-05', 'w01018', 900, 'C') };
    const events = run(park(), ({ readings }) => readings('c 59999ms c 59999ms c 59999ms c 59999ms c 59999ms c 59999ms c 59999ms c 59999ms c 59999ms c 59999ms c 59999ms c', v));
    expect(events.filter((e) => e.category === 'exceedance')).toEqual([]);
    expect(events.find((e) => e.rule === 'instrument')).toMatchObject({ type: 'open', site: 'WP-05', pollutant: '*', ts: 5 * MIN, context: { flags: { w01018: 'C' } } });
  });

  it('records the wind on an odor event', () => {
    const v = {
      s: { ...reading('WS-01', 'a01007', 3.2), device: 'WS-01-W' },
      d: { ...reading('WS-01', 'a01008', 350), device: 'WS-01-W' },
      e: { ...reading('WS-01', 'a01008', 10), device: 'WS-01-W' },
      h: { ...reading('AQ-01', 'a21028', 0.2), device: 'AQ-01-V' },
    };
    const events = run(park(), ({ readings }) => readings('(sd) 59996ms (se) 59996ms h', v));
    const odor = events.find((e) => e.rule === 'aq-h2s');
    expect(odor).toMatchObject({ type: 'open', category: 'odor', site: 'AQ-01', value: 0.2, limit: { max: 0.06 } });
    const wind = odor!.context!.wind as { direction: number; speed: number; speedNow: number; directionNow: number };
    expect(wind.speed).toBeCloseTo(3.2);
    expect(Math.min(wind.direction, 360 - wind.direction)).toBeLessThan(1e-6); // vector mean of 350° and 10° is north
    expect(wind.directionNow).toBe(10);
  });

  it('flags flow at a rain outlet in dry weather (晴天出水) even when quality is within limits', () => {
    const v = { f: reading('RO-03', 'w00000', 2.5), q: reading('RO-03', 'w01018', 12) };
    const events = run(park(), ({ readings }) => readings('(fq) 59997ms f 59999ms f 59999ms f 59999ms f', v));
    expect(events.find((e) => e.rule === 'ro-dry-flow')).toMatchObject({ type: 'open', category: 'illicit-discharge', site: 'RO-03', ts: 3 * MIN });
    expect(events.filter((e) => e.rule === 'ro-cod')).toEqual([]);
  });

  it('does not flag outlet flow while it has rained within the dry period', () => {
    const v = { r: { ...reading('WS-01', 'a99002', 4.5), device: 'WS-01-W' }, f: reading('RO-03', 'w00000', 2.5) };
    const events = run(park(), ({ readings }) => readings('r 59999ms f 59999ms f 59999ms f 59999ms f 59999ms f', v));
    expect(events.filter((e) => e.rule === 'ro-dry-flow')).toEqual([]);
  });

  it('keeps a running duration across a restart', () => {
    const registry = park();
    const store = memoryRuleState();
    const high = { h: reading('WP-02', 'w01018', 700) };
    const collect = (marbles: string) => {
      const out: RuleEvent[] = [];
      const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
      scheduler.run(({ cold, flush }) => {
        const keeper = createStateKeeper(store);
        const engine = createRuleEngine({ registry, readings$: cold(marbles, high).pipe(map((r) => [{ ...r, ts: scheduler.now() }])), rejections$: new Subject<Rejection>(), keeper });
        const sub = engine.events$.subscribe((e) => out.push(e));
        flush();
        sub.unsubscribe();
        keeper.flush();
      });
      return out;
    };
    // first run: 6 minutes above the limit, then the process stops
    expect(collect('h 59999ms h 59999ms h 59999ms h 59999ms h 59999ms h 59999ms h|').filter((e) => e.rule === 'wp-cod')).toEqual([]);
    // the restarted process sees the clock go on from 6 min: the stored episode began at 0, so it opens at 10 min, not 16
    const after = collect('360000ms h 59999ms h 59999ms h 59999ms h 59999ms h 59999ms h|').filter((e) => e.rule === 'wp-cod');
    expect(after[0]).toMatchObject({ type: 'open', since: 0, ts: 10 * MIN });
  });
});
