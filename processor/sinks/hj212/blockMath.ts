import type { QualityFlag } from '../../../gateway/model/reading.js';
import type { SiteKind } from '../../../gateway/registry/schema.js';
import type { SeriesMean } from '../../means/index.js';

/** running sums of one factor over one interval */
export interface Acc {
  /** values flagged N, and all values */
  n: number;
  all: number;
  min: number;
  max: number;
  allMin: number;
  allMax: number;
  sum: number;
  allSum: number;
  /** Σ mass (kg) and Σ volume (m³) of the N values with a known flow */
  g: number;
  d: number;
  /** values per abnormal flag */
  flags: Partial<Record<QualityFlag, number>>;
}

const fmt = (v: number) => String(Number(v.toFixed(4)));

/**
 * The aggregate's flag (HJ 212-2017 Appendix C notes to Tables C.16–C.18, domain.md §1.8): wastewater (and
 * rain outlets, the park's choice): any abnormal value makes the interval abnormal, with the most frequent
 * abnormal flag; air: normal when ≥ 75 % of the values are normal, else D (the flue-gas note applied to the
 * fence-line stations: the park's choice).
 */
export function aggregateFlag(a: Acc, kind: SiteKind): QualityFlag {
  const abnormal = (Object.entries(a.flags) as [QualityFlag, number][]).sort((x, y) => y[1] - x[1]);
  if (kind === 'air_fence' || kind === 'weather') return a.all > 0 && a.n / a.all >= 0.75 ? 'N' : 'D';
  return abnormal[0]?.[0] ?? 'N';
}

/**
 * Min/Avg/Max/Cou/Flag of a 10-min block (Appendix D.1): Avg = ΣG/ΣD × 10³ mg/L when the site is
 * flow-weighted and water flowed, else the arithmetic mean of the N values; Cou = ΣG kg for a pollutant,
 * ΣD m³ for the flow itself, whose Avg is ΣD/T (m³/s) × 10³ L/s. Without any N value the figures are of
 * all values and the flag says why.
 */
export function blockFactor(a: Acc, kind: SiteKind, isFlow: boolean, flowWeighted: boolean, seconds: number): Record<string, string> {
  const valid = a.n > 0;
  const min = valid ? a.min : a.allMin;
  const max = valid ? a.max : a.allMax;
  const out: Record<string, string> = {};
  if (isFlow) {
    out.Cou = fmt(a.d);
    out.Min = fmt(min);
    out.Avg = fmt(a.d > 0 ? (a.d / seconds) * 1000 : valid ? a.sum / a.n : a.allSum / a.all);
    out.Max = fmt(max);
  } else {
    if (flowWeighted) out.Cou = fmt(a.g);
    out.Min = fmt(min);
    out.Avg = fmt(flowWeighted && a.d > 0 ? (a.g / a.d) * 1000 : valid ? a.sum / a.n : a.allSum / a.all);
    out.Max = fmt(max);
  }
  out.Flag = aggregateFlag(a, kind);
  return out;
}

/**
 * Min/Avg/Max/Cou/Flag of an hour or day: Avg is the gateway's valid mean (processor/means), Cou its mass
 * C × D × 10⁻³ kg when flow-weighted; an invalid mean (too little valid data, HJ 212-2017 Appendix D
 * counts) is sent with the abnormal flag of its values, or D when all its values were normal but too few.
 */
export function hourDayFactor(m: SeriesMean, a: Acc, kind: SiteKind): Record<string, string> {
  const out: Record<string, string> = {};
  if (m.flowWeighted) out.Cou = fmt((m.value ?? 0) * m.volume * 1e-3);
  if (a.n > 0) out.Min = fmt(a.min);
  if (m.value !== null) out.Avg = fmt(m.value);
  if (a.n > 0) out.Max = fmt(a.max);
  const flag = aggregateFlag(a, kind);
  out.Flag = m.valid ? flag : flag === 'N' ? 'D' : flag;
  return out;
}
