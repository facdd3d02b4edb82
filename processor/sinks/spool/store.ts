import * as fs from 'node:fs';
import { join } from 'node:path';
import type { SchedulerLike, Subscription } from 'rxjs';
import { comparePositions, readCheckpoint, writeCheckpoint, type Position } from './checkpoint.js';
import { FORMAT, FORMATS, markerFormat } from './record.js';

/** the record format a segment file starts with (undefined: empty or not starting with a marker) */
function firstFormat(file: string): number | undefined {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(4);
    return fs.readSync(fd, buf, 0, 4, 0) === 4 ? markerFormat(buf, 0) : undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/** One segment file. `records`/`items` count what is still to be written (from the head, for the head segment). */
export interface Segment {
  seq: number;
  file: string;
  /** bytes in the file (committed: whole records only, for the live segment) */
  size: number;
  records: number;
  items: number;
  /** no more appends: rotated away, or left by a previous run */
  sealed: boolean;
  /** written by a previous run of the process (replayed at start) */
  previousRun: boolean;
}

export type WhenFull = 'drop-oldest' | 'drop-newest';

export interface StoreOptions {
  dir: string;
  segmentBytes: number;
  maxBytes: number;
  whenFull: WhenFull;
  /** 0: fdatasync after every append; otherwise at most this long after an append (group commit) */
  fsyncIntervalMs: number;
  scheduler: SchedulerLike;
  /** a sealed segment removed to make room (drop-oldest), before it is deleted */
  onDropSegment: (seg: Segment) => void;
  onError: (what: string, err: unknown) => void;
}

export type AppendResult = { ok: true; at: Position } | { ok: false; reason: 'full' | 'too-large' | 'error'; err?: unknown };

export interface StoreCounters {
  fsyncs: number;
  fsyncErrors: number;
  appendErrors: number;
  droppedSegments: number;
}

export interface SegmentStore {
  /**
   * lists the directory, reads the checkpoint, deletes what it says was written, opens a new live
   * segment; throws when a segment is of a format this version cannot read (written by a newer one).
   * `formats`: the record formats the segments left by the previous run start with.
   */
  open(): { problem?: string; formats: number[] };
  /** oldest first; the last one is the live segment */
  readonly segments: readonly Segment[];
  readonly head: Position;
  get(seq: number): Segment | undefined;
  after(seq: number): Segment | undefined;
  /** appends one encoded record (synchronous write: in the OS page cache when this returns) */
  append(record: Buffer, items: number): AppendResult;
  /** everything before `pos` is written: checkpoint, then delete the segments wholly before it */
  ack(pos: Position): void;
  bytes(): number;
  readonly counters: StoreCounters;
  /** fdatasync and close the live segment */
  close(): void;
}

const NAME = /^seg-(\d{12})\.log$/;
const fileOf = (dir: string, seq: number) => join(dir, `seg-${String(seq).padStart(12, '0')}.log`);

/** Append-only segment files of one spool directory, the size bound and the fsync policy. */
export function createSegmentStore(o: StoreOptions): SegmentStore {
  const segments: Segment[] = [];
  const counters: StoreCounters = { fsyncs: 0, fsyncErrors: 0, appendErrors: 0, droppedSegments: 0 };
  let head: Position = { segment: 0, offset: 0 };
  let fd: number | undefined;
  let broken = false;
  let dirty = false;
  let timer: Subscription | undefined;

  const live = () => segments[segments.length - 1];
  const sync = (target: number, then?: () => void) => {
    counters.fsyncs++;
    fs.fdatasync(target, (err) => {
      if (err) {
        counters.fsyncErrors++;
        o.onError('fdatasync of a spool segment failed', err);
      }
      then?.();
    });
  };
  const syncDir = () =>
    fs.open(o.dir, 'r', (err, dfd) => {
      if (err) return;
      fs.fsync(dfd, () => fs.close(dfd, () => undefined));
    });
  const groupCommit = () => {
    timer = undefined;
    if (dirty && fd !== undefined) {
      dirty = false;
      sync(fd);
    }
  };
  const unlink = (seg: Segment) => {
    try {
      fs.unlinkSync(seg.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') o.onError(`cannot delete ${seg.file}`, err);
    }
  };

  /** seal the live segment (fdatasync, then close) and start the next one */
  function rotate(): void {
    const prev = live();
    if (fd !== undefined) {
      const old = fd;
      fd = undefined;
      dirty = false;
      sync(old, () => fs.close(old, () => undefined));
    }
    if (prev) prev.sealed = true;
    const seq = Math.max(prev?.seq ?? 0, head.segment) + 1;
    const file = fileOf(o.dir, seq);
    fd = fs.openSync(file, 'a');
    broken = false;
    segments.push({ seq, file, size: 0, records: 0, items: 0, sealed: false, previousRun: false });
    syncDir(); // the new directory entry survives a power loss
  }

  /** drop-oldest: remove the oldest sealed segment; the head moves past it */
  function dropOldest(): boolean {
    const oldest = segments[0];
    if (!oldest || oldest === live()) return false;
    o.onDropSegment(oldest);
    segments.shift();
    counters.droppedSegments++;
    unlink(oldest);
    if (head.segment <= oldest.seq) {
      head = { segment: segments[0]!.seq, offset: 0 };
      writeCheckpoint(o.dir, head);
    }
    return true;
  }

  const store: SegmentStore = {
    open() {
      fs.mkdirSync(o.dir, { recursive: true });
      const seqs = fs
        .readdirSync(o.dir)
        .map((f) => NAME.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .map(Number)
        .sort((a, b) => a - b);
      const cp = readCheckpoint(o.dir);
      head = cp.pos ?? { segment: seqs[0] ?? 0, offset: 0 };
      for (const seq of seqs) {
        const file = fileOf(o.dir, seq);
        // wholly before the checkpoint: written before the last stop or crash
        if (seq < head.segment) unlink({ seq, file } as Segment);
        else segments.push({ seq, file, size: fs.statSync(file).size, records: 0, items: 0, sealed: true, previousRun: true });
      }
      const formats = [...new Set(segments.map((s) => firstFormat(s.file)).filter((f): f is number => f !== undefined))].sort();
      const unknown = formats.filter((f) => !FORMATS.includes(f));
      if (unknown.length > 0) {
        segments.length = 0;
        throw new Error(
          `spool directory ${o.dir} holds segments of spool format ${unknown.join(', ')}, written by a newer gateway; this one reads formats ${FORMATS.join(', ')} and writes ${FORMAT}. ` +
            'Start the newer gateway again until the spool is empty (park_spool_bytes 0), or move the directory aside (its points are then not written).',
        );
      }
      rotate();
      if (segments[0]!.seq !== head.segment) head = { segment: segments[0]!.seq, offset: 0 };
      writeCheckpoint(o.dir, head);
      return cp.problem === undefined ? { formats } : { problem: cp.problem, formats };
    },
    get segments() {
      return segments;
    },
    get head() {
      return head;
    },
    get: (seq) => segments.find((s) => s.seq === seq),
    after: (seq) => segments.find((s) => s.seq > seq),
    append(record, items) {
      if (record.length > o.maxBytes / 2) return { ok: false, reason: 'too-large' };
      try {
        const cur = live();
        if (fd === undefined || broken || (cur && cur.size > 0 && cur.size + record.length > o.segmentBytes)) rotate();
        while (store.bytes() + record.length > o.maxBytes) {
          if (o.whenFull === 'drop-newest' || !dropOldest()) return { ok: false, reason: 'full' };
        }
        const seg = live()!;
        const at = { segment: seg.seq, offset: seg.size };
        let done = 0;
        try {
          while (done < record.length) done += fs.writeSync(fd!, record, done, record.length - done);
        } catch (err) {
          // undo a partial record; the next append starts a new segment in any case
          broken = true;
          if (done > 0) fs.ftruncateSync(fd!, seg.size);
          throw err;
        }
        seg.size += record.length;
        seg.records++;
        seg.items += items;
        if (o.fsyncIntervalMs === 0) {
          counters.fsyncs++;
          fs.fdatasyncSync(fd!);
        } else {
          dirty = true;
          timer ??= o.scheduler.schedule(groupCommit, o.fsyncIntervalMs);
        }
        return { ok: true, at };
      } catch (err) {
        counters.appendErrors++;
        broken = true;
        return { ok: false, reason: 'error', err };
      }
    },
    ack(pos) {
      if (comparePositions(pos, head) <= 0) return;
      head = pos;
      writeCheckpoint(o.dir, head);
      while (segments.length > 1 && segments[0]!.seq < head.segment) unlink(segments.shift()!);
    },
    bytes: () => segments.reduce((n, s) => n + s.size, 0),
    counters,
    close() {
      timer?.unsubscribe();
      timer = undefined;
      if (fd === undefined) return;
      try {
        counters.fsyncs++;
        fs.fdatasyncSync(fd);
        fs.closeSync(fd);
      } catch (err) {
        counters.fsyncErrors++;
        o.onError('closing the live spool segment failed', err);
      }
      fd = undefined;
    },
  };
  return store;
}
