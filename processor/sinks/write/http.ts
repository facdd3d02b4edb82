import * as http from 'node:http';
import * as https from 'node:https';
import { InfluxWriteError, parseRetryAfter } from './policy.js';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A base URL such as http://user:pass@127.0.0.1:8086/prefix: credentials become basic auth. */
export interface Endpoint {
  base: URL;
  auth?: string;
}

export function parseEndpoint(url: string): Endpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`INFLUX url "${url}" is not a valid URL (expected e.g. http://127.0.0.1:8086)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`INFLUX url "${url}": protocol must be http or https`);
  const auth = u.username ? `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}` : undefined;
  const base = new URL(u.href);
  base.username = '';
  base.password = '';
  base.pathname = base.pathname.replace(/\/$/, '');
  return auth === undefined ? { base } : { base, auth };
}

/** `path` (with query) under the endpoint's base path */
export function endpointUrl(e: Endpoint, path: string): URL {
  return new URL(`${e.base.pathname === '/' ? '' : e.base.pathname}${path}`, e.base);
}

const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 4 }), https: new https.Agent({ keepAlive: true, maxSockets: 4 }) };

/** One HTTP request; resolves with any answer, rejects on socket errors and on the timeout ("Request timed out"). */
export function request(url: URL, opts: { method: string; headers?: http.OutgoingHttpHeaders; body?: Buffer; timeoutMs: number; auth?: string }): Promise<HttpAnswer> {
  const mod = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      url,
      { method: opts.method, headers: { ...opts.headers, ...(opts.body ? { 'content-length': opts.body.length } : {}) }, agent: url.protocol === 'https:' ? agents.https : agents.http, ...(opts.auth ? { auth: opts.auth } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(opts.timeoutMs, () => req.destroy(Object.assign(new Error(`Request timed out after ${opts.timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The server's message of an error answer: JSON `error` (1.x) or `message` (2.x), else the short body. */
export function serverMessage(a: HttpAnswer): { message: string; code?: string } {
  try {
    const j = JSON.parse(a.body) as { error?: unknown; message?: unknown; code?: unknown };
    const message = typeof j.message === 'string' ? j.message : typeof j.error === 'string' ? j.error : undefined;
    if (message !== undefined) return typeof j.code === 'string' && j.code ? { message, code: j.code } : { message };
  } catch {
    /* not JSON */
  }
  return { message: a.body.trim().slice(0, 500) };
}

/** An error answer as an InfluxWriteError: `<prefix>: HTTP <status>[ <code>]: <message>`, with its Retry-After. */
export function answerError(prefix: string, a: HttpAnswer): InfluxWriteError {
  const { message, code } = serverMessage(a);
  const retryAfterMs = parseRetryAfter(a.headers['retry-after']);
  return new InfluxWriteError(`${prefix}: HTTP ${a.status}${code ? ` ${code}` : ''}: ${message}`, {
    status: a.status,
    ...(code ? { code } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/** A socket error or timeout as an InfluxWriteError (no status: always retried), keeping its code. */
export function socketError(prefix: string, err: unknown): InfluxWriteError {
  const e = err instanceof Error ? err : new Error(String(err));
  const code = (e as { code?: unknown }).code;
  return new InfluxWriteError(`${prefix}: ${e.message}`, { ...(typeof code === 'string' ? { code } : {}), cause: e });
}
