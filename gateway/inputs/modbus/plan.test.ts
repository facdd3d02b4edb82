import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../registry/loader.js';
import { width } from '../../registry/registerMaps.js';
import { RegisterMapSchema, type RegisterMap } from './config.js';
import { planReads } from './plan.js';

const mapOf = (channels: unknown[], status: unknown[] = []): RegisterMap => RegisterMapSchema.parse({ vendor: 't', channels, status });
const f32 = (address: number, table = 'holding') => ({ pollutant: 'w01018', table, address, type: 'float32' });
const u16 = (address: number, table = 'holding') => ({ pollutant: 'w01018', table, address, type: 'uint16' });
const bit = (address: number, table = 'coil') => ({ pollutant: 'w99002', table, address, type: 'bool' });

describe('planReads', () => {
  it('joins contiguous registers into one request', () => {
    expect(planReads(mapOf([f32(0), f32(2), u16(4)]))).toEqual([{ table: 'holding', fc: 3, address: 0, quantity: 5 }]);
  });

  it('spans gaps up to 8 registers, splits above', () => {
    expect(planReads(mapOf([u16(0), u16(9)]))).toEqual([{ table: 'holding', fc: 3, address: 0, quantity: 10 }]);
    expect(planReads(mapOf([u16(0), u16(10)]))).toEqual([
      { table: 'holding', fc: 3, address: 0, quantity: 1 },
      { table: 'holding', fc: 3, address: 10, quantity: 1 },
    ]);
    expect(planReads(mapOf([u16(0), u16(3)]), { maxGap: 0 })).toHaveLength(2);
  });

  it('one request per table with the table function code, status words included', () => {
    const plan = planReads(mapOf([u16(5, 'input'), f32(0), bit(3, 'discrete'), bit(0)], [{ table: 'input', address: 7, bits: { '0': 'M' } }]));
    expect(plan).toEqual([
      { table: 'coil', fc: 1, address: 0, quantity: 1 },
      { table: 'discrete', fc: 2, address: 3, quantity: 1 },
      { table: 'holding', fc: 3, address: 0, quantity: 2 },
      { table: 'input', fc: 4, address: 5, quantity: 3 },
    ]);
  });

  it('never exceeds 125 registers per FC 03/04 request', () => {
    const channels = Array.from({ length: 100 }, (_, i) => f32(i * 2));
    const plan = planReads(mapOf(channels));
    expect(plan).toEqual([
      { table: 'holding', fc: 3, address: 0, quantity: 124 },
      { table: 'holding', fc: 3, address: 124, quantity: 76 },
    ]);
    // a 2-register value is never split between requests
    for (const c of channels) expect(plan.some((r) => c.address >= r.address && c.address + 2 <= r.address + r.quantity)).toBe(true);
  });

  it('never exceeds 2000 bits per FC 01/02 request', () => {
    const plan = planReads(mapOf(Array.from({ length: 2500 }, (_, i) => bit(i))));
    expect(plan).toEqual([
      { table: 'coil', fc: 1, address: 0, quantity: 2000 },
      { table: 'coil', fc: 1, address: 2000, quantity: 500 },
    ]);
  });

  it('bits of one word share one register', () => {
    const plan = planReads(mapOf([{ ...bit(4, 'holding'), bit: 0 }, { ...bit(4, 'holding'), pollutant: 'w99001', bit: 3 }]));
    expect(plan).toEqual([{ table: 'holding', fc: 3, address: 4, quantity: 1 }]);
  });

  it('covers every channel and status word of the default park maps', () => {
    const maps = loadRegistry().inputs.modbus.maps;
    for (const [name, map] of Object.entries(maps)) {
      const plan = planReads(map);
      const covered = (table: string, address: number, n: number) => plan.some((r) => r.table === table && address >= r.address && address + n <= r.address + r.quantity);
      for (const c of map.channels) expect(covered(c.table, c.address, width(c.type, c.table)), `${name} ${c.pollutant}`).toBe(true);
      for (const s of map.status) expect(covered(s.table, s.address, 1), `${name} status ${s.address}`).toBe(true);
      expect(plan.length, name).toBeLessThanOrEqual(2);
    }
  });
});
