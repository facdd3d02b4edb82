import { z } from 'zod';

// The park's rules as data (registry `rules`, enterprise limit overrides): what the processor's rule
// engine (processor/rules) compiles. Each rule cites the standard and clause behind its numbers.
import { PollutantCodeSchema } from '../model/reading.js';

const SiteKind = z.enum(['rain_outlet', 'wastewater_pipe', 'air_fence', 'weather']);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * How serious an event of the rule is (domain.md §7 "Levels"): an early warning (预警, e.g. 80 % of a
 * limit, or a sensor indication that is not the standard's method), a park control threshold (管控, the
 * park's own rule or an enterprise's intake agreement 纳管协议), or an exceedance of a discharge standard
 * (超标). Only `exceedance` cites a national standard; the other two cite the park's rule.
 */
export const RuleLevelSchema = z.enum(['warning', 'control', 'exceedance']);
export type RuleLevel = z.infer<typeof RuleLevelSchema>;
export const RULE_LEVELS = RuleLevelSchema.options;
/** the level's name as officers use it */
export const RULE_LEVEL_ZH: Record<RuleLevel, string> = { warning: '预警', control: '管控', exceedance: '超标' };

/** Fields every rule has: its level, and whether its numbers were checked against the standard's text. */
const common = (level: RuleLevel) => ({
  id: z.string().regex(/^[a-z0-9-]+$/),
  /** default per rule type: exceedance rules `exceedance`, dry-weather flow `control`, device rules `warning` */
  level: RuleLevelSchema.default(level),
  /** false: a number or clause chosen without the standard's text at hand (listed for review) */
  verified: z.boolean().default(true),
  /** where the number comes from, or why it was chosen (free text, for reviewers) */
  source: z.string().optional(),
});

/** How values are averaged before they are judged, as each standard defines it. */
export const AveragingSchema = z.discriminatedUnion('kind', [
  /** every value on its own (GB 14554-93 §5.1 single maximum value; GB 37822-2019 any single value) */
  z.object({ kind: z.literal('instant') }),
  /** mean of the last N minutes, re-evaluated on every value */
  z.object({ kind: z.literal('rolling'), minutes: z.number().positive() }),
  /**
   * valid mean of each clock hour by reading time, judged after the hour ends + lateness.graceMs
   * (GB 16297-1996 §3.2; GB 37822-2019 A.2.2); validity from the registry `means` (processor/means)
   */
  z.object({ kind: z.literal('clock-hour') }),
  /** valid (flow-weighted at pipes) mean of each local calendar day, judged likewise (GB 8978-1996; GB/T 31962-2015) */
  z.object({ kind: z.literal('day') }),
]);
export type Averaging = z.infer<typeof AveragingSchema>;

/** A limit on one pollutant at one kind of site. Ranges (pH) have two sides. */
export const ExceedanceRuleSchema = z
  .object({
    ...common('exceedance'),
    type: z.literal('exceedance'),
    siteKind: SiteKind,
    pollutant: PollutantCodeSchema,
    max: z.number().optional(),
    min: z.number().optional(),
    /**
     * a threshold derived from another exceedance rule's limit at the same site (its limit after the
     * enterprise's override): e.g. a 预警 at 80 % of wp-cod. max/min (and clearMax/clearMin) become
     * fraction × the other rule's; max/min given here are ignored.
     */
    derive: z.object({ from: z.string(), fraction: z.number().positive() }).optional(),
    /** only at the sites of these enterprises (characteristic pollutants of an industry); absent: every site of siteKind */
    enterprises: z.array(z.string()).min(1).optional(),
    /** the standard and clause behind the limit, shown on tickets */
    standard: z.string().min(1),
    averaging: AveragingSchema.default({ kind: 'instant' }),
    /** `rolling` only: the mean counts with at least this many values (clock windows: validity from `means`) */
    minSamples: z.number().int().positive().default(1),
    /** the exceedance must last this long before it is an event ("above for 10 min") */
    durationMs: z.number().int().nonnegative().default(0),
    /** hysteresis: once open, clear only when at or below clearMax (at or above clearMin); defaults to the limit */
    clearMax: z.number().optional(),
    clearMin: z.number().optional(),
    /** compliance needed before a ticket may close (闭环整改) */
    verificationMs: z.number().int().nonnegative().default(24 * HOUR),
    /** 一企一管: close the enterprise's valve when the exceedance lasts past the pipe's shut-off delay */
    valve: z.boolean().default(false),
    /**
     * 雨水排口: judged only while water flows (the dry-weather rule's flowAbove / levelAbove), and not
     * during the first-flush allowance (初期雨水) of a rain event (processor/rules/rainMode.ts)
     */
    rainMode: z.boolean().optional(),
  })
  .refine((r) => r.max !== undefined || r.min !== undefined || r.derive !== undefined, 'a limit needs max, min, both, or derive')
  // a warning never shuts a valve (domain.md §7: 预警 is an indication, not a judged exceedance)
  .refine((r) => !(r.valve && r.level === 'warning'), { message: 'a warning-level rule cannot shut a valve (valve: true needs level control or exceedance)', path: ['valve'] })
  .refine((r) => !r.rainMode || r.siteKind === 'rain_outlet', { message: 'rainMode applies to rain-outlet rules only', path: ['rainMode'] });
