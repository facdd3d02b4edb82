import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeadLetterStore, type DeadLetterStore } from '../../gateway/deadLetter/index.js';
import { createLogger } from '../../gateway/log.js';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { createInfluxSink, type InfluxSinkOptions } from '../../processor/sinks/influx/index.js';
import { influx2Writer } from '../../processor/sinks/influx2/index.js';
import { reply, startInflux2StandIn, type Influx2StandIn } from '../helpers/influx2StandIn.js';
import { waitFor } from '../helpers/wait.js';

const log = createLogger('influx2-sink-test', 'silent');
const registry = loadRegistry();
const T0 = Date.UTC(2026, 10, 25, 2, 0, 0);
const reading = (over: Partial<Reading> = {}): Reading => ({
  site: 'WP-01',
  device: 'WP-01-M',
  pollutant: 'w01018',
  value: 212.5,
  unit: 'mg/L',
  ts: T0,
  flag: 'N',
  source: 'modbus',
  ...over,
});
/** n readings of WP-01 COD, one second apart, values 0.5, 1.5, ... */
const series = (n: number) => Array.from({ length: n }, (_, i) => reading({ ts: T0 + i * 1000, value: i + 0.5 }));

let standIn: Influx2StandIn | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function setup(over: Partial<InfluxSinkOptions> & { token?: string; maxBodyBytes?: number; registry?: Registry } = {}) {
  const { token, maxBodyBytes, ...sinkOver } = over;
  const s = await startInflux2StandIn(maxBodyBytes === undefined ? {} : { maxBodyBytes });
  standIn = s;
  const deadLetters: DeadLetterStore = createDeadLetterStore();
  const writer = influx2Writer({ url: s.url, org: s.org, bucket: s.bucket, token: token ?? s.token, timeoutMs: 10_000 });
  const dir = mkdtempSync(join(tmpdir(), 'influx2-sink-'));
  dirs.push(dir);
  const sink = createInfluxSink({ url: s.url, database: 'unused', registry, log, flushMs: 50, backoff: { initialMs: 50, maxMs: 200 }, deadLetters, writer, spool: { dir }, ...sinkOver });
  sink.start();
  /** one append per reading, as the MQTT input does today */
  const feed = (rs: readonly Reading[]) => rs.forEach((r) => sink.append([r]));
  return { s, sink, deadLetters, feed };
}

