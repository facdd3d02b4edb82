import type { QualityFlag } from '../../gateway/model/reading.js';

/** One real-time sample of every channel, as the logger stored it. */
export interface Sample {
  at: number;
  values: Record<string, { value: number; flag: QualityFlag }>;
}

/** The logger's own store (a real 数采仪 keeps months): samples in time order, read back for aggregates and 补传. */
export class LoggerHistory {
  private readonly samples: Sample[] = [];

  /** false when a sample of that instant (or a later one) is stored already */
  add(s: Sample): boolean {
    const last = this.samples.at(-1);
    if (last && s.at <= last.at) return false;
    this.samples.push(s);
    return true;
  }

  /** samples with begin <= at <= end */
  between(begin: number, end: number): Sample[] {
    return this.samples.filter((s) => s.at >= begin && s.at <= end);
  }

  get size(): number {
    return this.samples.length;
  }
}

/**
 * Min/avg/max of each channel over the samples (HJ 212-2017 Appendix D, arithmetic alternative), with the
 * interval's flag: abnormal if any sample was (Appendix C notes to C.16-C.18, wastewater). For w00000
 * (flow, L/s) Cou is the volume in m³ (D.1: ΔD = Q × T × 10⁻³), each sample standing for `stepMs`.
 */
export function aggregate(samples: readonly Sample[], stepMs: number): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  const codes = new Set(samples.flatMap((s) => Object.keys(s.values)));
  for (const code of codes) {
    const vs = samples.map((s) => s.values[code]).filter((v) => v !== undefined);
    if (vs.length === 0) continue;
    const nums = vs.map((v) => v.value);
    const avg = nums.reduce((a, b) => a + b, 0) / nums.length;
    const flag = vs.find((v) => v.flag !== 'N')?.flag ?? 'N';
    out[code] = { Min: fmt(Math.min(...nums)), Avg: fmt(avg), Max: fmt(Math.max(...nums)), Flag: flag };
    if (code === 'w00000') out[code]!.Cou = fmt(nums.reduce((a, q) => a + q * (stepMs / 1000) * 1e-3, 0));
  }
  return out;
}

export function fmt(v: number): string {
  return String(Math.round(v * 1000) / 1000);
}
