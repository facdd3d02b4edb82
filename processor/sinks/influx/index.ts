import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import type { DeadLetterStore } from '../../../gateway/deadLetter/index.js';
import type { Reading } from '../../../gateway/model/reading.js';
import type { Registry } from '../../../gateway/registry/schema.js';
import { createReadingEncoder, toLine, type Point } from '../lineProtocol/index.js';
import { chunkLines, countChunks, createSpoolQueue, lineCodec, linesChunk, type Chunk, type SpoolConfig, type SpoolQueue } from '../spool/index.js';
import { droppedCount, type BackoffPolicy, type DeliveryOptions } from '../write/index.js';
import { influx1Writer, type PointWriter } from './writer.js';

export { classifyWriteError, influx1Writer, type PointWriter } from './writer.js';
export type { BackoffPolicy, FailureKind } from '../write/index.js';

export interface InfluxSinkOptions {
  /** InfluxDB 1.x base URL, e.g. http://127.0.0.1:8086 (credentials in the URL become basic auth) */
  url: string;
  database: string;
  registry: Registry;
  log: Logger;
  /** the on-disk spool every point goes through (README "Spool"); one sink per directory */
  spool: SpoolConfig;
  /** points per write request (default 5000) */
  batchSize?: number;
  /** longest a point waits for a fuller request while InfluxDB keeps up (default 1000 ms) */
  flushMs?: number;
  /** clock for linger and retry backoff (default asyncScheduler) */
  scheduler?: SchedulerLike;
  /** retry backoff (default 500 ms doubling to 30 s) */
  backoff?: BackoffPolicy;
  requestTimeoutMs?: number;
  /** how long stop() keeps trying to write what is spooled; the rest stays on disk (default 10 s) */
  stopTimeoutMs?: number;
  /** readings that cannot become points and requests InfluxDB refuses are kept here for review */
  deadLetters?: DeadLetterStore;
  /** replaces the InfluxDB 1.x writer (e.g. with an InfluxDB 2.x one); url and database then only label logs */
  writer?: PointWriter;
}

export interface InfluxSinkCounters {
  pointsWritten: number;
  batchesWritten: number;
  /** failed write attempts (each retry counts) */
  writeErrors: number;
  lastError?: string;
  lastErrorAt?: number;
  /** points InfluxDB refused (400, e.g. field type conflict); not retried */
  pointsRejected: number;
  /** points lost because the spool was full (or an append failed) */
  pointsDropped: number;
  /** always 0: what stop() could not write stays in the spool (kept for the metrics' shape) */
  pointsAbandoned: number;
  /** readings (and annotation points) that could not become lines (unknown site ...) */
  readingsRejected: number;
  /** points spooled and not yet written */
  queuedPoints: number;
}

