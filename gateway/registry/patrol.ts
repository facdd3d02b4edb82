import { z } from 'zod';

/** "HH:MM" on the park's local clock */
const LocalTimeSchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a local time "HH:MM" (00:00 to 23:59)');

/**
 * 每日2次巡查: the twice-daily patrol sheet (processor/patrol). Each time closes a period that began at
 * the previous time (the half day just ended); the officer signs their part off within signOffWithinMs,
 * else the section chief is alerted.
 */
export const PatrolConfigSchema = z
  .object({
    /** local times (park.timezone) at which the sheet for the period just ended is produced */
    times: z
      .array(LocalTimeSchema)
      .min(1)
      .default(['08:30', '16:30'])
      .refine((t) => new Set(t).size === t.length, 'patrol times must differ'),
    /** how long after the sheet is produced the officers have to sign it off (default 2 h) */
    signOffWithinMs: z.number().int().positive().default(2 * 3_600_000),
    /** online %: share of buckets of this length holding at least one reading (default 10 min) */
    onlineBucketMs: z.number().int().min(60_000).default(600_000),
    /** a device with no reading in its last this-many intervals of the period counts as offline */
    offlineIntervals: z.number().int().min(1).default(3),
    /** when a sheet is made, a WeCom markdown digest to each officer (their part) and a summary to the park group */
    digests: z.boolean().default(true),
    /** 科长: who is alerted when a sheet is not signed off in time */
    chief: z
      .object({
        name: z.string().min(1),
        mobile: z.string().regex(/^1\d{10}$/, 'an 11-digit mainland mobile number').optional(),
        wecomUserId: z.string().optional(),
      })
      .optional(),
  });
export type PatrolConfig = z.infer<typeof PatrolConfigSchema>;
