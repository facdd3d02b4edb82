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
 * What the InfluxDB sink spools and posts: one record's payload, line-protocol lines joined by "\n"
 * (UTF-8), and the number of lines (points) in it. Rendered once at append; a request body is the
 * payloads of whole records joined by "\n", the bytes as they are on disk (design: "Serialise once").
 */
export interface Chunk {
  readonly payload: Buffer;
  readonly count: number;
}

const NL = Buffer.from('\n', 'latin1');

/** lines as one chunk */
export function linesChunk(lines: readonly string[]): Chunk {
  return { payload: Buffer.from(lines.join('\n'), 'utf8'), count: lines.length };
}

/** points the chunks hold */
export function countChunks(chunks: readonly Chunk[]): number {
  let n = 0;
  for (const c of chunks) n += c.count;
  return n;
}

/** A request body: the payloads joined by "\n", without copying when there is one. */
export function joinChunks(chunks: readonly Chunk[]): Buffer {
  if (chunks.length === 1) return chunks[0]!.payload;
  const parts: Buffer[] = [];
  for (const c of chunks) {
    if (c.payload.length === 0) continue;
    if (parts.length > 0) parts.push(NL);
    parts.push(c.payload);
  }
  return Buffer.concat(parts);
}

/** The lines of the chunks, at most `max` (the rare paths only: splitting on 413, a dead-letter sample). */
export function chunkLines(chunks: readonly Chunk[], max = Number.POSITIVE_INFINITY): string[] {
  const lines: string[] = [];
  for (const c of chunks) {
    if (lines.length >= max) break;
    if (c.payload.length === 0) continue;
    for (const l of c.payload.toString('utf8').split('\n')) {
      if (lines.length >= max) break;
      lines.push(l);
    }
  }
  return lines;
}

/**
 * Halves a request that InfluxDB found too large (413): at a record boundary near half the points when
 * there are several records, otherwise the one record's lines in two chunks (cut at a newline byte,
 * nothing decoded); order is kept.
 */
function halve(chunks: Chunk[]): [Chunk[], Chunk[]] | undefined {
  if (chunks.length > 1) {
    const half = countChunks(chunks) / 2;
    let k = 1;
    for (let acc = chunks[0]!.count; k < chunks.length - 1 && acc + chunks[k]!.count <= half; k++) acc += chunks[k]!.count;
    return [chunks.slice(0, k), chunks.slice(k)];
  }
  const c = chunks[0];
  if (!c || c.count < 2) return undefined;
  // the bytes as they are, cut after the newline that ends line ceil(count / 2)
  const h = Math.ceil(c.count / 2);
  let cut = -1;
  for (let i = 0; i < h; i++) {
    cut = c.payload.indexOf(0x0a, cut + 1);
    if (cut < 0) throw new Error(`a record of ${c.count} points holds only ${i + 1} lines`);
  }
  return [[{ payload: c.payload.subarray(0, cut), count: h }], [{ payload: c.payload.subarray(cut + 1), count: c.count - h }]];
}

/**
 * The spool's codec for the InfluxDB sink: an item is a chunk; a batch is pushed as one chunk, whose
 * payload is the record's payload (format 2) and comes back from disk as it was written. Records of
 * format 1 (a previous version's JSON points) are converted to line protocol once, when read.
 */
export const lineCodec: Codec<Chunk> = {
  encode: (chunks) => joinChunks(chunks),
  decode(payload, format, count) {
    if (format === 1) {
      const lines = legacyLines(payload);
      return lines.length === 0 ? [] : [linesChunk(lines)];
    }
    if ((payload.length === 0) !== (count === 0)) throw new Error(`a payload of ${payload.length} bytes for ${count} points`);
    return count === 0 ? [] : [{ payload, count }];
  },
  sizing: { count: countChunks, halve },
};
