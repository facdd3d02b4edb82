import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeadLetterStore } from '../../gateway/deadLetter/index.js';
import { createLogger } from '../../gateway/log.js';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { createInfluxSink, type InfluxSinkOptions } from '../../processor/sinks/influx/index.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { freePort } from '../helpers/influxd.js';
import { waitFor } from '../helpers/wait.js';

const log = createLogger('influx-sink-test', 'silent');
const registry = loadRegistry();
let influx: RunningInflux;

beforeAll(async () => {
  influx = await startInflux();
});
const dirs: string[] = [];
const spoolDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'influx-sink-'));
  dirs.push(d);
  return d;
};
afterAll(async () => {
  await influx?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** a database of its own for each test */
async function freshDb(): Promise<{ db: string; q: <T = Record<string, unknown>>(influxql: string) => Promise<T[]> }> {
  const db = `t_${randomBytes(4).toString('hex')}`;
  await influx.query(`CREATE DATABASE "${db}"`);
  return { db, q: (influxql) => influx.query(influxql, db) };
}

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

const sinkFor = (db: string, over: Partial<InfluxSinkOptions> = {}) => {
  const sink = createInfluxSink({ url: influx.url, database: db, registry, log, flushMs: 50, backoff: { initialMs: 50, maxMs: 200 }, spool: { dir: spoolDir() }, ...over });
  sink.start();
  return sink;
};

describe('InfluxDB sink against a real influxd', () => {
  it('writes one measurement per site kind with site, kind, pollutant, device, enterprise tags and value/flag fields', async () => {
    const { db, q } = await freshDb();
    const sink = sinkFor(db);
    sink.append([
        reading({ value: 212.5, flag: 'N' }),
        reading({ site: 'RO-01', device: 'RO-01-M', pollutant: 'w01001', value: 7.31, unit: '', flag: 'M', ts: T0 + 1 }),
        reading({ site: 'AQ-01', device: 'AQ-01-V', pollutant: 'a24088', value: 1.25, unit: 'mg/m3', source: 'mqtt' }),
        reading({ site: 'WS-01', device: 'WS-01-W', pollutant: 'a01007', value: 2.4, unit: 'm/s', source: 'mqtt' }),
      ]);
    await sink.stop();
    expect(sink.counters).toMatchObject({ pointsWritten: 4, writeErrors: 0, readingsRejected: 0 });

    const measurements = (await q<{ name: string }>('SHOW MEASUREMENTS')).map((r) => r.name).sort();
    expect(measurements).toEqual(['air_fence', 'rain_outlet', 'wastewater_pipe', 'weather']);
    const [pipe] = await q('SELECT * FROM wastewater_pipe');
    expect(pipe).toMatchObject({ time: T0, site: 'WP-01', kind: 'wastewater_pipe', pollutant: 'w01018', device: 'WP-01-M', enterprise: '明弘集团', value: 212.5, flag: 'N' });
    const [outlet] = await q('SELECT * FROM rain_outlet');
    expect(outlet).toMatchObject({ time: T0 + 1, site: 'RO-01', kind: 'rain_outlet', pollutant: 'w01001', value: 7.31, flag: 'M' });
    // a public rain outlet has no enterprise: the tag is absent, not empty
    expect((await q('SHOW TAG KEYS FROM rain_outlet')).map((r) => r.tagKey)).not.toContain('enterprise');
    const [air] = await q(`SELECT value FROM air_fence WHERE site = 'AQ-01' AND pollutant = 'a24088'`);
    expect(air?.value).toBe(1.25);
  });

  it('keeps value a float field when the first value is an integer', async () => {
    const { db, q } = await freshDb();
    const sink = sinkFor(db);
    sink.append([reading({ value: 5, ts: T0 })]);
    await waitFor(() => sink.counters.batchesWritten === 1, 'first batch written');
    sink.append([reading({ value: 5.5, ts: T0 + 1000 })]);
    sink.append([reading({ value: 1e-7, ts: T0 + 2000 })]);
    sink.append([reading({ value: 4_000_000_000, ts: T0 + 3000 })]);
    await sink.stop();
    expect(sink.counters).toMatchObject({ pointsWritten: 4, writeErrors: 0, pointsRejected: 0 });
    expect((await q('SELECT value FROM wastewater_pipe')).map((r) => r.value)).toEqual([5, 5.5, 1e-7, 4_000_000_000]);
    const fields = await q<{ fieldKey: string; fieldType: string }>('SHOW FIELD KEYS FROM wastewater_pipe');
    expect(Object.fromEntries(fields.map((f) => [f.fieldKey, f.fieldType]))).toEqual({ value: 'float', flag: 'string' });
  });

  it('tag values with spaces, commas, equals signs and Chinese text survive', async () => {
    const { db, q } = await freshDb();
    const odd: Registry = structuredClone(registry);
    odd.enterprises[0]!.name = '明弘 集团,化工=一期 "A"';
    const device = 'dev 1,a=b 设备\\x';
    const sink = sinkFor(db, { registry: odd });
    sink.append([reading({ device })]);
    await sink.stop();
    expect(sink.counters.writeErrors).toBe(0);
    const rows = await q(`SELECT * FROM wastewater_pipe WHERE enterprise = '明弘 集团,化工=一期 "A"'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ enterprise: '明弘 集团,化工=一期 "A"', device, value: 212.5 });
  });

  it('cuts batches at batchSize and stop() flushes the partial batch', async () => {
    const { db, q } = await freshDb();
    const sink = sinkFor(db, { batchSize: 10, flushMs: 600_000 });
    for (let i = 0; i < 25; i++) sink.append([reading({ value: i, ts: T0 + i * 1000 })]);
    await waitFor(() => sink.counters.pointsWritten === 20, '2 full batches');
    expect(sink.counters.batchesWritten).toBe(2);
    const [mid] = await q<{ count: number }>('SELECT count(value) FROM wastewater_pipe');
    expect(mid?.count).toBe(20);
    await sink.stop();
    expect(sink.counters).toMatchObject({ pointsWritten: 25, batchesWritten: 3 });
    const [end] = await q<{ count: number }>('SELECT count(value) FROM wastewater_pipe');
    expect(end?.count).toBe(25);
  });

  it('dead-letters a reading for an unknown site and still writes the others', async () => {
    const { db, q } = await freshDb();
    const deadLetters = createDeadLetterStore();
    const sink = sinkFor(db, { deadLetters });
    sink.append([reading({ site: 'WP-99', device: 'WP-99-M' }), reading({ value: 9 })]);
    await sink.stop();
    expect(sink.counters).toMatchObject({ readingsRejected: 1, pointsWritten: 1 });
    expect(deadLetters.counts()).toEqual({ 'unknown-site': 1 });
    expect(deadLetters.recent()[0]).toMatchObject({ source: 'influx', where: 'WP-99/WP-99-M/w01018' });
    expect((await q('SELECT value FROM wastewater_pipe')).map((r) => r.value)).toEqual([9]);
  });

  it('a batch InfluxDB refuses (field type conflict, HTTP 400) is dead-lettered, not retried, and later batches go on', async () => {
    const { db, q } = await freshDb();
    // someone else already created value as an integer in this shard
    const res = await fetch(`${influx.url}/write?db=${db}&precision=ms`, { method: 'POST', body: `wastewater_pipe,site=WP-00 value=1i ${T0}` });
    expect(res.status).toBe(204);
    const deadLetters = createDeadLetterStore();
    const sink = sinkFor(db, { deadLetters });
    sink.append([reading({ value: 3.5 })]);
    await waitFor(() => sink.counters.pointsRejected === 1, 'rejected batch');
    sink.append([reading({ site: 'RO-01', device: 'RO-01-M', value: 4.5 })]);
    await sink.stop();
    expect(sink.counters).toMatchObject({ pointsRejected: 1, writeErrors: 1, pointsWritten: 1 });
    expect(sink.counters.lastError).toMatch(/field type conflict/);
    expect(deadLetters.counts()).toEqual({ 'influx-rejected': 1 });
    expect((await q('SELECT value FROM rain_outlet')).map((r) => r.value)).toEqual([4.5]);
  });

  it('creates the database when InfluxDB answers "database not found" and then writes', async () => {
    const db = `t_${randomBytes(4).toString('hex')}`;
    const sink = sinkFor(db);
    sink.append([reading({ value: 7 })]);
    await sink.stop();
    expect(sink.counters).toMatchObject({ pointsWritten: 1, writeErrors: 0 }); // created and written in the same attempt
    expect((await influx.query('SELECT value FROM wastewater_pipe', db)).map((r) => r.value)).toEqual([7]);
  });

  it('retries while InfluxDB is unreachable and writes the queued batches in order once it is back', async () => {
    const { db, q } = await freshDb();
    const port = await freePort();
    const sink = sinkFor(db, { url: `http://127.0.0.1:${port}`, flushMs: 20 });
    // three batches for the same series and instant: InfluxDB keeps the last one written
    for (const value of [1, 2, 3]) {
      sink.append([reading({ value })]);
      await waitFor(() => sink.counters.queuedPoints === value, `batch ${value} queued`);
    }
    await waitFor(() => sink.counters.writeErrors >= 2, 'failed attempts');
    expect(sink.counters.pointsWritten).toBe(0);
    const target = new URL(influx.url);
    let proxy: Server | undefined;
    try {
      proxy = await tcpProxy(port, Number(target.port));
      await waitFor(() => sink.counters.pointsWritten === 3, 'queued batches written');
      expect(sink.counters.batchesWritten).toBe(1); // the spooled backlog goes in one request, in order
      expect(sink.counters.queuedPoints).toBe(0);
      await sink.stop();
      expect((await q('SELECT value FROM wastewater_pipe')).map((r) => r.value)).toEqual([3]);
    } finally {
      await sink.stop();
      await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
    }
  });

  it('stop() gives up after stopTimeoutMs when InfluxDB stays unreachable; the points stay spooled for the next start', async () => {
    const { db, q } = await freshDb();
    const port = await freePort();
    const dir = spoolDir();
    const sink = sinkFor(db, { url: `http://127.0.0.1:${port}`, flushMs: 20, stopTimeoutMs: 300, backoff: { initialMs: 50, maxMs: 100 }, spool: { dir } });
    sink.append([reading(), reading({ ts: T0 + 1 })]);
    await sink.stop();
    expect(sink.counters).toMatchObject({ pointsWritten: 0, pointsAbandoned: 0, queuedPoints: 2 });
    expect(sink.counters.writeErrors).toBeGreaterThan(0);
    expect(() => sink.append([reading()])).toThrow(/stopped/);
    const next = sinkFor(db, { spool: { dir } });
    await waitFor(() => next.counters.pointsWritten === 2, 'spooled points written by the next start');
    await next.stop();
    expect((await q('SELECT value FROM wastewater_pipe')).map((r) => r.time)).toEqual([T0, T0 + 1]);
  });

  it('append() before start() says so', () => {
    const sink = createInfluxSink({ url: influx.url, database: 'x', registry, log, spool: { dir: spoolDir() } });
    expect(() => sink.append([reading()])).toThrow(/not started/);
  });
});

/** forwards 127.0.0.1:listenPort to 127.0.0.1:targetPort (InfluxDB "coming back") */
function tcpProxy(listenPort: number, targetPort: number): Promise<Server> {
  const sockets = new Set<import('node:net').Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream).pipe(client);
  });
  const close = server.close.bind(server);
  server.close = ((cb?: (err?: Error) => void) => {
    for (const s of sockets) s.destroy();
    return close(cb);
  }) as typeof server.close;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, '127.0.0.1', () => resolve(server));
  });
}
