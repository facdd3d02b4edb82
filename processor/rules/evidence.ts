import type { Reading } from '../../gateway/model/reading.js';

/**
 * The recent readings of every series, kept as evidence for tickets: the window around an event that an
 * officer checks before acting. Bounded per series by age and count.
 */
export interface EvidenceBuffer {
  /** keeps the readings of a batch (a plain loop, no per-reading emission) */
  recordBatch(readings: readonly Reading[]): void;
  /** readings of one series (or of the whole site when pollutant is '*'), oldest first */
  window(site: string, pollutant: string): Reading[];
}

export function createEvidenceBuffer(opts: { maxAgeMs?: number; maxPerSeries?: number; now?: () => number } = {}): EvidenceBuffer {
  const maxAge = opts.maxAgeMs ?? 30 * 60_000;
  const max = opts.maxPerSeries ?? 120;
  const now = opts.now ?? Date.now;
  // site → pollutant → readings, oldest first; no key string built per reading
  const sites = new Map<string, Map<string, Reading[]>>();
  const fresh = (rs: Reading[]) => rs.filter((r) => now() - r.ts <= maxAge);
  const newest = (rs: Reading[], n: number) => (rs.length > n ? rs.slice(-n) : rs);
  const record = (r: Reading) => {
    let site = sites.get(r.site);
    if (!site) sites.set(r.site, (site = new Map()));
    let rs = site.get(r.pollutant);
    if (!rs) site.set(r.pollutant, (rs = []));
    rs.push(r);
    // trimmed in chunks (amortised O(1) per reading) rather than shifting the array on every reading
    if (rs.length >= 2 * max) rs.splice(0, rs.length - max);
  };
  return {
    recordBatch(readings) {
      for (const r of readings) record(r);
    },
    window(site, pollutant) {
      const bySite = sites.get(site);
      if (pollutant !== '*') return fresh(newest(bySite?.get(pollutant) ?? [], max));
      const all: Reading[] = [];
      for (const rs of bySite?.values() ?? []) all.push(...rs.slice(-10));
      return fresh(all).sort((a, b) => a.ts - b.ts);
    },
  };
}
