import { filter, type OperatorFunction } from 'rxjs';
import type { Reading } from '../../gateway/model/reading.js';
import type { Registry } from '../../gateway/registry/schema.js';

export interface Rejection {
  reading: Reading;
  reason: 'unknown-site' | 'unknown-pollutant' | 'non-finite-value' | 'out-of-physical-range';
  detail: string;
}

/**
 * Lets through only readings that can be true: known site and pollutant, a finite value inside the
 * pollutant's physical range (registry `pollutants.<code>.min/max`). Limits are judged later, by rules;
 * this only refuses the impossible. Each refusal goes to `reject` (counted and dead-lettered by the caller).
 */
export function validateReadings(registry: Registry, reject: (r: Rejection) => void): OperatorFunction<Reading, Reading> {
  const sites = new Set(registry.sites.map((s) => s.id));
  return filter((r) => {
    const p = registry.pollutants[r.pollutant];
    let why: Rejection | undefined;
    if (!sites.has(r.site)) why = { reading: r, reason: 'unknown-site', detail: `${r.device}: site ${r.site} is not in the registry` };
    else if (!p) why = { reading: r, reason: 'unknown-pollutant', detail: `${r.site}/${r.device}: pollutant ${r.pollutant} is not in the catalogue` };
    else if (!Number.isFinite(r.value)) why = { reading: r, reason: 'non-finite-value', detail: `${r.site}/${r.pollutant}: value ${r.value} is not a finite number` };
    else if (r.value < p.min || r.value > p.max)
      why = { reading: r, reason: 'out-of-physical-range', detail: `${r.site}/${r.pollutant}: ${r.value} ${p.unit} is outside the physical range [${p.min}, ${p.max}]` };
    if (why) reject(why);
    return why === undefined;
  });
}
