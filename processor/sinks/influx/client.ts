import { InfluxDB, type ISingleHostConfig } from 'influx';
import type { FailureKind } from './writeQueue.js';

/**
 * `influx` client options from a URL such as http://user:pass@127.0.0.1:8086/prefix. Credentials in
 * the URL become basic auth. The client's own retry and host back-off are switched off: the write
 * queue owns the retry policy, so a failure surfaces at once instead of "No host available" later.
 */
export function clientConfig(url: string, database: string, requestTimeoutMs = 10_000): ISingleHostConfig {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`INFLUX url "${url}" is not a valid URL (expected e.g. http://127.0.0.1:8086)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`INFLUX url "${url}": protocol must be http or https`);
  const protocol = u.protocol === 'https:' ? 'https' : 'http';
  const noBackoff = { getDelay: () => 0, next: () => noBackoff, reset: () => noBackoff };
  return {
    protocol,
    host: u.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: u.port ? Number(u.port) : protocol === 'https' ? 443 : 80,
    path: u.pathname === '/' ? '' : u.pathname.replace(/\/$/, ''),
    database,
    ...(u.username ? { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) } : {}),
    pool: { maxRetries: 0, requestTimeout: requestTimeoutMs, backoff: noBackoff },
  };
}

export function createInfluxClient(url: string, database: string, requestTimeoutMs?: number): InfluxDB {
  return new InfluxDB(clientConfig(url, database, requestTimeoutMs));
}

/** HTTP status of a failed `influx` request, when the server answered (5xx arrive without one). */
export function statusOf(err: unknown): number | undefined {
  const status = (err as { res?: { statusCode?: unknown } } | null)?.res?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/**
 * InfluxDB 1.x /write answers (docs "Write HTTP endpoint"; Telegraf outputs/influxdb classifies alike):
 * 413 body too large → split the batch; 400 unable to parse / field type conflict (a partial write:
 * the other points were stored) → retrying cannot help, reject; 401/403 credentials, 404 database not
 * found, 429 and 5xx, timeouts and connection errors → retry with backoff (nothing is lost meanwhile).
 */
export function classifyWriteError(err: unknown): FailureKind {
  const status = statusOf(err);
  if (status === undefined) return 'retry';
  if (status === 413) return 'split';
  if ([401, 403, 404, 408, 429].includes(status) || status >= 500) return 'retry';
  return 'reject';
}

/** Points a 400 "partial write" dropped, from InfluxDB's `dropped=N` (undefined when not stated). */
export function droppedCount(err: unknown): number | undefined {
  const m = /dropped=(\d+)/.exec(err instanceof Error ? err.message : String(err));
  return m ? Number(m[1]) : undefined;
}

export function isDatabaseNotFound(err: unknown): boolean {
  return statusOf(err) === 404 && /database not found/i.test(err instanceof Error ? err.message : String(err));
}
