import { z } from 'zod';
import { zoneOffsetMs } from '../patrol/periods.js';
import { HAZARD_DEADLINE_MS, HazardTypeSchema, PhotoStageSchema } from './types.js';

const LOCAL = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/;
const MAX_AHEAD_MS = 366 * 24 * 3_600_000;

/**
 * A deadline as the form or a client sends it: ISO 8601 with offset ("2026-11-30T17:00:00+08:00"),
 * epoch ms ("1764493200000"), or a park-local date and time without offset as a datetime-local input
 * sends it ("2026-11-30T17:00"). Undefined when it is none of these.
 */
export function parseDeadline(text: string, timeZone: string): number | undefined {
  const s = text.trim();
  if (/^\d{10,15}$/.test(s)) return Number(s);
  if (LOCAL.test(s)) {
    const asUtc = Date.parse(`${s}Z`);
    return Number.isFinite(asUtc) ? asUtc - zoneOffsetMs(asUtc, timeZone) : undefined;
  }
  if (z.iso.datetime({ offset: true }).safeParse(s).success) return Date.parse(s);
  return undefined;
}

/** the text fields of POST /api/hazards (multipart), checked against the clock and the park's zone */
export function hazardReportSchema(now: number, timeZone: string) {
  return z
    .strictObject({
      type: HazardTypeSchema,
      site: z.string().trim().regex(/^(RO|WP|AQ|WS)-\d{2}$/, 'a site id looks like WP-01, RO-03 or AQ-02'),
      description: z.string().trim().min(1, 'describe what was found').max(2000),
      deadline: z
        .string()
        .max(40)
        .optional()
        .transform((s, ctx) => {
          if (s === undefined || s.trim() === '') return undefined;
          const ms = parseDeadline(s, timeZone);
          if (ms === undefined) {
            ctx.addIssue({ code: 'custom', message: 'deadline must be ISO 8601 (2026-11-30T17:00:00+08:00), park-local 2026-11-30T17:00 or epoch ms' });
            return z.NEVER;
          }
          if (ms <= now) ctx.addIssue({ code: 'custom', message: 'deadline must be in the future' });
          else if (ms > now + MAX_AHEAD_MS) ctx.addIssue({ code: 'custom', message: 'deadline must be within a year' });
          return ms;
        }),
    })
    .transform((r) => ({ ...r, deadline: r.deadline ?? now + HAZARD_DEADLINE_MS[r.type] }));
}

/** the text fields of POST /api/tickets/:id/photos (multipart): the stage (default fixed) and an optional note */
export const PhotoFieldsSchema = z.strictObject({
  stage: PhotoStageSchema.default('fixed'),
  note: z.string().trim().max(2000).optional(),
});
