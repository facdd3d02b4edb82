import { describe, expect, it } from 'vitest';
import * as zlib from 'node:zlib';
import { crc32, crc32Table, encodeRecord, HEADER_BYTES, MAGIC, nextMarker, parseRecord } from './record.js';

const payload = Buffer.from('[{"measurement":"air_fence","fields":{"value":1}}]');

describe('spool record', () => {
  it('round-trips payload and item count behind a 16-byte header', () => {
    const rec = encodeRecord(payload, 3);
    expect(rec.length).toBe(HEADER_BYTES + payload.length);
    expect(rec.readUInt32LE(0)).toBe(MAGIC);
    expect(rec.subarray(0, 4).toString('latin1')).toBe('SPL2');
    const p = parseRecord(rec, 0);
    expect(p).toMatchObject({ kind: 'record', count: 3, size: rec.length });
    expect(p.kind === 'record' && p.payload.equals(payload)).toBe(true);
  });

  it('checksums with CRC-32 as zlib computes it (the table fallback agrees)', () => {
    const data = Buffer.from('123456789');
    expect(crc32(data)).toBe(0xcbf43926); // the CRC-32/IEEE check value
    expect(crc32Table(data)).toBe(0xcbf43926);
    expect(crc32Table(payload, 7)).toBe(zlib.crc32(payload, 7));
    expect(crc32(payload, 7)).toBe(zlib.crc32(payload, 7));
  });

  it('finds a damaged payload, a damaged length and a damaged count by the checksum', () => {
    for (const at of [HEADER_BYTES + 5, 5, 9]) {
      const rec = encodeRecord(payload, 3);
      rec[at] = rec[at]! ^ 0x01;
      const p = parseRecord(rec, 0);
      expect(p.kind, `byte ${at}`).not.toBe('record');
    }
    const rec = encodeRecord(payload, 3);
    rec[HEADER_BYTES + 5] = rec[HEADER_BYTES + 5]! ^ 0x01;
    expect(parseRecord(rec, 0)).toEqual({ kind: 'corrupt', why: 'checksum mismatch' });
    expect(parseRecord(Buffer.from('garbage!garbage!garbage!'), 0)).toEqual({ kind: 'corrupt', why: 'no record marker' });
  });

  it('says "short" for a record cut off, with its full size once the header is readable', () => {
    const rec = encodeRecord(payload, 1);
    expect(parseRecord(rec.subarray(0, 10), 0)).toEqual({ kind: 'short' });
    expect(parseRecord(rec, 0, rec.length - 1)).toEqual({ kind: 'short', size: rec.length });
  });

  it('finds the next record marker for resynchronisation', () => {
    const a = encodeRecord(payload, 1);
    const b = encodeRecord(Buffer.from('[2]'), 1);
    const buf = Buffer.concat([a, Buffer.from('xx'), b]);
    expect(nextMarker(buf, 1)).toBe(a.length + 2);
    expect(parseRecord(buf, a.length + 2)).toMatchObject({ kind: 'record', count: 1 });
    expect(nextMarker(buf, a.length + 3)).toBe(-1);
  });
});
