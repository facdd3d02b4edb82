import type { FileHandle } from 'node:fs/promises';
import { HEADER_BYTES, nextMarker, parseRecord } from './record.js';

export interface RecordAt {
  /** byte offset of the record in its segment */
  offset: number;
  size: number;
  count: number;
  payload: Buffer;
  /** record format (record.ts) */
  format: number;
}

/** Bytes that are not a valid record (checksum mismatch, torn tail, garbage): reported and skipped. */
export interface Damage {
  offset: number;
  bytes: number;
  why: string;
  /** the first bytes of the damaged range, for the dead-letter entry */
  sample: Buffer;
}

export interface SegmentRead {
  records: RecordAt[];
  damage: Damage[];
  /** where the next read starts: just after the last record or damaged range consumed */
  next: number;
  /** stopped before a record that would take the items past maxItems (it is the next to read) */
  limited: boolean;
}

export interface ReadLimits {
  /**
   * at most this many items (the records' item counts): stops before a record that would exceed it,
   * unless nothing has been read yet and `firstMayExceed` (a record larger than a request goes alone)
   */
  maxItems: number;
  firstMayExceed?: boolean;
  /** stop after this many record bytes */
  maxBytes: number;
}

const SAMPLE_BYTES = 256;

async function readAt(fh: FileHandle, position: number, length: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await fh.read(buf, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buf.subarray(0, got);
}

/** First offset after `from` (before `end`) where a valid record starts; `end` when there is none. */
async function resync(fh: FileHandle, from: number, end: number, chunkBytes: number): Promise<number> {
  for (let base = from; base < end; base += chunkBytes) {
    const buf = await readAt(fh, base, Math.min(chunkBytes + HEADER_BYTES, end - base));
    for (let i = nextMarker(buf, 0); i >= 0 && i < chunkBytes; i = nextMarker(buf, i + 1)) {
      let p = parseRecord(buf, i);
      if (p.kind === 'short' && p.size !== undefined && base + i + p.size <= end) p = parseRecord(await readAt(fh, base + i, p.size), 0);
      if (p.kind === 'record') return base + i;
    }
    if (buf.length < Math.min(chunkBytes + HEADER_BYTES, end - base)) break;
  }
  return end;
}

/**
 * Reads the records of one segment from `from` towards `end` until a limit is reached. `end` is
 * final (a sealed segment, or the committed size of the live one); a record cut off at `end` is a
 * torn tail, reported as damage. Damage in the middle is skipped up to the next valid record.
 */
export async function readSegment(fh: FileHandle, from: number, end: number, limits: ReadLimits, chunkBytes = 1 << 20): Promise<SegmentRead> {
  const out: SegmentRead = { records: [], damage: [], next: from, limited: false };
  let items = 0;
  let bytes = 0;
  let need = 0;
  const full = () => out.limited || items >= limits.maxItems || bytes >= limits.maxBytes;
  const damaged = async (offset: number, upTo: number, why: string) => {
    const sample = await readAt(fh, offset, Math.min(SAMPLE_BYTES, upTo - offset));
    out.damage.push({ offset, bytes: upTo - offset, why, sample });
    out.next = upTo;
  };
  while (out.next < end && !full()) {
    const pos = out.next;
    const wanted = Math.min(Math.max(chunkBytes, need), end - pos);
    const buf = await readAt(fh, pos, wanted);
    // the file is shorter than recorded (e.g. lost on power failure): what is missing cannot be read
    if (buf.length < wanted) end = pos + buf.length;
    if (buf.length === 0) break;
    need = 0;
    let at = 0;
    while (at < buf.length && !full()) {
      const p = parseRecord(buf, at);
      if (p.kind === 'record') {
        if (items + p.count > limits.maxItems && (out.records.length > 0 || !limits.firstMayExceed)) {
          out.limited = true;
          break;
        }
        out.records.push({ offset: pos + at, size: p.size, count: p.count, payload: p.payload, format: p.format });
        items += p.count;
        bytes += p.size;
        at += p.size;
        out.next = pos + at;
        continue;
      }
      if (p.kind === 'short' && pos + at + (p.size ?? HEADER_BYTES) <= end) {
        need = p.size ?? HEADER_BYTES; // the record continues past this buffer: read again from it
        break;
      }
      if (p.kind === 'short') {
        await damaged(pos + at, end, 'torn record at the end of the segment');
        break;
      }
      const good = await resync(fh, pos + at + 1, end, chunkBytes);
      await damaged(pos + at, good, p.why);
      break;
    }
  }
  if (out.next > end) out.next = end;
  return out;
}

/** Counts the valid records and items of a segment region (start-up, to know what is pending). */
export async function countSegment(fh: FileHandle, from: number, end: number, chunkBytes = 1 << 20): Promise<{ records: number; items: number }> {
  let records = 0;
  let items = 0;
  for (let pos = from; pos < end; ) {
    const r = await readSegment(fh, pos, end, { maxItems: Number.POSITIVE_INFINITY, maxBytes: chunkBytes }, chunkBytes);
    records += r.records.length;
    for (const rec of r.records) items += rec.count;
    if (r.next <= pos) break;
    pos = r.next;
  }
  return { records, items };
}
