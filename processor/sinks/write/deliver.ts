import type { SchedulerLike } from 'rxjs';
import { retryDelay, type BackoffPolicy, type FailureKind } from './policy.js';

/** How the spool's writer sends what it reads, and whom it tells (README "Spool", "How points flow"). */
export interface DeliveryOptions<T> {
  /** writes one request; a rejected promise is classified by `classify` */
  write: (batch: T[]) => Promise<void>;
  classify: (err: unknown) => FailureKind;
  backoff: BackoffPolicy;
  /** clock for backoff delays, linger and drain timeouts */
  scheduler?: SchedulerLike;
  onWritten?: (batch: T[]) => void;
  /** every failed attempt, with what happens next (retry after retryInMs, split, or reject) */
  onError?: (err: unknown, info: { attempt: number; kind: FailureKind; size: number; retryInMs?: number }) => void;
  onRejected?: (batch: T[], err: unknown) => void;
  /** items lost without the batch at hand (a spool segment dropped when full); `why` for the log */
  onDroppedCount?: (count: number, why: string) => void;
  /** items per write request (default 5000) */
  batchSize?: number;
  /** how long the writer waits for a request to fill when the database keeps up (default 1000 ms) */
  lingerMs?: number;
}

/**
 * How many points a request's items hold, and how a request is halved on 413. By default an item is one
 * point; the InfluxDB sink's items are spool records of many points (../spool/lineCodec.ts).
 */
export interface Sizing<T> {
  count(items: readonly T[]): number;
  /** two non-empty parts in order, or undefined when the items are a single point */
  halve(items: T[]): [T[], T[]] | undefined;
}

/** one item, one point: halves split the array */
export const onePointEach: Sizing<unknown> = {
  count: (items) => items.length,
  halve(items) {
    if (items.length < 2) return undefined;
    const half = Math.ceil(items.length / 2);
    return [items.slice(0, half), items.slice(half)];
  },
};

/** calls an observer; a throwing callback must not stop the writer */
export function notify<A extends unknown[]>(fn: ((...args: A) => void) | undefined, ...args: A): void {
  try {
    fn?.(...args);
  } catch {
    /* callbacks only observe */
  }
}

/**
 * Writes the items of one request, the one delivery policy of both InfluxDB writers: a retryable failure
 * waits (capped backoff, or the server's Retry-After when longer) and tries the same items again, so
 * nothing behind it overtakes it; 'split' (HTTP 413) halves them; 'reject' (HTTP 400) hands them to
 * onRejected and goes on. Resolves false when `closed()` turned true before everything was written.
 */
export async function deliver<T>(items: T[], opts: DeliveryOptions<T>, pause: { wait(ms: number): Promise<void> }, closed: () => boolean, sizing: Sizing<T> = onePointEach as Sizing<T>): Promise<boolean> {
  const parts = [items];
  let attempt = 0;
  while (parts.length > 0) {
    if (closed()) return false;
    const part = parts[0]!;
    try {
      await opts.write(part);
    } catch (err) {
      if (closed()) return false;
      attempt++;
      const kind = opts.classify(err);
      const size = sizing.count(part);
      const halves = kind === 'split' ? sizing.halve(part) : undefined;
      if (halves) {
        parts.splice(0, 1, ...halves);
        notify(opts.onError, err, { attempt, kind, size });
        attempt = 0;
      } else if (kind === 'retry') {
        const retryInMs = retryDelay(attempt, opts.backoff, err);
        notify(opts.onError, err, { attempt, kind, size, retryInMs });
        await pause.wait(retryInMs);
      } else {
        notify(opts.onError, err, { attempt, kind: 'reject' as const, size });
        parts.shift();
        attempt = 0;
        notify(opts.onRejected, part, err);
      }
      continue;
    }
    parts.shift();
    attempt = 0;
    notify(opts.onWritten, part);
  }
  return true;
}
