import { crcHex, hj212Crc } from './crc.js';
import { hj212Error, type Hj212Error } from './errors.js';
import { formatSegment, parseSegment } from './segment.js';
import type { Hj212Packet } from './schema.js';

/**
 * The frame of HJ 212-2017 §6.3.1 Table 2 (domain.md §1.1):
 *   "##" | LLLL | data segment | CCCC | CR LF
 * LLLL: the data segment's length, 4 decimal digits, counted in UTF-8 bytes (§6.3: ASCII, Chinese as UTF-8).
 * CCCC: CRC16 of the data segment bytes (Appendix A), 4 hex digits; compared case-insensitively because
 * real senders write lower case (domain.md §1.1).
 */

/** Bytes around the data segment: "##" + 4 length digits before, 4 CRC digits + CR LF after. */
export const FRAME_OVERHEAD = 12;
/** §6.3.1 Table 2: the data segment is 0..1024 bytes. Senders exceed it; see DEFAULT_MAX_FRAME_BYTES. */
export const STANDARD_MAX_SEGMENT_BYTES = 1024;
/**
 * Default cap on a whole frame: the largest the 4-digit length field can declare (9999) plus the
 * overhead. Generous on purpose (loggers exceed the standard's 1024); pass maxFrameBytes:
 * STANDARD_MAX_SEGMENT_BYTES + FRAME_OVERHEAD to hold senders to §6.3.1.
 */
export const DEFAULT_MAX_FRAME_BYTES = 9999 + FRAME_OVERHEAD;

export interface FrameOptions {
  /** Largest accepted frame in bytes, header to tail (default DEFAULT_MAX_FRAME_BYTES); longer -> 'too-long'. */
  maxFrameBytes?: number;
}

const HASH = 0x23;
const CR = 0x0d;
const LF = 0x0a;
const isDigit = (b: number | undefined) => b !== undefined && b >= 0x30 && b <= 0x39;
const isHex = (b: number | undefined) => b !== undefined && (isDigit(b) || (b >= 0x41 && b <= 0x46) || (b >= 0x61 && b <= 0x66));

export type ScanResult =
  | { status: 'more' }
  | { status: 'frame'; end: number }
  | { status: 'bad'; error: Hj212Error };

/**
 * Check the frame that starts at `start` in `buf`, trusting its length field: 'more' while bytes are
 * missing, 'frame' (with the index after its LF) when header, length, CRC and tail are right.
 */
export function scanFrame(buf: Uint8Array, start: number, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): ScanResult {
  const avail = buf.length - start;
  if (avail < 1) return { status: 'more' };
  if (buf[start] !== HASH || (avail >= 2 && buf[start + 1] !== HASH)) return bad('bad-header', 'a frame starts with "##" (§6.3.1 Table 2)');
  for (let i = 2; i < 6 && i < avail; i++) {
    if (!isDigit(buf[start + i])) return bad('bad-length', 'the length field is not 4 decimal digits (§6.3.1 Table 2)');
  }
  if (avail < 6) return { status: 'more' };
  const len = Number(Buffer.from(buf.subarray(start + 2, start + 6)).toString('latin1'));
  if (len + FRAME_OVERHEAD > maxFrameBytes) return bad('too-long', `declared data segment of ${len} bytes exceeds the limit of ${maxFrameBytes - FRAME_OVERHEAD}`);
  const end = start + 6 + len + 6;
  if (buf.length < end) return { status: 'more' };
  const crcAt = start + 6 + len;
  if (buf[crcAt + 4] !== CR || buf[crcAt + 5] !== LF) {
    // Where does this frame really end? A CR LF before the next "##" is its tail, so the length is wrong.
    const next = Buffer.from(buf.buffer, buf.byteOffset, buf.length).indexOf('##', start + 2, 'latin1');
    const rest = buf.subarray(start + 6, next < 0 ? buf.length : next);
    const cr = rest.findIndex((b, i) => b === CR && rest[i + 1] === LF);
    return cr >= 0
      ? bad('bad-length', `the length field says ${len} bytes but the frame ends earlier (§6.3.1 Table 2)`)
      : bad('no-tail', `no CR LF after the CRC at byte ${6 + len + 4} (§6.3.1 Table 2)`);
  }
  return checkCrc(buf.subarray(start + 6, crcAt), buf.subarray(crcAt, crcAt + 4)) ?? { status: 'frame', end };
}

