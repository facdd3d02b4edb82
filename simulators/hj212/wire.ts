// The data logger's own HJ 212-2017 wire code, independent of the gateway's codec (so that a codec bug
// cannot cancel out in the tests): the frame (§6.3.1), the data segment (§6.3.2-6.3.3), CRC16 (Appendix A).

export interface SimPacket {
  qn?: string;
  st?: string;
  cn: string;
  pw?: string;
  mn: string;
  flag?: number;
  pnum?: number;
  pno?: number;
  cp: { dataTime?: string; fields: Record<string, string>; factors: Record<string, Record<string, string>> };
}

/** Appendix A: register 0xFFFF; crc = (crc >> 8) ^ byte; 8 × (shift right, XOR 0xA001 when the LSB was 1); over the data segment's UTF-8 bytes */
export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc = (crc >>> 8) ^ b;
    for (let i = 0; i < 8; i++) {
      const lsb = crc & 1;
      crc >>>= 1;
      if (lsb) crc ^= 0xa001;
    }
  }
  return crc;
}

export function segmentOf(p: SimPacket): string {
  const head: string[] = [];
  if (p.qn !== undefined) head.push(`QN=${p.qn}`);
  if (p.st !== undefined) head.push(`ST=${p.st}`);
  head.push(`CN=${p.cn}`);
  if (p.pw !== undefined) head.push(`PW=${p.pw}`);
  head.push(`MN=${p.mn}`);
  if (p.flag !== undefined) head.push(`Flag=${p.flag}`);
  if (p.pnum !== undefined) head.push(`PNUM=${p.pnum}`, `PNO=${p.pno}`);
  const items: string[] = [];
  if (p.cp.dataTime !== undefined) items.push(`DataTime=${p.cp.dataTime}`);
  for (const [k, v] of Object.entries(p.cp.fields)) items.push(`${k}=${v}`);
  for (const [code, fs] of Object.entries(p.cp.factors)) items.push(Object.entries(fs).map(([k, v]) => `${code}-${k}=${v}`).join(','));
  return `${head.join(';')};CP=&&${items.join(';')}&&`;
}

/** ##, 4-digit length in UTF-8 bytes, segment, CRC as 4 upper-case hex digits, CR LF */
export function encodeFrame(p: SimPacket): Buffer {
  const seg = Buffer.from(segmentOf(p), 'utf8');
  const crc = crc16(seg).toString(16).toUpperCase().padStart(4, '0');
  return Buffer.concat([Buffer.from(`##${String(seg.length).padStart(4, '0')}`), seg, Buffer.from(`${crc}\r\n`)]);
}

/** a frame the platform sent; undefined when it is not well-formed (the logger ignores it) */
export function decodeFrame(frame: Buffer): SimPacket | undefined {
  const len = Number(frame.subarray(2, 6).toString());
  const seg = frame.subarray(6, 6 + len);
  if (crc16(seg).toString(16).padStart(4, '0').toUpperCase() !== frame.subarray(6 + len, 10 + len).toString().toUpperCase()) return undefined;
  const text = seg.toString('utf8');
  const cpAt = text.indexOf('CP=&&');
  if (cpAt < 0) return undefined;
  const head = Object.fromEntries(text.slice(0, cpAt).split(';').filter(Boolean).map((kv) => kv.split('=') as [string, string]));
  const p: SimPacket = { qn: head.QN, st: head.ST, cn: head.CN ?? '', pw: head.PW, mn: head.MN ?? '', flag: head.Flag === undefined ? undefined : Number(head.Flag), cp: { fields: {}, factors: {} } };
  for (const item of text.slice(cpAt + 5, text.lastIndexOf('&&')).split(';').filter(Boolean)) {
    for (const kv of item.split(',')) {
      const [k = '', v = ''] = kv.split('=');
      const dash = k.indexOf('-');
      if (k === 'DataTime') p.cp.dataTime = v;
      else if (dash > 0) (p.cp.factors[k.slice(0, dash)] ??= {})[k.slice(dash + 1)] = v;
      else p.cp.fields[k] = v;
    }
  }
  return p;
}

/** complete frames out of a TCP byte stream (the platform's replies) */
export class FrameReader {
  private buf = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: Buffer[] = [];
    for (;;) {
      const start = this.buf.indexOf('##');
      if (start < 0 || this.buf.length < start + 6) break;
      const len = Number(this.buf.subarray(start + 2, start + 6).toString());
      if (!Number.isInteger(len)) {
        this.buf = this.buf.subarray(start + 2);
        continue;
      }
      const end = start + 6 + len + 6;
      if (this.buf.length < end) break;
      out.push(this.buf.subarray(start, end));
      this.buf = this.buf.subarray(end);
    }
    return out;
  }
}

const CST = 8 * 3_600_000; // DataTime and QN are local time, UTC+8
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** epoch ms → yyyyMMddHHmmss (UTC+8) */
export function timeText(ms: number): string {
  const d = new Date(ms + CST);
  return `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

export function parseTimeText(s: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(s);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) - CST : undefined;
}

/** QN: yyyyMMddHHmmsszzz; `seq` in the milliseconds keeps QNs of one millisecond apart */
export function qnText(ms: number, seq: number): string {
  return timeText(ms) + pad((new Date(ms).getUTCMilliseconds() + seq) % 1000, 3);
}
