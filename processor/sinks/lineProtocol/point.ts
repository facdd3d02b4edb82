/**
 * InfluxDB line protocol, written once (InfluxDB 1.x docs "Line protocol reference"; 2.x "Line protocol"):
 *
 *   measurement[,tag_key=tag_value...] field_key=field_value[,...] timestamp
 *
 * Escaping (a backslash before the character):
 * - measurement: comma, space
 * - tag keys, tag values, field keys: comma, equals sign, space
 * - string field values (in double quotes): double quote, backslash
 * InfluxDB 1.x does not unescape `\\` in names and tag values (models/points.go unescapeTag), so a
 * backslash is written as it is; one right before a separator or at the end would escape the separator,
 * so such a name cannot be written and is refused. Line protocol has no escape for a line break in a
 * name or tag value (refused); in a string field it is written as the two characters `\n`.
 */

/** The project's point: what one line of line protocol carries. Timestamps are epoch milliseconds (precision ms). */
export type FieldValue = number | string | boolean;
export interface Point {
  readonly measurement: string;
  readonly tags?: Readonly<Record<string, string | undefined>>;
  readonly fields: Readonly<Record<string, FieldValue | undefined>>;
  /** epoch milliseconds */
  readonly timestamp: number;
}

/** A point that cannot be written as a line (no field, a non-finite number, an unwritable name ...). */
export class LineProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LineProtocolError';
  }
}

const MEASUREMENT_SPECIAL = /[, ]/g;
const KEY_SPECIAL = /[,= ]/g;
const STRING_SPECIAL = /["\\]/g;
const BAD_BACKSLASH_MEASUREMENT = /\\([, ]|$)/;
const BAD_BACKSLASH_KEY = /\\([,= ]|$)/;

function checkName(what: string, s: string, badBackslash: RegExp): void {
  if (s.includes('\n') || s.includes('\r')) throw new LineProtocolError(`${what} ${JSON.stringify(s)} contains a line break`);
  if (badBackslash.test(s)) throw new LineProtocolError(`${what} ${JSON.stringify(s)} has a backslash before a separator or at its end`);
}

export function escapeMeasurement(s: string): string {
  if (s === '') throw new LineProtocolError('point has no measurement');
  checkName('measurement', s, BAD_BACKSLASH_MEASUREMENT);
  return s.replace(MEASUREMENT_SPECIAL, '\\$&');
}

/** tag key, tag value or field key */
export function escapeKey(s: string, what = 'tag'): string {
  checkName(what, s, BAD_BACKSLASH_KEY);
  return s.replace(KEY_SPECIAL, '\\$&');
}

/** a string field value, with its double quotes */
export function quoteString(s: string): string {
  return `"${s.replace(STRING_SPECIAL, '\\$&').replace(/\r?\n/g, '\\n')}"`;
}

/**
 * A float field value: String(n), as the `influx` client writes it ("5", "0.5", "-3", "1e-7", "1e+21"),
 * the shortest text that parses back to the same double (ECMA-262 Number::toString), which InfluxDB
 * reads with Go's strconv.ParseFloat. Never an `i` suffix: a first value of 5 must not create an
 * integer field that refuses 5.5 later. -0 is written "0".
 */
export function formatFloat(n: number): string {
  if (!Number.isFinite(n)) throw new LineProtocolError(`value ${n} is not a finite number`);
  return String(n);
}

function fieldValue(k: string, v: FieldValue): string {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new LineProtocolError(`field ${k}=${v} is not a finite number`);
    return String(v);
  }
  if (typeof v === 'string') return quoteString(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  throw new LineProtocolError(`field ${k} has unsupported type ${typeof v}`);
}

/** `measurement,tag=v,...` with tags sorted by key (InfluxDB's own order) and empty tag values left out */
export function seriesKey(measurement: string, tags: Readonly<Record<string, string | undefined>> = {}): string {
  let key = escapeMeasurement(measurement);
  for (const k of Object.keys(tags).sort()) {
    const v = tags[k];
    if (v === undefined || v === '') continue; // line protocol has no empty tag values
    key += `,${escapeKey(k)}=${escapeKey(v)}`;
  }
  return key;
}

/** timestamp as line-protocol digits (epoch ms, a signed 64-bit integer in the request's precision) */
export function formatTimestamp(ms: number): string {
  if (!Number.isSafeInteger(ms)) throw new LineProtocolError(`timestamp ${ms} is not integer epoch milliseconds`);
  return String(ms);
}

/** One point as one line (without the line feed); fields sorted by key. */
export function toLine(p: Point): string {
  let fields = '';
  for (const k of Object.keys(p.fields).sort()) {
    const v = p.fields[k];
    if (v === undefined) continue;
    fields += `${fields ? ',' : ''}${escapeKey(k, 'field')}=${fieldValue(k, v)}`;
  }
  if (!fields) throw new LineProtocolError(`point of ${p.measurement} has no field`);
  return `${seriesKey(p.measurement, p.tags)} ${fields} ${formatTimestamp(p.timestamp)}`;
}
