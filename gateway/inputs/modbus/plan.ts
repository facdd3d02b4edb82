import { maxPerRequest, width } from '../../registry/registerMaps.js';
import type { RegisterMap, Table } from './config.js';

/** Modbus Application Protocol V1.1b3 §6.1-6.4: the read function code of each table. */
export const READ_FC: Record<Table, 1 | 2 | 3 | 4> = { coil: 1, discrete: 2, holding: 3, input: 4 };

/** One read request: `quantity` registers (FC 03/04) or bits (FC 01/02) from `address`. */
export interface ReadRequest {
  table: Table;
  fc: 1 | 2 | 3 | 4;
  address: number;
  quantity: number;
}

export interface PlanOptions {
  /** unused addresses a request may span to join two neighbours (default 8) */
  maxGap?: number;
}

const TABLE_ORDER: readonly Table[] = ['coil', 'discrete', 'holding', 'input'];

/**
 * Group a register map's channels, sample-time registers and status words into as few read requests as possible:
 * per table, neighbours whose gap is at most `maxGap` addresses share a request, and a request
 * never exceeds 125 registers (FC 03/04) or 2000 bits (FC 01/02). Requests come ordered by
 * table (coil, discrete, holding, input) then address. Overlapping items (bits of one word) merge.
 */
export function planReads(map: RegisterMap, opts: PlanOptions = {}): ReadRequest[] {
  const maxGap = opts.maxGap ?? 8;
  const spans = new Map<Table, { from: number; to: number }[]>();
  const add = (table: Table, address: number, n: number) => {
    const list = spans.get(table) ?? [];
    list.push({ from: address, to: address + n }); // [from, to)
    spans.set(table, list);
  };
  for (const c of map.channels) add(c.table, c.address, width(c.type, c.table));
  for (const s of map.status) add(s.table, s.address, 1);
  for (const c of map.channels) if (c.sampleTime) add(c.sampleTime.table, c.sampleTime.address, 2);

  const out: ReadRequest[] = [];
  for (const table of TABLE_ORDER) {
    const list = (spans.get(table) ?? []).sort((a, b) => a.from - b.from || a.to - b.to);
    const max = maxPerRequest(table);
    let cur: { from: number; to: number } | undefined;
    const flush = () => {
      if (cur) out.push({ table, fc: READ_FC[table], address: cur.from, quantity: cur.to - cur.from });
    };
    for (const s of list) {
      if (cur && s.from - cur.to <= maxGap && Math.max(cur.to, s.to) - cur.from <= max) {
        cur.to = Math.max(cur.to, s.to);
        continue;
      }
      flush();
      cur = { ...s };
    }
    flush();
  }
  return out;
}
