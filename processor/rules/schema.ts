import type { Rule, RuleLevel } from '../../gateway/registry/rules.js';

// The rule schemas are part of the park registry (gateway/registry/rules.ts); re-exported for the processor.
export * from '../../gateway/registry/rules.js';

/** What a rule says happened. One open/clear pair per episode; updates in between. */
export interface RuleEvent {
  type: 'open' | 'update' | 'clear';
  rule: string;
  ruleType: Rule['type'];
  /** ticket category: what the officer is asked to deal with */
  category: 'exceedance' | 'odor' | 'illicit-discharge' | 'instrument' | 'no-data' | 'flatline';
  /** 预警 / 管控 / 超标 (the rule's level at the site); the engine sets it on every event it emits */
  level?: RuleLevel;
  site: string;
  /** pollutant code, or '*' for device-level events (no data) */
  pollutant: string;
  /** epoch ms of the event: reading time for exceedance and flatline (a window's end for averaged rules), scheduler time for the others */
  ts: number;
  /** the judged value (a mean for averaged rules) */
  value?: number;
  /**
   * an `update` that stands for several of one batch (the engine coalesces them into the last): every
   * judged value, oldest first, so a ticket's statistics count each. Absent: just `value`.
   */
  values?: number[];
  limit?: { min?: number; max?: number; standard: string };
  /** when the condition started (before the duration elapsed) */
  since?: number;
  /** anything the officer needs as evidence: wind, flags, window statistics */
  context?: Record<string, unknown>;
}
