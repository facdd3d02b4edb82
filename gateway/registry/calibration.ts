import { z } from 'zod';
import { PollutantCodeSchema } from '../model/reading.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/**
 * A device's scheduled calibration (定期校准/核查): an online analyser checks its zero and span with
 * standard solutions on a fixed schedule (HJ 355-2019, operation and quality control of wastewater online
 * monitoring, sets the periodic checks; HJ 212-2017 Table 8 flags the values C) and the operator may
 * maintain it in the same slot (M). Inside the window, readings of the covered pollutants flagged with
 * the covered flags open no instrument ticket; they are never judged as exceedances either (only N
 * values are). Outside the window the instrument rule is unchanged.
 *
 * `at` is local time in the park's timezone (park.timezone, Asia/Shanghai); the window repeats every
 * `everyMs` from `at` around the clock (a divisor of a day: daily, every 12 h, every 8 h ...).
 */
export const CalibrationWindowSchema = z
  .object({
    /** local start time "HH:MM" */
    at: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'local time "HH:MM" (00:00-23:59)'),
    everyMs: z.number().int().positive().default(DAY),
    durationMs: z.number().int().positive(),
    /** pollutants the window covers; every channel of the device when omitted */
    pollutants: z.array(PollutantCodeSchema).min(1).optional(),
    /** flags that are expected inside the window (HJ 212-2017 Table 8: C calibration, M maintenance) */
    flags: z.array(z.enum(['C', 'M'])).min(1).default(['C', 'M']),
    /** the rule or agreement the schedule comes from */
    standard: z.string().optional(),
    /** false where the numbers were chosen, not taken from a standard or the operator's schedule */
    verified: z.boolean().default(true),
  })
  .superRefine((w, ctx) => {
    if (DAY % w.everyMs !== 0) ctx.addIssue({ code: 'custom', message: 'everyMs must divide a day (86400000 ms): the window repeats at the same local times each day', path: ['everyMs'] });
    if (w.durationMs >= w.everyMs) ctx.addIssue({ code: 'custom', message: 'durationMs must be shorter than everyMs', path: ['durationMs'] });
  });
export type CalibrationWindow = z.infer<typeof CalibrationWindowSchema>;

/** a device's calibration windows (registry `sites[].devices[].calibration`) */
export const CalibrationSchema = z.array(CalibrationWindowSchema).optional();
