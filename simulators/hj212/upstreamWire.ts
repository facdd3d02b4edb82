/**
 * HJ 212-2017 framing as the upstream-platform simulator checks it, written apart from the gateway's own
 * code so that a bug there cannot cancel out here: §6.3.1 Table 2 (##, 4-digit length in UTF-8 bytes,
 * data segment, Appendix A CRC16, CRLF) and §6.3.2 Table 3 (QN;ST;CN;PW;MN;Flag;[PNUM;PNO;]CP=&&…&&).
 */
export function crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc = (crc >>> 8) ^ b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

export function frame(segment: string): string {
  const b = Buffer.from(segment, 'utf8');
  return `##${String(b.length).padStart(4, '0')}${segment}${crc16(b).toString(16).toUpperCase().padStart(4, '0')}\r\n`;
}

export type Checked = { ok: true; segment: string; head: Record<string, string>; cp: string } | { ok: false; reason: string; raw: string };

/** Splits a byte stream at CRLF-terminated frames and checks each exactly (length, CRC, tail, field order). */
export class StrictFrames {
  private buf = '';
  push(chunk: Buffer): Checked[] {
    this.buf += chunk.toString('latin1');
    const out: Checked[] = [];
    for (let end = this.buf.indexOf('\r\n'); end >= 0; end = this.buf.indexOf('\r\n')) {
      const raw = Buffer.from(this.buf.slice(0, end), 'latin1');
      this.buf = this.buf.slice(end + 2);
      out.push(check(raw));
    }
    return out;
  }
}

const ORDER = ['QN', 'ST', 'CN', 'PW', 'MN', 'Flag'];

function check(raw: Buffer): Checked {
  const text = raw.toString('utf8');
  const bad = (reason: string): Checked => ({ ok: false, reason, raw: text });
  if (raw.subarray(0, 2).toString('latin1') !== '##') return bad('bad header');
  const len = Number(raw.subarray(2, 6).toString('latin1'));
  if (!/^\d{4}$/.test(raw.subarray(2, 6).toString('latin1')) || raw.length !== 6 + len + 4) return bad('bad length');
  const seg = raw.subarray(6, 6 + len);
  const crc = raw.subarray(6 + len).toString('latin1');
  if (crc !== crc16(seg).toString(16).toUpperCase().padStart(4, '0')) return bad('bad crc');
  const segment = seg.toString('utf8');
  const cpAt = segment.indexOf(';CP=&&');
  if (cpAt < 0 || !segment.endsWith('&&')) return bad('bad cp');
  const pairs = segment.slice(0, cpAt).split(';').map((p) => p.split('='));
  const names = pairs.map((p) => p[0]);
  if (ORDER.some((k, i) => names[i] !== k)) return bad(`fields not in Table 3 order: ${names.join(',')}`);
  if (!/^\d{17}$/.test(pairs[0]![1]!)) return bad('QN is not yyyyMMddHHmmsszzz');
  return { ok: true, segment, head: Object.fromEntries(pairs.map(([k, v]) => [k!, v ?? ''])), cp: segment.slice(cpAt + 6, -2) };
}
