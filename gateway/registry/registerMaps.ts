import type { DataType, RegisterMap, Table } from '../inputs/modbus/config.js';

/** Registers (or bits, for coil/discrete) a value occupies. */
export function width(type: DataType, table: Table): number {
  if (table === 'coil' || table === 'discrete') return 1;
  return type === 'int32' || type === 'uint32' || type === 'float32' ? 2 : 1;
}

/** Modbus Application Protocol V1.1b3 §6.1-6.4: at most 2000 bits (FC 01/02) or 125 registers (FC 03/04) per request. */
export function maxPerRequest(table: Table): number {
  return table === 'coil' || table === 'discrete' ? 2000 : 125;
}

export interface MapIssue {
  path: (string | number)[];
  message: string;
}

/** A register map is rejected when two values share a register (other than distinct bits of one word) or a value runs past 65535. */
export function checkRegisterMap(map: RegisterMap): MapIssue[] {
  const issues: MapIssue[] = [];
  const owner = new Map<string, { what: string; bit?: number }>();
  const claim = (table: Table, address: number, n: number, what: string, path: (string | number)[], bit?: number) => {
    if (address + n - 1 > 65535) {
      issues.push({ path, message: `${what} runs past register 65535` });
      return;
    }
    for (let a = address; a < address + n; a++) {
      const key = `${table}:${a}`;
      const prev = owner.get(key);
      if (prev && !(bit !== undefined && prev.bit !== undefined && bit !== prev.bit)) {
        issues.push({ path, message: `${what} overlaps ${prev.what} at ${table} register ${a}` });
        return;
      }
      owner.set(key, { what, bit });
    }
  };
  map.channels.forEach((c, i) => claim(c.table, c.address, width(c.type, c.table), `channel ${c.pollutant}`, ['channels', i], c.bit));
  map.status.forEach((s, i) => claim(s.table, s.address, 1, `status word ${i}`, ['status', i]));
  // a sample-time register may serve several channels (one analyser), but never overlaps anything else
  const sampleTimes = new Set<string>();
  map.channels.forEach((c, i) => {
    const t = c.sampleTime;
    if (!t || sampleTimes.has(`${t.table}:${t.address}`)) return;
    sampleTimes.add(`${t.table}:${t.address}`);
    claim(t.table, t.address, 2, `sample time of ${c.pollutant}`, ['channels', i, 'sampleTime']);
  });
  return issues;
}
