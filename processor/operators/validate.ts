import { asyncScheduler, filter, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Reading } from '../../gateway/model/reading.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { DEFAULT_TIMESTAMP_BOUNDS, timestampOutOfBounds } from '../../gateway/model/timestampBounds.js';

export interface Rejection {
  reading: Reading;
  reason: 'unknown-site' | 'unknown-pollutant' | 'non-finite-value' | 'out-of-physical-range' | 'timestamp-out-of-bounds';
  detail: string;
}

export interface ValidateOptions {
  /** clock the timestamp bounds are judged against (default asyncScheduler: the wall clock) */
  scheduler?: SchedulerLike;
}

/**
 * Lets through only readings that can be true: known site and pollutant, a finite value inside the
 * pollutant's physical range (registry `pollutants.<code>.min/max`), stamped within the registry's
 * `timestampBounds` of the scheduler's clock (default: at most 5 min ahead, 7 days behind). Limits are
 * judged later, by rules; this only refuses the impossible. Each refusal goes to `reject` (counted and
 * dead-lettered by the caller).
 */
export function validateReadings(registry: Registry, reject: (r: Rejection) => void, opts: ValidateOptions = {}): OperatorFunction<Reading, Reading> {
  const sites = new Set(registry.sites.map((s) => s.id));
  const bounds = registry.timestampBounds ?? DEFAULT_TIMESTAMP_BOUNDS;
  const scheduler = opts.scheduler ?? asyncScheduler;
  return filter((r) => {
    const p = registry.pollutants[r.pollutant];
    let why: Rejection | undefined;
    let late: string | undefined;
    if (!sites.has(r.site)) why = { reading: r, reason: 'unknown-site', detail: `${r.device}: site ${r.site} is not in the registry` };
    else if (!p) why = { reading: r, reason: 'unknown-pollutant', detail: `${r.site}/${r.device}: pollutant ${r.pollutant} is not in the catalogue` };
    else if (!Number.isFinite(r.value)) why = { reading: r, reason: 'non-finite-value', detail: `${r.site}/${r.pollutant}: value ${r.value} is not a finite number` };
    else if (r.value < p.min || r.value > p.max)
      why = { reading: r, reason: 'out-of-physical-range', detail: `${r.site}/${r.pollutant}: ${r.value} ${p.unit} is outside the physical range [${p.min}, ${p.max}]` };
    else if ((late = timestampOutOfBounds(r.ts, scheduler.now(), bounds)))
      why = { reading: r, reason: 'timestamp-out-of-bounds', detail: `${r.site}/${r.device}/${r.pollutant}: ${late}` };
    if (why) reject(why);
    return why === undefined;
  });
}
