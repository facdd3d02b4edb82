import type { QualityFlag } from '../../gateway/model/reading.js';
import type { Rule, RuleEvent } from '../rules/schema.js';

/**
 * Flags that mean the instrument's value cannot be trusted (HJ 212-2017 Table 8): maintenance,
 * calibration, fault, stopped, over range, instrument↔logger communication abnormal. A valve is never
 * shut on the strength of such a reading (S, a manually set value, and N are not instrument trouble),
 * except over range (T) above the rule's upper limit: see `untrusted`.
 */
export const INSTRUMENT_TROUBLE: ReadonlySet<QualityFlag> = new Set<QualityFlag>(['M', 'C', 'D', 'F', 'T', 'B']);

/**
 * Whether the latest reading forbids actuating. Over range (T) reports the range top, so the true value
 * is at least that: above the event's upper limit it is trustworthy evidence of the exceedance
 * (HJ 212-2017 Table 8; domain.md §7 "Over range") and the valve is shut; a T value at or below the limit
 * (or with a lower limit only) proves nothing, and M, C, D, F, B never allow it.
 */
export function untrusted(flag: QualityFlag | undefined, value: number | undefined, limit: RuleEvent['limit']): boolean {
  if (flag === undefined || !INSTRUMENT_TROUBLE.has(flag)) return false;
  return !(flag === 'T' && value !== undefined && limit?.max !== undefined && value > limit.max);
}

/** A pipe whose interlock is enabled and whose valve device is known. */
export interface ValvePoint {
  site: string;
  /** the Modbus device that switches and reports the valve */
  device: string;
  shutOffDelayMs: number;
  attempts: number;
  /** re-shuts per episode before escalating instead (reshut.ts; default 3) */
  maxReshuts?: number;
}

/** What has been done so far in one episode (site + rule + since). */
export interface EpisodeState {
  /** the valve was shut (or the attempt made): the rule's events never shut it again in this episode (a reopen is handled by reshut.ts) */
  actuated: boolean;
  /** escalation reasons already reported in this episode */
  escalated: string[];
}

export interface DecisionInput {
  ev: RuleEvent;
  /** the rule that raised the event (undefined when unknown) */
  rule: Rule | undefined;
  /** the site's valve, when its interlock is enabled */
  valve: ValvePoint | undefined;
  /** the valve device's health: undefined when it has never answered */
  online: boolean | undefined;
  /** flag of the latest reading behind the event */
  lastFlag: QualityFlag | undefined;
  /** value of that reading (an over-range T value is judged against the limit); default: the event's value */
  lastValue?: number;
  episode: EpisodeState | undefined;
}

export type Decision =
  /** nothing to do, and why */
  | { kind: 'ignore'; why: string }
  /** the episode ended (clear): forget its state */
  | { kind: 'end'; site: string; rule: string }
  /** exceedance still shorter than the shut-off delay */
  | { kind: 'wait'; episode: string; remainingMs: number }
  | { kind: 'close'; episode: string; since: number; valve: ValvePoint }
  /** the valve should be shut but it is not safe to actuate: a person must act */
  | { kind: 'escalate'; episode: string; since: number; valve: ValvePoint; reason: string };

/** Episode key: one exceedance episode of one rule at one site. */
export const episodeKey = (site: string, rule: string, since: number): string => `${site}|${rule}|${since}`;

/**
 * The interlock decision, without I/O. An exceedance event ('open' or 'update') of a rule with
 * `valve: true`, at a pipe whose interlock is enabled, shuts the valve once per episode when the
 * exceedance has lasted the pipe's shutOffDelayMs (measured from `since`). Fail safe: when the valve
 * device is offline or the latest reading is flagged as instrument trouble, the valve is not touched and
 * the case is escalated instead (once per episode and reason); a later event of the same episode, with
 * the device back and the reading normal, may still shut it.
 */
export function decide(i: DecisionInput): Decision {
  const { ev, rule } = i;
  if (ev.ruleType !== 'exceedance') return { kind: 'ignore', why: `a ${ev.ruleType} event never actuates a valve` };
  if (!rule || rule.type !== 'exceedance') return { kind: 'ignore', why: `unknown exceedance rule ${ev.rule}` };
  if (!rule.valve) return { kind: 'ignore', why: `rule ${rule.id} does not shut valves` };
  if (rule.siteKind !== 'wastewater_pipe') return { kind: 'ignore', why: `rule ${rule.id} is not a wastewater pipe rule` };
  if (ev.type === 'clear') return { kind: 'end', site: ev.site, rule: ev.rule };
  const valve = i.valve;
  if (!valve) return { kind: 'ignore', why: `${ev.site} has no valve interlock enabled` };
  if (ev.since === undefined) return { kind: 'ignore', why: `event of ${ev.rule} at ${ev.site} carries no start time` };
  const episode = episodeKey(ev.site, ev.rule, ev.since);
  if (i.episode?.actuated) return { kind: 'ignore', why: `valve already actuated in episode ${episode}` };
  const lasted = ev.ts - ev.since;
  if (lasted < valve.shutOffDelayMs) return { kind: 'wait', episode, remainingMs: valve.shutOffDelayMs - lasted };

  let reason: string | undefined;
  if (i.online !== true) reason = `valve device ${valve.device} is offline`;
  else if (untrusted(i.lastFlag, i.lastValue ?? ev.value, ev.limit)) reason = `latest reading at ${ev.site} is flagged ${i.lastFlag} (instrument trouble)`;
  if (reason === undefined) return { kind: 'close', episode, since: ev.since, valve };
  if (i.episode?.escalated.includes(reason)) return { kind: 'ignore', why: `already escalated in episode ${episode}: ${reason}` };
  return { kind: 'escalate', episode, since: ev.since, valve, reason };
}
