import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../gateway/log.js';
import type { Reading } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { createInfluxSink, influx1Writer } from '../../processor/sinks/influx/index.js';
import { createSpoolQueue, lineCodec, type Chunk } from '../../processor/sinks/spool/index.js';
import { parseRecord } from '../../processor/sinks/spool/record.js';
import { waitFor } from '../helpers/wait.js';

/**
 * "Serialise once, at the edge": what the writer posts is the spooled bytes as they are. A record's
 * payload holds a byte that is not UTF-8 (0xff): any decoding to strings and re-encoding on the way
 * (split into lines, re-join, re-render) would turn it into U+FFFD and fail the byte comparison.
 */
const log = createLogger('spool-bytes-test', 'silent');
const registry = loadRegistry();
const T0 = Date.UTC(2026, 10, 25, 2, 0, 0);

/** a /write endpoint that keeps every body as received and answers 204 (or 413 above maxLines lines) */
let server: Server;
let url: string;
let bodies: Buffer[] = [];
let maxLines = Number.POSITIVE_INFINITY;
beforeAll(async () => {
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      if (body.toString('latin1').split('\n').length > maxLines) return res.writeHead(413).end('{"error":"Request Entity Too Large"}');
      bodies.push(body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const a = server.address();
  url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : 0}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const dirs: string[] = [];
const newDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'spool-bytes-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  bodies = [];
  maxLines = Number.POSITIVE_INFINITY;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** the payloads of every record in the spool's segment files, in order */
function spooledPayloads(dir: string): Buffer[] {
  const out: Buffer[] = [];
  for (const f of readdirSync(dir).filter((n) => n.startsWith('seg-')).sort()) {
    const buf = readFileSync(join(dir, f));
    for (let at = 0; at < buf.length; ) {
      const p = parseRecord(buf, at);
      if (p.kind !== 'record') throw new Error(`${f}@${at}: ${p.kind}`);
      out.push(Buffer.from(p.payload));
      at += p.size;
    }
  }
  return out;
}

const NL = Buffer.from('\n');
const joined = (payloads: Buffer[]) => Buffer.concat(payloads.flatMap((p, i) => (i === 0 ? [p] : [NL, p])));

/** records of n lines each; the tag value of the first line holds the byte 0xff */
const chunk = (n: number, k: number): Chunk => ({
  payload: Buffer.concat(Array.from({ length: n }, (_, i) => Buffer.concat([Buffer.from(`${i ? '\n' : ''}m,t=r${k}`), Buffer.from(i === 0 ? [0xff] : []), Buffer.from(` v=${i} ${T0 + i}`)]))),
  count: n,
});

describe('the writer posts the spooled bytes as they are', () => {
  it.each([
    ['from the in-memory tail', undefined],
    ['from the segment file', 0],
  ])('%s: each request is whole records joined by newlines, byte for byte', async (_, tailPoints) => {
    const dir = newDir();
    const writer = influx1Writer(url, 'park');
    let written = 0;
    const q = createSpoolQueue<Chunk>({ dir, codec: lineCodec, ...(tailPoints === undefined ? {} : { tailPoints }) })({
      write: (chunks) => writer.write(chunks),
      classify: (err) => writer.classify(err),
      backoff: { initialMs: 10, maxMs: 50 },
      batchSize: 5,
      lingerMs: 10_000,
      onWritten: (chunks) => (written += chunks.reduce((n, c) => n + c.count, 0)),
    });
    q.start();
    const chunks = [chunk(2, 1), chunk(2, 2), chunk(2, 3), chunk(3, 4), chunk(7, 5)];
    for (const c of chunks) q.push([c]);
    expect(await q.drain(10_000)).toBe(0);
    const payloads = spooledPayloads(dir);
    expect(payloads).toEqual(chunks.map((c) => c.payload));
    // up to 5 points a request, whole records: [2+2], [2+3], [7 alone]
    expect(bodies).toEqual([joined(payloads.slice(0, 2)), joined(payloads.slice(2, 4)), payloads[4]]);
    expect(written).toBe(16);
    expect(q.counters).toMatchObject({ pointsAppended: 16, pointsPending: 0 });
    q.close();
  });

  it('a 413 splits a request into whole records, then a record into lines; every line once, in order', async () => {
    const dir = newDir();
    const writer = influx1Writer(url, 'park');
    const q = createSpoolQueue<Chunk>({ dir, codec: lineCodec })({ write: (c) => writer.write(c), classify: (e) => writer.classify(e), backoff: { initialMs: 10, maxMs: 50 }, batchSize: 100, lingerMs: 0 });
    q.start();
    maxLines = 2;
    const chunks = [chunk(1, 1), chunk(5, 2), chunk(1, 3)];
    for (const c of chunks) q.push([c]);
    expect(await q.drain(10_000)).toBe(0);
    expect(bodies.every((b) => b.toString('latin1').split('\n').length <= 2)).toBe(true);
    expect(Buffer.concat(bodies.flatMap((b, i) => (i ? [NL, b] : [b])))).toEqual(joined(chunks.map((c) => c.payload)));
    q.close();
  });

  it('the sink: the bodies InfluxDB receives are the record payloads in the spool file', async () => {
    const dir = newDir();
    const sink = createInfluxSink({ url, database: 'park', registry, log, flushMs: 20, batchSize: 1000, spool: { dir } });
    sink.start();
    const reading = (i: number): Reading => ({ site: 'WP-01', device: 'WP-01-M', pollutant: 'w01018', value: i / 7, unit: 'mg/L', ts: T0 + i, flag: 'N', source: 'modbus' });
    for (let b = 0; b < 4; b++) sink.append(Array.from({ length: 3 }, (_, i) => reading(b * 3 + i)));
    await waitFor(() => sink.counters.pointsWritten === 12, "12 points written", 10_000);
    await sink.stop();
    const payloads = spooledPayloads(dir);
    expect(payloads).toHaveLength(4);
    expect(Buffer.concat(bodies.flatMap((b, i) => (i ? [NL, b] : [b])))).toEqual(joined(payloads));
    expect(sink.counters).toMatchObject({ pointsWritten: 12, pointsRejected: 0 });
  });
});
