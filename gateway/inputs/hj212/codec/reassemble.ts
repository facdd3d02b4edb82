import { FLAG_SPLIT } from './flags.js';
import type { Hj212Packet } from './schema.js';

/**
 * Joins the parts of a split packet (HJ 212-2017 Appendix C, Tables C.47-C.50; domain.md §1.10).
 * Each part is a complete frame with Flag D bit set, PNUM (total) and PNO (1..PNUM), its own QN and
 * the same DataTime. Parts belong together when MN, CN, DataTime and PNUM agree; they are joined in
 * PNO order whatever order they arrive in; a duplicate part (a resend after a lost 9014) is ignored.
 *
 * The joined packet has the first part's header (QN of PNO 1), no PNUM/PNO, the D bit cleared, and
 * the union of the parts' data areas (fields and factor fields; a later part adds to a factor).
 * Sets not complete within `timeoutMs` of their first part are dropped by expire().
 */
export interface ReassemblerOptions {
  /** How long an incomplete set waits for its other parts, ms (default DEFAULT_REASSEMBLY_TIMEOUT_MS). */
  timeoutMs?: number;
  /** Most incomplete sets held at once (default 1000); beyond it the oldest set is dropped (returned by expire()). */
  maxSets?: number;
}

/**
 * Default wait for the rest of a split packet: 120 s. Not set by the standard; chosen to outlast the
 * sender's retries (Table 1: 10 s x 3 on mobile links) with margin. verified: false.
 */
export const DEFAULT_REASSEMBLY_TIMEOUT_MS = 120_000;

interface PartSet {
  first: number;
  pnum: number;
  parts: Map<number, Hj212Packet>;
}

export class Hj212Reassembler {
  private readonly sets = new Map<string, PartSet>();
  private readonly timeoutMs: number;
  private readonly maxSets: number;
  private rejected: Hj212Packet[] = [];

  constructor(opts: ReassemblerOptions = {}) {
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_REASSEMBLY_TIMEOUT_MS;
    this.maxSets = opts.maxSets ?? 1000;
  }

  /** Number of incomplete sets waiting. */
  get waiting(): number {
    return this.sets.size;
  }

  /** A part of a split packet: the whole packet when complete, undefined while waiting; a packet without PNUM is returned as is. */
  push(p: Hj212Packet, now: number): Hj212Packet | undefined {
    if (p.pnum === undefined) return p;
    const pno = p.pno;
    if (pno === undefined || !Number.isInteger(pno) || pno < 1 || pno > p.pnum) {
      this.rejected.push(p); // not a consistent part: handed out by the next expire() for dead-lettering
      return undefined;
    }
    if (p.pnum === 1) return join([p]);
    const key = [p.mn, p.cn, p.cp.dataTime ?? '', p.pnum].join('\u0000');
    let set = this.sets.get(key);
    if (!set) {
      if (this.sets.size >= this.maxSets) this.dropOldest();
      set = { first: now, pnum: p.pnum, parts: new Map() };
      this.sets.set(key, set);
    }
    if (!set.parts.has(pno)) set.parts.set(pno, p);
    if (set.parts.size < set.pnum) return undefined;
    this.sets.delete(key);
    return join(inOrder(set));
  }

  /** Parts of sets older than the timeout (and inconsistent parts), dropped and returned for dead-lettering. */
  expire(now: number): Hj212Packet[] {
    const out = this.rejected;
    this.rejected = [];
    for (const [key, set] of this.sets) {
      if (now - set.first < this.timeoutMs) continue;
      this.sets.delete(key);
      out.push(...inOrder(set));
    }
    return out;
  }

  /** Sets are kept in insertion order, so the first is the oldest. */
  private dropOldest(): void {
    const oldest = this.sets.entries().next().value;
    if (!oldest) return;
    this.sets.delete(oldest[0]);
    this.rejected.push(...inOrder(oldest[1]));
  }
}

const inOrder = (set: PartSet): Hj212Packet[] => [...set.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, part]) => part);

function join(parts: Hj212Packet[]): Hj212Packet {
  const head = parts[0] as Hj212Packet;
  const { pnum: _pnum, pno: _pno, ...rest } = head;
  const fields: Record<string, string> = {};
  const factors: Record<string, Record<string, string>> = {};
  for (const part of parts) {
    Object.assign(fields, part.cp.fields);
    for (const [code, f] of Object.entries(part.cp.factors)) factors[code] = { ...factors[code], ...f };
  }
  const joined: Hj212Packet = { ...rest, cp: { ...(head.cp.dataTime !== undefined ? { dataTime: head.cp.dataTime } : {}), fields, factors } };
  if (joined.flag !== undefined) joined.flag &= ~FLAG_SPLIT;
  return joined;
}
