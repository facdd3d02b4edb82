import { describe, expect, it } from 'vitest';
import { chunkLines, countChunks, joinChunks, lineCodec, linesChunk, type Chunk } from './lineCodec.js';

const chunk = (...lines: string[]) => linesChunk(lines);
const halve = (chunks: Chunk[]) => lineCodec.sizing!.halve(chunks);
const text = (chunks: readonly Chunk[]) => chunks.map((c) => c.payload.toString('utf8'));

describe('line-protocol chunks', () => {
  it('joins payloads with newlines; one chunk is its payload, not a copy', () => {
    const a = chunk('m v=1 1', 'm v=2 2');
    const b = chunk('m v=3 3');
    expect(joinChunks([a])).toBe(a.payload);
    expect(joinChunks([a, b]).toString('utf8')).toBe('m v=1 1\nm v=2 2\nm v=3 3');
    expect(countChunks([a, b])).toBe(3);
    expect(chunkLines([a, b], 2)).toEqual(['m v=1 1', 'm v=2 2']);
  });

  it('halves on 413 at a record boundary near half the points, else the one record by lines, in order', () => {
    const [l, r] = halve([chunk('a', 'b', 'c'), chunk('d'), chunk('e', 'f')])!;
    expect([text(l), text(r)]).toEqual([['a\nb\nc'], ['d', 'e\nf']]);
    const [l2, r2] = halve([chunk('a'), chunk('b', 'c', 'd', 'e')])!;
    expect([text(l2), text(r2)]).toEqual([['a'], ['b\nc\nd\ne']]);
    const [l3, r3] = halve([chunk('a', 'b', 'c')])!;
    expect([text(l3), text(r3), l3.map((c) => c.count), r3.map((c) => c.count)]).toEqual([['a\nb'], ['c'], [2], [1]]);
    expect(halve([chunk('a')])).toBeUndefined();
  });

  it('decodes a format-2 payload as the bytes it is, and converts format 1 (JSON points) once', () => {
    const payload = Buffer.from([0x6d, 0x2c, 0x74, 0x3d, 0xff, 0x20, 0x76, 0x3d, 0x31]); // not UTF-8: kept as it is
    const [c] = lineCodec.decode(payload, 2, 1);
    expect(c!.payload).toBe(payload);
    expect(c!.count).toBe(1);
    expect(lineCodec.decode(Buffer.alloc(0), 2, 0)).toEqual([]);
    expect(() => lineCodec.decode(Buffer.alloc(0), 2, 3)).toThrow(/0 bytes for 3 points/);
    const legacy = Buffer.from(JSON.stringify([{ measurement: 'air', tags: { site: 'A 1' }, fields: { value: 1.5 }, timestamp: '1000' }]));
    expect(text(lineCodec.decode(legacy, 1, 1))).toEqual(['air,site=A\\ 1 value=1.5 1000']);
  });
});
