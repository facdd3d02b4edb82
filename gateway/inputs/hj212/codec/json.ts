import { z } from 'zod';
import { decodeFrame, encodePacket } from './frame.js';
import { Hj212CpSchema, Hj212PacketSchema, type Hj212Packet } from './schema.js';

/**
 * The flat JSON form of a packet used by the `npm run hj212` CLI (one object per line):
 *   {"ok":true,"qn":…,"st":…,"cn":…,"pw":…,"mn":…,"flag":…,"pnum":…,"pno":…,"dataTime":…,"fields":{…},"factors":{…}}
 * or, for a refused packet, {"ok":false,"error":"<detail>","reason":"<reason>","line":n}.
 */
export const Hj212JsonSchema = z
  .object({
    ok: z.literal(true).optional(),
    qn: z.string().optional(),
    st: z.string().optional(),
    cn: z.string(),
    pw: z.string().optional(),
    mn: z.string(),
    flag: z.number().optional(),
    pnum: z.number().optional(),
    pno: z.number().optional(),
    dataTime: z.string().optional(),
    fields: Hj212CpSchema.shape.fields.optional(),
    factors: Hj212CpSchema.shape.factors.optional(),
  })
  .strict();
export type Hj212Json = z.infer<typeof Hj212JsonSchema>;

export function packetToJson(p: Hj212Packet): Hj212Json & { ok: true } {
  const { cp, ...head } = p;
  return { ok: true, ...head, ...(cp.dataTime !== undefined ? { dataTime: cp.dataTime } : {}), fields: cp.fields, factors: cp.factors };
}

/** The packet of a JSON line, or the reason it is not one. */
export function packetFromJson(value: unknown): { ok: true; packet: Hj212Packet } | { ok: false; error: string } {
  const j = Hj212JsonSchema.safeParse(value);
  if (!j.success) return { ok: false, error: z.prettifyError(j.error).replace(/\n/g, '; ') };
  const { ok: _ok, dataTime, fields, factors, ...head } = j.data;
  const p = Hj212PacketSchema.safeParse({ ...head, cp: { ...(dataTime !== undefined ? { dataTime } : {}), fields: fields ?? {}, factors: factors ?? {} } });
  return p.success ? { ok: true, packet: p.data } : { ok: false, error: z.prettifyError(p.error).replace(/\n/g, '; ') };
}

/**
 * One text line holding one frame -> its JSON result. The line break is the frame's tail: a trailing
 * CR (of a CR LF file) or a literal `\r\n` (as the reference vectors are written) is taken as the tail,
 * and a line without either gets CR LF, so a line cannot fail with 'no-tail'.
 */
export function decodeLine(line: string, lineNo: number): Record<string, unknown> {
  const text = line.endsWith('\\r\\n') ? line.slice(0, -4) : line.endsWith('\r') ? line.slice(0, -1) : line;
  const r = decodeFrame(`${text}\r\n`);
  return r.ok ? packetToJson(r.packet) : { ok: false, error: r.error.detail, reason: r.error.reason, line: lineNo };
}

/** One JSON line -> the frame, or an error object. */
export function encodeLine(line: string, lineNo: number): { ok: true; frame: Buffer } | { ok: false; error: string; reason: string; line: number } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (e) {
    return { ok: false, error: (e as Error).message, reason: 'bad-json', line: lineNo };
  }
  const p = packetFromJson(value);
  if (!p.ok) return { ok: false, error: p.error, reason: 'bad-packet', line: lineNo };
  try {
    return { ok: true, frame: encodePacket(p.packet) };
  } catch (e) {
    return { ok: false, error: (e as Error).message, reason: 'too-long', line: lineNo };
  }
}
