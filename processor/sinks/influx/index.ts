import type { IPoint } from 'influx';
import { asyncScheduler, catchError, EMPTY, filter, map, Subject, Subscription, takeUntil, type Observable, type SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import type { DeadLetterStore } from '../../../gateway/deadLetter/index.js';
import type { Reading } from '../../../gateway/model/reading.js';
import type { Registry } from '../../../gateway/registry/schema.js';
import { batch } from '../../operators/batch.js';
import { classifyWriteError, createInfluxClient, droppedCount, isDatabaseNotFound } from './client.js';
import { indexSites, PointError, toPoint } from './points.js';
import { createWriteQueue, type BackoffPolicy, type BatchQueue, type FailureKind, type WriteQueueOptions } from './writeQueue.js';

export { indexSites, toPoint } from './points.js';
export type { BatchQueue, FailureKind, WriteQueueOptions } from './writeQueue.js';

/**
 * Writes one batch of points to a database and says what a failure means. The InfluxDB 1.x writer
 * (`influx` package) is the default; an InfluxDB 2.x writer plugs in here with the same queue and spool.
 */
export interface PointWriter {
  write(points: IPoint[]): Promise<void>;
  classify(err: unknown): FailureKind;
  /** for logs: where the points go */
  readonly where: string;
}

/** The InfluxDB 1.x writer: POST /write through the `influx` package; creates the database on 404. */
export function influx1Writer(url: string, database: string, requestTimeoutMs?: number): PointWriter {
  const client = createInfluxClient(url, database, requestTimeoutMs);
  return {
    where: `${url} db ${database}`,
    classify: classifyWriteError,
    async write(points) {
      try {
        await client.writePoints(points, { precision: 'ms' });
      } catch (err) {
        // InfluxDB 1.x: 404 "database not found"; create it (idempotent), the retry then succeeds
        if (isDatabaseNotFound(err)) await client.createDatabase(database).catch(() => undefined);
        throw err;
      }
    },
  };
}

export interface InfluxSinkOptions {
  /** InfluxDB 1.x base URL, e.g. http://127.0.0.1:8086 (credentials in the URL become basic auth) */
  url: string;
  database: string;
  registry: Registry;
  log: Logger;
  /** points per write request (default 5000) */
  batchSize?: number;
  /** longest a point waits for its batch to fill (default 1000 ms) */
  flushMs?: number;
  /** clock for batching and retry backoff (default asyncScheduler) */
  scheduler?: SchedulerLike;
  /** points held in memory while InfluxDB is unreachable; beyond it the oldest are dropped (default 100 000) */
  maxQueuedPoints?: number;
  /** retry backoff (default 500 ms doubling to 30 s) */
  backoff?: BackoffPolicy;
  requestTimeoutMs?: number;
  /** how long stop() keeps trying to write what is queued (default 10 s) */
  stopTimeoutMs?: number;
  /** readings that cannot become points and batches InfluxDB refuses are kept here for review */
  deadLetters?: DeadLetterStore;
  /** replaces the InfluxDB 1.x writer (e.g. with an InfluxDB 2.x one); url and database then only label logs */
  writer?: PointWriter;
  /**
   * replaces the in-memory queue, e.g. with the on-disk spool: `createSpoolQueue({ dir, log, deadLetters })`
   * (processor/sinks/spool). A durable queue receives each point as it arrives and batches writes itself.
   */
  createQueue?: (opts: WriteQueueOptions<IPoint>) => BatchQueue<IPoint>;
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
  /** points dropped because the queue (or the spool) was full while InfluxDB was unreachable */
  pointsDropped: number;
  /** points still queued in memory when stop() gave up (a spool keeps them on disk instead) */
  pointsAbandoned: number;
  /** readings that could not become points (unknown site ...) */
  readingsRejected: number;
  /** points waiting to be written now */
  queuedPoints: number;
}

export interface InfluxSink {
  /**
   * Consume readings. Unsubscribing the returned subscription stops consuming and hands the partial
   * batch to the writer; stop() then waits for the writer. Call once.
   */
  start(readings$: Observable<Reading>): Subscription;
  /** stop consuming, flush the partial batch and wait (up to stopTimeoutMs) until everything queued is written */
  stop(): Promise<void>;
  /** a snapshot */
  readonly counters: InfluxSinkCounters;
  /** the queue's own counters when it keeps any (the spool's SpoolCounters: bytes, segments, pending, replayed, dropped, corrupt, fsyncs ...) */
  readonly queueCounters?: Readonly<Record<string, number>>;
}

/**
 * The InfluxDB writer: readings → points (measurement per site kind) → batches of up to batchSize or
 * flushMs → a bounded write queue that retries failed writes in order with capped backoff.
 * The constructor only assigns; the client does no I/O until the first write.
 */
export function createInfluxSink(opts: InfluxSinkOptions): InfluxSink {
  const { log, database } = opts;
  const scheduler = opts.scheduler ?? asyncScheduler;
  const sites = indexSites(opts.registry);
  const writer = opts.writer ?? influx1Writer(opts.url, database, opts.requestTimeoutMs);
  const stop$ = new Subject<void>();
  const c: Omit<InfluxSinkCounters, 'queuedPoints'> = {
    pointsWritten: 0,
    batchesWritten: 0,
    writeErrors: 0,
    pointsRejected: 0,
    pointsDropped: 0,
    pointsAbandoned: 0,
    readingsRejected: 0,
  };
  let started = false;
  let input: Subscription | undefined;
  let inputEnded: Promise<void> = Promise.resolve();
  let stopped: Promise<void> | undefined;

  const where = writer.where;
  const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

  const queueOptions: WriteQueueOptions<IPoint> = {
    write: (points) => writer.write(points),
    classify: (err) => writer.classify(err),
    maxQueued: opts.maxQueuedPoints ?? 100_000,
    backoff: opts.backoff ?? { initialMs: 500, maxMs: 30_000 },
    scheduler,
    onWritten(points) {
      c.pointsWritten += points.length;
      c.batchesWritten++;
    },
    onError(err, info) {
      c.writeErrors++;
      c.lastError = message(err);
      c.lastErrorAt = scheduler.now();
      log.warn({ err: c.lastError, ...info, where }, info.kind === 'retry' ? 'InfluxDB write failed; retrying' : `InfluxDB write failed (${info.kind})`);
    },
    onRejected(points, err) {
      const dropped = Math.min(droppedCount(err) ?? points.length, points.length);
      c.pointsRejected += dropped;
      c.pointsWritten += points.length - dropped;
      // the error names the offending point; the first points of the batch are kept as a sample
      opts.deadLetters?.put({ source: 'influx', where, reason: 'influx-rejected', detail: message(err), raw: JSON.stringify(points.slice(0, 20)) });
    },
    onDropped(points) {
      c.pointsDropped += points.length;
      log.error({ points: points.length, dropped: c.pointsDropped, where }, 'InfluxDB write queue full; oldest points dropped');
    },
    onDroppedCount(points) {
      c.pointsDropped += points; // the spool logs why
    },
    batchSize: opts.batchSize ?? 5000,
    lingerMs: opts.flushMs ?? 1000,
  };
  const queue = (opts.createQueue ?? createWriteQueue)(queueOptions);

  /** one reading → one point; a reading that cannot be written is counted and dead-lettered, never fatal */
  const convert = (r: Reading): IPoint | undefined => {
    try {
      return toPoint(r, sites);
    } catch (err) {
      c.readingsRejected++;
      const reason = err instanceof PointError ? err.reason : 'point-error';
      opts.deadLetters?.put({ source: 'influx', where: `${r.site}/${r.device}/${r.pollutant}`, reason, detail: message(err), raw: JSON.stringify(r) });
      return undefined;
    }
  };

  return {
    start(readings$) {
      if (started || stopped) throw new Error(started ? 'InfluxDB sink already started' : 'InfluxDB sink is stopped');
      started = true;
      queue.start?.();
      // a durable queue (spool) takes each point at once: nothing accepted upstream waits in memory
      const batching = queue.durable ? map((p: IPoint) => [p]) : batch<IPoint>(opts.batchSize ?? 5000, opts.flushMs ?? 1000, scheduler);
      inputEnded = new Promise<void>((resolve) => {
        input = readings$
          .pipe(
            takeUntil(stop$),
            map(convert),
            filter((p): p is IPoint => p !== undefined),
            catchError((err: unknown) => {
              log.error({ err: message(err) }, 'reading stream failed; InfluxDB sink stops consuming');
              return EMPTY;
            }),
            batching,
          )
          .subscribe({ next: (points) => queue.push(points), complete: resolve });
      });
      // ends consumption gracefully (takeUntil completes, the partial batch is flushed) instead of dropping it
      return new Subscription(() => stop$.next());
    },
    stop() {
      stopped ??= (async () => {
        stop$.next();
        await inputEnded;
        input?.unsubscribe();
        await queue.drain(opts.stopTimeoutMs ?? 10_000);
        const abandoned = queue.close();
        if (abandoned > 0 && !queue.durable) {
          c.pointsAbandoned += abandoned;
          log.error({ points: abandoned, where }, 'InfluxDB unreachable at stop; queued points abandoned');
        }
      })();
      return stopped;
    },
    get counters() {
      return { ...c, queuedPoints: queue.queued };
    },
    get queueCounters() {
      return queue.stats;
    },
  };
}
