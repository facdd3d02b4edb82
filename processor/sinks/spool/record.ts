import * as zlib from 'node:zlib';

/**
 * One spool record: a batch of items, checksummed so that a torn or corrupted record is recognised.
 *
 * | bytes | field                                                                   |
 * |-------|-------------------------------------------------------------------------|
 * | 0-3   | magic "SPL1" (0x314c5053 little-endian): where a record may start      |
 * | 4-7   | payload length n, uint32 LE                                             |
 * | 8-11  | item count (points in the batch), uint32 LE                             |
 * | 12-15 | CRC-32 (IEEE 802.3, as zlib) of bytes 4-11 and the payload, uint32 LE  |
 * | 16-   | payload, n bytes (the codec's encoding of the batch: JSON by default)   |
 *
 * The checksum covers the length, so a damaged length field cannot send the reader astray; the magic
 * lets the reader find the next record after damage (resynchronisation).
 */
export const MAGIC = 0x314c5053;
export const HEADER_BYTES = 16;
/** larger lengths are treated as damage, never allocated */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32/IEEE by table, for Node versions without zlib.crc32 (< 20.15) */
export function crc32Table(data: Uint8Array, value = 0): number {
  let c = ~value;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return ~c >>> 0;
}

/** CRC-32 as zlib computes it; zlib.crc32 where Node has it, the table otherwise. */
export const crc32: (data: Uint8Array, value?: number) => number = typeof zlib.crc32 === 'function' ? (d, v = 0) => zlib.crc32(d, v) : crc32Table;

function checksum(buf: Buffer, at: number, length: number): number {
  return crc32(buf.subarray(at + HEADER_BYTES, at + HEADER_BYTES + length), crc32(buf.subarray(at + 4, at + 12)));
}

/** header + payload, ready to append */
export function encodeRecord(payload: Buffer, count: number): Buffer {
  if (payload.length > MAX_PAYLOAD_BYTES) throw new RangeError(`spool record of ${payload.length} bytes exceeds ${MAX_PAYLOAD_BYTES}`);
  const buf = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
  buf.writeUInt32LE(MAGIC, 0);
  buf.writeUInt32LE(payload.length, 4);
  buf.writeUInt32LE(count, 8);
  payload.copy(buf, HEADER_BYTES);
  buf.writeUInt32LE(checksum(buf, 0, payload.length), 12);
  return buf;
}

export type Parsed =
  | { kind: 'record'; payload: Buffer; count: number; size: number }
  /** the bytes end before the record does; `size` is the whole record's size when the header was readable */
  | { kind: 'short'; size?: number }
  | { kind: 'corrupt'; why: string };

/** Parses the record starting at `at`, using bytes up to `end` of `buf`. */
export function parseRecord(buf: Buffer, at: number, end = buf.length): Parsed {
  if (end - at < 4) return { kind: 'short' };
  if (buf.readUInt32LE(at) !== MAGIC) return { kind: 'corrupt', why: 'no record marker' };
  if (end - at < HEADER_BYTES) return { kind: 'short' };
  const length = buf.readUInt32LE(at + 4);
  if (length > MAX_PAYLOAD_BYTES) return { kind: 'corrupt', why: `implausible length ${length}` };
  const size = HEADER_BYTES + length;
  if (end - at < size) return { kind: 'short', size };
  if (checksum(buf, at, length) !== buf.readUInt32LE(at + 12)) return { kind: 'corrupt', why: 'checksum mismatch' };
  return { kind: 'record', payload: buf.subarray(at + HEADER_BYTES, at + size), count: buf.readUInt32LE(at + 8), size };
}

/**
 * Offset of the next place at or after `from` (and before `end`) where a record marker appears, or -1.
 * The caller checks the candidate with parseRecord: a marker alone may be payload bytes.
 */
export function nextMarker(buf: Buffer, from: number, end = buf.length): number {
  const marker = Buffer.from([0x53, 0x50, 0x4c, 0x31]);
  const i = buf.subarray(0, end).indexOf(marker, from);
  return i;
}
