import type { QualityFlag } from '../../gateway/model/reading.js';
import type { Machine, Step } from '../operators/stateful.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/**
 * Valid hourly and daily means of one series, by reading time, with a lateness policy.
 *
 * - A value goes into the clock hour (and local day, `tzOffsetMs`, default UTC+8) of its own `ts`
 *   (HJ 212 DataTime), whatever its arrival order: windows are sums, so a back-fill within a batch or
 *   across batches lands in its windows the same in any order.
 * - Only values flagged N count (HJ 212-2017 Table 8; Appendix C notes: an abnormal sub-value does not
 *   make a valid mean); the others are counted per flag in `excluded` (T, over range, among them: its
 *   true value is unknown, so it is no part of a mean).
 * - `flow` weighting (HJ 212-2017 Appendix D.1; HJ 356-2019 §7 effective means weighted by flow): slice
 *   volume ΔD = Q(L/s) × T(s) × 10⁻³ m³, mass G = ΔD × C × 10⁻³ kg, mean C = ΣG / ΣD × 10³ mg/L. A value
 *   with no flow known at its time adds no mass; an hour with no volume (nothing flowed, or no flow
 *   meter) falls back to the arithmetic mean and says so (`flowWeighted: false`).
 * - A valid hour: its valid values cover ≥ `hourCoverage` of the hour (n × reporting interval).
 *   A valid day: ≥ `dayValidHours` valid hours; its mean is over the valid hours only.
 * - Judged (an event) when processing time passes the window's end + `graceMs`. A window with no value
 *   is never judged. A value for a window already judged re-opens it: it is judged again (`revision`+1)
 *   `graceMs` after its last late value, and so is its day. Values more than `horizonMs` behind
 *   processing time are not judged (counted in `tooLate`; the store keeps them).
 *
 * The state is updated IN PLACE (see operators/stateful.ts) and is JSON: persist it, pass it back. It
 * holds the days not yet judged (and days being re-judged): once a day is judged and settled, it leaves
 * the state with its hours as an `archive` entry of the event, for the caller to keep (so the state
 * written at every step stays small); a late value for an archived day must be preceded by a
 * `{ restore }` input handing that day back.
 */
export interface WindowOptions {
  weighting: 'flow' | 'arithmetic';
  hourCoverage: number;
  dayValidHours: number;
  graceMs: number;
  horizonMs: number;
  /** local time = UTC + tzOffsetMs; default +8 h (Asia/Shanghai) */
  tzOffsetMs?: number;
}

export interface MeanInput {
  ts: number;
  value: number;
  flag: QualityFlag;
  /** flow (L/s) at the value's time, when known */
  flow?: number;
  /** the reporting interval of the value's device: the time slice it stands for */
  sliceMs: number;
}

/** a judged day and its hours, out of the state */
export interface ArchivedDay {
  day: number;
  rev: number;
  hours: Record<string, HourAcc>;
}

export type WindowInput = MeanInput | { restore: ArchivedDay };

/** the windows judged at one moment, and the days that left the state */
export interface Judged {
  means: WindowMean[];
  archive: ArchivedDay[];
}

export type Excluded = Partial<Record<QualityFlag, number>>;

export interface HourAcc {
  n: number;
  sum: number;
  /** Σ mass (kg) and Σ volume (m³) of the values with a known flow */
  g: number;
  d: number;
  /** ms of the hour covered by valid values */
  covered: number;
  excluded: Excluded;
  /** values that arrived after the window's end + grace */
  late: number;
  /** -1 until judged, then the revision judged last */
  rev: number;
  /** re-opened: re-judge at this processing time */
  settle?: number;
}

export interface DayAcc {
  /** -1 until judged; a day is re-judged with its re-judged hours */
  rev: number;
}

export interface MeansState {
  hours: Record<string, HourAcc>;
  days: Record<string, DayAcc>;
  /** values older than the horizon, not judged */
  tooLate: number;
  /** the next moment the timer must run, undefined when nothing waits */
  next?: number;
}

export interface WindowMean {
  period: 'hour' | 'day';
  /** epoch ms, inclusive */
  start: number;
  /** epoch ms, exclusive */
  end: number;
  /** null when no valid value */
  value: number | null;
  valid: boolean;
  /** valid values (of the valid hours, for a day) */
  n: number;
  excluded: Excluded;
  /** hour: share covered by valid values; day: valid hours / 24 */
  coverage: number;
  flowWeighted: boolean;
  /** m³ (flow weighting) */
  volume: number;
  /** 0 at the first judgement, +1 at each re-judgement after late values */
  revision: number;
  /** late values (arrived after end + grace) are part of this judgement */
  backfill: boolean;
  /** processing time of this judgement */
  judgedAt: number;
  validHours?: number;
}

const addExcluded = (into: Excluded, from: Excluded) => {
  for (const [k, v] of Object.entries(from) as [QualityFlag, number][]) into[k] = (into[k] ?? 0) + v;
};

/** start of the local day (UTC + tzOffsetMs) holding t */
export const localDayStart = (t: number, tzOffsetMs = 8 * HOUR) => Math.floor((t + tzOffsetMs) / DAY) * DAY - tzOffsetMs;

