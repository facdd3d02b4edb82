import { Point } from '@influxdata/influxdb-client';
import type { IPoint } from 'influx';

/** A point that cannot be written as a line (no measurement, no field, a non-finite number ...). */
export class LineProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LineProtocolError';
  }
}

/** epoch ms as line-protocol digits; a Date or a number (or numeric string) of milliseconds */
function timestampMs(ts: IPoint['timestamp']): string {
  if (ts instanceof Date) {
    const ms = ts.getTime();
    if (!Number.isFinite(ms)) throw new LineProtocolError('timestamp is an invalid Date');
    return String(ms);
  }
  const s = typeof ts === 'number' ? (Number.isSafeInteger(ts) ? String(ts) : '') : String(ts);
  // line protocol: the timestamp is a signed 64-bit integer in the request's precision (ms here)
  if (!/^-?\d{1,19}$/.test(s)) throw new LineProtocolError(`timestamp ${String(ts)} is not integer epoch milliseconds`);
  return s;
}

/**
 * One `influx` IPoint as one line of InfluxDB line protocol, with the client's own `Point` escaping:
 * `measurement,tag=v,... field=v,... <epoch ms>`.
 *
 * Every number becomes a float field (`Point.floatField`: a bare number, never an `i` suffix), so the
 * first value 5 does not create an integer field that would refuse 5.5 later; strings are string fields
 * (`flag="N"`), booleans boolean fields. A point without a timestamp is stamped with the current time.
 */
export function toLine(p: IPoint, now: () => number = Date.now): string {
  if (!p.measurement) throw new LineProtocolError('point has no measurement');
  const point = new Point(p.measurement);
  for (const [k, v] of Object.entries(p.tags ?? {})) {
    // line protocol has no empty tag values; a tag value ending in "\" would escape the separator after it
    if (v === '' || v === undefined) continue;
    if (String(v).endsWith('\\')) throw new LineProtocolError(`tag ${k}="${v}" ends with a backslash`);
    point.tag(k, String(v));
  }
  for (const [k, v] of Object.entries(p.fields ?? {})) {
    if (v === undefined || v === null) continue;
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new LineProtocolError(`field ${k}=${v} is not a finite number`);
      point.floatField(k, v);
    } else if (typeof v === 'string') point.stringField(k, v);
    else if (typeof v === 'boolean') point.booleanField(k, v);
    else throw new LineProtocolError(`field ${k} has unsupported type ${typeof v}`);
  }
  const ms = p.timestamp === undefined || p.timestamp === '' ? String(now()) : timestampMs(p.timestamp);
  const line = point.timestamp(ms).toLineProtocol({ convertTime: (t) => (t === undefined ? undefined : String(t)) });
  if (!line) throw new LineProtocolError(`point of ${p.measurement} has no field`);
  return line;
}

export interface Lines {
  lines: string[];
  /** points that could not be converted, with why */
  bad: { index: number; reason: string }[];
}

/** A batch as lines; points that cannot be converted are set aside, never costing the good ones. */
export function toLines(points: readonly IPoint[], now?: () => number): Lines {
  const out: Lines = { lines: [], bad: [] };
  points.forEach((p, index) => {
    try {
      out.lines.push(toLine(p, now));
    } catch (err) {
      out.bad.push({ index, reason: err instanceof Error ? err.message : String(err) });
    }
  });
  return out;
}
