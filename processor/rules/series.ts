import { clockWindowMeanMachine } from '../operators/clockWindowMean.js';
import { exceedanceMachine, type ExceedanceEvent } from '../operators/exceedance.js';
import { flatlineMachine } from '../operators/flatline.js';
import { rollingMeanMachine, toRollingMeanState, type LegacyRollingMeanState, type RollingMeanState } from '../operators/rollingMean.js';
import { anyEvent, never, type OnReading, type RuleContext } from './cell.js';
import type { BoundExceedance } from './compile.js';
import { judgedAs } from './overRange.js';
import type { Rule } from './schema.js';

type Judge = (value: number, now: number) => void;

/** The values an exceedance rule judges: each value, a rolling mean, or the mean of each clock hour / day. */
function averaged(b: BoundExceedance, key: string, ctx: RuleContext, next: Judge): Judge {
  const avg = b.rule.averaging;
  if (avg.kind === 'instant') return next;
  const k = `${key}|avg`;
  const valid = (e: { valid: boolean; value: number }, now: number) => {
    if (e.valid) next(e.value, now);
  };
  if (avg.kind === 'rolling') {
    const saved = toRollingMeanState(ctx.keeper.initial<RollingMeanState | LegacyRollingMeanState>(k));
    const c = ctx.cell(rollingMeanMachine({ windowMs: avg.minutes * 60_000, minSamples: b.rule.minSamples }), k, never, valid, saved);
    return (v, now) => c.step(v, now);
  }
  const c = ctx.cell(clockWindowMeanMachine({ period: avg.kind === 'clock-hour' ? 'hour' : 'day', minSamples: b.rule.minSamples }), k, anyEvent, valid);
  return (v, now) => c.step(v, now);
}

/**
 * An exceedance rule on one series. Values the instrument reports as normal (HJ 212 flag N) are judged
 * against limits; a value flagged T (over range) above the upper limit is judged as a lower bound
 * (overRange.ts) and its events say so (context.lowerBound); values flagged M, C, D, F, B or S never
 * open an exceedance (the instrument rule deals with them). An averaged value whose window took in a
 * lower bound is a lower bound too: judged only when it is beyond the upper limit (never a clear).
 */
export function exceedanceInstance(b: BoundExceedance, ctx: RuleContext): OnReading {
  const { rule, site } = b;
  const key = `exceedance|${rule.id}|${site.id}|${rule.pollutant}`;
  const limit = { ...(rule.min !== undefined ? { min: rule.min } : {}), ...(rule.max !== undefined ? { max: rule.max } : {}), standard: rule.standard };
  const self = {};
  /** an over-range lower bound went into the next judgement / the latest one */
  let bound = false;
  let lowerBound = false;
  const machine = exceedanceMachine({ max: rule.max, min: rule.min, clearMax: rule.clearMax, clearMin: rule.clearMin, durationMs: rule.durationMs });
  const onEvent = (e: ExceedanceEvent) =>
    ctx.emit(
      {
        type: e.type,
        rule: rule.id,
        ruleType: 'exceedance',
        category: b.category,
        site: site.id,
        pollutant: rule.pollutant,
        ts: e.ts,
        value: e.value,
        since: e.since,
        limit,
        context: { peak: e.peak, mean: e.mean, count: e.count, averaging: rule.averaging.kind, durationMs: rule.durationMs, ...(lowerBound ? { lowerBound: true } : {}) },
      },
      self,
    );
  const cell = ctx.cell(machine, key, (e) => e !== undefined && e.type !== 'update', onEvent);
  const judge = averaged(b, key, ctx, (v, now) => {
    lowerBound = bound;
    bound = false;
    if (lowerBound && !(rule.max !== undefined && v > rule.max)) return;
    cell.step(v, now);
  });
  return (r, now) => {
    const as = judgedAs(r.flag, r.value, rule.max);
    if (as === undefined) return;
    if (as === 'lower-bound') bound = true;
    judge(r.value, now);
  };
}

/** A flatline rule on one series (normal values only). */
export function flatlineInstance(site: string, rule: Extract<Rule, { type: 'flatline' }>, ctx: RuleContext): OnReading {
  const key = `flatline|${rule.id}|${site}|${rule.pollutant}`;
  const self = {};
  const cell = ctx.cell(flatlineMachine({ durationMs: rule.durationMs, epsilon: rule.epsilon }), key, anyEvent, (e) =>
    ctx.emit(
      {
        type: e.type,
        rule: rule.id,
        ruleType: 'flatline',
        category: 'flatline',
        site,
        pollutant: rule.pollutant,
        ts: e.ts,
        since: e.since,
        value: e.value,
        context: { durationMs: rule.durationMs, epsilon: rule.epsilon },
      },
      self,
    ),
  );
  return (r, now) => {
    if (r.flag === 'N') cell.step(r.value, now);
  };
}
