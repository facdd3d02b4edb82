import { open } from 'node:fs/promises';
import { onePointEach, type Sizing } from '../write/index.js';
import { comparePositions, type Position } from './checkpoint.js';
import { readSegment, type Damage } from './reader.js';
import type { Segment, SegmentStore } from './store.js';

/**
 * Encodes a batch as a record payload and back; `format` is the record's (record.ts), for payloads of
 * earlier versions, `count` the points its header states. `sizing` when an item is more than one point
 * (default: one item, one point); the record's header counts points.
 */
export interface Codec<T> {
  encode(batch: readonly T[]): Buffer;
  decode(payload: Buffer, format: number, count: number): T[];
  sizing?: Sizing<T>;
}

export const sizingOf = <T>(codec: Codec<T>): Sizing<T> => codec.sizing ?? (onePointEach as Sizing<T>);

/** UTF-8 JSON array (any JSON values; the spool's tests use numbers). */
export const jsonCodec: Codec<never> = {
  encode: (batch) => Buffer.from(JSON.stringify(batch), 'utf8'),
  decode: (payload) => {
    const v: unknown = JSON.parse(payload.toString('utf8'));
    if (!Array.isArray(v)) throw new Error('payload is not a JSON array');
    return v as never[];
  },
};

/** A record appended by this run, still in memory: the fast path when the database keeps up. */
export interface TailEntry<T> {
  pos: Position;
  size: number;
  items: T[];
  /** points the items hold */
  count: number;
  /** scheduler time of the append */
  at: number;
}

export interface Tail<T> {
  entries: TailEntry<T>[];
  /** points */
  items: number;
}

export interface Taken {
  records: number;
  /** items the records hold (as their headers say) */
  items: number;
  /** points decoded and in the batch */
  decoded: number;
  previousRun: boolean;
}

/** What one write request carries, and how far the head moves once it is written. */
export interface Batch<T> {
  items: T[];
  /** points the items hold */
  count: number;
  end: Position;
  /** per segment: records and items taken from it */
  taken: Map<number, Taken>;
  damage: (Damage & { file: string })[];
  undecodable: { file: string; offset: number; payload: Buffer; why: string }[];
}

const MAX_READ_BYTES = 8 * 1024 * 1024;

/** drops tail entries before `pos` (already read from disk, or written) */
export function trimTail<T>(tail: Tail<T>, pos: Position): void {
  while (tail.entries[0] && comparePositions(tail.entries[0].pos, pos) < 0) tail.items -= tail.entries.shift()!.count;
}

async function readFrom(seg: Segment, from: number, end: number, maxItems: number, firstMayExceed: boolean) {
  const fh = await open(seg.file, 'r');
  try {
    return await readSegment(fh, from, end, { maxItems, firstMayExceed, maxBytes: MAX_READ_BYTES });
  } finally {
    await fh.close();
  }
}

/**
 * Assembles the next batch from the head: records of this run from the in-memory tail when they are
 * there, otherwise from the segment files, in order, across segment boundaries, up to `limit` items
 * points (a record is never split, so one large record may exceed it). Damaged bytes are listed, not fatal.
 */
export async function readBatch<T>(store: SegmentStore, tail: Tail<T>, codec: Codec<T>, limit: number): Promise<Batch<T>> {
  const sizing = sizingOf(codec);
  restart: for (;;) {
    let pos = store.head;
    const b: Batch<T> = { items: [], count: 0, end: pos, taken: new Map(), damage: [], undecodable: [] };
    /** `count`: the points the records' headers state; `decoded`: the points of `items` */
    const take = (seg: Segment, records: number, items: T[], count: number, decoded = count) => {
      const t = b.taken.get(seg.seq) ?? { records: 0, items: 0, decoded: 0, previousRun: seg.previousRun };
      t.records += records;
      t.items += count;
      t.decoded += decoded;
      b.taken.set(seg.seq, t);
      b.count += decoded;
      for (const item of items) b.items.push(item);
    };
    while (b.count < limit) {
      const seg = store.get(pos.segment);
      if (!seg) continue restart; // dropped to make room while this batch was read
      trimTail(tail, pos);
      const first = tail.entries[0];
      if (first && first.pos.segment === seg.seq && first.pos.offset === pos.offset) {
        let took = false;
        for (let e = tail.entries[0]; e && e.pos.segment === seg.seq && e.pos.offset === pos.offset; e = tail.entries[0]) {
          if (b.count > 0 && b.count + e.count > limit) break;
          tail.entries.shift();
          tail.items -= e.count;
          take(seg, 1, e.items, e.count);
          pos = { segment: seg.seq, offset: e.pos.offset + e.size };
          took = true;
        }
        b.end = pos;
        if (!took) break; // the next record would overfill the batch
        continue;
      }
      const end = first && first.pos.segment === seg.seq && first.pos.offset > pos.offset ? first.pos.offset : seg.size;
      if (pos.offset >= end) {
        const next = seg.sealed ? store.after(seg.seq) : undefined;
        if (!next) break;
        pos = { segment: next.seq, offset: 0 };
        b.end = pos;
        continue;
      }
      const r = await readFrom(seg, pos.offset, end, limit - b.count, b.count === 0);
      if (!store.get(seg.seq)) continue restart;
      for (const d of r.damage) b.damage.push({ ...d, file: seg.file });
      for (const rec of r.records) {
        let items: T[] | undefined;
        try {
          items = codec.decode(rec.payload, rec.format, rec.count);
          const n = sizing.count(items);
          if (n !== rec.count) throw new Error(`${n} items decoded, header says ${rec.count}`);
        } catch (err) {
          b.undecodable.push({ file: seg.file, offset: rec.offset, payload: rec.payload, why: (err as Error).message });
          take(seg, 1, [], rec.count, 0);
          continue;
        }
        take(seg, 1, items, rec.count);
      }
      if (r.limited) {
        pos = { segment: seg.seq, offset: r.next };
        b.end = pos;
        break; // the next record would overfill the request
      }
      if (r.next <= pos.offset) {
        if (!seg.sealed) break;
        // a sealed segment file shorter than recorded (its tail lost): nothing more can be read from it
        b.damage.push({ file: seg.file, offset: pos.offset, bytes: end - pos.offset, why: 'segment file ends early', sample: Buffer.alloc(0) });
      }
      pos = { segment: seg.seq, offset: r.next > pos.offset ? r.next : end };
      b.end = pos;
    }
    trimTail(tail, b.end);
    return b;
  }
}
