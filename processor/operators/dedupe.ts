import type { Reading } from '../../gateway/model/reading.js';

/** A reading dropped because the same one (series and timestamp) was already let through. */
export interface Duplicate {
  reading: Reading;
  /** the reading let through earlier, when its value or flag differ (a conflict rather than a redelivery) */
  kept?: Pick<Reading, 'value' | 'flag'>;
  detail: string;
}

export interface DedupeOptions {
  /** timestamps remembered per series, newest kept (default 512) */
  perSeries?: number;
  /** timestamps older than the newest of the series by more than this are forgotten (default 1 h) */
  windowMs?: number;
}

interface Seen {
  newest: number;
  /** the first timestamp of `ts` in insertion order (the next to forget) */
  first: number;
  /** ts → what was let through; insertion order, so the first entry is the oldest remembered */
  ts: Map<number, Pick<Reading, 'value' | 'flag'>>;
}

/** Dedupe state of one pipeline: `accept` filters a batch, `forget` takes back what a failed append did not keep. */
export interface Dedupe {
  /** the readings of the batch not seen before (each repeat goes to onDuplicate), in order; remembers them */
  accept(readings: readonly Reading[]): Reading[];
  /** forget readings `accept` let through (their append failed: the source sends them again, and they must pass then) */
  forget(readings: readonly Reading[]): void;
  /** records readings `accept` let through as stored, just before they are appended (a durable dedupe; in memory: nothing to do) */
  commit?(readings: readonly Reading[]): void;
}


/**
 * Lets each reading of a series (site, device, pollutant) through once per timestamp: an exact repeat,
 * e.g. an MQTT QoS 1 redelivery after a reconnect (MQTT 3.1.1 §4.3.2: QoS 1 is "at least once"), goes to
 * `onDuplicate` (the caller counts and dead-letters it as 'duplicate'). A second reading with the same
 * timestamp but another value is dropped as well, and the first one kept: InfluxDB stores one point per
 * series and timestamp, and the first is what the rules have already judged. Repeats inside one batch
 * count too.
 *
 * Memory is bounded: per series at most `perSeries` timestamps within `windowMs` of its newest. A repeat
 * older than that passes (InfluxDB overwrites the identical point; counts do not change). Another device
 * at the same site is another instrument and another series (device is an InfluxDB tag), not a duplicate.
 * No clock is used (only the readings' own timestamps). Plain loops; one instance per pipeline.
 */
export function createDedupe(onDuplicate: (d: Duplicate) => void, opts: DedupeOptions = {}): Dedupe {
  const perSeries = opts.perSeries ?? 512;
  const windowMs = opts.windowMs ?? 3_600_000;
  if (!Number.isInteger(perSeries) || perSeries < 1) throw new RangeError(`dedupe: perSeries must be an integer >= 1, got ${perSeries}`);
  // site → device → pollutant: three Map lookups instead of building a key string per reading
  const series = new Map<string, Map<string, Map<string, Seen>>>();
  const seenOf = (r: Reading, create: boolean): Seen | undefined => {
    let byDevice = series.get(r.site);
    if (!byDevice) {
      if (!create) return undefined;
      series.set(r.site, (byDevice = new Map()));
    }
    let byPollutant = byDevice.get(r.device);
    if (!byPollutant) {
      if (!create) return undefined;
      byDevice.set(r.device, (byPollutant = new Map()));
    }
    let s = byPollutant.get(r.pollutant);
    if (!s && create) byPollutant.set(r.pollutant, (s = { newest: r.ts, first: r.ts, ts: new Map() }));
    return s;
  };
  const duplicate = (r: Reading, kept: Pick<Reading, 'value' | 'flag'>) => {
    const same = kept.value === r.value && kept.flag === r.flag;
    const at = `${r.site}/${r.device}/${r.pollutant} at ${new Date(r.ts).toISOString()}`;
    onDuplicate({
      reading: r,
      ...(same ? {} : { kept }),
      detail: same
        ? `${at}: already received (a redelivery); dropped`
        : `${at}: already received with value ${kept.value} flag ${kept.flag}; this ${r.value} flag ${r.flag} is dropped, the first kept`,
    });
  };
  return {
    accept(readings) {
      const out: Reading[] = [];
      for (const r of readings) {
        const s = seenOf(r, true)!;
        const kept = s.ts.get(r.ts);
        if (kept) {
          duplicate(r, kept);
          continue;
        }
        if (r.ts > s.newest) s.newest = r.ts;
        if (s.ts.size === 0) s.first = r.ts;
        s.ts.set(r.ts, { value: r.value, flag: r.flag });
        // forget from the oldest inserted on, only when the bound or the window asks for it
        if (s.ts.size > perSeries || s.first < s.newest - windowMs) {
          for (const ts of s.ts.keys()) {
            if (s.ts.size <= perSeries && ts >= s.newest - windowMs) {
              s.first = ts;
              break;
            }
            s.ts.delete(ts);
          }
        }
        out.push(r);
      }
      return out;
    },
    forget(readings) {
      for (const r of readings) {
        const s = seenOf(r, false);
        if (!s || !s.ts.delete(r.ts)) continue;
        if (r.ts === s.first) s.first = s.ts.size > 0 ? s.ts.keys().next().value! : Infinity;
      }
    },
  };
}
