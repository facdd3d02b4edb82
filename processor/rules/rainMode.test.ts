import { asyncScheduler, NEVER, Subject, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import type { Rejection } from '../operators/validate.js';
import { createRuleEngine } from './engine.js';
import type { OutletState } from './rainMode.js';
import type { RuleEvent } from './schema.js';
import { createStateKeeper } from './stateKeeper.js';
import { memoryRuleState, reading } from './testing.js';

const MIN = 60_000;
const OUTLETS = ['RO-01', 'RO-02', 'RO-03', 'RO-04', 'RO-05', 'RO-06', 'RO-07', 'RO-08', 'RO-09'];

/** the default park's rain-outlet rules as shipped (ro-cod 5 min, first flush 20 min, rain event gap 60 min) */
function park(): Registry {
  const r = structuredClone(loadRegistry());
  r.rules = r.rules.filter((x) => x.type !== 'no-data' && x.type !== 'flatline' && x.type !== 'instrument');
  return r;
}

const rain = (mmh: number): Reading => ({ ...reading('WS-01', 'a99002', mmh), device: 'WS-01-W' });

/** batches at scheduler times (ms), through the engine on a TestScheduler; every event with its time */
function run(registry: Registry, batches: [number, Reading[]][], store = memoryRuleState()): RuleEvent[] {
  const events: RuleEvent[] = [];
  new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ flush }) => {
    const readings$ = new Subject<readonly Reading[]>();
    const keeper = createStateKeeper(store);
    const engine = createRuleEngine({ registry, readings$, rejections$: NEVER as Observable<Rejection>, keeper });
    const sub = engine.events$.subscribe((e) => events.push(e));
    for (const [at, rs] of batches) asyncScheduler.schedule(() => readings$.next(rs.map((r) => ({ ...r, ts: at }))), at);
    flush();
    sub.unsubscribe();
    keeper.flush();
  });
  return events;
}

/** one batch a minute for `minutes` minutes, each from `at(minute)` */
const everyMinute = (minutes: number, at: (m: number) => Reading[]): [number, Reading[]][] => Array.from({ length: minutes + 1 }, (_, m) => [m * MIN, at(m)]);
const rainOf = (e: RuleEvent) => e.context?.rain as OutletState;

describe('rain outlets: judged under flow, first flush in wet weather', () => {
  it('a rain event at all nine outlets (COD 80 under flow) opens no COD event within the 20-min first flush; after it, wet-weather COD over 40 is judged', () => {
    const events = run(
      park(),
      everyMinute(40, () => [rain(6), ...OUTLETS.flatMap((s) => [reading(s, 'w00000', 3), reading(s, 'w99001', 0.3), reading(s, 'w01018', 80)])]),
    );
    const cod = events.filter((e) => e.rule === 'ro-cod');
    // nothing while the first flush is collected (flow began at 0: judged from 20 min, open after ro-cod's 5 min)
    expect(cod.filter((e) => e.ts < 20 * MIN)).toEqual([]);
    const opens = cod.filter((e) => e.type === 'open');
    expect(opens.map((e) => e.site).sort()).toEqual(OUTLETS);
    for (const e of opens) {
      expect(e).toMatchObject({ ts: 25 * MIN, since: 20 * MIN, category: 'exceedance', limit: { max: 40 } });
      expect(rainOf(e)).toMatchObject({ mode: 'wet', flowing: true, rainEventStart: 0, firstFlushFrom: 0 });
    }
    // it rains: no dry-weather flow
    expect(events.filter((e) => e.rule === 'ro-dry-flow')).toEqual([]);
  });

  it('dry-weather flow with COD over 40 is judged at once: the COD event (mode dry, gate closed) and the 晴天出水 event', () => {
    const events = run(park(), everyMinute(12, () => [reading('RO-03', 'w00000', 2.5), reading('RO-03', 'w99002', 0), reading('RO-03', 'w01018', 80)]));
    const cod = events.find((e) => e.rule === 'ro-cod' && e.type === 'open');
    expect(cod).toMatchObject({ site: 'RO-03', ts: 5 * MIN, since: 0 });
    expect(rainOf(cod!)).toMatchObject({ mode: 'dry', flowing: true, flow: 2.5, gate: 'closed', gateAt: 5 * MIN });
    const dry = events.find((e) => e.rule === 'ro-dry-flow' && e.type === 'open');
    expect(dry).toMatchObject({ site: 'RO-03', ts: 10 * MIN, category: 'illicit-discharge' });
    expect(rainOf(dry!)).toMatchObject({ mode: 'dry', gate: 'closed' });
  });

  it('an exceedance that began under flow is dropped when the flow stops before its duration (5 min) ends', () => {
    const events = run(park(), everyMinute(15, (m) => [reading('RO-08', 'w00000', m < 3 ? 2 : 0), reading('RO-08', 'w01018', 80)]));
    expect(events.filter((e) => e.rule === 'ro-cod')).toEqual([]);
  });

  it('with no flow, a high COD in a dry channel is no discharge', () => {
    const events = run(park(), everyMinute(30, () => [reading('RO-04', 'w00000', 0), reading('RO-04', 'w99001', 0.02), reading('RO-04', 'w01018', 80)]));
    expect(events.filter((e) => e.site === 'RO-04')).toEqual([]);
  });

  it('a rain after the event ended (60 min without rain) is a new event with its own first flush', () => {
    const first = everyMinute(30, (m) => [...(m <= 5 ? [rain(4)] : []), reading('RO-05', 'w00000', 2), reading('RO-05', 'w01018', 20)]);
    // 70 min after the last rain it rains again, the outlet carries COD 90
    const second = everyMinute(30, () => [rain(8), reading('RO-05', 'w00000', 4), reading('RO-05', 'w01018', 90)]).map(([at, rs]): [number, Reading[]] => [at + 75 * MIN, rs]);
    const events = run(park(), [...first, ...second]);
    const open = events.find((e) => e.rule === 'ro-cod' && e.type === 'open');
    expect(open).toMatchObject({ site: 'RO-05', since: 95 * MIN, ts: 100 * MIN });
    expect(rainOf(open!)).toMatchObject({ mode: 'wet', rainEventStart: 75 * MIN, firstFlushFrom: 75 * MIN });
  });

  it('the rain event and each outlet\'s first flush survive a restart', () => {
    const registry = park();
    const store = memoryRuleState();
    const flowing = (m: number) => [rain(5), reading('RO-06', 'w00000', 3), reading('RO-06', 'w01018', m < 10 ? 20 : 85)];
    // first run: 10 minutes of rain and flow, then the process stops
    expect(run(registry, everyMinute(9, flowing), store).filter((e) => e.site === 'RO-06')).toEqual([]);
    // the restarted process still knows the flush began at 0: COD 85 from 10 min is judged from 20 min, opens at 25
    const after = run(registry, everyMinute(30, flowing).filter(([at]) => at >= 10 * MIN), store).filter((e) => e.rule === 'ro-cod');
    expect(after[0]).toMatchObject({ type: 'open', site: 'RO-06', since: 20 * MIN, ts: 25 * MIN });
    expect(rainOf(after[0]!)).toMatchObject({ mode: 'wet', rainEventStart: 0, firstFlushFrom: 0 });
  });
});
