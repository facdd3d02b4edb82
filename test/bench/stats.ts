/** Small statistics for benchmark figures. */

export interface Summary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of sorted values (p in 0..100). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

export function summarize(values: readonly number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / (s.length || 1);
  return { n: s.length, min: s[0] ?? NaN, p50: percentile(s, 50), p90: percentile(s, 90), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN, mean };
}

/** Rate series (per second) from cumulative samples {t, v}, each over the last `windowMs` (smooths batch writes). */
export function rates(samples: readonly { t: number; v: number }[], windowMs = 0): { t: number; rate: number }[] {
  const out: { t: number; rate: number }[] = [];
  let j = 0;
  for (let i = 1; i < samples.length; i++) {
    const b = samples[i]!;
    while (j < i - 1 && samples[j + 1]!.t <= b.t - windowMs) j++;
    const a = samples[Math.min(j, i - 1)]!;
    if (b.t > a.t) out.push({ t: b.t, rate: ((b.v - a.v) * 1000) / (b.t - a.t) });
  }
  return out;
}

export const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : '–');
export const pct = (n: number) => (Number.isFinite(n) ? `${(n * 100).toFixed(1)} %` : '–');
export const mb = (bytes: number) => (Number.isFinite(bytes) ? `${(bytes / 2 ** 20).toFixed(0)} MB` : '–');
