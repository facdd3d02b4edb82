import { open } from 'node:fs/promises';
import { asyncScheduler } from 'rxjs';
import { backoffDelay, deliver, notify, type DeliveryOptions } from '../write/index.js';
import { jsonCodec, readBatch, sizingOf, trimTail, type Batch, type Codec, type Tail } from './batchReader.js';
import { comparePositions } from './checkpoint.js';
import { resolveSpoolConfig } from './config.js';
import { reportDamage } from './damage.js';
import { countSegment } from './reader.js';
import { encodeRecord, FORMAT } from './record.js';
import { createSegmentStore, type Segment } from './store.js';
import type { SpoolCounters, SpoolFactory, SpoolOptions, SpoolQueue } from './types.js';
import { createWaker } from './waker.js';

const LOUD_EVERY_MS = 10_000;

/**
 * A write queue on disk (README "Spool"): push() appends one checksummed record synchronously to the live
 * segment (in the OS page cache when it returns, so kill -9 loses nothing pushed; it throws when the
 * batch could not be appended); one writer replays
 * from the head in order, in requests of up to `batchSize` points, while new records are appended
 * behind it. The result is the InfluxDB sink's `createQueue`, and also the spool's status for metrics
 * (bytes(), full()) once the sink has created the queue. One queue per directory.
 */
export function createSpoolQueue<T>(spool: SpoolOptions<T>): SpoolFactory<T> {
  let queue: SpoolQueue<T> | undefined;
  const factory = (opts: DeliveryOptions<T>) => {
    if (queue) throw new Error(`spool ${spool.dir} already has its queue: one writer per directory`);
    return (queue = spoolQueue(spool, opts));
  };
  return Object.defineProperties(factory, {
    bytes: { value: () => queue?.bytes() ?? 0 },
    full: { value: () => queue?.full() ?? false },
    queue: { get: () => queue },
  }) as SpoolFactory<T>;
}

