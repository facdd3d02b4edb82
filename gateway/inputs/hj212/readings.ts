import type { QualityFlag, Reading } from '../../model/reading.js';
import type { Registry } from '../../registry/schema.js';
import type { Hj212Device } from './config.js';
import { parseHj212Time, type Hj212Packet } from '../../protocols/hj212/index.js';

/** A point for the logger's own aggregates and facility data; structurally an InfluxDB sink Point. */
export interface LoggerPoint {
  readonly measurement: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly fields: Readonly<Record<string, number | string>>;
  readonly timestamp: number;
}

export interface Reject {
  reason: 'unknown-factor' | 'bad-number' | 'bad-flag' | 'bad-time';
  detail: string;
}

/** A registered logger: its site and device entry. */
export interface LoggerEntry {
  site: string;
  device: Hj212Device;
}

/** HJ 212-2017 Table 8 flags; HJ/T 212-2005 letters mapped to them (domain.md §1.8): P power fault → D fault. */
const FLAGS: Record<string, QualityFlag> = { N: 'N', F: 'F', M: 'M', S: 'S', D: 'D', C: 'C', T: 'T', B: 'B', P: 'D' };

/** Number format N14.2 etc. (HJ 212-2017 §6.3.3): a signed decimal, at most 18 characters. */
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function parseNumber(s: string | undefined): number | undefined {
  if (s === undefined || s.length > 18 || !NUMBER.test(s)) return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

/** The park code of a factor as the logger sends it: its `factors` mapping, or the same HJ 212-2017 code; undefined when the logger does not report it. */
export function pollutantOf(device: Hj212Device, factor: string): string | undefined {
  const code = device.factors[factor] ?? factor;
  return device.channels.includes(code) ? code : undefined;
}

function flagOf(s: string | undefined): QualityFlag | undefined {
  return s === undefined ? 'N' : FLAGS[s];
}

/** 2011 real-time data (HJ 212-2017 Table 9, Table 4 -Rtd/-Flag/-SampleTime): one Reading per factor at DataTime, or at its SampleTime. */
export function realtimeReadings(p: Hj212Packet, logger: LoggerEntry, registry: Registry): { readings: Reading[]; rejects: Reject[] } {
  const readings: Reading[] = [];
  const rejects: Reject[] = [];
  const at = p.cp.dataTime === undefined ? undefined : parseHj212Time(p.cp.dataTime);
  if (at === undefined) return { readings, rejects: [{ reason: 'bad-time', detail: `DataTime "${p.cp.dataTime ?? ''}" is not yyyyMMddHHmmss` }] };
  for (const [factor, fields] of Object.entries(p.cp.factors)) {
    if (fields.Rtd === undefined) continue; // e.g. a factor with only -Info
    const pollutant = pollutantOf(logger.device, factor);
    if (!pollutant) {
      rejects.push({ reason: 'unknown-factor', detail: `${logger.device.id}: factor ${factor} is not one of the logger's channels` });
      continue;
    }
    const value = parseNumber(fields.Rtd);
    if (value === undefined) {
      rejects.push({ reason: 'bad-number', detail: `${factor}-Rtd=${fields.Rtd}` });
      continue;
    }
    const flag = flagOf(fields.Flag);
    if (!flag) {
      rejects.push({ reason: 'bad-flag', detail: `${factor}-Flag=${fields.Flag}` });
      continue;
    }
    const sampled = fields.SampleTime === undefined ? at : parseHj212Time(fields.SampleTime);
    if (sampled === undefined) {
      rejects.push({ reason: 'bad-time', detail: `${factor}-SampleTime=${fields.SampleTime}` });
      continue;
    }
    const unit = registry.pollutants[pollutant]?.unit ?? '';
    readings.push({ site: logger.site, device: logger.device.id, pollutant, value, unit, ts: sampled, flag, source: 'hj212' });
  }
  return { readings, rejects };
}

export const PERIODS: Record<string, 'minute' | 'hour' | 'day'> = { '2051': 'minute', '2061': 'hour', '2031': 'day' };

/**
 * 2051/2061/2031 (HJ 212-2017 Table 9): the logger's own minute/hour/day values, DataTime the start of
 * the interval (Table 4). Measurement `logger_means`, tags site/pollutant/period/mn, fields min/avg/max/cou/flag.
 * Kept apart from the real-time readings: they do not feed the real-time rules a second time.
 */
export function aggregatePoints(p: Hj212Packet, logger: LoggerEntry): { points: LoggerPoint[]; rejects: Reject[] } {
  const points: LoggerPoint[] = [];
  const rejects: Reject[] = [];
  const period = PERIODS[p.cn]!;
  const at = p.cp.dataTime === undefined ? undefined : parseHj212Time(p.cp.dataTime);
  if (at === undefined) return { points, rejects: [{ reason: 'bad-time', detail: `DataTime "${p.cp.dataTime ?? ''}" is not yyyyMMddHHmmss` }] };
  for (const [factor, fields] of Object.entries(p.cp.factors)) {
    const pollutant = pollutantOf(logger.device, factor);
    if (!pollutant) {
      rejects.push({ reason: 'unknown-factor', detail: `${logger.device.id}: factor ${factor} is not one of the logger's channels` });
      continue;
    }
    const out: Record<string, number | string> = {};
    let bad: string | undefined;
    for (const key of ['Min', 'Avg', 'Max', 'Cou'] as const) {
      if (fields[key] === undefined) continue;
      const v = parseNumber(fields[key]);
      if (v === undefined) bad = `${factor}-${key}=${fields[key]}`;
      else out[key.toLowerCase()] = v;
    }
    if (bad) {
      rejects.push({ reason: 'bad-number', detail: bad });
      continue;
    }
    const flag = flagOf(fields.Flag);
    if (!flag) {
      rejects.push({ reason: 'bad-flag', detail: `${factor}-Flag=${fields.Flag}` });
      continue;
    }
    if (Object.keys(out).length === 0) continue;
    points.push({ measurement: 'logger_means', tags: { site: logger.site, pollutant, period, mn: logger.device.mn }, fields: { ...out, flag }, timestamp: at });
  }
  return { points, rejects };
}

/**
 * 2021 facility status (SBxxx-RS: 0 off, 1 running, 2 calibration, 3 maintenance, 4 alarm, 5 blowback) and
 * 2041 facility run time (SBxxx-RT, hours per day) (HJ 212-2017 Table 4): their own points, measurement
 * `logger_facility`, tags site/facility/mn; they are not pollutant readings.
 */
export function facilityPoints(p: Hj212Packet, logger: LoggerEntry): { points: LoggerPoint[]; rejects: Reject[] } {
  const points: LoggerPoint[] = [];
  const rejects: Reject[] = [];
  const at = p.cp.dataTime === undefined ? undefined : parseHj212Time(p.cp.dataTime);
  if (at === undefined) return { points, rejects: [{ reason: 'bad-time', detail: `DataTime "${p.cp.dataTime ?? ''}" is not yyyyMMddHHmmss` }] };
  for (const [facility, fields] of Object.entries(p.cp.factors)) {
    for (const key of ['RS', 'RT'] as const) {
      if (fields[key] === undefined) continue;
      const v = parseNumber(fields[key]);
      if (v === undefined) rejects.push({ reason: 'bad-number', detail: `${facility}-${key}=${fields[key]}` });
      else points.push({ measurement: 'logger_facility', tags: { site: logger.site, facility, mn: logger.device.mn }, fields: { [key.toLowerCase()]: v }, timestamp: at });
    }
  }
  return { points, rejects };
}
