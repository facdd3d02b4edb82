import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeadLetterStore, DeadLetterEnvSchema, deadLetterBoundsFromEnv } from './index.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'dead-letters-'));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const files = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
const bytesOnDisk = (dir: string) => files(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
const linesOnDisk = (dir: string) => files(dir).reduce((n, f) => n + readFileSync(join(dir, f), 'utf8').split('\n').length - 1, 0);
const entry = (i: number) => ({ source: 'mqtt', where: 'park/v1/AQ-03/AQ-03-V/data', reason: 'malformed-json', detail: `flood ${i}`, raw: 'x'.repeat(200) });

describe('dead letters on disk are bounded (issue 11: a flood of bad input cannot fill the disk)', () => {
  it('stop growing past their bound while the dropped count rises, and every entry is on disk or counted', () => {
    const dir = tmp();
    const maxFileBytes = 4096;
    const store = createDeadLetterStore({ file: join(dir, 'dead-letters.jsonl'), bounds: { maxFileBytes, maxFiles: 3 } });
    const samples: { bytes: number; dropped: number }[] = [];
    for (let i = 0; i < 2000; i++) {
      store.put(entry(i));
      if (i % 200 === 199) samples.push({ bytes: bytesOnDisk(dir), dropped: store.dropped() });
    }
    expect(files(dir)).toEqual(['dead-letters.1.jsonl', 'dead-letters.2.jsonl', 'dead-letters.jsonl']);
    for (const s of samples) expect(s.bytes).toBeLessThanOrEqual(3 * maxFileBytes);
    // the disk stays flat while the dropped count keeps rising
    expect(samples.at(-1)!.dropped).toBeGreaterThan(samples[samples.length / 2]!.dropped);
    expect(store.total()).toBe(2000);
    expect(linesOnDisk(dir) + store.dropped()).toBe(2000);
    // the newest entry is in the current file
    expect(readFileSync(join(dir, 'dead-letters.jsonl'), 'utf8')).toContain('flood 1999');
  });

  it('keeps the dropped count and the bound across a restart over the same files', () => {
    const dir = tmp();
    const bounds = { maxFileBytes: 2048, maxFiles: 2 };
    const first = createDeadLetterStore({ file: join(dir, 'dead-letters.jsonl'), bounds });
    for (let i = 0; i < 300; i++) first.put(entry(i));
    const dropped = first.dropped();
    expect(dropped).toBeGreaterThan(0);
    const again = createDeadLetterStore({ file: join(dir, 'dead-letters.jsonl'), bounds });
    expect(again.dropped()).toBe(dropped);
    for (let i = 0; i < 300; i++) again.put(entry(i));
    expect(again.dropped()).toBeGreaterThan(dropped);
    expect(bytesOnDisk(dir)).toBeLessThanOrEqual(2 * 2048);
    expect(linesOnDisk(dir) + again.dropped()).toBe(600);
  });

  it('reads its bounds from the environment', () => {
    expect(deadLetterBoundsFromEnv(DeadLetterEnvSchema.parse({}))).toEqual({ maxFileBytes: 10 * 1024 * 1024, maxFiles: 5 });
    expect(deadLetterBoundsFromEnv(DeadLetterEnvSchema.parse({ DEAD_LETTER_FILE_MB: '0.5', DEAD_LETTER_FILES: '2' }))).toEqual({ maxFileBytes: 524288, maxFiles: 2 });
    expect(DeadLetterEnvSchema.safeParse({ DEAD_LETTER_FILES: '0' }).success).toBe(false);
  });
});
