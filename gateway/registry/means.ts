import { z } from 'zod';

// Reading time, lateness and valid means (registry `lateness`, `means`): how the processor's means
// (processor/means) turn readings into the hourly and daily means the bureau judges.
import { PollutantCodeSchema } from '../model/reading.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * Windows (clock hours, days) are judged by reading time (the reading's own ts, HJ 212 DataTime), not by
 * arrival. A window is judged once processing time passes its end + `graceMs`. A reading up to
 * `horizonMs` late (HJ 212-2017 补传: a logger re-sends what it kept during an outage, §6.6 / CN 2011 ...
 * history requests) still counts in its own window; if that window was judged already, it is re-opened
 * and re-judged `graceMs` after its last late reading (revision + 1). Older readings are stored, not judged.
 */
export const LatenessSchema = z.object({
  /** a window is judged this long after its end (processing time), so readings in flight still count */
  graceMs: z.number().int().nonnegative().default(5 * MINUTE),
  /** how late a reading may be and still count in its window (default 7 d) */
  horizonMs: z.number().int().positive().default(7 * DAY),
});
export type Lateness = z.infer<typeof LatenessSchema>;

/**
 * Valid hourly and daily means of one kind of site. Values flagged other than N are excluded and
 * counted per flag (HJ 212-2017 Appendix C notes, Table 8; HJ 356-2019 §7 effective means use valid data only).
 */
export const MeansSpecSchema = z.object({
  siteKind: z.enum(['rain_outlet', 'wastewater_pipe', 'air_fence', 'weather']),
  /** the series averaged; averaged exceedance rules add theirs */
  pollutants: z.array(PollutantCodeSchema).default([]),
  /**
   * `flow`: C = ΣG/ΣD with slice volume ΔD = Q(L/s) × T(s) × 10⁻³ m³ (HJ 212-2017 Appendix D.1;
   * HJ 356-2019 §7 effective means weighted by flow); `arithmetic`: mean of the valid values (D.2).
   */
  weighting: z.enum(['flow', 'arithmetic']).default('arithmetic'),
  /** the flow series of the site (HJ 212 w00000, L/s) */
  flowPollutant: PollutantCodeSchema.default('w00000'),
  /** a valid hour needs this share of the hour covered by valid values (n × reporting interval / 1 h) */
  hourCoverage: z.number().min(0).max(1).default(0.75),
  /** a valid day needs this many valid hours */
  dayValidHours: z.number().int().min(1).max(24).default(20),
  /** the standard and clause behind the validity numbers */
  standard: z.string().min(1),
  /** false where the numbers were chosen without the standard's text at hand */
  verified: z.boolean().default(true),
});
export type MeansSpec = z.infer<typeof MeansSpecSchema>;
