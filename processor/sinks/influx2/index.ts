import { InfluxDB, type WriteOptions } from '@influxdata/influxdb-client';
import type { IPoint } from 'influx';
import { asyncScheduler, type SchedulerLike } from 'rxjs';
import type { PointWriter } from '../influx/index.js';
import { parseInflux2Config, type Influx2Config } from './config.js';
import { classifyInflux2Error, retryAfterMs, toWriteError } from './errors.js';
import { LineProtocolError, toLines } from './lineProtocol.js';

export { Influx2ConfigSchema, parseInflux2Config, type Influx2Config } from './config.js';
export { classifyInflux2Error, Influx2WriteError, parseRetryAfter, retryAfterMs } from './errors.js';
export { LineProtocolError, toLine, toLines } from './lineProtocol.js';

export interface Influx2WriterOptions extends Influx2Config {
  /** clock for holding back writes after a Retry-After (default asyncScheduler) */
  scheduler?: SchedulerLike;
}

/** A PointWriter for InfluxDB 2.x; `retryAfterMs(err)` reads the server's Retry-After off a failed write. */
export interface Influx2Writer extends PointWriter {
  retryAfterMs(err: unknown): number | undefined;
}

/** bodies above this many bytes are sent gzip-compressed (Content-Encoding: gzip) */
export const GZIP_THRESHOLD_BYTES = 1000;

/**
 * The InfluxDB 2.x writer: POST {url}/api/v2/write?org=&bucket=&precision=ms with
 * "Authorization: Token …", through @influxdata/influxdb-client.
 *
 * The client is used as a transport only: one WriteApi per batch whose buffer holds the whole batch
 * (batchSize above the batch, no byte limit, no flush timer), its own retries off (maxRetries 0, and
 * writeFailed hands every failure straight back), so a batch is exactly one request and a failure
 * surfaces from write(). The sink's write queue owns retry, backoff, splitting and order.
 *
 * A Retry-After on a failed write (429, 503) holds back the next request until it has passed (at most
 * maxRetryAfterMs), whatever the queue's own backoff is. Points that cannot become lines are set aside:
 * the others are written, then write() fails with a LineProtocolError saying `dropped=N` (rejected, kept
 * as a dead letter). Validates the configuration at once; no I/O until the first write.
 */
export function influx2Writer(opts: Influx2WriterOptions): Influx2Writer {
  const { scheduler = asyncScheduler, ...config } = opts;
  const { url, org, bucket, token, timeoutMs = 10_000, maxRetryAfterMs = 60_000 } = parseInflux2Config(config);
  const where = `${url} org ${org} bucket ${bucket}`;
  let client: InfluxDB | undefined;
  let notBefore = 0;

  const sleep = (ms: number) => new Promise<void>((resolve) => scheduler.schedule(() => resolve(), ms));
  const writeOptions = (lines: number): Partial<WriteOptions> => ({
    batchSize: lines + 1,
    maxBatchBytes: Number.MAX_SAFE_INTEGER,
    flushInterval: 0,
    maxRetries: 0,
    gzipThreshold: GZIP_THRESHOLD_BYTES,
    writeFailed: (err) => Promise.reject(err),
  });

  async function send(lines: string[]): Promise<void> {
    const wait = notBefore - scheduler.now();
    if (wait > 0) await sleep(wait);
    client ??= new InfluxDB({ url, token, timeout: timeoutMs });
    const api = client.getWriteApi(org, bucket, 'ms', writeOptions(lines.length));
    try {
      api.writeRecords(lines);
      await api.flush();
    } catch (err) {
      const e = toWriteError(err, where);
      // RFC 9110 §10.2.3 Retry-After: the server asks not to be sent anything before then
      if (e.retryAfterMs !== undefined) notBefore = scheduler.now() + Math.min(e.retryAfterMs, maxRetryAfterMs);
      throw e;
    } finally {
      api.dispose();
    }
  }

  return {
    where,
    classify: classifyInflux2Error,
    retryAfterMs,
    async write(points: IPoint[]) {
      const { lines, bad } = toLines(points, () => scheduler.now());
      if (lines.length > 0) await send(lines);
      if (bad.length > 0) {
        const detail = bad.slice(0, 5).map((b) => `#${b.index}: ${b.reason}`).join('; ');
        // "dropped=N" as in InfluxDB's partial-write message: the sink counts N rejected, the rest written
        throw new LineProtocolError(`${bad.length} of ${points.length} points are not valid line protocol, dropped=${bad.length}: ${detail}`);
      }
    },
  };
}