describe('InfluxDB 2.x writer through the sink, against a /api/v2/write stand-in', () => {
  it('writes each reading exactly once, in order, as float value / string flag lines with ms timestamps', async () => {
    const { s, sink, feed } = await setup();
    feed([
        reading({ value: 5 }),
        reading({ site: 'RO-01', device: 'RO-01-M', pollutant: 'w01001', value: 7.31, unit: '', flag: 'M', ts: T0 + 1 }),
        reading({ site: 'AQ-01', device: 'AQ-01-V', pollutant: 'a24088', value: 1.25, unit: 'mg/m3', source: 'mqtt', ts: T0 + 2 }),
        reading({ site: 'WS-01', device: 'WS-01-W', pollutant: 'a01007', value: 2.4, unit: 'm/s', source: 'mqtt', ts: T0 + 3 }),
      ]);
    await sink.stop();
    expect(s.problems).toEqual([]);
    expect(sink.counters).toMatchObject({ pointsWritten: 4, writeErrors: 0, pointsRejected: 0 });
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]!.lines.map((l) => l.raw)[0]).toBe(
      `wastewater_pipe,device=WP-01-M,enterprise=明弘集团,kind=wastewater_pipe,pollutant=w01018,site=WP-01 flag="N",value=5 ${T0}`,
    );
    expect(s.accepted.map(({ raw: _raw, ...l }) => l)).toEqual([
      { measurement: 'wastewater_pipe', tags: { site: 'WP-01', kind: 'wastewater_pipe', pollutant: 'w01018', device: 'WP-01-M', enterprise: '明弘集团' }, fields: { value: 5, flag: 'N' }, time: T0 },
      // a public rain outlet has no enterprise: the tag is absent, not empty
      { measurement: 'rain_outlet', tags: { site: 'RO-01', kind: 'rain_outlet', pollutant: 'w01001', device: 'RO-01-M' }, fields: { value: 7.31, flag: 'M' }, time: T0 + 1 },
      { measurement: 'air_fence', tags: expect.objectContaining({ site: 'AQ-01', pollutant: 'a24088' }), fields: { value: 1.25, flag: 'N' }, time: T0 + 2 },
      { measurement: 'weather', tags: expect.objectContaining({ site: 'WS-01', pollutant: 'a01007' }), fields: { value: 2.4, flag: 'N' }, time: T0 + 3 },
    ]);
  });

  it('keeps order across many batches, gzips large bodies, and odd tag values survive', async () => {
    const odd: Registry = structuredClone(registry);
    odd.enterprises[0]!.name = '明弘 集团,化工=一期 "A';
    const { s, sink, feed } = await setup({ registry: odd, batchSize: 40 });
    const input = series(300).map((r, i) => (i === 7 ? { ...r, device: 'dev 1,a=b 设备\\x' } : r));
    feed(input);
    await sink.stop();
    expect(s.problems).toEqual([]);
    expect(sink.counters).toMatchObject({ pointsWritten: 300, batchesWritten: 8, writeErrors: 0 });
    expect(s.accepted.map((l) => [l.time, l.fields.value])).toEqual(input.map((r) => [r.ts, r.value]));
    expect(s.accepted[7]!.tags).toMatchObject({ device: 'dev 1,a=b 设备\\x', enterprise: '明弘 集团,化工=一期 "A' });
    // 40 lines are well above the 1000-byte gzip threshold
    expect(s.requests.every((r) => r.gzip)).toBe(true);
  });

  it('429 with Retry-After: the batch is sent again only after the delay, nothing lost or doubled', async () => {
    const { s, sink, feed } = await setup();
    s.script(reply.tooManyRequests(1));
    feed(series(5));
    await waitFor(() => sink.counters.pointsWritten === 5, '5 points written');
    sink.append([reading({ ts: T0 + 10_000, value: 9.5 })]);
    await sink.stop();
    expect(s.problems).toEqual([]);
    expect(s.requests.map((r) => r.status)).toEqual([429, 204, 204]);
    // the queue's own backoff is 50 ms; the server asked for 1 s
    expect(s.requests[1]!.at - s.requests[0]!.at).toBeGreaterThanOrEqual(950);
    expect(s.accepted.map((l) => l.fields.value)).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 9.5]);
    expect(sink.counters).toMatchObject({ pointsWritten: 6, writeErrors: 1, pointsRejected: 0, pointsDropped: 0 });
    expect(sink.counters.lastError).toMatch(/HTTP 429 too many requests: write limit exceeded/);
  });

  it('503: retried with backoff until accepted', async () => {
    const { s, sink, feed } = await setup();
    s.script(reply.unavailable(), reply.unavailable());
    feed(series(3));
    await sink.stop();
    expect(s.requests.map((r) => r.status)).toEqual([503, 503, 204]);
    expect(s.accepted.map((l) => l.time)).toEqual([T0, T0 + 1000, T0 + 2000]);
    expect(sink.counters).toMatchObject({ pointsWritten: 3, writeErrors: 2, pointsRejected: 0 });
  });

  it('413: the batch is split until each part fits, and every point arrives once, in order', async () => {
    // one line is ~125 bytes: 8 lines are refused, 2 fit
    const { s, sink, feed } = await setup({ maxBodyBytes: 300, batchSize: 8 });
    feed(series(8));
    await sink.stop();
    expect(s.problems).toEqual([]);
    const statuses = s.requests.map((r) => r.status);
    expect(statuses.filter((st) => st === 413).length).toBeGreaterThanOrEqual(3);
    expect(s.requests.filter((r) => r.status === 204).every((r) => r.lines.length <= 2)).toBe(true);
    expect(s.accepted.map((l) => l.time)).toEqual(series(8).map((r) => r.ts));
    expect(sink.counters).toMatchObject({ pointsWritten: 8, pointsRejected: 0 });
  });

  it('400: not retried; the batch is dead-lettered with the server message and later batches go on', async () => {
    const { s, sink, deadLetters, feed } = await setup();
    const message = 'unable to parse \'wastewater_pipe value=1x\': invalid number';
    s.script(reply.invalid(message));
    feed(series(3));
    await waitFor(() => sink.counters.pointsRejected === 3, 'batch rejected');
    sink.append([reading({ ts: T0 + 60_000, value: 42.5 })]);
    await sink.stop();
    expect(s.requests.map((r) => r.status)).toEqual([400, 204]);
    expect(s.accepted.map((l) => l.fields.value)).toEqual([42.5]);
    expect(sink.counters).toMatchObject({ pointsRejected: 3, pointsWritten: 1, writeErrors: 1 });
    expect(deadLetters.counts()).toEqual({ 'influx-rejected': 1 });
    const [dl] = deadLetters.recent();
    expect(dl).toMatchObject({ source: 'influx', where: `${s.url} org ${s.org} bucket ${s.bucket}` });
    expect(dl!.detail).toBe(`InfluxDB 2.x write to ${s.url} org ${s.org} bucket ${s.bucket} failed: HTTP 400 invalid: ${message}`);
    expect(dl!.raw.split('\n')).toHaveLength(3); // the refused lines as they were sent
  });

  it('400 partial write: only the dropped points count as rejected', async () => {
    const { s, sink, feed } = await setup();
    s.script(reply.invalid('partial write: field type conflict: input field "value" on measurement "wastewater_pipe" is type float, already exists as type integer dropped=1'));
    feed(series(4));
    await sink.stop();
    expect(s.requests).toHaveLength(1);
    expect(sink.counters).toMatchObject({ pointsRejected: 1, pointsWritten: 3 });
  });

  it('401 (wrong token): rejected at once, not retried, with the server message', async () => {
    const { s, sink, deadLetters, feed } = await setup({ token: 'not-the-token' });
    feed(series(2));
    await sink.stop();
    expect(s.requests.map((r) => r.status)).toEqual([401]);
    expect(s.problems).toEqual(['#0 Authorization "Token not-the-token" is not "Token <token>"']);
    expect(sink.counters).toMatchObject({ pointsRejected: 2, pointsWritten: 0 });
    expect(deadLetters.recent()[0]!.detail).toMatch(/HTTP 401 unauthorized: unauthorized access$/);
  });

  it('401 scripted with the right token: rejected, and the next batch is written', async () => {
    const { s, sink } = await setup();
    s.script(reply.unauthorized());
    sink.append([reading()]);
    await waitFor(() => sink.counters.pointsRejected === 1, 'batch rejected');
    sink.append([reading({ ts: T0 + 1000 })]);
    await sink.stop();
    expect(s.problems).toEqual([]);
    expect(s.requests.map((r) => r.status)).toEqual([401, 204]);
    expect(s.accepted.map((l) => l.time)).toEqual([T0 + 1000]);
  });
});
