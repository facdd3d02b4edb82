import { z } from 'zod';

// The park's rules as data (registry `rules`, enterprise limit overrides): what the processor's rule
// engine (processor/rules) compiles. Each rule cites the standard and clause behind its numbers.
import { PollutantCodeSchema } from '../model/reading.js';

const SiteKind = z.enum(['rain_outlet', 'wastewater_pipe', 'air_fence', 'weather']);
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** false: a number or rule the standards do not settle, chosen by the park (listed for review); absent means true */
const verified = z.boolean().optional();

/** How values are averaged before they are judged, as each standard defines it. */
export const AveragingSchema = z.discriminatedUnion('kind', [
  /** every value on its own (GB 14554-93 §5.1 single maximum value; GB 37822-2019 any single value) */
  z.object({ kind: z.literal('instant') }),
  /** mean of the last N minutes, re-evaluated on every value */
  z.object({ kind: z.literal('rolling'), minutes: z.number().positive() }),
  /** mean of each clock hour, judged when the hour ends (GB 16297-1996 §3.2; GB 37822-2019 A.2.2) */
  z.object({ kind: z.literal('clock-hour') }),
  /** mean of each local calendar day, judged when the day ends (GB 8978-1996; GB/T 31962-2015) */
  z.object({ kind: z.literal('day') }),
]);
export type Averaging = z.infer<typeof AveragingSchema>;

/** A limit on one pollutant at one kind of site. Ranges (pH) have two sides. */
export const ExceedanceRuleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/),
    type: z.literal('exceedance'),
    siteKind: SiteKind,
    pollutant: PollutantCodeSchema,
    max: z.number().optional(),
    min: z.number().optional(),
    /** the standard and clause behind the limit, shown on tickets */
    standard: z.string().min(1),
    averaging: AveragingSchema.default({ kind: 'instant' }),
    /** a window's mean counts only with at least this many valid values */
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
    verified,
  })
  .refine((r) => r.max !== undefined || r.min !== undefined, 'a limit needs max, min or both')
  .refine((r) => !r.rainMode || r.siteKind === 'rain_outlet', { message: 'rainMode applies to rain-outlet rules only', path: ['rainMode'] });
export type ExceedanceRule = z.infer<typeof ExceedanceRuleSchema>;

/** A device sends nothing for `missedIntervals` × its interval. */
export const NoDataRuleSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  type: z.literal('no-data'),
  siteKind: SiteKind.optional(),
  missedIntervals: z.number().int().min(1).default(3),
  verificationMs: z.number().int().nonnegative().default(HOUR),
  verified,
});

/** The same value for too long: a stuck or tampered sensor. */
export const FlatlineRuleSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  type: z.literal('flatline'),
  siteKind: SiteKind,
  pollutant: PollutantCodeSchema,
  durationMs: z.number().int().positive(),
  /** values closer than this count as the same */
  epsilon: z.number().nonnegative().default(0),
  verificationMs: z.number().int().nonnegative().default(HOUR),
  verified,
});

/** Readings flagged as instrument trouble (HJ 212-2017 Table 8: M, C, D, F, T, B) for longer than durationMs. */
export const InstrumentRuleSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  type: z.literal('instrument'),
  siteKind: SiteKind.optional(),
  flags: z.array(z.enum(['F', 'M', 'S', 'D', 'C', 'T', 'B'])).default(['M', 'C', 'D', 'F', 'T', 'B']),
  durationMs: z.number().int().nonnegative().default(30 * MINUTE),
  verificationMs: z.number().int().nonnegative().default(HOUR),
  verified,
});

/** Values outside the pollutant's physical range, repeatedly: a broken instrument or a bad register map. */
export const PhysicalRangeRuleSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  type: z.literal('out-of-range'),
  /** this many impossible values within windowMs open an instrument ticket */
  count: z.number().int().positive().default(3),
  windowMs: z.number().int().positive().default(10 * MINUTE),
  verificationMs: z.number().int().nonnegative().default(HOUR),
  verified,
});

/** 晴天出水: flow or level at a rain outlet when the weather station has recorded no rain for dryPeriodMs. */
export const DryWeatherFlowRuleSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
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
  verified,
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

/** Per-enterprise override of an exceedance rule's limit (the park's intake agreement 纳管协议). */
export const LimitOverrideSchema = z.object({
  rule: z.string(),
  max: z.number().optional(),
  min: z.number().optional(),
  standard: z.string().optional(),
});