export type ExceedanceRule = z.infer<typeof ExceedanceRuleSchema>;

/** A device sends nothing for `missedIntervals` × its interval. */
export const NoDataRuleSchema = z.object({
  ...common('warning'),
  type: z.literal('no-data'),
  siteKind: SiteKind.optional(),
  missedIntervals: z.number().int().min(1).default(3),
  verificationMs: z.number().int().nonnegative().default(HOUR),
});

/** The same value for too long: a stuck or tampered sensor. */
export const FlatlineRuleSchema = z.object({
  ...common('warning'),
  type: z.literal('flatline'),
  siteKind: SiteKind,
  pollutant: PollutantCodeSchema,
  durationMs: z.number().int().positive(),
  /** values closer than this count as the same */
  epsilon: z.number().nonnegative().default(0),
  verificationMs: z.number().int().nonnegative().default(HOUR),
});

/** Readings flagged as instrument trouble (HJ 212-2017 Table 8: M, C, D, F, T, B) for longer than durationMs. */
export const InstrumentRuleSchema = z.object({
  ...common('warning'),
  type: z.literal('instrument'),
  siteKind: SiteKind.optional(),
  flags: z.array(z.enum(['F', 'M', 'S', 'D', 'C', 'T', 'B'])).default(['M', 'C', 'D', 'F', 'T', 'B']),
  durationMs: z.number().int().nonnegative().default(30 * MINUTE),
  verificationMs: z.number().int().nonnegative().default(HOUR),
});

/** Values outside the pollutant's physical range, repeatedly: a broken instrument or a bad register map. */
export const PhysicalRangeRuleSchema = z.object({
  ...common('warning'),
  type: z.literal('out-of-range'),
  /** this many impossible values within windowMs open an instrument ticket */
  count: z.number().int().positive().default(3),
  windowMs: z.number().int().positive().default(10 * MINUTE),
  verificationMs: z.number().int().nonnegative().default(HOUR),
});

/** 晴天出水: flow or level at a rain outlet when the weather station has recorded no rain for dryPeriodMs. */
export const DryWeatherFlowRuleSchema = z.object({
  ...common('control'),
  type: z.literal('dry-weather-flow'),
  /** rainfall code at the weather station */
  rainPollutant: PollutantCodeSchema.default('a99002'),
  dryPeriodMs: z.number().int().positive().default(48 * HOUR),
  /** flow above this (L/s) ... */
  flowAbove: z.number().nonnegative().default(0.5),
  /** ... or level above this (m) */
  levelAbove: z.number().nonnegative().default(0.1),
  durationMs: z.number().int().nonnegative().default(10 * MINUTE),
  verificationMs: z.number().int().nonnegative().default(24 * HOUR),
  /** wet weather: a rain event starts with rainfall above this (mm/h) ... */
  rainAbove: z.number().nonnegative().default(0),
  /** ... and ends after this long without rain (a later rain is a new event with its own first flush) */
  rainEventGapMs: z.number().int().positive().default(HOUR),
  /**
   * 初期雨水: the first this-long of an outlet's flow after a rain event starts is not judged (it is
   * collected, not discharged); rain-outlet quality rules with `rainMode` judge after it
   */
  firstFlushMs: z.number().int().nonnegative().default(20 * MINUTE),
});

export const RuleSchema = z.discriminatedUnion('type', [
  ExceedanceRuleSchema,
  NoDataRuleSchema,
  FlatlineRuleSchema,
  InstrumentRuleSchema,
  PhysicalRangeRuleSchema,
  DryWeatherFlowRuleSchema,
]);
export type Rule = z.infer<typeof RuleSchema>;

/**
 * Per-enterprise limit (the park's intake agreement 纳管协议): replaces the limit of every exceedance
 * rule of `pollutant` at the enterprise's sites (instant, rolling, hourly and daily alike), or of the one
 * rule `rule` names. Each rule keeps its clear band in proportion (clearMax × max'/max); rules derived
 * from a limit (`derive`, e.g. the 80 % warning) follow it. `rule` alone (the older form) means that
 * rule's pollutant, restricted to that rule.
 */
export const LimitOverrideSchema = z
  .object({
    pollutant: PollutantCodeSchema.optional(),
    rule: z.string().optional(),
    max: z.number().optional(),
    min: z.number().optional(),
    standard: z.string().optional(),
    /** the level of the overridden rules' events (default: each rule's own); never warning, which could hold a valve rule */
    level: z.enum(['control', 'exceedance']).optional(),
    verified: z.boolean().default(true),
  })
  .refine((o) => o.pollutant !== undefined || o.rule !== undefined, 'a limit override names a pollutant, a rule, or both')
  .refine((o) => o.max !== undefined || o.min !== undefined, 'a limit override sets max, min or both');
export type LimitOverride = z.infer<typeof LimitOverrideSchema>;
