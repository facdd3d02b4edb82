/** What to do with a request whose write failed: try it again later, give it up, or split it in halves. */
export type FailureKind = 'retry' | 'reject' | 'split';

export interface BackoffPolicy {
  /** delay before the first retry */
  initialMs: number;
  /** cap: the delay doubles per failed attempt up to this */
  maxMs: number;
}

/** Capped exponential backoff: initial, 2×initial, 4×initial … max (attempt counts from 1). The only backoff of the sinks. */
export function backoffDelay(attempt: number, policy: BackoffPolicy): number {
  return Math.min(policy.maxMs, policy.initialMs * 2 ** Math.min(Math.max(attempt - 1, 0), 30));
}

/** longest Retry-After honoured; a server asking for more is retried after this */
export const MAX_RETRY_AFTER_MS = 10 * 60_000;

/**
 * Retry-After as milliseconds from `nowMs` (RFC 9110 §10.2.3: delay-seconds or an HTTP-date), at most
 * MAX_RETRY_AFTER_MS; undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  const ms = /^\d+$/.test(v) ? Number(v) * 1000 : Date.parse(v) - nowMs;
  return Number.isFinite(ms) ? Math.min(MAX_RETRY_AFTER_MS, Math.max(0, ms)) : undefined;
}

/**
 * A failed write request. `status` is the HTTP status when the server answered; `code` the server's
 * error code (InfluxDB 2.x {"code": ...}) or the socket error's code (ECONNREFUSED ...); `retryAfterMs`
 * the server's Retry-After when it sent one.
 */
export class InfluxWriteError extends Error {
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, opts: { status?: number; code?: string; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'InfluxWriteError';
    this.status = opts.status;
    this.code = opts.code;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/** The server's Retry-After carried by a failed write, in ms (undefined when none). */
export function retryAfterMs(err: unknown): number | undefined {
  const v = (err as { retryAfterMs?: unknown } | null)?.retryAfterMs;
  return typeof v === 'number' ? v : undefined;
}

/** Delay before the next attempt: the backoff, or the server's Retry-After when that is longer. */
export function retryDelay(attempt: number, policy: BackoffPolicy, err: unknown): number {
  return Math.max(backoffDelay(attempt, policy), retryAfterMs(err) ?? 0);
}

/** HTTP status of a failed write, when the server answered. */
export function statusOf(err: unknown): number | undefined {
  const s = (err as { status?: unknown } | null)?.status;
  return typeof s === 'number' ? s : undefined;
}

/** Points a 400 "partial write" dropped, from InfluxDB's `dropped=N` (undefined when not stated). */
export function droppedCount(err: unknown): number | undefined {
  const m = /dropped=(\d+)/.exec(err instanceof Error ? err.message : String(err));
  return m ? Number(m[1]) : undefined;
}