function checkCrc(segment: Uint8Array, field: Uint8Array): { status: 'bad'; error: Hj212Error } | undefined {
  if (!field.every((b) => isHex(b))) return bad('bad-crc', `CRC field "${Buffer.from(field).toString('latin1')}" is not 4 hex digits (Appendix A)`);
  const sent = Buffer.from(field).toString('latin1').toUpperCase();
  const want = crcHex(hj212Crc(segment));
  if (sent !== want) return bad('bad-crc', `CRC ${sent} sent, ${want} computed over the data segment (Appendix A)`);
  return undefined;
}

const bad = (reason: Hj212Error['reason'], detail: string) => ({ status: 'bad' as const, error: hj212Error(reason, detail) });

export type DecodeResult = { ok: true; packet: Hj212Packet; segment: string } | { ok: false; error: Hj212Error };

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Decode one whole frame (`##` to CR LF, nothing before or after). Never throws. The reasons:
 * bad-header, bad-length (field not digits, or not the segment's byte count), too-long, no-tail,
 * bad-crc, then from the data segment: truncated-cp, bad-segment.
 */
export function decodeFrame(frame: Uint8Array | string, opts: FrameOptions = {}): DecodeResult {
  const bytes = typeof frame === 'string' ? Buffer.from(frame, 'utf8') : frame;
  const max = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const scan = scanFrame(bytes, 0, max);
  const n = bytes.length;
  const endsWithTail = n >= 2 && bytes[n - 2] === CR && bytes[n - 1] === LF;
  if (scan.status === 'bad') {
    // The whole frame ends in CR LF, just not where the length field puts it: the length is wrong.
    if (scan.error.reason === 'no-tail' && endsWithTail) {
      return { ok: false, error: hj212Error('bad-length', `the length field says ${lengthField(bytes)} bytes but the data segment has ${n - FRAME_OVERHEAD} (§6.3.1 Table 2)`) };
    }
    return { ok: false, error: scan.error };
  }
  if (scan.status === 'more') {
    if (n < 2) return { ok: false, error: hj212Error('bad-header', `frame of ${n} bytes has no "##" header (§6.3.1 Table 2)`) };
    if (n < 6) return { ok: false, error: hj212Error('bad-length', `frame of ${n} bytes has no complete length field (§6.3.1 Table 2)`) };
    const len = n - FRAME_OVERHEAD;
    return {
      ok: false,
      error: endsWithTail
        ? hj212Error('bad-length', `the length field says ${lengthField(bytes)} bytes but the data segment has ${Math.max(len, 0)} (§6.3.1 Table 2)`)
        : hj212Error('no-tail', 'the frame ends before its CRC and CR LF (§6.3.1 Table 2)'),
    };
  }
  if (scan.end !== n) {
    return { ok: false, error: hj212Error('bad-length', `the length field says ${lengthField(bytes)} bytes; ${n - scan.end} bytes follow the tail (§6.3.1 Table 2)`) };
  }
  let segment: string;
  try {
    segment = utf8.decode(bytes.subarray(6, n - 6));
  } catch {
    return { ok: false, error: hj212Error('bad-segment', 'the data segment is not valid UTF-8 (§6.3: Chinese characters are UTF-8)') };
  }
  const parsed = parseSegment(segment);
  return parsed.ok ? { ok: true, packet: parsed.packet, segment } : parsed;
}

const lengthField = (bytes: Uint8Array) => Number(Buffer.from(bytes.subarray(2, 6)).toString('latin1'));

/** Frame a data segment: ##, length in UTF-8 bytes, segment, CRC16 (upper-case hex), CR LF. */
export function frameSegment(segment: string): Buffer {
  const body = Buffer.from(segment, 'utf8');
  if (body.length > 9999) throw new RangeError(`data segment of ${body.length} bytes does not fit the 4-digit length field (§6.3.1 Table 2); split it (PNUM/PNO)`);
  return Buffer.concat([
    Buffer.from(`##${String(body.length).padStart(4, '0')}`, 'latin1'),
    body,
    Buffer.from(`${crcHex(hj212Crc(body))}\r\n`, 'latin1'),
  ]);
}

/** The complete frame ##LLLL<segment>CCCC\r\n of a packet. Throws a ZodError on an invalid packet. */
export function encodePacket(p: Hj212Packet): Buffer {
  return frameSegment(formatSegment(p));
}
