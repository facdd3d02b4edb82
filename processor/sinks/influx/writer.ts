import { joinChunks, type Chunk } from '../spool/index.js';
import type { FailureKind } from '../write/index.js';
import { answerError, endpointUrl, parseEndpoint, request, socketError, type HttpAnswer } from '../write/http.js';
import { statusOf } from '../write/policy.js';

/**
 * Writes one request to a database and says what a failure means. Both InfluxDB writers (1.x here, 2.x
 * in ../influx2) post the spooled line-protocol bytes as they are: the body is the chunks' payloads
 * joined by "\n", never re-rendered (design: "Serialise once, at the edge"); the spool's one delivery
 * loop (../write/deliver.ts) owns retry, backoff, Retry-After, splitting and order.
 */
export interface PointWriter {
  write(chunks: readonly Chunk[]): Promise<void>;
  classify(err: unknown): FailureKind;
  /** for logs: where the points go (never credentials) */
  readonly where: string;
}

/**
 * InfluxDB 1.x /write answers (docs "Write HTTP endpoint"; Telegraf outputs/influxdb classifies alike):
 * 413 body too large → split; 400 unable to parse / field type conflict (a partial write: the other
 * points were stored) → retrying cannot help, reject; 401/403 credentials, 404 database not found, 408,
 * 429 and 5xx, timeouts and connection errors → retry with backoff (nothing is lost meanwhile).
 */
export function classifyWriteError(err: unknown): FailureKind {
  const status = statusOf(err);
  if (status === undefined) return 'retry';
  if (status === 413) return 'split';
  if ([401, 403, 404, 408, 429].includes(status) || status >= 500) return 'retry';
  return 'reject';
}

const isDatabaseNotFound = (a: HttpAnswer) => a.status === 404 && /database not found/i.test(a.body);

/**
 * The InfluxDB 1.x writer: POST {url}/write?db=<database>&precision=ms with the chunks as the body
 * (credentials in the URL become basic auth). On 404 "database not found" it creates the database
 * (CREATE DATABASE is idempotent) and sends the request once more. No I/O until the first write.
 */
export function influx1Writer(url: string, database: string, requestTimeoutMs = 10_000): PointWriter {
  const ep = parseEndpoint(url);
  const writeUrl = endpointUrl(ep, `/write?db=${encodeURIComponent(database)}&precision=ms`);
  const createUrl = endpointUrl(ep, `/query?q=${encodeURIComponent(`CREATE DATABASE "${database.replace(/["\\]/g, '\\$&')}"`)}`);
  const where = `${ep.base.origin}${ep.base.pathname === '/' ? '' : ep.base.pathname} db ${database}`;
  const prefix = `InfluxDB write to ${where} failed`;
  const auth = ep.auth === undefined ? {} : { auth: ep.auth };
  const headers = { 'content-type': 'text/plain; charset=utf-8' };

  const post = async (body: Buffer): Promise<HttpAnswer> => {
    try {
      return await request(writeUrl, { method: 'POST', headers, body, timeoutMs: requestTimeoutMs, ...auth });
    } catch (err) {
      throw socketError(prefix, err);
    }
  };

  return {
    where,
    classify: classifyWriteError,
    async write(chunks) {
      const body = joinChunks(chunks);
      let a = await post(body);
      if (isDatabaseNotFound(a)) {
        const created = await request(createUrl, { method: 'POST', timeoutMs: requestTimeoutMs, ...auth }).catch(() => undefined);
        if (created && created.status < 300) a = await post(body);
      }
      if (a.status < 200 || a.status >= 300) throw answerError(prefix, a);
    },
  };
}
