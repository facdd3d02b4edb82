import type { Logger } from 'pino';
import type { SeriesMean } from '../../means/index.js';
import type { Point } from '../lineProtocol/index.js';
import type { InfluxSink } from './index.js';

/** every flag a mean counts as excluded (HJ 212-2017 Table 8), written on every point so a revision overwrites each */
const FLAGS = ['F', 'M', 'S', 'D', 'C', 'T', 'B'] as const;

/**
 * A judged hourly or daily mean as an InfluxDB point: measurement `means`, tags site, pollutant, period
 * (hour|day); fields value (absent when no valid value), valid, n, coverage, flowWeighted, volume (m³),
 * revision, backfill, validHours (day), excluded_<flag>; timestamp the window's start (HJ 212 DataTime of
 * an hour or day value). A revision after back-fill has the same series and time, so InfluxDB replaces
 * the stored point with it: the stored figure is always the latest judgement.
 */
export function meanPoint(m: SeriesMean): Point {
  const excluded = Object.fromEntries(FLAGS.map((f) => [`excluded_${f}`, m.excluded[f] ?? 0]));
  return {
    measurement: 'means',
    tags: { site: m.site, pollutant: m.pollutant, period: m.period },
    fields: {
      ...(m.value !== null ? { value: m.value } : {}),
      valid: m.valid,
      n: m.n,
      coverage: m.coverage,
      flowWeighted: m.flowWeighted,
      volume: m.volume,
      revision: m.revision,
      backfill: m.backfill,
      ...(m.validHours !== undefined ? { validHours: m.validHours } : {}),
      ...excluded,
    },
    timestamp: m.start,
  };
}

/** The means go through the sink's spool like readings; a batch that cannot be spooled is logged, the rules go on. */
export function writeMeans(sink: Pick<InfluxSink, 'appendPoints'>, log: Logger): (means: readonly SeriesMean[]) => void {
  return (means) => {
    try {
      sink.appendPoints(means.map(meanPoint));
    } catch (err) {
      log.warn({ err: (err as Error).message, means: means.length }, 'means not spooled for InfluxDB');
    }
  };
}
