import { HttpError, RequestTimedOutError } from '@influxdata/influxdb-client';
import type { IPoint } from 'influx';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FailureKind } from '../../processor/sinks/influx/index.js';
import { classifyInflux2Error, Influx2WriteError, influx2Writer, LineProtocolError, retryAfterMs } from '../../processor/sinks/influx2/index.js';
import { reply, startInflux2StandIn, type Influx2StandIn, type Reply } from '../helpers/influx2StandIn.js';
import { freePort } from '../helpers/influxd.js';

const T0 = Date.UTC(2026, 10, 25, 2, 0, 0);
const point = (value = 1.5, ts = T0): IPoint => ({ measurement: 'wastewater_pipe', tags: { site: 'WP-01' }, fields: { value, flag: 'N' }, timestamp: String(ts) });

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
  return writer.write([point()]).then(
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
    expect(err).toBeInstanceOf(Influx2WriteError);
    const e = err as Influx2WriteError;
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
    expect(err).toBeInstanceOf(Influx2WriteError);
    expect((err as Error).message).toMatch(/Request timed out/);
    expect(classifyInflux2Error(err)).toBe('retry');
  });

  it('connection refused → retry, with the socket error code', async () => {
    const writer = influx2Writer({ url: `http://127.0.0.1:${await freePort()}`, org: 'o', bucket: 'b', token: 't' });
    const err = await writer.write([point()]).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ECONNREFUSED' });
    expect(writer.classify(err)).toBe('retry');
  });

  it('a point that cannot be a line → reject with dropped=1, the other points still written', async () => {
    const before = s.accepted.length;
    const writer = influx2Writer({ url: s.url, org: s.org, bucket: s.bucket, token: s.token });
    const err = await writer.write([point(1.5, T0), point(Number.NaN, T0 + 1), point(2.5, T0 + 2)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LineProtocolError);
    expect((err as Error).message).toMatch(/1 of 3 points .* dropped=1: #1: field value=NaN is not a finite number/);
    expect(writer.classify(err)).toBe('reject');
    expect(s.accepted.slice(before).map((l) => l.fields.value)).toEqual([1.5, 2.5]);
  });

  it('the client’s own error types classify the same way', () => {
    const table: [unknown, FailureKind][] = [
      [new HttpError(413, 'Request Entity Too Large'), 'split'],
      [new HttpError(429, 'Too Many Requests', undefined, '3'), 'retry'],
      [new HttpError(504, 'Gateway Timeout'), 'retry'],
      [new HttpError(400, 'Bad Request', '{"code":"invalid","message":"bad"}', undefined, 'application/json'), 'reject'],
      [new HttpError(404, 'Not Found'), 'reject'],
      [new RequestTimedOutError(), 'retry'],
      [Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }), 'retry'],
      [new LineProtocolError('no field'), 'reject'],
    ];
    expect(table.map(([e]) => classifyInflux2Error(e))).toEqual(table.map(([, k]) => k));
    expect(retryAfterMs(new HttpError(429, 'Too Many Requests', undefined, '3', undefined, undefined, { 'retry-after': '3' }))).toBe(3000);
  });
});
