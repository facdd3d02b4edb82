import type { Logger } from 'pino';
import type { Attribution } from '../../attribution/index.js';
import type { Point } from '../lineProtocol/index.js';
import type { InfluxSink } from './index.js';

/**
 * The likely sources of an odor episode (processor/attribution) as InfluxDB points: measurement
 * `attribution`, one point per ranked candidate, tags site (the station), pollutant, rule, rank (1 = most
 * likely), enterprise (id); fields name, score, distance_m, bearing_deg (from the station), summary (the
 * ranking in one line, as on the ticket); time the rule event's.
 */
export function attributionPoints(a: Attribution): Point[] {
  return a.candidates.map((c, i) => ({
    measurement: 'attribution',
    tags: { site: a.site, pollutant: a.pollutant, rule: a.rule, rank: String(i + 1), enterprise: c.enterprise },
    fields: { name: c.name, score: c.score, distance_m: Math.round(c.distanceM), bearing_deg: Math.round(c.bearingDeg), summary: a.summary },
    timestamp: a.at,
  }));
}

/**
 * Passes the evidence of a batch on unchanged and spools its attributions for InfluxDB; one that cannot
 * be spooled is logged (the ticket has it as evidence anyway).
 */
export function writeAttributions(sink: Pick<InfluxSink, 'appendPoints'>, log: Logger): <K, E extends { attribution?: unknown }>(evidence: Map<K, E>) => Map<K, E> {
  return (evidence) => {
    const points = [...evidence.values()].flatMap((e) => (e.attribution ? attributionPoints(e.attribution as Attribution) : []));
    try {
      if (points.length > 0) sink.appendPoints(points);
    } catch (err) {
      log.warn({ err: (err as Error).message, points: points.length }, 'attributions not spooled for InfluxDB');
    }
    return evidence;
  };
}
