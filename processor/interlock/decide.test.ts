import { describe, expect, it } from 'vitest';
import type { QualityFlag } from '../../gateway/model/reading.js';
import { ExceedanceRuleSchema, RuleSchema, type RuleEvent } from '../rules/schema.js';
import { decide, episodeKey, untrusted, type DecisionInput, type EpisodeState, type ValvePoint } from './decide.js';

const MIN = 60_000;
const T0 = Date.UTC(2024, 10, 5, 2, 0, 0);
const codRule = ExceedanceRuleSchema.parse({ id: 'wp-cod', type: 'exceedance', siteKind: 'wastewater_pipe', pollutant: 'w01018', max: 500, valve: true, standard: 'GB/T 31962-2015 表1 B级 COD 500 mg/L' });
const tpRule = ExceedanceRuleSchema.parse({ id: 'wp-tp', type: 'exceedance', siteKind: 'wastewater_pipe', pollutant: 'w21011', max: 8, standard: 'GB/T 31962-2015 表1 B级 总磷 8 mg/L' });
const valve: ValvePoint = { site: 'WP-01', device: 'WP-01-M', shutOffDelayMs: 15 * MIN, attempts: 3 };

const event = (type: RuleEvent['type'], lastedMs: number, since = T0, extra: Partial<RuleEvent> = {}): RuleEvent => ({
  type,
  rule: 'wp-cod',
  ruleType: 'exceedance',
  category: 'exceedance',
  site: 'WP-01',
  pollutant: 'w01018',
  ts: since + lastedMs,
  value: 620,
  since,
  limit: { max: 500, standard: codRule.standard },
  ...extra,
});

const input = (ev: RuleEvent, over: Partial<DecisionInput> = {}): DecisionInput => ({ ev, rule: codRule, valve, online: true, lastFlag: 'N', episode: undefined, ...over });

describe('decide: when the valve is shut', () => {
  it('waits while the exceedance is shorter than the shut-off delay', () => {
    expect(decide(input(event('open', 10 * MIN)))).toEqual({ kind: 'wait', episode: episodeKey('WP-01', 'wp-cod', T0), remainingMs: 5 * MIN });
    expect(decide(input(event('update', 15 * MIN - 1))).kind).toBe('wait');
  });

  it('shuts the valve once the delay is reached, on an open or an update', () => {
    const d = decide(input(event('update', 15 * MIN)));
    expect(d).toEqual({ kind: 'close', episode: 'WP-01|wp-cod|' + T0, since: T0, valve });
    expect(decide(input(event('open', 20 * MIN))).kind).toBe('close');
  });

  it('shuts it only once per episode', () => {
    const done: EpisodeState = { actuated: true, escalated: [] };
    expect(decide(input(event('update', 16 * MIN), { episode: done }))).toMatchObject({ kind: 'ignore', why: expect.stringMatching(/already actuated/) });
  });

  it('a second episode (new start time) shuts it again', () => {
    const second = event('update', 15 * MIN, T0 + 3 * 60 * MIN);
    const d = decide(input(second, { episode: undefined }));
    expect(d).toMatchObject({ kind: 'close', since: T0 + 3 * 60 * MIN });
    expect(d.kind === 'close' && d.episode).not.toBe(episodeKey('WP-01', 'wp-cod', T0));
  });

  it('the clear of an episode ends it', () => {
    expect(decide(input(event('clear', 30 * MIN)))).toEqual({ kind: 'end', site: 'WP-01', rule: 'wp-cod' });
  });
});

