import * as zlib from 'node:zlib';

/**
 * One spool record: a batch of items, checksummed so that a torn or corrupted record is recognised.
 *
 * | bytes | field                                                                   |
 * |-------|-------------------------------------------------------------------------|
 * | 0-3   | marker "SPL" + format digit: where a record may start, and its format  |
 * | 4-7   | payload length n, uint32 LE                                             |
 * | 8-11  | item count (points in the batch), uint32 LE                             |
 * | 12-15 | CRC-32 (IEEE 802.3, as zlib) of bytes 4-11 and the payload, uint32 LE  |
 * | 16-   | payload, n bytes (the codec's encoding of the batch)                    |
 *
 * Formats (the digit after "SPL"): 1 = a UTF-8 JSON array of `influx` IPoints (gateway versions before
 * the line-protocol spool; still read, converted on replay); 2 = UTF-8 InfluxDB line protocol, one line
 * per point, lines separated by "\n". A new format takes the next digit; a digit this code does not
 * know makes the spool refuse to start (written by a newer version).
 *
 * The checksum covers the length, so a damaged length field cannot send the reader astray; the magic
 * lets the reader find the next record after damage (resynchronisation).
 */
/** "SPL1": records of format 1 (JSON points) */
export const MAGIC_V1 = 0x314c5053;
/** "SPL2": records of format 2 (line protocol), what this version writes */
export const MAGIC = 0x324c5053;
export const FORMAT = 2;
/** formats this version reads */
export const FORMATS: readonly number[] = [1, 2];
const MARKER = Buffer.from('SPL', 'latin1');
/** the format digit of a 4-byte marker, or undefined when the bytes are no marker */
export function markerFormat(buf: Buffer, at: number): number | undefined {
  if (buf[at] !== 0x53 || buf[at + 1] !== 0x50 || buf[at + 2] !== 0x4c) return undefined;
  const d = buf[at + 3]!;
  return d >= 0x30 && d <= 0x39 ? d - 0x30 : undefined;
}
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
  | { kind: 'record'; payload: Buffer; count: number; size: number; format: number }
  /** the bytes end before the record does; `size` is the whole record's size when the header was readable */
  | { kind: 'short'; size?: number }
  | { kind: 'corrupt'; why: string };

/** Parses the record starting at `at`, using bytes up to `end` of `buf`. */
export function parseRecord(buf: Buffer, at: number, end = buf.length): Parsed {
  if (end - at < 4) return { kind: 'short' };
  const format = markerFormat(buf, at);
  if (format === undefined || !FORMATS.includes(format)) return { kind: 'corrupt', why: 'no record marker' };
  if (end - at < HEADER_BYTES) return { kind: 'short' };
  const length = buf.readUInt32LE(at + 4);
  if (length > MAX_PAYLOAD_BYTES) return { kind: 'corrupt', why: `implausible length ${length}` };
  const size = HEADER_BYTES + length;
  if (end - at < size) return { kind: 'short', size };
  if (checksum(buf, at, length) !== buf.readUInt32LE(at + 12)) return { kind: 'corrupt', why: 'checksum mismatch' };
  return { kind: 'record', payload: buf.subarray(at + HEADER_BYTES, at + size), count: buf.readUInt32LE(at + 8), size, format };
}

/**
 * Offset of the next place at or after `from` (and before `end`) where a record marker appears, or -1.
 * The caller checks the candidate with parseRecord: a marker alone may be payload bytes.
 */
export function nextMarker(buf: Buffer, from: number, end = buf.length): number {
  const b = buf.subarray(0, end);
  for (let i = b.indexOf(MARKER, from); i >= 0; i = b.indexOf(MARKER, i + 1)) {
    const f = markerFormat(b, i);
    if (f !== undefined && FORMATS.includes(f)) return i;
  }
  return -1;
}
