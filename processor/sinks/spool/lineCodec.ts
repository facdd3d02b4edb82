import { toLine, type Point } from '../lineProtocol/index.js';
import type { Codec } from './batchReader.js';

/** A point as format 1 stored it: the `influx` client's IPoint, timestamp epoch ms as a string (or a Date as JSON). */
interface StoredPoint {
  measurement?: string;
  tags?: Record<string, string>;
  fields?: Record<string, number | string | boolean>;
  timestamp?: string | number;
}

function legacyTimestamp(t: StoredPoint['timestamp']): number {
  if (typeof t === 'number') return t;
  if (typeof t === 'string' && /^-?\d+$/.test(t)) return Number(t);
  if (typeof t === 'string') return Date.parse(t); // a Date serialised by JSON.stringify
  return Number.NaN;
}

/** A format-1 record (JSON array of IPoints) as lines of line protocol; throws when a point cannot be one. */
export function legacyLines(payload: Buffer): string[] {
  const v: unknown = JSON.parse(payload.toString('utf8'));
  if (!Array.isArray(v)) throw new Error('format-1 payload is not a JSON array');
  return (v as StoredPoint[]).map((p) => {
    const point: Point = { measurement: p.measurement ?? '', tags: p.tags ?? {}, fields: p.fields ?? {}, timestamp: legacyTimestamp(p.timestamp) };
    return toLine(point);
  });
}

/**
 * The spool's codec for the InfluxDB sink: an item is one line of line protocol; a record's payload is
 * its lines joined by "\n" (format 2), posted to InfluxDB as they are. Records of format 1 (a previous
 * version's JSON points) are converted on replay.
 */
export const lineCodec: Codec<string> = {
  encode: (lines) => Buffer.from(lines.join('\n'), 'utf8'),
  decode(payload, format) {
    if (format === 1) return legacyLines(payload);
    const text = payload.toString('utf8');
    return text === '' ? [] : text.split('\n');
  },
};