describe('decide: fail safe', () => {
  it.each<QualityFlag>(['M', 'C', 'D', 'F', 'B'])('escalates instead of shutting when the latest reading is flagged %s', (flag) => {
    const d = decide(input(event('update', 15 * MIN), { lastFlag: flag, lastValue: 1000 }));
    expect(d).toMatchObject({ kind: 'escalate', since: T0, valve, reason: `latest reading at WP-01 is flagged ${flag} (instrument trouble)` });
  });

  it('over range (T) above the upper limit shuts the valve: the true value is at least the range top', () => {
    const ev = event('update', 15 * MIN, T0, { value: 1000, context: { lowerBound: true } });
    expect(decide(input(ev, { lastFlag: 'T', lastValue: 1000 }))).toEqual({ kind: 'close', episode: episodeKey('WP-01', 'wp-cod', T0), since: T0, valve });
    expect(decide(input(ev, { lastFlag: 'T' })).kind).toBe('close'); // the event's value stands for the latest reading
    // against an enterprise's own lower limit (华瑞电镀 COD 300) a T of 400 is over the limit too
    expect(decide(input(event('update', 15 * MIN, T0, { value: 400, limit: { max: 300, standard: 'x' } }), { lastFlag: 'T', lastValue: 400 })).kind).toBe('close');
  });

  it('over range (T) at or below the upper limit, or on a lower limit only, is instrument trouble', () => {
    expect(decide(input(event('update', 15 * MIN), { lastFlag: 'T', lastValue: 400 }))).toMatchObject({ kind: 'escalate', reason: 'latest reading at WP-01 is flagged T (instrument trouble)' });
    expect(decide(input(event('update', 15 * MIN, T0, { limit: { min: 6.5, standard: 'x' } }), { lastFlag: 'T', lastValue: 14 })).kind).toBe('escalate');
    expect(untrusted('T', 500, { max: 500, standard: 'x' })).toBe(true);
    expect(untrusted('T', 500.1, { max: 500, standard: 'x' })).toBe(false);
    expect(untrusted('N', 0, undefined)).toBe(false);
  });

  it.each<QualityFlag>(['N', 'S'])('a reading flagged %s is no reason to hold back', (flag) => {
    expect(decide(input(event('update', 15 * MIN), { lastFlag: flag })).kind).toBe('close');
  });

  it('escalates when the valve device is offline or has never answered', () => {
    expect(decide(input(event('update', 15 * MIN), { online: false }))).toMatchObject({ kind: 'escalate', reason: 'valve device WP-01-M is offline' });
    expect(decide(input(event('update', 15 * MIN), { online: undefined })).kind).toBe('escalate');
  });

  it('escalates once per reason, and shuts later in the episode when it is safe again', () => {
    const e: EpisodeState = { actuated: false, escalated: ['valve device WP-01-M is offline'] };
    expect(decide(input(event('update', 16 * MIN), { online: false, episode: e })).kind).toBe('ignore');
    expect(decide(input(event('update', 16 * MIN), { lastFlag: 'D', episode: e })).kind).toBe('escalate');
    expect(decide(input(event('update', 17 * MIN), { episode: e })).kind).toBe('close');
  });

  it('does not escalate before the delay is reached', () => {
    expect(decide(input(event('update', 5 * MIN), { online: false })).kind).toBe('wait');
  });
});

describe('decide: events that never touch a valve', () => {
  it('a pipe whose interlock is disabled', () => {
    expect(decide(input(event('update', 60 * MIN, T0, { site: 'WP-03' }), { valve: undefined }))).toMatchObject({ kind: 'ignore', why: 'WP-03 has no valve interlock enabled' });
  });

  it('a rule without valve: true', () => {
    expect(decide(input(event('update', 60 * MIN, T0, { rule: 'wp-tp', pollutant: 'w21011' }), { rule: tpRule })).kind).toBe('ignore');
  });

  it('an unknown rule, or an event of another rule type', () => {
    expect(decide(input(event('update', 60 * MIN), { rule: undefined })).kind).toBe('ignore');
    const noData = RuleSchema.parse({ id: 'no-data', type: 'no-data' });
    expect(decide(input(event('open', 60 * MIN, T0, { rule: 'no-data', ruleType: 'no-data', category: 'no-data', pollutant: '*' }), { rule: noData })).kind).toBe('ignore');
  });

  it('an event without a start time', () => {
    expect(decide(input(event('update', 60 * MIN, T0, { since: undefined }))).kind).toBe('ignore');
  });
});