function spoolQueue<T>(spool: SpoolOptions<T>, opts: DeliveryOptions<T>): SpoolQueue<T> {
  const cfg = resolveSpoolConfig(spool);
  const log = spool.log;
  const codec = spool.codec ?? (jsonCodec as Codec<T>);
  const sizing = sizingOf(codec);
  const scheduler = opts.scheduler ?? asyncScheduler;
  const batchSize = opts.batchSize ?? 5000;
  const lingerMs = opts.lingerMs ?? 1000;
  const tailMax = cfg.tailPoints ?? 2 * batchSize;
  const c = { recordsAppended: 0, pointsAppended: 0, replayedPoints: 0, droppedPoints: 0, droppedRecords: 0, corruptRecords: 0, corruptBytes: 0 };
  const tail: Tail<T> = { entries: [], items: 0 };
  const data = createWaker(scheduler);
  const pause = createWaker(scheduler);
  const drainers = new Set<() => void>();
  const loud = new Map<string, number>();
  let started = false;
  let closed = false;
  let idle = false;
  let lingering = false;
  let inflight: Batch<T> | undefined;
  let scanned: Promise<void> = Promise.resolve();

  /** loud, but at most once per LOUD_EVERY_MS per kind (a full spool would otherwise log every point) */
  const shout = (kind: string, fields: object, msg: string) => {
    const now = scheduler.now();
    if (now - (loud.get(kind) ?? -Infinity) < LOUD_EVERY_MS) return;
    loud.set(kind, now);
    log?.error({ ...fields, ...counters() }, msg);
  };
  const lose = (items: number, records: number, why: string) => {
    c.droppedPoints += items;
    c.droppedRecords += records;
    notify(opts.onDroppedCount, items, why);
  };

  const store = createSegmentStore({
    dir: cfg.dir,
    segmentBytes: cfg.segmentBytes,
    maxBytes: cfg.maxBytes,
    whenFull: cfg.whenFull,
    fsyncIntervalMs: cfg.fsyncIntervalMs,
    scheduler,
    onError: (what, err) => log?.error({ err: (err as Error).message }, what),
    onDropSegment(seg: Segment) {
      // points of this segment already in the request being written are not lost
      const sent = inflight?.taken.get(seg.seq);
      lose(seg.items - (sent?.items ?? 0), seg.records - (sent?.records ?? 0), 'spool full: oldest segment dropped');
      tail.entries = tail.entries.filter((e) => e.pos.segment !== seg.seq);
      tail.items = tail.entries.reduce((n, e) => n + e.count, 0);
      log?.error({ file: seg.file, bytes: seg.size, records: seg.records, points: seg.items, maxBytes: cfg.maxBytes }, 'SPOOL FULL: oldest segment dropped; its points are lost');
    },
  });

  const pending = () => store.segments.reduce((n, s) => ({ records: n.records + s.records, items: n.items + s.items }), { records: 0, items: 0 });
  /** bytes from the head on: what is not yet written */
  const pendingBytes = () => store.segments.reduce((n, s) => n + (s.seq < store.head.segment ? 0 : s.seq === store.head.segment ? Math.max(0, s.size - store.head.offset) : s.size), 0);
  const counters = (): SpoolCounters => {
    const p = pending();
    const s = store.counters;
    return { bytes: store.bytes(), pendingBytes: pendingBytes(), segments: store.segments.length, recordsPending: p.records, pointsPending: p.items, ...c, droppedSegments: s.droppedSegments, fsyncs: s.fsyncs, fsyncErrors: s.fsyncErrors, appendErrors: s.appendErrors };
  };
  const settleDrainers = () => {
    if (closed || pending().items === 0) for (const done of [...drainers]) done();
  };

  function acknowledge(b: Batch<T>): void {
    for (const [seq, t] of b.taken) {
      const seg = store.get(seq);
      if (seg) {
        seg.records -= t.records;
        seg.items -= t.items;
      }
    }
    try {
      store.ack(b.end);
    } catch (err) {
      log?.error({ err: (err as Error).message }, 'spool: checkpoint not written; those batches will be written again after a restart');
    }
    trimTail(tail, store.head);
  }

  /** one round of the writer: wait for data, read the next batch from the head, write it, move the head */
  async function step(): Promise<void> {
    const live = store.segments[store.segments.length - 1]!;
    if (pending().records === 0 && store.head.segment === live.seq && store.head.offset === live.size) {
      idle = true;
      await data.wait();
      idle = false;
      return;
    }
    // the database keeps up: wait up to lingerMs for a fuller request (as the in-memory batching did)
    const first = tail.entries[0];
    if (first && comparePositions(first.pos, store.head) === 0 && tail.items < batchSize && drainers.size === 0) {
      const left = first.at + lingerMs - scheduler.now();
      if (left > 0) {
        lingering = true;
        await data.wait(left);
        lingering = false;
        return;
      }
    }
    const b = await readBatch(store, tail, codec, batchSize);
    if (closed) return;
    reportDamage(b, c, spool.deadLetters, log);
    if (b.items.length > 0) {
      inflight = b;
      const done = await deliver(b.items, opts, pause, () => closed, sizing).finally(() => (inflight = undefined));
      if (!done) return;
      for (const t of b.taken.values()) if (t.previousRun) c.replayedPoints += t.decoded;
    } else if (comparePositions(b.end, store.head) <= 0 && b.damage.length === 0) {
      await data.wait(1000); // nothing readable yet
      return;
    }
    acknowledge(b);
    settleDrainers();
  }

  async function pump(): Promise<void> {
    await scanned;
    let failures = 0;
    while (!closed) {
      try {
        await step();
        failures = 0;
      } catch (err) {
        if (closed) break;
        // e.g. a segment that cannot be read: nothing is skipped, the writer tries again
        log?.error({ err: (err as Error).message }, 'spool writer: reading the spool failed; retrying');
        await pause.wait(backoffDelay(++failures, opts.backoff));
      }
    }
  }

  /** counts what the segments left by a previous run hold (the writer starts once this is done) */
  async function scan(segments: Segment[]): Promise<void> {
    for (const seg of segments) {
      const from = seg.seq === store.head.segment ? store.head.offset : 0;
      try {
        const fh = await open(seg.file, 'r');
        try {
          const n = await countSegment(fh, from, seg.size);
          seg.records = n.records;
          seg.items = n.items;
        } finally {
          await fh.close();
        }
      } catch (err) {
        log?.error({ file: seg.file, err: (err as Error).message }, 'spool: cannot read a segment left by a previous run');
      }
    }
  }

  const queue: SpoolQueue<T> = {
    durable: true,
    start() {
      if (started) return;
      started = true;
      let opened: { problem?: string; formats: number[] };
      try {
        opened = store.open();
      } catch (err) {
        const m = (err as Error).message;
        throw new Error(m.startsWith('spool directory') ? m : `spool directory ${cfg.dir} cannot be used: ${m}`, { cause: err });
      }
      if (opened.problem) log?.warn({ problem: opened.problem }, 'spool: checkpoint unreadable; replaying every segment');
      if (opened.formats.some((f) => f !== FORMAT)) log?.warn({ dir: cfg.dir, formats: opened.formats }, `spool: segments of an earlier spool format found; they are converted to format ${FORMAT} as they are replayed`);
      const previous = store.segments.filter((s) => s.previousRun);
      scanned = scan(previous).then(() => {
        const found = previous.reduce((n, s) => n + s.items, 0);
        if (found > 0) log?.warn({ points: found, segments: previous.length, bytes: previous.reduce((n, s) => n + s.size, 0) }, 'spool: replaying what the previous run had not written');
      });
      void pump();
    },
    push(batch) {
      if (closed) throw new Error(`spool ${cfg.dir} is closed`);
      if (!started) queue.start();
      const points = sizing.count(batch);
      if (points === 0) return;
      let record: Buffer;
      try {
        record = encodeRecord(codec.encode(batch), points);
      } catch (err) {
        lose(points, 1, 'not encodable');
        log?.error({ err: (err as Error).message, points }, 'spool: batch cannot be encoded; dropped');
        throw new Error(`spool ${cfg.dir}: batch of ${points} cannot be encoded: ${(err as Error).message}`, { cause: err });
      }
      const r = store.append(record, points);
      if (!r.ok) {
        lose(points, 1, r.reason === 'full' ? 'spool full: new points refused' : `spool append failed (${r.reason})`);
        const err = r.err instanceof Error ? r.err.message : undefined;
        shout(r.reason, { err, maxBytes: cfg.maxBytes }, r.reason === 'full' ? 'SPOOL FULL: new points refused (drop-newest)' : 'spool: append failed; points dropped');
        const why = r.reason === 'full' ? `full (${cfg.maxBytes} bytes, drop-newest)` : r.reason === 'too-large' ? `a record of ${record.length} bytes exceeds half the bound` : `append failed: ${err ?? 'unknown error'}`;
        throw new Error(`spool ${cfg.dir}: ${points} points not made durable: ${why}`, r.err === undefined ? undefined : { cause: r.err });
      }
      c.recordsAppended++;
      c.pointsAppended += points;
      if (tailMax > 0) {
        tail.entries.push({ pos: r.at, size: record.length, items: batch as T[], count: points, at: scheduler.now() });
        tail.items += points;
        while (tail.items > tailMax && tail.entries.length > 0) tail.items -= tail.entries.shift()!.count;
      }
      if (idle || (lingering && tail.items >= batchSize)) data.wake();
    },
    drain(timeoutMs) {
      return new Promise<number>((resolve) => {
        let timer: { unsubscribe(): void } | undefined;
        const done = () => {
          drainers.delete(done);
          timer?.unsubscribe();
          resolve(pending().items);
        };
        drainers.add(done);
        if (timeoutMs !== undefined) timer = scheduler.schedule(done, timeoutMs);
        if (lingering) data.wake(); // someone waits for everything: no fuller request to wait for
        void scanned.then(settleDrainers);
      });
    },
    close() {
      if (!closed) {
        closed = true;
        data.wake();
        pause.wake();
        // points of a dropped segment that were in the unfinished request are lost after all
        for (const [seq, t] of inflight?.taken ?? []) if (!store.get(seq)) lose(t.items, t.records, 'spool full: oldest segment dropped');
        store.close();
        const left = pending();
        if (left.items > 0) log?.warn({ points: left.items, records: left.records, bytes: store.bytes(), dir: cfg.dir }, 'spool: points stay on disk for the next start');
        settleDrainers();
      }
      return pending().items;
    },
    get queued() {
      return pending().items;
    },
    get counters() {
      return counters();
    },
    get stats() {
      return { ...counters() };
    },
    bytes: () => pendingBytes(),
    full: () => store.bytes() + cfg.segmentBytes > cfg.maxBytes,
  };
  return queue;
}
