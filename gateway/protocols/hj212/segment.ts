import { z } from 'zod';
import { hj212Error, type Hj212Error } from './errors.js';
import { Hj212PacketSchema, type Hj212Cp, type Hj212Packet } from './schema.js';

/**
 * The data segment (HJ 212-2017 §6.3.2 Table 3) and its data area CP (§6.3.3 Table 4):
 *   QN=…;ST=…;CN=…;PW=…;MN=…;Flag=…;[PNUM=…;PNO=…;]CP=&&<data area>&&
 * Data area: `;` separates items, `,` separates the fields of one item, `=` joins a field and its value;
 * a factor's field is `<code>-<Suffix>` (w01018-Rtd). Field names are case-sensitive (§6.3.3).
 */

export type SegmentResult = { ok: true; packet: Hj212Packet } | { ok: false; error: Hj212Error };

const CP_OPEN = 'CP=&&';
const CP_CLOSE = '&&';

/** Header field names of Table 3, in the order the standard writes them, and their packet keys. */
export const HEADER = [
  ['QN', 'qn'],
  ['ST', 'st'],
  ['CN', 'cn'],
  ['PW', 'pw'],
  ['MN', 'mn'],
  ['Flag', 'flag'],
  ['PNUM', 'pnum'],
  ['PNO', 'pno'],
] as const;
type HeaderKey = (typeof HEADER)[number][1];
const HEADER_KEY = new Map<string, HeaderKey>(HEADER);
const NUMERIC = new Set<HeaderKey>(['flag', 'pnum', 'pno']);

const fail = (reason: Hj212Error['reason'], detail: string): SegmentResult => ({ ok: false, error: hj212Error(reason, detail) });

/** Parse a data segment (the text between the length field and the CRC). Never throws. */
export function parseSegment(segment: string): SegmentResult {
  const at = segment.indexOf(CP_OPEN);
  if (at < 0) return fail('bad-segment', 'no "CP=&&" in the data segment (HJ 212-2017 §6.3.2 Table 3)');
  const head = segment.slice(0, at);
  if (head.length > 0 && !head.endsWith(';')) return fail('bad-segment', `"CP=&&" must follow a ";" (got "${head.slice(-12)}CP=&&")`);
  const rest = segment.slice(at + CP_OPEN.length);
  if (!rest.endsWith(CP_CLOSE)) return fail('truncated-cp', 'the data area "CP=&&" has no closing "&&" at the end of the segment (§6.3.2 Table 3)');

  const raw: Record<string, unknown> = {};
  for (const item of head.split(';')) {
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) return fail('bad-segment', `header field "${item}" has no "=" (§6.3.2)`);
    const name = item.slice(0, eq);
    const value = item.slice(eq + 1);
    const key = HEADER_KEY.get(name);
    if (key === undefined) return fail('bad-segment', `unknown header field "${name}" (§6.3.2 Table 3: QN ST CN PW MN Flag PNUM PNO CP)`);
    if (key in raw) return fail('bad-segment', `header field ${name} appears twice`);
    if (NUMERIC.has(key)) {
      if (!/^\d{1,4}$/.test(value)) return fail('bad-segment', `${name}=${value} is not a number (§6.3.2 Table 3)`);
      raw[key] = Number(value);
    } else raw[key] = value;
  }

  const cp = parseCp(rest.slice(0, -CP_CLOSE.length));
  if (typeof cp === 'string') return fail('bad-segment', cp);
  raw.cp = cp;

  const checked = Hj212PacketSchema.safeParse(raw);
  if (!checked.success) return fail('bad-segment', z.prettifyError(checked.error).replace(/\n/g, '; '));
  return { ok: true, packet: checked.data };
}

/** The data area between `CP=&&` and `&&` (§6.3.3); an error message on malformed input. */
function parseCp(area: string): Hj212Cp | string {
  const cp: Hj212Cp = { fields: {}, factors: {} };
  for (const group of area.split(';')) {
    for (const item of group.split(',')) {
      if (item === '') continue; // tolerate a trailing or doubled separator
      const eq = item.indexOf('=');
      if (eq < 0) return `data area item "${item}" has no "=" (§6.3.3)`;
      const key = item.slice(0, eq);
      const value = item.slice(eq + 1);
      const dash = key.indexOf('-');
      if (dash >= 0) {
        const code = key.slice(0, dash);
        const suffix = key.slice(dash + 1);
        const f = (cp.factors[code] ??= {});
        if (suffix in f) return `data area field ${key} appears twice`;
        f[suffix] = value;
      } else if (key === 'DataTime') {
        if (cp.dataTime !== undefined) return 'DataTime appears twice';
        cp.dataTime = value;
      } else {
        if (key in cp.fields) return `data area field ${key} appears twice`;
        cp.fields[key] = value;
      }
    }
  }
  return cp;
}

/**
 * The data segment of a packet in the standard's layout (§6.3.2 Table 3 order):
 * QN;ST;CN;PW;MN;Flag;[PNUM;PNO;]CP=&&DataTime;<fields>;<factor>;<factor>…&&
 * Each factor is one item with its fields joined by `,` (Table 4 example `w01018-Rtd=2.2,w01018-Flag=N`);
 * each other field is its own item, except `BeginTime,EndTime`, which Appendix C writes as one item.
 * Throws a ZodError when `p` is not a valid packet (a programming error on the sending side).
 */
export function formatSegment(p: Hj212Packet): string {
  const packet = Hj212PacketSchema.parse(p);
  const parts: string[] = [];
  for (const [name, key] of HEADER) {
    const v = packet[key];
    if (v !== undefined) parts.push(`${name}=${v}`);
  }
  return `${parts.join(';')}${parts.length > 0 ? ';' : ''}${CP_OPEN}${formatCp(packet.cp)}${CP_CLOSE}`;
}

function formatCp(cp: Hj212Cp): string {
  const groups: string[][] = [];
  if (cp.dataTime !== undefined) groups.push([`DataTime=${cp.dataTime}`]);
  let last = '';
  for (const [k, v] of Object.entries(cp.fields)) {
    const prev = groups[groups.length - 1];
    if (k === 'EndTime' && last === 'BeginTime' && prev) prev.push(`${k}=${v}`);
    else groups.push([`${k}=${v}`]);
    last = k;
  }
  for (const [code, f] of Object.entries(cp.factors)) {
    const items = Object.entries(f).map(([s, v]) => `${code}-${s}=${v}`);
    if (items.length > 0) groups.push(items);
  }
  return groups.map((g) => g.join(',')).join(';');
}
