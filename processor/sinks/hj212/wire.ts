/**
 * The HJ 212-2017 wire format as the forwarder uses it, over the one codec (gateway/protocols/hj212):
 * frame a data segment, split a byte stream into checked frames, parse and format a data segment in the
 * forwarder's shape (header fields by their wire names, CP fields and factors).
 */
import {
  formatSegment as formatPacket,
  frameSegment as framePacket,
  HEADER,
  Hj212Framer,
  makeQn as qnOf,
  parseSegment as parsePacket,
  type Hj212Packet,
} from '../../../gateway/protocols/hj212/index.js';

export { hj212Crc, hj212Time, parseHj212Time } from '../../../gateway/protocols/hj212/index.js';

/** §6.3.1 Table 2: ## + 4-digit length (UTF-8 bytes) + segment + CRC (4 hex) + CRLF */
export const frameSegment = (segment: string): string => framePacket(segment).toString('utf8');

/** QN (§6.3.2 Table 3): yyyyMMddHHmmsszzz, local time to the millisecond */
export const makeQn = (ms: number, tzOffsetMs?: number): string => qnOf(ms, undefined, tzOffsetMs);

export interface Segment {
  /** QN, ST, CN, PW, MN, Flag, PNUM, PNO as sent */
  head: Record<string, string>;
  /** CP fields that are not per factor (QnRtn, BeginTime, DataTime ...) */
  fields: Record<string, string>;
  /** per factor code: its suffixed fields (Rtd, Avg, Flag ...) */
  factors: Record<string, Record<string, string>>;
}

type Head = Record<string, string | number | undefined>;
const text = (v: string | number | undefined) => (v === undefined ? undefined : String(v));
const num = (v: string | number | undefined) => (v === undefined ? undefined : Number(v));

/** §6.3.2 Table 3 order; CP syntax §6.3.3 (`;` between items, `,` within an item, `=` joins) */
export function formatSegment(s: { head: Head; fields?: Record<string, string>; factors?: Record<string, Record<string, string>> }): string {
  const { DataTime: dataTime, ...fields } = s.fields ?? {};
  const h = s.head;
  const p: Hj212Packet = {
    qn: text(h.QN),
    st: text(h.ST),
    cn: String(h.CN),
    pw: text(h.PW),
    mn: String(h.MN),
    flag: num(h.Flag),
    pnum: num(h.PNUM),
    pno: num(h.PNO),
    cp: { ...(dataTime !== undefined ? { dataTime } : {}), fields, factors: s.factors ?? {} },
  };
  return formatPacket(p);
}

/** a data segment in the forwarder's shape, or undefined when the codec refuses it */
export function parseSegment(segment: string): Segment | undefined {
  const r = parsePacket(segment);
  if (!r.ok) return undefined;
  const p = r.packet;
  const head: Record<string, string> = {};
  for (const [name, key] of HEADER) if (p[key] !== undefined) head[name] = String(p[key]);
  const fields = { ...(p.cp.dataTime !== undefined ? { DataTime: p.cp.dataTime } : {}), ...p.cp.fields };
  return { head, fields, factors: p.cp.factors };
}

/** Splits a TCP byte stream into checked frames (length, CRC, tail), skipping garbage up to the next `##`. */
export class FrameSplitter {
  private readonly framer = new Hj212Framer();

  push(chunk: Uint8Array): Array<{ segment: string } | { garbage: string }> {
    return this.framer.push(chunk).map((x) => ('frame' in x ? { segment: x.frame.subarray(6, x.frame.length - 6).toString('utf8') } : { garbage: x.reason }));
  }
}
