import { z } from 'zod';

// Odor source attribution (异味溯源) as registry data: what each enterprise emits, and the numbers the
// processor's attribution (processor/attribution) uses to rank enterprises upwind of a fence-line
// station. domain.md §5 gives the method (upwind sector from the vector-mean wind, reach u·T, calm
// below 0.5 m/s); the widths, scales and persistence counts below are the park's choice, not a
// standard's, hence `verified: false` in park.yaml.
import { PollutantCodeSchema } from '../model/reading.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** One air pollutant an enterprise is known to emit (环评 / 排污许可 inventory), weighted 0..1 by how typical it is. */
export const EmissionSchema = z.object({
  /** HJ 212 code: a24088 NMHC, a21028 H2S, a21001 NH3, a99001 odor concentration (park extension) */
  pollutant: PollutantCodeSchema,
  /** 1 = the enterprise's characteristic emission, lower for a minor one */
  weight: z.number().min(0).max(1).default(1),
});
export type Emission = z.infer<typeof EmissionSchema>;

/** Upwind half-width of the sector by mean wind speed (m/s): the lighter the wind, the more the plume meanders. */
const HalfWidthSchema = z.object({
  /** at or above `moderateMs` */
  steadyDeg: z.number().positive().max(180).default(30),
  /** between `lightMs` and `moderateMs` */
  moderateDeg: z.number().positive().max(180).default(45),
  /** between the calm speed and `lightMs` */
  lightDeg: z.number().positive().max(180).default(67.5),
  moderateMs: z.number().positive().default(2),
  lightMs: z.number().positive().default(1),
  /** widening for a meandering wind: + (1 − resultant) × this, resultant = length of the mean unit vector */
  meanderDeg: z.number().nonnegative().max(180).default(45),
});

export const AttributionConfigSchema = z.object({
  enabled: z.boolean().default(true),
  /** the wind is averaged from the episode's start, and over at least this long before the event (domain.md §5: 5–15 min) */
  minWindowMs: z.number().int().positive().default(10 * MINUTE),
  /** wind samples kept per wind source (bounded by age and by count) */
  historyMs: z.number().int().positive().default(3 * HOUR),
  historyMax: z.number().int().positive().default(4096),
  /** below this scalar mean speed the wind is calm: nearby sources in every direction (domain.md §5) */
  calmMs: z.number().nonnegative().default(0.5),
  /** radius searched when calm, metres */
  calmRadiusM: z.number().positive().default(500),
  halfWidth: HalfWidthSchema.prefault({}),
  /** reach u·T: the plume's travel in T; farther enterprises are not candidates (domain.md §5) */
  reachMs: z.number().int().positive().default(30 * MINUTE),
  /** reach never below this, metres (an enterprise next to the station is always a candidate) */
  minReachM: z.number().positive().default(300),
  /** distance weight 1 / (1 + d / distanceScaleM): at this distance a candidate counts half */
  distanceScaleM: z.number().positive().default(500),
  /** emission weight of an enterprise that does not list the pollutant that fired */
  otherEmissionWeight: z.number().min(0).max(1).default(0.1),
  /** stations fire together when their open episodes overlap or lie within this of each other */
  coincidenceMs: z.number().int().nonnegative().default(30 * MINUTE),
  /** candidates listed on the ticket */
  top: z.number().int().positive().default(5),
  /** the same enterprise on top again raises the ticket's priority */
  persistence: z
    .object({
      withinMs: z.number().int().positive().default(7 * DAY),
      /** attributions less than this apart are one episode (several rules or stations firing at once) */
      episodeGapMs: z.number().int().nonnegative().default(HOUR),
      /** episodes (this one included) on top within `withinMs` for priority high, and for urgent */
      high: z.number().int().min(2).default(2),
      urgent: z.number().int().min(2).default(3),
    })
    .prefault({}),
  /** false: the numbers are the park's choice, not settled by a standard */
  verified: z.boolean().default(true),
});
export type AttributionConfig = z.infer<typeof AttributionConfigSchema>;
