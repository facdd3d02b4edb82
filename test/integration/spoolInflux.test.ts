import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeadLetterStore, type DeadLetterStore } from '../../gateway/deadLetter/index.js';
import { createLogger } from '../../gateway/log.js';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { createInfluxSink, type InfluxSinkOptions } from '../../processor/sinks/influx/index.js';
import { crc32 } from '../../processor/sinks/spool/record.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { waitFor } from '../helpers/wait.js';

const log = createLogger('spool-influx-test', 'silent');
const registry = loadRegistry();
const T0 = Date.UTC(2026, 10, 25, 2, 0, 0);
const reading = (i: number, over: Partial<Reading> = {}): Reading => ({ site: 'WP-01', device: 'WP-01-M', pollutant: 'w01018', value: i, unit: 'mg/L', ts: T0 + i * 1000, flag: 'N', source: 'modbus', ...over });
const readings = (n: number) => Array.from({ length: n }, (_, i) => reading(i + 1));

/**
 * An HTTP proxy in front of the real influxd whose /write answers can be scripted: `script` answers
 * the next requests (status, Retry-After), `maxBody` answers 413 to larger bodies, `down` answers 503.
 */
interface Proxy {
  url: string;
  script: { status: number; retryAfter?: string }[];
  maxBody?: number;
  down: boolean;
  writes: { status: number; bytes: number; at: number }[];
  close(): Promise<void>;
}
async function startProxy(target: string): Promise<Proxy> {
  const p = { script: [], down: false, writes: [] } as unknown as Proxy;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const isWrite = req.url?.startsWith('/write') ?? false;
      const scripted = isWrite ? p.script.shift() : undefined;
      const status = scripted?.status ?? (isWrite && p.down ? 503 : isWrite && p.maxBody !== undefined && body.length > p.maxBody ? 413 : 0);
      if (isWrite) p.writes.push({ status: status || 204, bytes: body.length, at: Date.now() });
      if (status) {
        res.writeHead(status, scripted?.retryAfter ? { 'retry-after': scripted.retryAfter } : {});
        return res.end(status === 413 ? '{"error":"Request Entity Too Large"}' : '{"error":"scripted"}');
      }
      fetch(target + req.url, { method: req.method, headers: { 'content-type': req.headers['content-type'] ?? 'text/plain' }, body: req.method === 'GET' ? undefined : body })
        .then(async (r) => {
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
          res.end(Buffer.from(await r.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  p.url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  p.close = () => new Promise<void>((r) => server.close(() => r()));
  return p;
}

let influx: RunningInflux;
let proxy: Proxy;
const dirs: string[] = [];
beforeAll(async () => {
  influx = await startInflux();
  proxy = await startProxy(influx.url);
});
afterAll(async () => {
  await proxy?.close();
  await influx?.close();
  dirs.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

async function freshDb() {
  const db = `t_${randomBytes(4).toString('hex')}`;
  await influx.query(`CREATE DATABASE "${db}"`);
  const count = async () => (await influx.query<{ count: number }>('SELECT count(value) FROM wastewater_pipe', db))[0]?.count ?? 0;
  const values = async () => (await influx.query<{ value: number }>('SELECT value FROM wastewater_pipe', db)).map((r) => r.value);
  return { db, count, values };
}

function spooledSink(db: string, dir: string, deadLetters: DeadLetterStore, over: Partial<InfluxSinkOptions> = {}) {
  return createInfluxSink({
    url: proxy.url,
    database: db,
    registry,
    log,
    deadLetters,
    flushMs: 20,
    batchSize: 500,
    backoff: { initialMs: 20, maxMs: 200 },
    spool: { dir },
    ...over,
  });
}
/** starts the sink and appends the readings as an input would: batches of 4 (one MQTT message) */
function feed(sink: ReturnType<typeof spooledSink>, rs: Reading[]) {
  sink.start();
  for (let i = 0; i < rs.length; i += 4) sink.append(rs.slice(i, i + 4));
}
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'spool-influx-'));
  dirs.push(d);
  return d;
};

describe('spooled InfluxDB sink against a real influxd', () => {
  it('rides out 503 and 429 (waiting the Retry-After), then writes every point once, in order', async () => {
    const { db, count, values } = await freshDb();
    const sink = spooledSink(db, tempDir(), createDeadLetterStore());
    proxy.script.push({ status: 503 }, { status: 503 }, { status: 429, retryAfter: '1' });
    const writesBefore = proxy.writes.length;
    feed(sink, readings(1200));
    await sink.stop();
    expect(sink.counters).toMatchObject({ pointsWritten: 1200, writeErrors: 3, pointsDropped: 0 });
    const w = proxy.writes.slice(writesBefore);
    expect(w.slice(0, 4).map((x) => x.status)).toEqual([503, 503, 429, 204]);
    expect(w[3]!.at - w[2]!.at).toBeGreaterThanOrEqual(950); // Retry-After: 1 s, longer than the 20-200 ms backoff
    expect(await count()).toBe(1200);
    expect(await values()).toEqual(readings(1200).map((r) => r.value));
  });

  it('413: splits a request until InfluxDB takes it', async () => {
    const { db, count } = await freshDb();
    proxy.maxBody = 8 * 1024;
    try {
      const sink = spooledSink(db, tempDir(), createDeadLetterStore());
      feed(sink, readings(700));
      await sink.stop();
      expect(sink.counters.pointsWritten).toBe(700);
      expect(sink.counters.lastError).toMatch(/413/);
    } finally {
      proxy.maxBody = undefined;
    }
    expect(await count()).toBe(700);
  });

  it('400 field type conflict: the refused point goes to the dead letters with the server message, the rest is written', async () => {
    const { db, count } = await freshDb();
    // value already exists as an integer for this measurement in this shard
    expect((await fetch(`${influx.url}/write?db=${db}&precision=ms`, { method: 'POST', body: `wastewater_pipe,site=WP-00 value=1i ${T0}` })).status).toBe(204);
    const deadLetters = createDeadLetterStore();
    const sink = spooledSink(db, tempDir(), deadLetters);
    // one request: a point that conflicts and one that does not (InfluxDB answers 400 "partial write")
    feed(sink, [reading(1), reading(2, { site: 'RO-01', device: 'RO-01-M', pollutant: 'w01001', value: 7.2, unit: '' })]);
    await sink.stop();
    expect(sink.counters).toMatchObject({ pointsRejected: 1, pointsWritten: 1, writeErrors: 1 });
    expect(deadLetters.counts()).toEqual({ 'influx-rejected': 1 });
    expect(deadLetters.recent()[0]!.detail).toMatch(/field type conflict/);
    expect((await influx.query<{ value: number }>('SELECT value FROM rain_outlet', db)).map((r) => r.value)).toEqual([7.2]);
    expect(await count()).toBe(1); // only the integer written before
  });

  it('stop() with InfluxDB unreachable keeps the points on disk; the next start writes them, exactly once', async () => {
    const { db, count, values } = await freshDb();
    const dir = tempDir();
    proxy.down = true;
    const first = spooledSink(db, dir, createDeadLetterStore(), { stopTimeoutMs: 300 });
    feed(first, readings(2000));
    await first.stop();
    expect(first.counters).toMatchObject({ pointsWritten: 0, pointsAbandoned: 0 });
    expect(first.queueCounters).toMatchObject({ pointsPending: 2000, pointsAppended: 2000 });
    proxy.down = false;
    const second = spooledSink(db, dir, createDeadLetterStore());
    second.start();
    await waitFor(() => second.counters.pointsWritten === 2000, 'the replay');
    expect(second.queueCounters).toMatchObject({ replayedPoints: 2000, pointsPending: 0 });
    await second.stop();
    expect(await count()).toBe(2000);
    expect(await values()).toEqual(readings(2000).map((r) => r.value));
  });

  it('a spool left by the previous version (format 1: JSON points) is converted and replayed at start', async () => {
    const { db, count, values } = await freshDb();
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    // the previous version's segment: one "SPL1" record per point, payload a JSON array of influx IPoints
    const legacy = Buffer.concat(readings(300).map((r) => legacyRecord([legacyPoint(r)])));
    writeFileSync(join(dir, 'seg-000000000007.log'), legacy);
    writeFileSync(join(dir, 'head.json'), JSON.stringify({ segment: 7, offset: 0 }) + '\n');
    const sink = spooledSink(db, dir, createDeadLetterStore());
    sink.start();
    sink.append([reading(301)]); // live data goes behind the replay
    await waitFor(() => sink.counters.pointsWritten === 301, 'the converted replay and the live point');
    expect(sink.queueCounters).toMatchObject({ replayedPoints: 300, corruptRecords: 0 });
    await sink.stop();
    expect(await count()).toBe(301);
    expect(await values()).toEqual(readings(301).map((r) => r.value));
  });

  it('a spool of an unknown (newer) format is refused at start with the directory and what to do', () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'seg-000000000001.log'), Buffer.from('SPL9 a record of a format from the future'));
    const sink = spooledSink('x', dir, createDeadLetterStore());
    expect(() => sink.start()).toThrow(new RegExp(`spool directory ${dir} holds segments of spool format 9.*Start the newer gateway again until the spool is empty.*or move the directory aside`));
  });
});

/** a point as the previous version stored it (processor/sinks/influx/points.ts toPoint) */
function legacyPoint(r: Reading) {
  const enterprise = registry.enterprises.find((e) => e.id === registry.sites.find((s) => s.id === r.site)?.enterprise)?.name;
  return { measurement: 'wastewater_pipe', tags: { site: r.site, kind: 'wastewater_pipe', pollutant: r.pollutant, device: r.device, ...(enterprise ? { enterprise } : {}) }, fields: { value: r.value, flag: r.flag }, timestamp: String(r.ts) };
}

/** the previous version's record encoder: "SPL1", length, count, CRC-32 of bytes 4-11 and the payload, JSON payload */
function legacyRecord(points: unknown[]): Buffer {
  const payload = Buffer.from(JSON.stringify(points), 'utf8');
  const buf = Buffer.alloc(16 + payload.length);
  buf.write('SPL1', 0, 'latin1');
  buf.writeUInt32LE(payload.length, 4);
  buf.writeUInt32LE(points.length, 8);
  payload.copy(buf, 16);
  buf.writeUInt32LE(crc32(payload, crc32(buf.subarray(4, 12))), 12);
  return buf;
}
