import type { Reading } from '../../gateway/model/reading.js';

/**
 * The recent readings of every series, kept as evidence for tickets: the window around an event that an
 * officer checks before acting. Bounded per series by age and count.
 */
export interface EvidenceBuffer {
  record(r: Reading): void;
  /** readings of one series (or of the whole site when pollutant is '*'), oldest first */
  window(site: string, pollutant: string): Reading[];
}

export function createEvidenceBuffer(opts: { maxAgeMs?: number; maxPerSeries?: number; now?: () => number } = {}): EvidenceBuffer {
  const maxAge = opts.maxAgeMs ?? 30 * 60_000;
  const max = opts.maxPerSeries ?? 120;
  const now = opts.now ?? Date.now;
  const series = new Map<string, Reading[]>();
  const fresh = (rs: Reading[]) => rs.filter((r) => now() - r.ts <= maxAge);
  return {
    record(r) {
      const key = `${r.site}/${r.pollutant}`;
      let rs = series.get(key);
      if (!rs) series.set(key, (rs = []));
      rs.push(r);
      if (rs.length > max) rs.splice(0, rs.length - max);
    },
    window(site, pollutant) {
      if (pollutant !== '*') return fresh(series.get(`${site}/${pollutant}`) ?? []);
      const all: Reading[] = [];
      for (const [k, rs] of series) if (k.startsWith(site + '/')) all.push(...rs.slice(-10));
      return fresh(all).sort((a, b) => a.ts - b.ts);
    },
  };
}
