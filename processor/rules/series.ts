import type { WindowMean } from '../means/window.js';
import { exceedanceMachine, type ExceedanceEvent } from '../operators/exceedance.js';
import { flatlineMachine } from '../operators/flatline.js';
import { rollingMeanMachine, toRollingMeanState, type LegacyRollingMeanState, type RollingMeanState } from '../operators/rollingMean.js';
import { anyEvent, never, type OnReading, type RuleContext } from './cell.js';
import type { BoundExceedance } from './compile.js';
import { judgedAs } from './overRange.js';
import { inOrder, onReadingTime } from './readingTime.js';
import type { Rule } from './schema.js';

type Judge = (value: number, ts: number) => void;

/** The values an exceedance rule judges on each reading: the value itself or its rolling mean (reading time). */
function averaged(b: BoundExceedance, key: string, ctx: RuleContext, next: Judge): Judge {
  const avg = b.rule.averaging;
  if (avg.kind !== 'rolling') return next;
  const k = `${key}|avg`;
  const saved = toRollingMeanState(ctx.keeper.initial<RollingMeanState | LegacyRollingMeanState>(k));
  const c = ctx.cell(rollingMeanMachine({ windowMs: avg.minutes * 60_000, minSamples: b.rule.minSamples }), k, never, (e: { valid: boolean; value: number }, ts) => {
    if (e.valid) next(e.value, ts);
  }, saved);
  return (v, ts) => c.step(v, ts);
}

/**
 * An exceedance rule on one series. Values the instrument reports as normal (HJ 212 flag N) are judged
 * against limits; a value flagged T (over range) above the upper limit is judged as a lower bound
 * (overRange.ts) and its events say so (context.lowerBound); values flagged M, C, D, F, B or S never
 * open an exceedance (the instrument rule deals with them). An averaged value whose window took in a
 * lower bound is a lower bound too: judged only when it is beyond the upper limit (never a clear).
 *
 * Averaged by clock hour or day: judged on the valid means of processor/means (HJ 212-2017 Appendix D;
 * HJ 356-2019 §7), each at its window's end (over-range values are excluded from means and counted
 * there). An invalid window judges nothing (counted there). A window re-judged after back-fill
 * (revision > 0) that now exceeds opens (or updates) the exceedance, its event saying `backfill`; a
 * revision that is now compliant changes no ticket: the stored mean is replaced, and an open ticket
 * closes on the next compliant window as usual.
 */
export function exceedanceInstance(b: BoundExceedance, ctx: RuleContext): OnReading {
  const { rule, site } = b;
  const key = `exceedance|${rule.id}|${site.id}|${rule.pollutant}`;
  const limit = { ...(rule.min !== undefined ? { min: rule.min } : {}), ...(rule.max !== undefined ? { max: rule.max } : {}), standard: rule.standard };
  const self = {};
  /** an over-range lower bound went into the next judgement / the latest one */
  let bound = false;
  let lowerBound = false;
  const timed = onReadingTime(exceedanceMachine({ max: rule.max, min: rule.min, clearMax: rule.clearMax, clearMin: rule.clearMin, durationMs: rule.durationMs }));
  let window: WindowMean | undefined;
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
        context: {
          peak: e.peak,
          mean: e.mean,
          count: e.count,
          averaging: rule.averaging.kind,
          durationMs: rule.durationMs,
          ...(lowerBound ? { lowerBound: true } : {}),
          ...(window ? { window: { start: window.start, end: window.end, revision: window.revision, coverage: window.coverage, n: window.n, excluded: window.excluded, flowWeighted: window.flowWeighted }, backfill: window.backfill } : {}),
        },
      },
      self,
    );
  const cell = ctx.cell(timed.machine, key, (e) => e !== undefined && e.type !== 'update', onEvent);
  const avg = rule.averaging;
  if (avg.kind === 'clock-hour' || avg.kind === 'day') {
    const period = avg.kind === 'clock-hour' ? 'hour' : 'day';
    const outside = (v: number) => (rule.max !== undefined && v > rule.max) || (rule.min !== undefined && v < rule.min);
    ctx.means?.(site.id, rule.pollutant, (means) => {
      for (const m of means) {
        if (m.period !== period || !m.valid || m.value === null) continue;
        if (m.revision > 0 && !outside(m.value)) continue;
        window = m;
        try {
          cell.step(m.value, m.end);
        } finally {
          window = undefined;
        }
      }
    });
    return () => {};
  }
  const fresh = inOrder(key, ctx);
  const judge = averaged(b, key, ctx, (v, ts) => {
    lowerBound = bound;
    bound = false;
    if (lowerBound && !(rule.max !== undefined && v > rule.max)) return;
    cell.step(v, ts);
  });
  return (r, now) => {
    const as = judgedAs(r.flag, r.value, rule.max);
    if (as === undefined || !fresh(r.ts, now)) return;
    if (as === 'lower-bound') bound = true;
    timed.behind(now, r.ts);
    judge(r.value, r.ts);
  };
}

/** A flatline rule on one series (normal values only). */
export function flatlineInstance(site: string, rule: Extract<Rule, { type: 'flatline' }>, ctx: RuleContext): OnReading {
  const key = `flatline|${rule.id}|${site}|${rule.pollutant}`;
  const self = {};
  const timed = onReadingTime(flatlineMachine({ durationMs: rule.durationMs, epsilon: rule.epsilon }));
  const cell = ctx.cell(timed.machine, key, anyEvent, (e) =>
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
  const fresh = inOrder(key, ctx);
  return (r, now) => {
    if (r.flag !== 'N' || !fresh(r.ts, now)) return;
    timed.behind(now, r.ts);
    cell.step(r.value, r.ts);
  };
}
