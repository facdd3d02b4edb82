import type { QualityFlag } from '../../gateway/model/reading.js';

/**
 * Over range (HJ 212-2017 Table 8, flag T: the value is over the instrument's measuring range upper
 * limit; domain.md §1.8, §7 "Over range"). The analyser reports its range top, so the true value is at
 * least the reported one: a lower bound.
 *
 * - On a rule with an upper limit (`max`), a lower bound above the limit is an exceedance: the true value
 *   is above it too. It is judged like a normal value and marked as a lower bound.
 * - A lower bound at or below the upper limit (a registry may give an analyser a range below the limit),
 *   and any T value on a rule with only a lower limit (pH low side), says nothing about compliance: it is
 *   not judged at all (neither an exceedance nor a return within the limit).
 * - Values flagged M, C, D, F, B or S are never judged (the instrument rule deals with them).
 */
export function judgedAs(flag: QualityFlag, value: number, max: number | undefined): 'value' | 'lower-bound' | undefined {
  if (flag === 'N') return 'value';
  if (flag === 'T' && max !== undefined && value > max) return 'lower-bound';
  return undefined;
}

/** "≥ 1000 mg/L (超量程)": a lower-bound value as officers read it on tickets and alerts. */
export function overRangeText(value: string, unit: string): string {
  return `≥ ${unit ? `${value} ${unit}` : value} (超量程)`;
}
