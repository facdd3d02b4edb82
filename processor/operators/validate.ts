import type { Reading } from '../../gateway/model/reading.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { DEFAULT_TIMESTAMP_BOUNDS, timestampOutOfBounds } from '../../gateway/model/timestampBounds.js';

export interface Rejection {
  reading: Reading;
  reason: 'unknown-site' | 'unknown-pollutant' | 'non-finite-value' | 'out-of-physical-range' | 'timestamp-out-of-bounds';
  detail: string;
}

/** Keeps the possible readings of a batch, in order; each refusal goes to `reject`. */
export type BatchValidator = (readings: readonly Reading[], now: number, reject: (r: Rejection) => void) => Reading[];

function why(r: Reading, registry: Registry, sites: ReadonlySet<string>, late: (ts: number) => string | undefined): Rejection | undefined {
  const p = registry.pollutants[r.pollutant];
  if (!sites.has(r.site)) return { reading: r, reason: 'unknown-site', detail: `${r.device}: site ${r.site} is not in the registry` };
  if (!p) return { reading: r, reason: 'unknown-pollutant', detail: `${r.site}/${r.device}: pollutant ${r.pollutant} is not in the catalogue` };
  if (!Number.isFinite(r.value)) return { reading: r, reason: 'non-finite-value', detail: `${r.site}/${r.pollutant}: value ${r.value} is not a finite number` };
  if (r.value < p.min || r.value > p.max)
    return { reading: r, reason: 'out-of-physical-range', detail: `${r.site}/${r.pollutant}: ${r.value} ${p.unit} is outside the physical range [${p.min}, ${p.max}]` };
  const l = late(r.ts);
  if (l) return { reading: r, reason: 'timestamp-out-of-bounds', detail: `${r.site}/${r.device}/${r.pollutant}: ${l}` };
  return undefined;
}

/**
 * Lets through only readings that can be true: known site and pollutant, a finite value inside the
 * pollutant's physical range (registry `pollutants.<code>.min/max`), stamped within the registry's
 * `timestampBounds` of `now` (default: at most 5 min ahead, 366 days behind: back-fill, HJ 212 补传, is
 * stored at its own time; the registry's `lateness.horizonMs` decides what is judged). This is the one place the
 * timestamp bounds are checked, for every input. Limits are judged later, by rules; this only refuses
 * the impossible. A plain loop over the batch; the common case (every reading possible) costs a few
 * comparisons per reading and no allocation beyond the output array.
 */
export function batchValidator(registry: Registry): BatchValidator {
  const sites = new Set(registry.sites.map((s) => s.id));
  const bounds = registry.timestampBounds ?? DEFAULT_TIMESTAMP_BOUNDS;
  return (readings, now, reject) => {
    const out: Reading[] = [];
    const late = (ts: number) => timestampOutOfBounds(ts, now, bounds);
    for (const r of readings) {
      const p = registry.pollutants[r.pollutant];
      // fast path: every check passes
      if (p && sites.has(r.site) && r.value >= p.min && r.value <= p.max && r.ts <= now + bounds.maxFutureMs && r.ts >= now - bounds.maxPastMs) {
        out.push(r);
        continue;
      }
      const rejection = why(r, registry, sites, late);
      if (rejection) reject(rejection);
      else out.push(r);
    }
    return out;
  };
}
