import type { Hj212ErrorReason } from './errors.js';
import { DEFAULT_MAX_FRAME_BYTES, scanFrame, type FrameOptions } from './frame.js';

/**
 * Cuts a TCP byte stream into HJ 212 frames (§6.3.1 Table 2): a frame split across reads is held until
 * complete, several frames in one read are all returned, and bytes that are not a frame come back as
 * garbage with the reason, so the caller can count and dead-letter them.
 *
 * Resynchronisation: a candidate frame starts at `##`. Its length field is trusted, then its tail and
 * CRC (Appendix A) are checked; if any of that fails, the bytes from that `##` up to the next `##`
 * (searched from the byte after the bad `##`) are garbage and framing restarts there. So a bad frame
 * costs only its own bytes: the good frame after it is found even when the bad one's length field
 * runs into it. While a candidate waits for more bytes, a complete valid frame that starts inside it
 * ends the wait (the candidate's length was wrong), so a good frame is never held hostage by a bad
 * length on a quiet connection.
 *
 * Only framing and CRC are checked here; the data segment is parsed by decodeFrame.
 */

export type FramerOutput = { frame: Buffer } | { garbage: Buffer; reason: Hj212ErrorReason; detail: string };

const HASH = 0x23;

export class Hj212Framer {
  private buf: Buffer = Buffer.alloc(0);
  private readonly maxFrameBytes: number;

  constructor(opts: FrameOptions = {}) {
    this.maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  /** Bytes held while a frame is incomplete. */
  get pending(): number {
    return this.buf.length;
  }

  /** Feed the next chunk of the stream; returns the frames and garbage it completes, in stream order. */
  push(chunk: Uint8Array): FramerOutput[] {
    const buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const out: FramerOutput[] = [];
    let pos = 0;
    while (pos < buf.length) {
      const start = header(buf, pos);
      if (start < 0) {
        const stop = buf.length - (buf[buf.length - 1] === HASH ? 1 : 0); // a lone '#' may begin a header
        if (stop > pos) out.push(garbage(buf, pos, stop, 'bad-header', 'bytes outside a frame (no "##" header, §6.3.1 Table 2)'));
        pos = stop;
        break;
      }
      if (start > pos) {
        out.push(garbage(buf, pos, start, 'bad-header', 'bytes before a "##" header (§6.3.1 Table 2)'));
        pos = start;
      }
      const r = scanFrame(buf, pos, this.maxFrameBytes);
      if (r.status === 'frame') {
        out.push({ frame: Buffer.from(buf.subarray(pos, r.end)) });
        pos = r.end;
      } else if (r.status === 'more') {
        const inner = this.completeFrameInside(buf, pos);
        if (inner < 0) break;
        out.push(garbage(buf, pos, inner, 'bad-length', `the length field runs past a complete frame ${inner - pos} bytes later (§6.3.1 Table 2)`));
        pos = inner;
      } else {
        const next = header(buf, pos + 1);
        const stop = next >= 0 ? next : buf.length - (buf[buf.length - 1] === HASH ? 1 : 0);
        out.push(garbage(buf, pos, stop, r.error.reason, r.error.detail));
        pos = stop;
        if (next < 0) break;
      }
    }
    this.buf = Buffer.from(buf.subarray(pos));
    return out;
  }

  /** End of stream (connection closed): what is held is an incomplete frame, returned as garbage. */
  flush(): FramerOutput[] {
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    return rest.length === 0 ? [] : [{ garbage: rest, reason: 'no-tail', detail: 'the stream ended inside a frame (§6.3.1 Table 2)' }];
  }

  /** Start of the first complete, valid frame that begins after `from`, or -1. */
  private completeFrameInside(buf: Buffer, from: number): number {
    for (let at = header(buf, from + 1); at >= 0; at = header(buf, at + 1)) {
      if (scanFrame(buf, at, this.maxFrameBytes).status === 'frame') return at;
    }
    return -1;
  }
}

function header(buf: Buffer, from: number): number {
  return buf.indexOf('##', from, 'latin1');
}

function garbage(buf: Buffer, from: number, to: number, reason: Hj212ErrorReason, detail: string): FramerOutput {
  return { garbage: Buffer.from(buf.subarray(from, to)), reason, detail };
}