export function windowMeansMachine(o: WindowOptions): Machine<MeansState, WindowInput, Judged> {
  const tz = o.tzOffsetMs ?? 8 * HOUR;
  const dayStart = (t: number) => localDayStart(t, tz);
  const hourStart = (t: number) => Math.floor(t / HOUR) * HOUR;
  const earlier = (a: number | undefined, b: number) => (a === undefined || b < a ? b : a);

  const judgeHour = (start: number, h: HourAcc, now: number): WindowMean => {
    const coverage = Math.min(1, h.covered / HOUR);
    const flowWeighted = o.weighting === 'flow' && h.d > 0;
    const value = flowWeighted ? (h.g / h.d) * 1e3 : h.n > 0 ? h.sum / h.n : null;
    return { period: 'hour', start, end: start + HOUR, value, valid: h.n > 0 && coverage >= o.hourCoverage, n: h.n, excluded: { ...h.excluded }, coverage, flowWeighted, volume: h.d, revision: h.rev, backfill: h.late > 0, judgedAt: now };
  };
  const judgeDay = (start: number, d: DayAcc, s: MeansState, now: number): WindowMean => {
    let validHours = 0, n = 0, sum = 0, g = 0, vol = 0, late = 0;
    const excluded: Excluded = {};
    for (let t = start; t < start + DAY; t += HOUR) {
      const h = s.hours[t];
      if (!h) continue;
      addExcluded(excluded, h.excluded);
      late += h.late;
      if (!judgeHour(t, h, now).valid) continue;
      validHours++;
      n += h.n;
      sum += h.sum;
      g += h.g;
      vol += h.d;
    }
    const flowWeighted = o.weighting === 'flow' && vol > 0;
    const value = flowWeighted ? (g / vol) * 1e3 : n > 0 ? sum / n : null;
    return { period: 'day', start, end: start + DAY, value, valid: validHours >= o.dayValidHours, n, excluded, coverage: validHours / 24, flowWeighted, volume: vol, revision: d.rev, backfill: late > 0, judgedAt: now, validHours };
  };
  const nextDue = (s: MeansState): number | undefined => {
    let next: number | undefined;
    for (const [k, h] of Object.entries(s.hours)) next = h.rev < 0 ? earlier(next, Number(k) + HOUR + o.graceMs) : h.settle !== undefined ? earlier(next, h.settle) : next;
    for (const [k, d] of Object.entries(s.days)) if (d.rev < 0) next = earlier(next, Number(k) + DAY + o.graceMs);
    return next;
  };

  return {
    init: () => ({ hours: {}, days: {}, tooLate: 0 }),
    step(s, input, now): Step<MeansState, Judged> {
      if ('restore' in input) {
        const a = input.restore;
        if (!s.days[a.day]) {
          s.days[a.day] = { rev: a.rev };
          for (const [k, h] of Object.entries(a.hours)) s.hours[k] ??= h;
        }
        return { state: s };
      }
      const x = input;
      if (x.ts < now - o.horizonMs) {
        s.tooLate++;
        return { state: s };
      }
      const hs = hourStart(x.ts);
      const h = (s.hours[hs] ??= { n: 0, sum: 0, g: 0, d: 0, covered: 0, excluded: {}, late: 0, rev: -1 });
      const ds = dayStart(x.ts);
      s.days[ds] ??= { rev: -1 };
      if (x.flag === 'N') {
        h.n++;
        h.sum += x.value;
        h.covered += x.sliceMs;
        if (x.flow !== undefined && x.flow > 0) {
          const dv = x.flow * (x.sliceMs / 1000) * 1e-3; // HJ 212-2017 D.1: ΔD = Q × T × 10⁻³ m³
          h.d += dv;
          h.g += dv * x.value * 1e-3; // G = ΔD × C × 10⁻³ kg
        }
      } else h.excluded[x.flag] = (h.excluded[x.flag] ?? 0) + 1;
      if (now >= hs + HOUR + o.graceMs) h.late++;
      if (h.rev >= 0) {
        h.settle = now + o.graceMs;
        s.next = earlier(s.next, h.settle);
      } else s.next = earlier(s.next, hs + HOUR + o.graceMs);
      if (s.days[ds]!.rev < 0) s.next = earlier(s.next, ds + DAY + o.graceMs);
      return { state: s };
    },
    timer: {
      due: (s) => s.next,
      fire(s, now) {
        const out: WindowMean[] = [];
        const touchedDays = new Set<number>();
        const starts = Object.keys(s.hours).map(Number).sort((a, b) => a - b);
        for (const t of starts) {
          const h = s.hours[t]!;
          if (h.rev < 0 && now >= t + HOUR + o.graceMs) {
            h.rev = 0;
            touchedDays.add(dayStart(t)); // a first value for an hour of a day already judged
          } else if (h.rev >= 0 && h.settle !== undefined && now >= h.settle) {
            h.rev++;
            h.settle = undefined;
            touchedDays.add(dayStart(t));
          } else continue;
          out.push(judgeHour(t, h, now));
        }
        for (const t of Object.keys(s.days).map(Number).sort((a, b) => a - b)) {
          const d = s.days[t]!;
          if (d.rev < 0 && now >= t + DAY + o.graceMs) d.rev = 0;
          else if (d.rev >= 0 && touchedDays.has(t)) d.rev++;
          else continue;
          out.push(judgeDay(t, d, s, now));
        }
        // a judged day whose hours are all judged and settled leaves the state (the caller keeps it)
        const archive: ArchivedDay[] = [];
        for (const t of Object.keys(s.days).map(Number)) {
          const d = s.days[t]!;
          if (d.rev < 0) continue;
          const hours: Record<string, HourAcc> = {};
          let settled = true;
          for (let h = t; h < t + DAY && settled; h += HOUR) {
            const acc = s.hours[h];
            if (!acc) continue;
            if (acc.rev < 0 || acc.settle !== undefined) settled = false;
            hours[h] = acc;
          }
          if (!settled) continue;
          for (const h of Object.keys(hours)) delete s.hours[h];
          delete s.days[t];
          if (t + DAY >= now - o.horizonMs) archive.push({ day: t, rev: d.rev, hours });
        }
        s.next = nextDue(s);
        return out.length > 0 || archive.length > 0 ? { state: s, event: { means: out, archive } } : { state: s };
      },
    },
  };
}
