import { asyncScheduler, map, NEVER, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import type { Rejection } from '../operators/validate.js';
import { createRuleEngine } from './engine.js';
import { judgedAs, overRangeText } from './overRange.js';
import type { RuleEvent } from './schema.js';
import { createStateKeeper } from './stateKeeper.js';
import { memoryRuleState, reading } from './testing.js';

const MIN = 60_000;

/** the default park with the pipes' durations at 10 min and the instrument rule at 5 min */
function park(): Registry {
  const r = structuredClone(loadRegistry());
  r.rules = r.rules.map((rule) => {
    if (rule.type === 'exceedance') return { ...rule, durationMs: rule.durationMs ? 10 * MIN : 0 };
    if (rule.type === 'instrument') return { ...rule, durationMs: 5 * MIN };
    return rule;
  });
  r.rules = r.rules.filter((x) => x.type !== 'no-data' && x.type !== 'flatline');
  return r;
}

/** one reading a minute for `minutes` minutes, each stamped with its (virtual) time */
function run(registry: Registry, values: Reading[]): RuleEvent[] {
  const events: RuleEvent[] = [];
  new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ cold, flush }) => {
    const keys = values.map((_, i) => String.fromCharCode(0x4e00 + i));
    const marbles = keys.join(' 59999ms ');
    const readings$: Observable<Reading> = cold(marbles, Object.fromEntries(keys.map((k, i) => [k, values[i]!])));
    const engine = createRuleEngine({
      registry,
      readings$: readings$.pipe(map((r) => [{ ...r, ts: asyncScheduler.now() }])),
      rejections$: NEVER as Observable<Rejection>,
      keeper: createStateKeeper(memoryRuleState()),
    });
    const sub = engine.events$.subscribe((e) => events.push(e));
    flush();
    sub.unsubscribe();
  });
  return events;
}

const times = (n: number, r: Reading) => Array.from({ length: n }, () => r);

describe('over range (HJ 212-2017 Table 8 flag T) as an exceedance lower bound', () => {
  it('COD flagged T at the range top 1000 mg/L above the 500 limit opens the exceedance, marked as a lower bound; the instrument rule reports T too', () => {
    const events = run(park(), times(12, reading('WP-01', 'w01018', 1000, 'T')));
    const cod = events.filter((e) => e.rule === 'wp-cod');
    expect(cod[0]).toMatchObject({ type: 'open', category: 'exceedance', site: 'WP-01', value: 1000, since: 0, ts: 10 * MIN, limit: { max: 500 }, context: { lowerBound: true } });
    expect(cod.slice(1).every((e) => e.type === 'update' && e.context?.lowerBound === true)).toBe(true);
    // an analyser stuck at its range top needs re-ranging: the instrument ticket opens as well once it lasts
    expect(events.find((e) => e.rule === 'instrument')).toMatchObject({ type: 'open', site: 'WP-01', context: { flags: { w01018: 'T' } } });
  });

  it('the same value flagged C opens no exceedance, only the instrument event', () => {
    const events = run(park(), times(12, reading('WP-01', 'w01018', 1000, 'C')));
    expect(events.filter((e) => e.category === 'exceedance')).toEqual([]);
    expect(events.find((e) => e.rule === 'instrument')).toMatchObject({ type: 'open', context: { flags: { w01018: 'C' } } });
  });

  it('normal values over the limit carry no lower-bound mark', () => {
    const events = run(park(), times(12, reading('WP-01', 'w01018', 650)));
    expect(events.find((e) => e.rule === 'wp-cod' && e.type === 'open')?.context?.lowerBound).toBeUndefined();
  });

  it('a T value below the upper limit (a range set below it) is no exceedance and no return within the limit', () => {
    expect(run(park(), times(12, reading('WP-01', 'w01018', 400, 'T'))).filter((e) => e.rule === 'wp-cod')).toEqual([]);
    // an open episode is not cleared by a lower bound of 400: the true value may be anything above it
    const events = run(park(), [...times(11, reading('WP-01', 'w01018', 650)), ...times(3, reading('WP-01', 'w01018', 400, 'T')), reading('WP-01', 'w01018', 300)]);
    const cod = events.filter((e) => e.rule === 'wp-cod');
    expect(cod.map((e) => e.type)).toEqual(['open', 'clear']);
    expect(cod[1]).toMatchObject({ value: 300, ts: 14 * MIN });
  });

  it('an enterprise limit applies to the lower bound (华瑞电镀 COD 300: T at 400 is an exceedance there)', () => {
    const open = run(park(), times(12, reading('WP-13', 'w01018', 400, 'T'))).find((e) => e.rule === 'wp-cod');
    expect(open).toMatchObject({ type: 'open', limit: { max: 300 }, context: { lowerBound: true } });
  });

  it('pH flagged T above its upper limit is an exceedance of the upper side only', () => {
    const events = run(park(), times(12, reading('WP-01', 'w01001', 14, 'T')));
    expect(events.find((e) => e.rule === 'wp-ph')).toMatchObject({ type: 'open', value: 14, context: { lowerBound: true } });
  });

  it('which values are judged, and how a lower bound reads', () => {
    expect(judgedAs('N', 3, undefined)).toBe('value');
    expect(judgedAs('T', 1000, 500)).toBe('lower-bound');
    expect(judgedAs('T', 500, 500)).toBeUndefined();
    expect(judgedAs('T', 14, undefined)).toBeUndefined(); // a min-only limit (pH low side)
    for (const f of ['M', 'C', 'D', 'F', 'B', 'S'] as const) expect(judgedAs(f, 1000, 500)).toBeUndefined();
    expect(overRangeText('1000', 'mg/L')).toBe('≥ 1000 mg/L (超量程)');
  });
});
