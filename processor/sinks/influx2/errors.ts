import { HttpError } from '@influxdata/influxdb-client';
import type { FailureKind } from '../influx/writeQueue.js';
import { LineProtocolError } from './lineProtocol.js';

/**
 * A failed InfluxDB 2.x write, as the write queue sees it. `status` is the HTTP status when the server
 * answered; `code` and the message are the server's own (InfluxDB 2.x answers errors with
 * {"code":"invalid","message":"..."}); `retryAfterMs` is the server's Retry-After, when it sent one.
 */
export class Influx2WriteError extends Error {
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(message: string, opts: { status?: number; code?: string; retryAfterMs?: number; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'Influx2WriteError';
    this.status = opts.status;
    this.code = opts.code;
    this.retryAfterMs = opts.retryAfterMs;
  }
}

/**
 * Retry-After as milliseconds from `nowMs` (RFC 9110 §10.2.3: delay-seconds or an HTTP-date);
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(value: string | string[] | undefined, nowMs = Date.now()): number | undefined {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

const header = (err: HttpError, name: string): string | string[] | undefined => err.headers?.[name];

/** The server's message of an error answer: its JSON `message`, else the (short) body. */
function serverMessage(err: HttpError): string {
  const json = err.json as { message?: unknown } | undefined;
  if (typeof json?.message === 'string' && json.message) return json.message;
  const body = err.body?.trim();
  return body ? body.slice(0, 500) : (err.statusMessage ?? '');
}

/** Any error out of the client (HttpError, RequestTimedOutError, socket errors) as an Influx2WriteError. */
export function toWriteError(err: unknown, where: string): Influx2WriteError {
  if (err instanceof Influx2WriteError) return err;
  if (err instanceof HttpError) {
    const code = typeof err.code === 'string' && err.code ? err.code : undefined;
    const retryAfterMs = parseRetryAfter(header(err, 'retry-after'));
    return new Influx2WriteError(`InfluxDB 2.x write to ${where} failed: HTTP ${err.statusCode}${code ? ` ${code}` : ''}: ${serverMessage(err)}`, {
      status: err.statusCode,
      ...(code ? { code } : {}),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      cause: err,
    });
  }
  const e = err instanceof Error ? err : new Error(String(err));
  const sys = (e as { code?: unknown }).code;
  return new Influx2WriteError(`InfluxDB 2.x write to ${where} failed: ${e.message}`, {
    ...(typeof sys === 'string' ? { code: sys } : {}),
    cause: e,
  });
}

function statusOf(err: unknown): number | undefined {
  if (err instanceof Influx2WriteError) return err.status;
  if (err instanceof HttpError) return err.statusCode;
  return undefined;
}

/**
 * InfluxDB 2.x POST /api/v2/write answers (API reference "PostWrite"; Telegraf outputs/influxdb_v2
 * classifies alike): 204 written; 413 request too large → split the batch; 429 too many requests and
 * 503 unavailable (with Retry-After), other 5xx, 408, timeouts and connection errors → retry with backoff;
 * 400 invalid line protocol / field type conflict, 401 unauthorized, 403 forbidden, 404 bucket or org not
 * found, 422 unprocessable (outside the retention period) and any other answer → reject: the same request
 * can never succeed, so the batch goes to the dead-letter store with the server's message.
 */
export function classifyInflux2Error(err: unknown): FailureKind {
  const cause = err instanceof Influx2WriteError ? err.cause : err;
  if (cause instanceof LineProtocolError || err instanceof LineProtocolError) return 'reject';
  const status = statusOf(err);
  if (status === undefined) return 'retry';
  if (status === 413) return 'split';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'reject';
}

/** The server's Retry-After of a failed write, in ms (undefined when it sent none). */
export function retryAfterMs(err: unknown): number | undefined {
  if (err instanceof Influx2WriteError) return err.retryAfterMs;
  if (err instanceof HttpError) return parseRetryAfter(header(err, 'retry-after'));
  return undefined;
}
