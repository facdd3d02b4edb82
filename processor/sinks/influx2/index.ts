import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { PointWriter } from '../influx/writer.js';
import { joinChunks } from '../spool/index.js';
import type { FailureKind } from '../write/index.js';
import { answerError, endpointUrl, parseEndpoint, request, socketError, type HttpAnswer } from '../write/http.js';
import { InfluxWriteError, statusOf } from '../write/policy.js';
import { parseInflux2Config, type Influx2Config } from './config.js';

export { Influx2ConfigSchema, parseInflux2Config, type Influx2Config } from './config.js';
export { InfluxWriteError, parseRetryAfter, retryAfterMs } from '../write/policy.js';

const gzipAsync = promisify(gzip);

/** bodies above this many bytes are sent gzip-compressed (Content-Encoding: gzip) */
export const GZIP_THRESHOLD_BYTES = 1000;

/**
 * InfluxDB 2.x POST /api/v2/write answers (API reference "PostWrite"; Telegraf outputs/influxdb_v2
 * classifies alike): 204 written; 413 request too large → split; 429 too many requests and 503
 * unavailable (with Retry-After), other 5xx, 408, timeouts and connection errors → retry with backoff;
 * 400 invalid line protocol / field type conflict, 401 unauthorized, 403 forbidden, 404 bucket or org not
 * found, 422 unprocessable (outside the retention period) and any other answer → reject: the same
 * request can never succeed, so it goes to the dead-letter store with the server's message.
 */
export function classifyInflux2Error(err: unknown): FailureKind {
  const status = statusOf(err);
  if (status === undefined) return 'retry';
  if (status === 413) return 'split';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  return 'reject';
}

/**
 * The InfluxDB 2.x writer: POST {url}/api/v2/write?org=&bucket=&precision=ms with "Authorization:
 * Token …" and the spooled chunks as the body (gzip above GZIP_THRESHOLD_BYTES). A request is one write; the
 * spool's delivery loop owns retry, backoff, Retry-After, splitting and order. Validates the
 * configuration at once; no I/O until the first write.
 */
export function influx2Writer(opts: Influx2Config): PointWriter {
  const { url, org, bucket, token, timeoutMs = 10_000 } = parseInflux2Config(opts);
  const ep = parseEndpoint(url);
  const writeUrl = endpointUrl(ep, `/api/v2/write?org=${encodeURIComponent(org)}&bucket=${encodeURIComponent(bucket)}&precision=ms`);
  const where = `${url.replace(/\/$/, '')} org ${org} bucket ${bucket}`;
  const prefix = `InfluxDB 2.x write to ${where} failed`;

  return {
    where,
    classify: classifyInflux2Error,
    async write(chunks) {
      const raw = joinChunks(chunks);
      const zipped = raw.length > GZIP_THRESHOLD_BYTES;
      const body = zipped ? await gzipAsync(raw) : raw;
      const headers = { authorization: `Token ${token}`, 'content-type': 'text/plain; charset=utf-8', ...(zipped ? { 'content-encoding': 'gzip' } : {}) };
      let a: HttpAnswer;
      try {
        a = await request(writeUrl, { method: 'POST', headers, body, timeoutMs });
      } catch (err) {
        throw socketError(prefix, err);
      }
      if (a.status === 204) return;
      if (a.status >= 200 && a.status < 300) throw new InfluxWriteError(`${prefix}: 204 HTTP response status code expected, but ${a.status} returned`, { status: a.status });
      throw answerError(prefix, a);
    },
  };
}
