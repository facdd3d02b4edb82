import type { QualityFlag } from '../../gateway/model/reading.js';
import { judgedAs } from '../rules/overRange.js';
import type { RuleEvent } from '../rules/schema.js';
import type { ValvePoint } from './decide.js';

/** re-shuts per episode before the interlock stops fighting a person who keeps reopening the valve (park policy) */
export const DEFAULT_MAX_RESHUTS = 3;

/** An exceedance episode in which the interlock has shut the valve and that has not cleared yet. */
export interface ShutEpisode {
  site: string;
  rule: string;
  pollutant: string;
  since: number;
  limit: RuleEvent['limit'];
  standard: string;
  /** times the valve was shut again after it was reopened in this episode */
  reshuts: number;
  /** a close is under way: no second one meanwhile */
  busy: boolean;
  /** escalation reasons already reported (once each) */
  escalated: string[];
}

export interface ReshutInput {
  episode: ShutEpisode;
  valve: ValvePoint;
  /** the valve's feedback (w99002 from its device) has shown it open since this moment; undefined: not open */
  openSince: number | undefined;
  /** the valve device answers its polls */
  online: boolean | undefined;
  /** a reading of the episode's pollutant at the site */
  reading: { flag: QualityFlag; value: number; ts: number };
}

export type ReshutDecision = { kind: 'ignore'; why: string } | { kind: 'close'; nth: number } | { kind: 'escalate'; reason: string };

/** beyond the episode's limit, judged as the exceedance rules judge (an over-range T above the upper limit counts as at least its value) */
function beyond(r: ReshutInput['reading'], limit: RuleEvent['limit']): boolean {
  const as = judgedAs(r.flag, r.value, limit?.max);
  if (as === undefined) return false;
  if (limit?.max !== undefined && r.value > limit.max) return true;
  return as === 'value' && limit?.min !== undefined && r.value < limit.min;
}

/**
 * Re-shut (pure): the valve was shut in an exceedance episode that is still open, its feedback reports it
 * open again (a person opened it on site, or through the API), and a trustworthy reading of the
 * pollutant taken since it reopened is still beyond the limit: shut it again, with the same fail-safe
 * as the first shut (device online; flags M, C, D, F, B and a T within the limit are no ground to act).
 * A reading within the limit leaves it open (a trial discharge that shows compliance). After
 * `maxReshuts` re-shuts in one episode the interlock stops fighting the person and escalates instead.
 */
export function decideReshut(i: ReshutInput): ReshutDecision {
  const { episode: e, reading: r } = i;
  if (i.openSince === undefined) return { kind: 'ignore', why: 'valve not reported open' };
  if (r.ts < i.openSince) return { kind: 'ignore', why: 'reading taken before the valve reopened' };
  if (e.busy) return { kind: 'ignore', why: 'a close is under way' };
  if (!beyond(r, e.limit)) return { kind: 'ignore', why: 'not beyond the limit (or not trustworthy)' };
  const max = i.valve.maxReshuts ?? DEFAULT_MAX_RESHUTS;
  let reason: string | undefined;
  if (e.reshuts >= max) reason = `valve reopened while the exceedance persists, after ${max} re-shut${max === 1 ? '' : 's'} in this episode; not shut again: a person must act`;
  else if (i.online !== true) reason = `valve reopened while the exceedance persists, but valve device ${i.valve.device} is offline`;
  if (reason === undefined) return { kind: 'close', nth: e.reshuts + 1 };
  if (e.escalated.includes(reason)) return { kind: 'ignore', why: `already escalated: ${reason}` };
  return { kind: 'escalate', reason };
}
