import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDeadLetterStore, type DeadLetterStore } from '../../gateway/deadLetter/index.js';
import type { DeliveryOptions, FailureKind } from '../../processor/sinks/write/index.js';
import { createSpoolQueue, type SpoolOptions, type SpoolQueue } from '../../processor/sinks/spool/index.js';
import { waitFor } from '../helpers/wait.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'spool-test-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

class Failure extends Error {
  constructor(
    readonly kind: FailureKind,
    /** the server's Retry-After, as the writers' InfluxWriteError carries it */
    readonly retryAfterMs?: number,
  ) {
    super(kind);
  }
}

/** A database stand-in: records every request; `down` fails them all with 'retry'; `answers` scripts the next ones. */
function database() {
  const db = { requests: [] as number[][], written: [] as number[], down: false, answers: [] as Failure[], inFlight: 0, maxInFlight: 0 };
  const write = async (batch: number[]) => {
    db.inFlight++;
    db.maxInFlight = Math.max(db.maxInFlight, db.inFlight);
    db.requests.push(batch);
    await new Promise((r) => setTimeout(r, 1));
    db.inFlight--;
    const answer = db.answers.shift() ?? (db.down ? new Failure('retry') : undefined);
    if (answer) throw answer;
    db.written.push(...batch);
  };
  return Object.assign(db, { write });
}
type Db = ReturnType<typeof database>;

