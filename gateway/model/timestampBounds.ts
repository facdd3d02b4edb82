import { z } from 'zod';

/**
 * How far a reading's timestamp may lie from the gateway's clock. A device clock that drifted or was
 * reset (a logger booting at 1970 or 2000, a wrong time zone, a year typed by hand) would otherwise
 * write values into the wrong place of every chart and rule window. Registry key `timestampBounds`.
 */
export const TimestampBoundsSchema = z.object({
  /** a timestamp more than this far ahead of the clock is refused (default 5 min) */
  maxFutureMs: z.number().int().nonnegative().default(5 * 60_000),
  /**
   * a timestamp more than this far behind the clock is refused (default 366 days: a data logger keeps
   * at least a year of history to re-send, HJ 212 补传). Back-fill up to the registry's
   * `lateness.horizonMs` (7 d) is judged in its own windows; older back-fill is stored, not judged.
   */
  maxPastMs: z.number().int().nonnegative().default(366 * 24 * 3_600_000),
});
export type TimestampBounds = z.infer<typeof TimestampBoundsSchema>;

export const DEFAULT_TIMESTAMP_BOUNDS: TimestampBounds = TimestampBoundsSchema.parse({});

const iso = (ms: number) => (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms));

function span(ms: number): string {
  if (ms === 0) return '0 ms';
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} d`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${ms} ms`;
}

/** Why `ts` (epoch ms) is out of bounds at `now`, or undefined when it is within them. */
export function timestampOutOfBounds(ts: number, now: number, bounds: TimestampBounds = DEFAULT_TIMESTAMP_BOUNDS): string | undefined {
  if (ts > now + bounds.maxFutureMs) return `ts ${iso(ts)} is more than ${span(bounds.maxFutureMs)} ahead of the gateway clock (${iso(now)})`;
  if (ts < now - bounds.maxPastMs) return `ts ${iso(ts)} is more than ${span(bounds.maxPastMs)} behind the gateway clock (${iso(now)})`;
  return undefined;
}
