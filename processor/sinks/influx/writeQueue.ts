import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';

/** What to do with a batch whose write failed. */
export type FailureKind = 'retry' | 'reject' | 'split';

export interface BackoffPolicy {
  /** delay before the first retry */
  initialMs: number;
  /** cap: the delay doubles per failed attempt up to this */
  maxMs: number;
}

/** Capped exponential backoff: initial, 2×initial, 4×initial … max (attempt counts from 1). */
export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
}

/** longest Retry-After honoured; a server asking for more is retried after this */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * The server's Retry-After of a failed request (RFC 9110 §10.2.3: delay-seconds or an HTTP-date), in
 * ms from `now`, when the error carries the response (`err.res.headers`, as the influx client's errors do).
 */
export function retryAfterMs(err: unknown, now = Date.now()): number | undefined {
  const raw = (err as { res?: { headers?: Record<string, unknown> } } | null)?.res?.headers?.['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (typeof value !== 'string' || value.trim() === '') return undefined;
  const ms = /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms)) : undefined;
}

/** Delay before the next attempt: the backoff, or the server's Retry-After when that is longer. */
export function retryDelay(attempt: number, policy: BackoffPolicy, err: unknown): number {
  return Math.max(backoffDelay(attempt, policy), retryAfterMs(err) ?? 0);
}

export interface WriteQueueOptions<T> {
  /** writes one batch; a rejected promise is classified by `classify` */
  write: (batch: T[]) => Promise<void>;
  classify: (err: unknown) => FailureKind;
  /** most items held in memory; when a new batch would exceed it, the oldest waiting batches are dropped */
  maxQueued: number;
  backoff: BackoffPolicy;
  /** clock for backoff delays and drain timeouts */
  scheduler?: SchedulerLike;
  onWritten?: (batch: T[]) => void;
  /** every failed attempt, with what happens next (retry after retryInMs, split, or reject) */
  onError?: (err: unknown, info: { attempt: number; kind: FailureKind; size: number; retryInMs?: number }) => void;
  onRejected?: (batch: T[], err: unknown) => void;
  onDropped?: (batch: T[]) => void;
  /** items lost without the batch at hand (a spool segment dropped when full, a failed append); `why` for the log */
  onDroppedCount?: (count: number, why: string) => void;
  /** items per write request a queue that assembles its own requests aims for (a spool; default 5000) */
  batchSize?: number;
  /** how long such a queue waits for a request to fill when the database keeps up (default 1000 ms) */
  lingerMs?: number;
}

/**
 * Where batches wait to be written. This is the seam for durable buffering: an on-disk spool can
 * implement the same interface and be passed to the sink instead of the in-memory queue.
 */
export interface BatchQueue<T> {
  /** enqueue a batch; never blocks (memory is bounded by dropping the oldest waiting batches) */
  push(batch: T[]): void;
  /** resolves with the number of items still queued once the queue is empty, or when timeoutMs passes */
  drain(timeoutMs?: number): Promise<number>;
  /** stop writing and retrying; items still queued are abandoned (their count is returned) */
  close(): number;
  /** items waiting, including the batch being written */
  readonly queued: number;
  /** begins work (opening files, replaying what a previous run left); the sink calls it on start */
  start?(): void;
  /**
   * true when push() has made the batch durable before it returns (an on-disk spool): the sink then
   * hands over each point as it arrives instead of holding a batch in memory, and close() abandons nothing
   */
  readonly durable?: boolean;
  /** the queue's own counters, for metrics */
  readonly stats?: Readonly<Record<string, number>>;
}

/**
 * In-memory FIFO of batches with one writer: only the head batch is in flight, so order is kept.
 * A failed head is retried after a capped exponential backoff ('retry'), split in halves ('split',
 * e.g. HTTP 413), or given up and reported ('reject', e.g. a 400 the server will never accept).
 */
export function createWriteQueue<T>(opts: WriteQueueOptions<T>): BatchQueue<T> {
  const scheduler = opts.scheduler ?? asyncScheduler;
  const batches: T[][] = [];
  let queued = 0;
  let running = false;
  let inFlight = false;
  let closed = false;
  let wait: { sub: Subscription; wake: () => void } | undefined;
  const drainers = new Set<() => void>();

  const settleDrainers = () => {
    if (queued > 0 && !closed) return;
    for (const done of [...drainers]) done();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        wait = undefined;
        resolve();
      };
      wait = { sub: scheduler.schedule(wake, ms), wake };
    });
  const shiftHead = () => {
    const head = batches.shift() ?? [];
    queued -= head.length;
    return head;
  };

  // a throwing callback must not stop the writer
  const notify = <A extends unknown[]>(fn: ((...args: A) => void) | undefined, ...args: A) => {
    try {
      fn?.(...args);
    } catch {
      /* ignored: callbacks only observe */
    }
  };

  async function pump(): Promise<void> {
    if (running) return;
    running = true;
    let attempt = 0;
    while (!closed && batches.length > 0) {
      const head = batches[0]!;
      let failure: { err: unknown } | undefined;
      inFlight = true;
      try {
        await opts.write(head);
      } catch (err) {
        failure = { err };
      }
      inFlight = false;
      if (!failure) {
        attempt = 0;
        if (batches[0] === head) shiftHead();
        notify(opts.onWritten, head);
      } else {
        const { err } = failure;
        attempt++;
        const kind = opts.classify(err);
        if (kind === 'split' && head.length > 1) {
          const half = Math.ceil(head.length / 2);
          if (batches[0] === head) batches.splice(0, 1, head.slice(0, half), head.slice(half));
          notify(opts.onError, err, { attempt, kind, size: head.length });
          attempt = 0;
        } else if (kind === 'retry') {
          const retryInMs = retryDelay(attempt, opts.backoff, err);
          notify(opts.onError, err, { attempt, kind, size: head.length, retryInMs });
          await sleep(retryInMs);
        } else {
          notify(opts.onError, err, { attempt, kind: 'reject' as const, size: head.length });
          if (batches[0] === head) shiftHead();
          attempt = 0;
          notify(opts.onRejected, head, err);
        }
      }
      settleDrainers();
    }
    running = false;
    settleDrainers();
  }

  return {
    push(batch) {
      if (closed) throw new Error('write queue is closed');
      if (batch.length === 0) return;
      // drop the oldest waiting batches (never the one in flight) to stay within maxQueued
      const first = inFlight ? 1 : 0;
      while (queued + batch.length > opts.maxQueued && batches.length > first) {
        const [dropped] = batches.splice(first, 1);
        queued -= dropped!.length;
        notify(opts.onDropped, dropped!);
      }
      batches.push(batch);
      queued += batch.length;
      void pump();
    },
    drain(timeoutMs) {
      if (queued === 0 || closed) return Promise.resolve(queued);
      return new Promise<number>((resolve) => {
        let timer: Subscription | undefined;
        const done = () => {
          drainers.delete(done);
          timer?.unsubscribe();
          resolve(queued);
        };
        drainers.add(done);
        if (timeoutMs !== undefined) timer = scheduler.schedule(done, timeoutMs);
      });
    },
    close() {
      closed = true;
      wait?.sub.unsubscribe();
      wait?.wake();
      const abandoned = queued;
      settleDrainers();
      return abandoned;
    },
    get queued() {
      return queued;
    },
  };
}