function spool(dir: string, db: Db, over: Partial<SpoolOptions<number>> = {}, qo: Partial<DeliveryOptions<number>> = {}): SpoolQueue<number> & { deadLetters: DeadLetterStore } {
  const deadLetters = createDeadLetterStore();
  const q = createSpoolQueue<number>({ dir, deadLetters, ...over })({
    write: db.write,
    classify: (err) => (err as Failure).kind,
    backoff: { initialMs: 2, maxMs: 20 },
    batchSize: 100,
    lingerMs: 5,
    ...qo,
  });
  q.start();
  return Object.assign(q, { deadLetters });
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const segmentFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.log')).sort();
const diskBytes = (dir: string) => segmentFiles(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
/** a payload of ~1 KiB per item, so sizes fill quickly */
const pad = (n: number) => n + 0.123456789;

describe('spool queue: order and write failures', () => {
  it('writes everything pushed, in order, one request at a time, in requests of at most batchSize', async () => {
    const db = database();
    const q = spool(tempDir(), db);
    for (let i = 1; i <= 1000; i++) q.push([i]);
    q.push([1001, 1002, 1003]);
    expect(await q.drain(20_000)).toBe(0);
    expect(db.written).toEqual(range(1, 1003));
    expect(db.maxInFlight).toBe(1);
    expect(Math.max(...db.requests.map((r) => r.length))).toBeLessThanOrEqual(100);
    expect(q.counters).toMatchObject({ recordsAppended: 1001, pointsAppended: 1003, pointsPending: 0, recordsPending: 0, droppedPoints: 0 });
    q.close();
  });

  it('retries a failed request (backoff; Retry-After when longer) before anything behind it', async () => {
    const db = database();
    const delays: (number | undefined)[] = [];
    db.answers.push(new Failure('retry'), new Failure('retry', 1000), new Failure('retry'));
    const q = spool(tempDir(), db, {}, { onError: (_e, info) => delays.push(info.retryInMs) });
    q.push([1]);
    q.push([2]);
    expect(await q.drain(20_000)).toBe(0);
    expect(delays).toEqual([2, 1000, 8]);
    expect(db.requests.slice(0, 4)).toEqual([[1, 2], [1, 2], [1, 2], [1, 2]]);
    expect(db.written).toEqual([1, 2]);
    q.close();
  });

  it('splits a request on "split" (413) and gives up a single-point part on "reject" (400)', async () => {
    const db = database();
    const rejected: number[][] = [];
    db.answers.push(new Failure('split'), new Failure('reject'));
    const q = spool(tempDir(), db, {}, { onRejected: (b) => rejected.push(b) });
    q.push([1, 2, 3, 4]);
    q.push([5]);
    expect(await q.drain(20_000)).toBe(0);
    expect(db.requests[0]).toEqual([1, 2, 3, 4, 5]);
    expect(db.requests[1]).toEqual([1, 2, 3]);
    expect(rejected).toEqual([[1, 2, 3]]);
    expect(db.written).toEqual([4, 5]);
    q.close();
  });

  it('drain gives up after its timeout with what is pending; close stops retrying and keeps it on disk', async () => {
    const db = database();
    db.down = true;
    const dir = tempDir();
    const q = spool(dir, db);
    q.push([1, 2, 3]);
    expect(await q.drain(100)).toBe(3);
    expect(q.close()).toBe(3);
    const attempts = db.requests.length;
    await new Promise((r) => setTimeout(r, 100)); // proving an absence: no condition to wait for
    expect(db.requests.length).toBe(attempts);
    expect(() => q.push([4])).toThrow(/closed/);
    expect(diskBytes(dir)).toBeGreaterThan(0);
  });

  it('fsyncs by group commit (not per point), or every append with fsyncIntervalMs 0', async () => {
    const db = database();
    db.down = true;
    const grouped = spool(tempDir(), db, { fsyncIntervalMs: 50 });
    for (let i = 0; i < 200; i++) grouped.push([i]);
    await waitFor(() => grouped.counters.fsyncs >= 1, 'a group commit');
    expect(grouped.counters.fsyncs).toBeLessThan(20);
    grouped.close();
    const strict = spool(tempDir(), db, { fsyncIntervalMs: 0 });
    for (let i = 0; i < 20; i++) strict.push([i]);
    expect(strict.counters.fsyncs).toBe(20);
    strict.close();
  });
});

describe('spool queue: segments and the size bound', () => {
  it('rotates segments, and deletes each once it has been written', async () => {
    const db = database();
    db.down = true;
    const dir = tempDir();
    const q = spool(dir, db, { segmentBytes: 64 * 1024 });
    for (let i = 1; i <= 6000; i++) q.push([pad(i)]);
    expect(segmentFiles(dir).length).toBeGreaterThanOrEqual(3);
    expect(q.counters.segments).toBe(segmentFiles(dir).length);
    db.down = false;
    expect(await q.drain(30_000)).toBe(0);
    expect(db.written).toEqual(range(1, 6000).map(pad));
    expect(segmentFiles(dir)).toHaveLength(1); // only the live segment remains
    q.close();
  });

  it('drop-oldest: stays within maxBytes, counts what it dropped, keeps the newest', async () => {
    const db = database();
    db.down = true;
    const dir = tempDir();
    const dropped: number[] = [];
    const q = spool(dir, db, { maxBytes: 1024 * 1024, segmentBytes: 256 * 1024 }, { onDroppedCount: (n) => dropped.push(n) });
    const N = 40_000; // ~1.4 MiB of records
    for (let i = 1; i <= N; i++) {
      q.push([pad(i)]);
      if (i % 5000 === 0) expect(diskBytes(dir)).toBeLessThanOrEqual(1024 * 1024);
    }
    const c = q.counters;
    expect(c.droppedSegments).toBeGreaterThan(0);
    expect(c.droppedPoints).toBe(dropped.reduce((a, b) => a + b, 0));
    expect(c.droppedPoints + c.pointsPending).toBe(N);
    db.down = false;
    expect(await q.drain(30_000)).toBe(0);
    // one contiguous stretch: the newest points, in order
    expect(db.written).toEqual(range(c.droppedPoints + 1, N).map(pad));
    q.close();
  });

  it('drop-oldest while a request from the dropped segment is being retried: that request is not counted as lost', async () => {
    const db = database();
    db.down = true;
    const q = spool(tempDir(), db, { maxBytes: 1024 * 1024, segmentBytes: 256 * 1024 });
    const N = 40_000;
    for (let i = 1; i <= N; i++) {
      q.push([pad(i)]);
      if (i % 2000 === 0) await new Promise((r) => setTimeout(r, 5)); // let the writer take a request and retry it
    }
    await waitFor(() => db.requests.length > 0, 'a request in flight');
    const dropped = q.counters.droppedPoints;
    expect(dropped).toBeGreaterThan(0);
    db.down = false;
    expect(await q.drain(30_000)).toBe(0);
    expect(db.written[0]).toBe(pad(1)); // the request in flight when its segment went
    expect(db.written.length + q.counters.droppedPoints).toBe(N);
    expect(db.written.at(-1)).toBe(pad(N));
    expect(db.written.every((v, i) => i === 0 || v > db.written[i - 1]!)).toBe(true);
    q.close();
  });

  it('drop-newest: refuses new points at the bound and keeps the oldest', async () => {
    const db = database();
    db.down = true;
    const dir = tempDir();
    const q = spool(dir, db, { maxBytes: 1024 * 1024, segmentBytes: 256 * 1024, whenFull: 'drop-newest' });
    const N = 40_000;
    let refused = 0;
    for (let i = 1; i <= N; i++) {
      try {
        q.push([pad(i)]);
      } catch (err) {
        expect((err as Error).message).toMatch(/not made durable: full/);
        refused++;
      }
    }
    const c = q.counters;
    expect(refused).toBe(c.droppedPoints); // every refused push threw: its caller knows
    expect(diskBytes(dir)).toBeLessThanOrEqual(1024 * 1024);
    expect(c.droppedPoints).toBeGreaterThan(0);
    expect(c.droppedPoints + c.pointsPending).toBe(N);
    db.down = false;
    expect(await q.drain(30_000)).toBe(0);
    expect(db.written).toEqual(range(1, N - c.droppedPoints).map(pad));
    q.close();
  });
});

describe('createSpoolQueue', () => {
  it('is the sink\'s queue and the spool\'s status: one queue per directory, bytes() and full()', async () => {
    const db = database();
    db.down = true;
    const dir = tempDir();
    const spoolOf = createSpoolQueue<number>({ dir, maxBytes: 1024 * 1024, segmentBytes: 256 * 1024 });
    expect(spoolOf.bytes()).toBe(0);
    expect(spoolOf.full()).toBe(false);
    const q = spoolOf({ write: db.write, classify: () => 'retry', backoff: { initialMs: 5, maxMs: 5 } });
    expect(() => spoolOf({ write: db.write, classify: () => 'retry', backoff: { initialMs: 5, maxMs: 5 } })).toThrow(/one writer per directory/);
    expect(spoolOf.queue).toBe(q);
    q.start();
    for (let i = 1; i <= 5000; i++) q.push([pad(i)]);
    expect(spoolOf.bytes()).toBe(diskBytes(dir)); // nothing written yet: all of it is backlog
    expect(spoolOf.full()).toBe(false);
    for (let i = 5001; i <= 40_000; i++) q.push([pad(i)]);
    expect(spoolOf.full()).toBe(true); // less than one segment of room: the next rotation drops the oldest
    db.down = false;
    expect(await q.drain(30_000)).toBe(0);
    expect(spoolOf.full()).toBe(false);
    expect(spoolOf.bytes()).toBe(0); // bytes() is the backlog; the live segment's written records still count on disk
    expect(q.counters.bytes).toBeGreaterThan(0);
    q.close();
  });
});
