/**
 * The HJ 212-2017 wire format as the forwarder needs it: frame a data segment, split a byte stream into
 * frames, parse a data segment. The processor may not import gateway/inputs (where the input's full
 * codec lives), so the sink speaks the protocol on its own, like the simulators do.
 */

/** HJ 212-2017 Appendix A CRC16 over the data segment's UTF-8 bytes: crc = (crc >> 8) ^ byte, then 8 × (shift, ^0xA001 on LSB) */
export function hj212Crc(bytes: Uint8Array): number {
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

/** §6.3.1 Table 2: ## + 4-digit length (UTF-8 bytes) + segment + CRC (4 hex) + CRLF */
export function frameSegment(segment: string): string {
  const bytes = Buffer.from(segment, 'utf8');
  return `##${String(bytes.length).padStart(4, '0')}${segment}${hj212Crc(bytes).toString(16).toUpperCase().padStart(4, '0')}\r\n`;
}

export interface Segment {
  /** QN, ST, CN, PW, MN, Flag, PNUM, PNO as sent */
  head: Record<string, string>;
  /** CP fields that are not per factor (QnRtn, BeginTime, DataTime ...) */
  fields: Record<string, string>;
  /** per factor code: its suffixed fields (Rtd, Avg, Flag ...) */
  factors: Record<string, Record<string, string>>;
}

/** §6.3.2 Table 3 order; CP syntax §6.3.3 (`;` between items, `,` within an item, `=` joins) */
export function formatSegment(s: { head: Record<string, string | number | undefined>; fields?: Record<string, string>; factors?: Record<string, Record<string, string>> }): string {
  const order = ['QN', 'ST', 'CN', 'PW', 'MN', 'Flag', 'PNUM', 'PNO'];
  const head = order.filter((k) => s.head[k] !== undefined).map((k) => `${k}=${s.head[k]}`).join(';');
  const items = [
    ...Object.entries(s.fields ?? {}).map(([k, v]) => `${k}=${v}`),
    ...Object.entries(s.factors ?? {}).map(([code, fs]) => Object.entries(fs).map(([k, v]) => `${code}-${k}=${v}`).join(',')),
  ];
  return `${head};CP=&&${items.join(';')}&&`;
}

export function parseSegment(segment: string): Segment | undefined {
  const cp = segment.indexOf('CP=&&');
  if (cp < 0 || !segment.endsWith('&&') || segment.length < cp + 7) return undefined;
  const head: Record<string, string> = {};
  for (const part of segment.slice(0, cp).split(';')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq <= 0) return undefined;
    head[part.slice(0, eq)] = part.slice(eq + 1);
  }
  const fields: Record<string, string> = {};
  const factors: Record<string, Record<string, string>> = {};
  for (const item of segment.slice(cp + 5, -2).split(/[;,]/)) {
    if (!item) continue;
    const eq = item.indexOf('=');
    if (eq <= 0) return undefined;
    const name = item.slice(0, eq);
    const dash = name.indexOf('-');
    if (dash > 0) (factors[name.slice(0, dash)] ??= {})[name.slice(dash + 1)] = item.slice(eq + 1);
    else fields[name] = item.slice(eq + 1);
  }
  return { head, fields, factors };
}

/** Splits a TCP byte stream into checked frames (length and CRC), skipping garbage up to the next `##`. */
export class FrameSplitter {
  private buf = Buffer.alloc(0);
  push(chunk: Uint8Array): Array<{ segment: string } | { garbage: string }> {
    this.buf = Buffer.concat([this.buf, chunk]);
    const out: Array<{ segment: string } | { garbage: string }> = [];
    for (;;) {
      const start = this.buf.indexOf('##');
      if (start < 0) {
        if (this.buf.length > 1) this.buf = this.buf.subarray(this.buf.length - 1);
        return out;
      }
      if (start > 0) this.buf = this.buf.subarray(start);
      if (this.buf.length < 6) return out;
      const lenText = this.buf.subarray(2, 6).toString('latin1');
      const len = /^\d{4}$/.test(lenText) ? Number(lenText) : -1;
      if (len < 0) {
        out.push({ garbage: 'bad length' });
        this.buf = this.buf.subarray(2);
        continue;
      }
      if (this.buf.length < 6 + len + 6) return out;
      const seg = this.buf.subarray(6, 6 + len);
      const crc = this.buf.subarray(6 + len, 10 + len).toString('latin1');
      const tail = this.buf.subarray(10 + len, 12 + len).toString('latin1');
      if (tail !== '\r\n' || parseInt(crc, 16) !== hj212Crc(seg) || !/^[0-9a-fA-F]{4}$/.test(crc)) {
        out.push({ garbage: tail !== '\r\n' ? 'no tail' : 'bad crc' });
        this.buf = this.buf.subarray(2);
        continue;
      }
      out.push({ segment: seg.toString('utf8') });
      this.buf = this.buf.subarray(12 + len);
    }
  }
}

const TZ = 8 * 3_600_000;
/** epoch ms → yyyyMMddHHmmss in local time of the park (UTC+8) */
export function hj212Time(ms: number, tzOffsetMs = TZ): string {
  return new Date(ms + tzOffsetMs).toISOString().replace(/[-:TZ.]/g, '').slice(0, 14);
}
/** yyyyMMddHHmmss[zzz] (UTC+8) → epoch ms */
export function parseHj212Time(s: string, tzOffsetMs = TZ): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{3})?$/.exec(s);
  if (!m) return undefined;
  const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, +(m[7] ?? 0)) - tzOffsetMs;
  return Number.isFinite(t) ? t : undefined;
}
/** QN (§6.3.2 Table 3): yyyyMMddHHmmsszzz, local time to the millisecond */
export function makeQn(ms: number, tzOffsetMs = TZ): string {
  return hj212Time(ms, tzOffsetMs) + String(((ms % 1000) + 1000) % 1000).padStart(3, '0');
}
