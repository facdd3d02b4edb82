import type { QualityFlag, Reading } from '../../gateway/model/reading.js';
import { countInWindowMachine } from '../operators/countInWindow.js';
import { noDataMachine, type NoDataState } from '../operators/noData.js';
import { persistentMachine } from '../operators/persistent.js';
import type { Rejection } from '../operators/validate.js';
import { windVectorMachine, type WindSample, type WindVector } from '../operators/windVector.js';
import { anyEvent, never, type OnReading, type RuleContext } from './cell.js';
import type { BoundDevice } from './compile.js';
import type { Rule } from './schema.js';

type Of<T extends Rule['type']> = Extract<Rule, { type: T }>;

/**
 * Instrument trouble at a site: any channel flagged (M, C, D, F, T, B ...) for longer than the rule's
 * duration. A flag a scheduled calibration window expects (`scheduled`, calibration.ts) is no trouble.
 */
export function instrumentInstance(site: string, rule: Of<'instrument'>, ctx: RuleContext, scheduled: (r: Reading) => boolean = () => false): OnReading {
  const key = `instrument|${rule.id}|${site}`;
  const trouble = new Set<QualityFlag>(rule.flags);
  const flags = new Map<string, QualityFlag>();
  const self = {};
  const cell = ctx.cell(persistentMachine({ durationMs: rule.durationMs }), key, anyEvent, (e) =>
    ctx.emit(
      { type: e.type, rule: rule.id, ruleType: 'instrument', category: 'instrument', site, pollutant: '*', ts: e.ts, since: e.since, context: { flags: Object.fromEntries(flags) } },
      self,
    ),
  );
  return (r, now) => {
    if (trouble.has(r.flag) && !scheduled(r)) flags.set(r.pollutant, r.flag);
    else flags.delete(r.pollutant);
    cell.step(flags.size > 0, now);
  };
}

/** the rule-state key of a no-data watch: `no-data|rule|device`, `no-data|rule|device|pollutant` for a channel */
export const noDataKey = (d: BoundDevice) => `no-data|${d.rule.id}|${d.device}${d.pollutant === undefined ? '' : `|${d.pollutant}`}`;

/**
 * A device (or one channel of it, `d.pollutant`) that sends nothing for missedIntervals × its interval
 * (its cycle). A reading only moves the machine's `last`; the timeout is found by the engine's wheel
 * when the old due time comes up (wheel.ts), so a steady device re-arms no timer. `initial`: the state
 * to resume from (noDataWatch.ts), the stored one when omitted.
 */
export function noDataInstance(d: BoundDevice, ctx: RuleContext, initial?: NoDataState): OnReading {
  const key = noDataKey(d);
  const self = {};
  const cell = ctx.cell(noDataMachine<unknown>({ timeoutMs: d.timeoutMs }), key, anyEvent, (e) =>
    ctx.emit(
      {
        type: e.type === 'offline' ? 'open' : 'clear',
        rule: d.rule.id,
        ruleType: 'no-data',
        category: 'no-data',
        site: d.site.id,
        pollutant: d.pollutant ?? '*',
        ts: e.ts,
        since: e.since,
        context: { device: d.device, timeoutMs: d.timeoutMs, ...(d.cycleMs !== undefined ? { pollutant: d.pollutant, cycleMs: d.cycleMs } : {}) },
      },
      self,
    ),
    initial,
  );
  return (r, now) => cell.step(r, now);
}

/** Impossible values (outside the physical range), `count` of them within `windowMs`, on one series. */
export function outOfRangeInstance(site: string, pollutant: string, rule: Of<'out-of-range'>, ctx: RuleContext): (r: Rejection, now: number) => void {
  const key = `out-of-range|${rule.id}|${site}|${pollutant}`;
  let last: Rejection | undefined;
  const self = {};
  const cell = ctx.cell(countInWindowMachine<Rejection>({ count: rule.count, windowMs: rule.windowMs }), key, anyEvent, (e) =>
    ctx.emit(
      {
        type: e.type,
        rule: rule.id,
        ruleType: 'out-of-range',
        category: 'instrument',
        site,
        pollutant,
        ts: e.ts,
        since: e.since,
        value: last?.reading.value,
        context: { count: e.count, detail: last?.detail },
      },
      self,
    ),
  );
  return (r, now) => {
    last = r;
    cell.step(r, now);
  };
}

export interface Wind extends WindVector {
  /** the latest instantaneous values */
  speedNow: number;
  directionNow: number;
  at: number;
}

/** Wind at the weather station: 15-minute vector mean (HJ 212 a01007 speed, a01008 direction); `current()` for odor events. */
export function windInstance(ctx: RuleContext): { onReading: OnReading; current(): Wind | undefined } {
  const key = 'wind|15min';
  let speed: number | undefined;
  let sample: WindSample = { speed: 0, direction: 0 };
  let wind: Wind | undefined;
  const cell = ctx.cell(windVectorMachine({ windowMs: 15 * 60_000 }), key, never, (e, now) => {
    wind = { ...e, speedNow: sample.speed, directionNow: sample.direction, at: now };
  });
  return {
    onReading(r, now) {
      if (r.flag !== 'N') return;
      if (r.pollutant === 'a01007') speed = r.value;
      else if (r.pollutant === 'a01008' && speed !== undefined) {
        sample = { speed, direction: r.value };
        cell.step(sample, now);
      }
    },
    current: () => wind,
  };
}
