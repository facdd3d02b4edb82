import { describe, expect, it } from 'vitest';
import { loadRegistry } from '../../../gateway/registry/loader.js';
import type { Reading } from '../../../gateway/model/reading.js';
import { pipeReading, runEngine, withInterval } from '../../means/testing.js';
import { Aggregates } from './aggregate.js';

const S = 1000;
const HOUR = 3600 * S;

/**
 * WP-01 over one clock hour (virtual time from epoch 0), one slice every 5 s: flow 10 L/s and COD
 * 100 mg/L until 2100 s, then 20 L/s and 200 mg/L; the COD value at 700 s is flagged M (maintenance).
 */
function fixture(): Reading[][] {
  const batches: Reading[][] = [];
  for (let t = 0; t < HOUR; t += 5 * S) {
    const late = t >= 2100 * S;
    batches.push([pipeReading('WP-01', 'w00000', late ? 20 : 10, t), pipeReading('WP-01', 'w01018', late ? 200 : 100, t, t === 700 * S ? 'M' : 'N')]);
  }
  return batches;
}

describe('HJ 212 aggregates sent upstream', () => {
  const registry = withInterval(loadRegistry(), 'WP-01', 5 * S);
  const batches = fixture();

  it('2051 10-min blocks: flow-weighted Avg, mass and volume Cou, Min/Max and flag as computed by hand (HJ 212-2017 Appendix D.1)', () => {
    const agg = new Aggregates(registry, 5 * 60 * S);
    for (const b of batches) agg.observe(b, b[0]!.ts);
    expect(agg.closeBlocks(600 * S + 5 * 60 * S - 1)).toEqual([]); // block 0 not closed before its end + grace
    const blocks = agg.closeBlocks(HOUR + 5 * 60 * S);
    expect(blocks.map((b) => b.dataTime)).toEqual([0, 1, 2, 3, 4, 5].map((i) => i * 600 * S));
    expect(blocks.every((b) => b.cn === '2051' && b.site === 'WP-01')).toBe(true);
    // block 0: 120 slices of ΔD = 10 L/s × 5 s × 10⁻³ = 0.05 m³ at 100 mg/L: D = 6 m³, G = 120 × 0.05 × 100 × 10⁻³ = 0.6 kg
    expect(blocks[0]!.factors.w00000).toEqual({ Cou: '6', Min: '10', Avg: '10', Max: '10', Flag: 'N' });
    expect(blocks[0]!.factors.w01018).toEqual({ Cou: '0.6', Min: '100', Avg: '100', Max: '100', Flag: 'N' });
    // block 1: one value in maintenance makes the wastewater block abnormal (Appendix C notes); the other 119 count: G = 0.595 kg
    expect(blocks[1]!.factors.w01018).toEqual({ Cou: '0.595', Min: '100', Avg: '100', Max: '100', Flag: 'M' });
    // block 3 (1800–2400 s): 60 slices at 10 L/s, 100 mg/L and 60 at 20 L/s, 200 mg/L:
    // D = 60 × 0.05 + 60 × 0.1 = 9 m³; G = 60 × 0.05 × 0.1 + 60 × 0.1 × 0.2 = 1.5 kg; Avg = G/D × 10³ = 166.6667 mg/L; flow Avg = 9 m³ / 600 s = 15 L/s
    expect(blocks[3]!.factors.w00000).toEqual({ Cou: '9', Min: '10', Avg: '15', Max: '20', Flag: 'N' });
    expect(blocks[3]!.factors.w01018).toEqual({ Cou: '1.5', Min: '100', Avg: '166.6667', Max: '200', Flag: 'N' });
    // each block once
    expect(agg.closeBlocks(2 * HOUR)).toEqual([]);
  });

  it("2061 carries the gateway's valid flow-weighted hourly mean as Avg, its mass as Cou, the hour's volume as w00000-Cou", () => {
    const { means } = runEngine(registry, batches.map((readings) => ({ at: readings[0]!.ts, readings })), HOUR + 10 * 60 * S);
    const hour = means.filter((m) => m.site === 'WP-01' && m.pollutant === 'w01018' && m.period === 'hour');
    expect(hour).toHaveLength(1);
    const mean = hour[0]!;
    expect(mean.valid).toBe(true);
    expect(mean.flowWeighted).toBe(true);
    const agg = new Aggregates(registry, 5 * 60 * S);
    for (const b of batches) agg.observe(b, b[0]!.ts);
    const [packet, ...more] = agg.fromMeans(hour);
    expect(more).toEqual([]);
    expect(packet!.cn).toBe('2061');
    expect(packet!.dataTime).toBe(0);
    const cod = packet!.factors.w01018!;
    expect(Number(cod.Avg)).toBeCloseTo(mean.value!, 4);
    // by hand: 419 valid slices at 0.05 m³ × 100 mg/L and 300 at 0.1 m³ × 200 mg/L: G = 2.095 + 6 = 8.095 kg, D = 50.95 m³
    expect(Number(cod.Avg)).toBeCloseTo((8.095 / 50.95) * 1000, 3);
    expect(Number(cod.Cou)).toBeCloseTo(8.095, 3);
    expect(cod.Min).toBe('100');
    expect(cod.Max).toBe('200');
    expect(cod.Flag).toBe('M');
    // the pipe's volume: 420 × 0.05 + 300 × 0.1 = 51 m³, mean flow 51 m³ / 3600 s = 14.1667 L/s
    expect(packet!.factors.w00000).toEqual({ Cou: '51', Min: '10', Avg: '14.1667', Max: '20', Flag: 'N' });
  });

  it('2011 sends the latest value per factor of the interval with its flag, once', () => {
    const agg = new Aggregates(registry, 5 * 60 * S);
    for (const b of batches.slice(0, 141)) agg.observe(b, b[0]!.ts);
    expect(agg.realtime()).toEqual([{ site: 'WP-01', cn: '2011', dataTime: 700 * S, factors: { w00000: { Rtd: '10', Flag: 'N' }, w01018: { Rtd: '100', Flag: 'M' } } }]);
    expect(agg.realtime()).toEqual([]);
  });
});
