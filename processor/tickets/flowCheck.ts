import type { QualityFlag } from '../../gateway/model/reading.js';
import type { FlowCheck } from './types.js';

/** Defaults of a pipe's interlock settings (registry sites[].interlock); park policy, not from a standard. */
export const DEFAULT_REOPEN_SAMPLES = 3;
export const DEFAULT_FLOW_ABOVE = 0.5;

/** What is known of the pipe when a sample arrives. */
export interface PipeNow {
  /** since when the valve's own feedback (w99002) reports it open; undefined while it reports closed or is unknown */
  openSince?: number;
  /** the latest flow reading (w00000) at the site */
  flow?: { value: number; ts: number; flag: QualityFlag };
  /** flow above this (L/s) is flow */
  flowAbove: number;
}

/** The compliant side of the rule: at or below clearMax, at or above clearMin (its limits when unset). */
export interface Compliance {
  max?: number;
  min?: number;
}

export interface FlowStep {
  check: FlowCheck;
  /** what happened, for the ticket's history (undefined: only the count moved or nothing to say) */
  note?: string;
}

/** A new flow check at a valve shut (or re-shut): nothing shown yet. */
export const startFlowCheck = (required: number, shutAt: number): FlowCheck => ({ required, count: 0, shutAt });

/**
 * One sample of the ticket's pollutant (pure). Undefined when it changes nothing: the check is complete,
 * the sample is from before the shut, the valve is not reported open again since the shut, the sample
 * predates the reopening, the pipe does not flow (flow not above flowAbove, not valid, or older than the
 * reopening), or the value is not a valid one (flags other than N; an over-range T counts as beyond the
 * limit). A compliant value adds one; a value beyond the compliant side sets the count back to 0.
 */
export function flowSample(check: FlowCheck, s: { flag: QualityFlag; value: number; ts: number }, pipe: PipeNow, ok: Compliance): FlowStep | undefined {
  if (check.doneAt !== undefined || s.ts <= check.shutAt) return undefined;
  const open = pipe.openSince;
  if (open === undefined || open <= check.shutAt) return undefined;
  let c = check;
  let note: string | undefined;
  if (c.reopenedAt !== open) {
    c = { required: c.required, count: 0, shutAt: c.shutAt, reopenedAt: open };
    note = `valve reported open again: ${c.required} compliant samples under flow needed before the ticket can close`;
  }
  const flow = pipe.flow;
  if (s.ts < open || !flow || flow.flag !== 'N' || flow.ts < open || !(flow.value > pipe.flowAbove)) return c === check ? undefined : { check: c, note };
  const beyond = (ok.max !== undefined && s.value > ok.max) || (ok.min !== undefined && s.value < ok.min);
  if (s.flag === 'T' && ok.max !== undefined && s.value > ok.max) return reset(c, s, note);
  if (s.flag !== 'N') return c === check ? undefined : { check: c, note };
  if (beyond) return reset(c, s, note);
  const count = c.count + 1;
  const firstAt = c.count === 0 ? s.ts : (c.firstAt ?? s.ts);
  const next: FlowCheck = { ...c, count, firstAt };
  if (count >= c.required) {
    next.doneAt = s.ts;
    return { check: next, note: `compliance shown under flow: ${count} of ${c.required} compliant samples after the valve was reopened` };
  }
  return { check: next, note: [note, `compliant sample under flow ${count} of ${c.required}: ${s.value}`].filter(Boolean).join('; ') };
}

function reset(c: FlowCheck, s: { value: number }, note: string | undefined): FlowStep {
  const { firstAt: _f, ...rest } = c;
  const check = { ...rest, count: 0 };
  return { check, note: c.count > 0 ? `sample beyond the limit under flow (${s.value}): the count of compliant samples starts again` : note };
}
