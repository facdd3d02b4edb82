import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailureKind } from '../../processor/sinks/influx/index.js';
import { classifyInflux2Error, influx2Writer, InfluxWriteError, retryAfterMs } from '../../processor/sinks/influx2/index.js';
import { ConfigError } from '../../gateway/registry/loader.js';
import { toLine } from '../../processor/sinks/lineProtocol/index.js';
import { linesChunk } from '../../processor/sinks/spool/index.js';
import { reply, startInflux2StandIn, type Influx2StandIn, type Reply } from '../helpers/influx2StandIn.js';
import { freePort } from '../helpers/influxd.js';

const T0 = Date.UTC(2026, 10, 25, 2, 0, 0);
const point = (value = 1.5, ts = T0): string => toLine({ measurement: 'wastewater_pipe', tags: { site: 'WP-01' }, fields: { value, flag: 'N' }, timestamp: ts });

let s: Influx2StandIn;
beforeAll(async () => {
  s = await startInflux2StandIn();
});
afterAll(async () => {
  await s?.close();
});

/** one write through a fresh writer (no Retry-After carried over from an earlier row) */
async function failedWrite(r: Reply, timeoutMs = 10_000): Promise<unknown> {
  s.script(r);
  const writer = influx2Writer({ url: s.url, org: s.org, bucket: s.bucket, token: s.token, timeoutMs });
  return writer.write([linesChunk([point()])]).then(
    () => undefined,
    (err: unknown) => err,
  );
}

interface Row {
  name: string;
  reply: Reply;
  kind: FailureKind;
  status: number;
  code?: string;
  retryAfterMs?: number;
  message: RegExp;
}

const rows: Row[] = [
  { name: '429 + Retry-After 2', reply: reply.tooManyRequests(2), kind: 'retry', status: 429, code: 'too many requests', retryAfterMs: 2000, message: /write limit exceeded/ },
  { name: '503 + Retry-After 1', reply: reply.unavailable(1), kind: 'retry', status: 503, code: 'unavailable', retryAfterMs: 1000, message: /service unavailable/ },
  { name: '503 without Retry-After', reply: reply.unavailable(), kind: 'retry', status: 503, code: 'unavailable', message: /service unavailable/ },
  { name: '500 internal error', reply: { status: 500, body: { code: 'internal error', message: 'unexpected error writing points to database' } }, kind: 'retry', status: 500, code: 'internal error', message: /unexpected error writing points/ },
  { name: '502 from a proxy, text body', reply: { status: 502, headers: { 'content-type': 'text/plain' }, body: 'upstream down' }, kind: 'retry', status: 502, message: /HTTP 502: upstream down$/ },
  { name: '408 request timeout', reply: { status: 408 }, kind: 'retry', status: 408, message: /HTTP 408/ },
  { name: '413 request too large', reply: reply.tooLarge(), kind: 'split', status: 413, code: 'request too large', message: /points batch is too large/ },
  { name: '400 invalid line protocol', reply: reply.invalid('unable to parse \'x\': missing fields'), kind: 'reject', status: 400, code: 'invalid', message: /HTTP 400 invalid: unable to parse 'x': missing fields$/ },
  { name: '401 unauthorized', reply: reply.unauthorized(), kind: 'reject', status: 401, code: 'unauthorized', message: /unauthorized access/ },
  { name: '403 forbidden', reply: reply.forbidden(), kind: 'reject', status: 403, code: 'forbidden', message: /insufficient permissions/ },
  { name: '404 bucket not found', reply: reply.bucketNotFound('park'), kind: 'reject', status: 404, code: 'not found', message: /bucket "park" not found/ },
  { name: '422 beyond retention', reply: reply.unprocessable('points beyond retention policy dropped=1'), kind: 'reject', status: 422, code: 'unprocessable entity', message: /dropped=1/ },
  { name: '200 instead of 204', reply: { status: 200 }, kind: 'reject', status: 200, message: /204 HTTP response status code expected, but 200 returned/ },
];

describe('InfluxDB 2.x write failures, as answered by the stand-in', () => {
  it.each(rows)('$name → $kind', async (row) => {
    const err = await failedWrite(row.reply);
    expect(err).toBeInstanceOf(InfluxWriteError);
    const e = err as InfluxWriteError;
    expect(classifyInflux2Error(e)).toBe(row.kind);
    expect(e.status).toBe(row.status);
    expect(e.code).toBe(row.code);
    expect(retryAfterMs(e)).toBe(row.retryAfterMs);
    expect(e.message).toMatch(/^InfluxDB 2\.x write to http:\/\/127\.0\.0\.1:\d+ org park-org bucket park failed: /);
    expect(e.message).toMatch(row.message);
    expect(e.message).not.toContain(s.token);
  });

  it('a request that times out → retry', async () => {
    const err = await failedWrite(reply.hang(), 300);
    expect(err).toBeInstanceOf(InfluxWriteError);
    expect((err as Error).message).toMatch(/Request timed out/);
    expect(classifyInflux2Error(err)).toBe('retry');
  });

  it('connection refused → retry, with the socket error code', async () => {
    const writer = influx2Writer({ url: `http://127.0.0.1:${await freePort()}`, org: 'o', bucket: 'b', token: 't' });
    const err = await writer.write([linesChunk([point()])]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    expect(writer.classify(err)).toBe('retry');
  });

  it('posts the chunks as they are: one request, their payloads joined by newlines, byte for byte', async () => {
    const before = s.requests.length;
    const writer = influx2Writer({ url: s.url, org: s.org, bucket: s.bucket, token: s.token });
    const lines = [point(1.5, T0), point(2.5, T0 + 1), point(3.5, T0 + 2)];
    await writer.write([linesChunk(lines.slice(0, 2)), linesChunk(lines.slice(2))]);
    expect(s.requests.slice(before).map((r) => r.body)).toEqual([lines.join('\n')]);
  });

  it('classifies by status alone: 413 split; 408, 429, 5xx and socket errors retry; any other answer rejects', () => {
    const table: [unknown, FailureKind][] = [
      [new InfluxWriteError('x', { status: 413 }), 'split'],
      [new InfluxWriteError('x', { status: 429, retryAfterMs: 3000 }), 'retry'],
      [new InfluxWriteError('x', { status: 504 }), 'retry'],
      [new InfluxWriteError('x', { status: 400 }), 'reject'],
      [new InfluxWriteError('x', { status: 404 }), 'reject'],
      [new InfluxWriteError('Request timed out', { code: 'ETIMEDOUT' }), 'retry'],
      [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'retry'],
    ];
    expect(table.map(([e]) => classifyInflux2Error(e))).toEqual(table.map(([, k]) => k));
    expect(retryAfterMs(table[1]![0])).toBe(3000);
  });

  it('configuration: lists every problem and never echoes the token; names where it writes; no I/O when built', () => {
    let err: unknown;
    try {
      influx2Writer({ url: 'ftp://influx:8086', org: ' ', bucket: 'park', token: '' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.path).sort()).toEqual(['org', 'token', 'url']);
    const w = influx2Writer({ url: 'http://127.0.0.1:9', org: 'park-org', bucket: 'park', token: 'secret-token' });
    expect(w.where).toBe('http://127.0.0.1:9 org park-org bucket park');
    expect(w.where).not.toContain('secret-token');
  });
});