export interface InfluxSink {
  /** opens the spool and starts the writer (replaying what a previous run left). Call once. */
  start(): void;
  /**
   * Renders the readings to line protocol and appends them to the spool as one record with one
   * write(2), synchronously: when it returns the points are in the segment file (the OS page cache), so
   * the batch may be acknowledged upstream. Readings that cannot become points are counted
   * (readingsRejected) and dead-lettered, never fatal. Throws when the batch could not be made durable
   * (spool full with drop-newest, disk error, sink not started or stopped).
   */
  append(readings: readonly Reading[]): void;
  /** the same for points that are not readings (ticket annotations) */
  appendPoints(points: readonly Point[]): void;
  /** stops taking appends, writes what it can within stopTimeoutMs (the rest stays on disk), stops the writer */
  stop(): Promise<void>;
  readonly counters: InfluxSinkCounters;
  /** the spool's SpoolCounters: bytes, segments, pending, replayed, dropped, corrupt, fsyncs ... */
  readonly queueCounters: Readonly<Record<string, number>>;
  /** the spool as metrics and /readyz see it: backlog bytes, and whether it is at its bound */
  readonly spool: { bytes(): number; full(): boolean };
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * The InfluxDB writer: readings → lines (series keys from the registry, cached) → the spool (one
 * append per batch) → one writer that posts the spooled lines in order, retrying with backoff.
 * The constructor only assigns; start() opens the spool.
 */
export function createInfluxSink(opts: InfluxSinkOptions): InfluxSink {
  const { log } = opts;
  const scheduler = opts.scheduler ?? asyncScheduler;
  const encoder = createReadingEncoder(opts.registry);
  const writer = opts.writer ?? influx1Writer(opts.url, opts.database, opts.requestTimeoutMs);
  const where = writer.where;
  const c: Omit<InfluxSinkCounters, 'queuedPoints'> = { pointsWritten: 0, batchesWritten: 0, writeErrors: 0, pointsRejected: 0, pointsDropped: 0, pointsAbandoned: 0, readingsRejected: 0 };
  let started = false;
  let stopped: Promise<void> | undefined;

  const delivery: DeliveryOptions<Chunk> = {
    write: (chunks) => writer.write(chunks),
    classify: (err) => writer.classify(err),
    backoff: opts.backoff ?? { initialMs: 500, maxMs: 30_000 },
    scheduler,
    batchSize: opts.batchSize ?? 5000,
    lingerMs: opts.flushMs ?? 1000,
    onWritten(chunks) {
      c.pointsWritten += countChunks(chunks);
      c.batchesWritten++;
    },
    onError(err, info) {
      c.writeErrors++;
      c.lastError = message(err);
      c.lastErrorAt = scheduler.now();
      log.warn({ err: c.lastError, ...info, where }, info.kind === 'retry' ? 'InfluxDB write failed; retrying' : `InfluxDB write failed (${info.kind})`);
    },
    onRejected(chunks, err) {
      const points = countChunks(chunks);
      const dropped = Math.min(droppedCount(err) ?? points, points);
      c.pointsRejected += dropped;
      c.pointsWritten += points - dropped;
      // the error names the offending line; the first lines of the request are kept as a sample
      opts.deadLetters?.put({ source: 'influx', where, reason: 'influx-rejected', detail: message(err), raw: chunkLines(chunks, 20).join('\n') });
    },
    onDroppedCount(points) {
      c.pointsDropped += points; // the spool logs why
    },
  };
  const spool = createSpoolQueue<Chunk>({ ...opts.spool, codec: lineCodec, log, ...(opts.deadLetters ? { deadLetters: opts.deadLetters } : {}) });
  let queue: SpoolQueue<Chunk> | undefined;

  const open = (): SpoolQueue<Chunk> => {
    if (stopped) throw new Error(`InfluxDB sink (spool ${opts.spool.dir}) is stopped`);
    if (!queue) throw new Error(`InfluxDB sink (spool ${opts.spool.dir}) is not started`);
    return queue;
  };
  const refuse = (where: string, reason: string, detail: string, raw: string) => {
    c.readingsRejected++;
    opts.deadLetters?.put({ source: 'influx', where, reason, detail, raw });
  };

  return {
    start() {
      if (started || stopped) throw new Error(started ? 'InfluxDB sink already started' : 'InfluxDB sink is stopped');
      started = true;
      queue = spool(delivery);
      queue.start();
    },
    append(readings) {
      const q = open();
      const lines: string[] = [];
      for (const { reading: r, error } of encoder.encode(readings, lines)) refuse(`${r.site}/${r.device}/${r.pollutant}`, error.reason, error.message, JSON.stringify(r));
      if (lines.length > 0) q.push([linesChunk(lines)]);
    },
    appendPoints(points) {
      const q = open();
      const lines: string[] = [];
      for (const p of points) {
        try {
          lines.push(toLine(p));
        } catch (err) {
          refuse(p.measurement, 'point-error', message(err), JSON.stringify(p));
        }
      }
      if (lines.length > 0) q.push([linesChunk(lines)]);
    },
    stop() {
      stopped ??= (async () => {
        if (!queue) return;
        await queue.drain(opts.stopTimeoutMs ?? 10_000);
        queue.close();
      })();
      return stopped;
    },
    get counters() {
      return { ...c, queuedPoints: queue?.queued ?? 0 };
    },
    get queueCounters() {
      return queue?.stats ?? {};
    },
    spool: { bytes: () => spool.bytes(), full: () => spool.full() },
  };
}
