import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createDeadLetterStore } from '../../gateway/deadLetter/index.js';
import { createSpoolQueue, type SpoolQueue } from '../../processor/sinks/spool/index.js';
import { parseRecord } from '../../processor/sinks/spool/record.js';
import { waitFor } from '../helpers/wait.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'spool-recovery-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** a spool over a database that is up (records what it receives) or down (every request fails, retryable) */
function open(dir: string, up: boolean) {
  const written: number[] = [];
  const deadLetters = createDeadLetterStore();
  const q: SpoolQueue<number> = createSpoolQueue<number>({ dir, deadLetters })({
    write: async (b) => {
      if (!up) throw new Error('connect ECONNREFUSED');
      written.push(...b);
    },
    classify: () => 'retry',
    backoff: { initialMs: 5, maxMs: 20 },
    batchSize: 50,
    lingerMs: 5,
  });
  q.start();
  return { q, written, deadLetters };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const segments = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.log')).sort().map((f) => join(dir, f));
/** byte offsets of the records of a segment file */
function offsets(file: string): number[] {
  const buf = readFileSync(file);
  const out: number[] = [];
  for (let at = 0; at < buf.length; ) {
    const p = parseRecord(buf, at);
    if (p.kind !== 'record') break;
    out.push(at);
    at += p.size;
  }
  return out;
}
/** run 1 spools 1..n with the database down and stops; returns the dir and its one segment file */
function spooled(n: number): { dir: string; file: string } {
  const dir = tempDir();
  const run1 = open(dir, false);
  for (let i = 1; i <= n; i++) run1.q.push([i]);
  expect(run1.q.close()).toBe(n);
  const files = segments(dir);
  expect(files).toHaveLength(1);
  return { dir, file: files[0]! };
}
/** run 2: the database is up; waits until everything was written (and the reader has passed the whole spool) */
async function replay(dir: string) {
  const run = open(dir, true);
  expect(await run.q.drain(30_000)).toBe(0);
  // damage after the last record holds no points: the reader reports it just after the drain
  await waitFor(() => run.q.counters.segments === 1, 'the reader to pass every segment of the last run');
  run.q.close();
  return run;
}

describe('spool recovery', () => {
  it('replays on start what the last run left, in order, and only that', async () => {
    const dir = tempDir();
    const run1 = open(dir, true);
    for (let i = 1; i <= 300; i++) run1.q.push([i]);
    expect(await run1.q.drain(30_000)).toBe(0);
    expect(run1.written).toEqual(range(1, 300));
    run1.q.close();
    const run2 = open(dir, false); // the database goes away
    for (let i = 301; i <= 1000; i++) run2.q.push([i]);
    expect(run2.q.close()).toBe(700);

    const run3 = await replay(dir);
    expect(run3.written).toEqual(range(301, 1000)); // the checkpoint keeps 1..300 from being written twice
    expect(run3.q.counters).toMatchObject({ replayedPoints: 700, corruptRecords: 0 });
    const run4 = await replay(dir);
    expect(run4.written).toEqual([]);
  });

  it('an unreadable checkpoint replays the whole spool (written again, never lost)', async () => {
    const { dir } = spooled(100);
    writeFileSync(join(dir, 'head.json'), '{"segm');
    const run2 = await replay(dir);
    expect(run2.written).toEqual(range(1, 100));
  });

  it('a torn record at the tail is reported (dead letter, counter) and skipped', async () => {
    const { dir, file } = spooled(100);
    const size = readFileSync(file).length;
    truncateSync(file, size - 3);
    const run2 = await replay(dir);
    expect(run2.written).toEqual(range(1, 99));
    expect(run2.q.counters.corruptRecords).toBe(1);
    const [dl] = run2.deadLetters.recent();
    expect(dl).toMatchObject({ source: 'spool', reason: 'spool-corrupt' });
    expect(dl!.detail).toMatch(/torn record/);
    expect(dl!.where).toContain(file);
  });

  it('garbage after the last record is reported and skipped', async () => {
    const { dir, file } = spooled(100);
    appendFileSync(file, Buffer.from('\u0000\u0007 half-written junk that is not a record'));
    const run2 = await replay(dir);
    expect(run2.written).toEqual(range(1, 100));
    expect(run2.q.counters.corruptRecords).toBe(1);
  });

  it('a damaged record in the middle is skipped by its checksum; the records after it are kept', async () => {
    const { dir, file } = spooled(100);
    const at = offsets(file)[49]!; // record of item 50
    const buf = readFileSync(file);
    buf[at + 17] = buf[at + 17]! ^ 0x20;
    writeFileSync(file, buf);
    const run2 = await replay(dir);
    expect(run2.written).toEqual([...range(1, 49), ...range(51, 100)]);
    expect(run2.q.counters).toMatchObject({ corruptRecords: 1 });
    expect(run2.deadLetters.recent()[0]!.detail).toMatch(/checksum mismatch/);
  });

  it('kill -9 while pushing: every point push() returned from is replayed, once, in order', async () => {
    const dir = tempDir();
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'test/integration/spoolKillChild.ts'), dir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let printed = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = chunk.toString().trim().split('\n');
      printed = Math.max(printed, Number(lines.at(-1)));
    });
    await waitFor(() => printed >= 20_000, 'the child to push 20,000 points', 60_000);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const run2 = await replay(dir);
    expect(run2.written.length).toBeGreaterThanOrEqual(printed);
    expect(run2.written).toEqual(range(1, run2.written.length));
    expect(run2.q.counters.corruptRecords).toBe(0);
  });
});
