import { describe, expect, it } from 'vitest';
import { planReads } from '../../gateway/inputs/modbus/plan.js';
import { ConfigError, loadRegistry, parseRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { registryFor, run, until } from './modbusHarness.js';

const base = loadRegistry();

/** parse an edited copy of the default park; the problems it is refused with, or [] when it is valid */
function problems(edit: (doc: Registry) => void): { path: string; message: string }[] {
  const doc = structuredClone(base);
  edit(doc);
  try {
    parseRegistry(doc, 'edited park');
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

describe('bad configuration is refused at start-up, with path and reason', () => {
  it('the default park is valid as it is', () => {
    expect(problems(() => undefined)).toEqual([]);
  });

  it.each([
    ['a line break', '明弘集团\n二厂', 'no line breaks (InfluxDB line protocol cannot carry them in a tag value)'],
    ['a carriage return', '明弘集团\r', 'no line breaks (InfluxDB line protocol cannot carry them in a tag value)'],
    ['a trailing backslash', '明弘集团\\', 'must not end with a backslash (InfluxDB line protocol would read it as an escape)'],
  ])('an enterprise name with %s (an InfluxDB tag value)', (_, name, message) => {
    expect(problems((d) => (d.enterprises[0]!.name = name))).toEqual([{ path: 'enterprises[0].name', message }]);
  });

  it('an enterprise name with commas, spaces, equals signs, quotes, tabs and a backslash inside is fine', () => {
    expect(problems((d) => (d.enterprises[0]!.name = '明弘集团, "东区" A=B\tC:\\厂'))).toEqual([]);
  });

  it('a register map whose values overlap', () => {
    const found = problems((d) => {
      d.inputs.modbus.maps['ro-station-a']!.channels[1]!.address = 1; // COD float32 at 1-2 overlaps pH float32 at 0-1
    });
    expect(found).toEqual([{ path: 'inputs.modbus.maps.ro-station-a.channels[1]', message: 'channel w01018 overlaps channel w01001 at holding register 1' }]);
  });

  it('a register map value running past register 65535', () => {
    const found = problems((d) => {
      d.inputs.modbus.maps['ro-station-a']!.channels[0]!.address = 65535; // float32 needs 65535 and 65536
    });
    expect(found).toEqual([{ path: 'inputs.modbus.maps.ro-station-a.channels[0]', message: 'channel w01001 runs past register 65535' }]);
  });

  it('timestamp bounds must be non-negative whole milliseconds; the defaults are 5 min and 366 days', () => {
    expect(base.timestampBounds).toEqual({ maxFutureMs: 300_000, maxPastMs: 31_622_400_000 });
    expect(problems((d) => (d.timestampBounds = { maxFutureMs: -1, maxPastMs: 1.5 }))).toEqual([
      { path: 'timestampBounds.maxFutureMs', message: 'Too small: expected number to be >=0' },
      { path: 'timestampBounds.maxPastMs', message: 'Invalid input: expected int, received number' },
    ]);
  });

  it('the lateness horizon (default 7 days) may not reach past the timestamp bounds', () => {
    expect(base.lateness).toEqual({ graceMs: 300_000, horizonMs: 604_800_000 });
    expect(problems((d) => (d.timestampBounds = { maxFutureMs: 300_000, maxPastMs: 86_400_000 }))).toEqual([
      { path: 'lateness.horizonMs', message: 'lateness.horizonMs 604800000 ms is longer than timestampBounds.maxPastMs 86400000 ms: back-fill it would judge is refused' },
    ]);
  });
});

describe('a register map spanning more than 125 registers is valid: the planner splits it (Modbus V1.1b3 §6.3: 125 is per request)', () => {
  // holding 0..1 (float32), 123..124 and 125..126 (float32 either side of the 125 boundary), 300 (uint16)
  const wide = (r: Registry) => {
    r.inputs.modbus.maps['ro-station-a']!.channels = [
      { pollutant: 'w01001', table: 'holding', address: 0, type: 'float32', order: 'ABCD', scale: 1, offset: 0 },
      { pollutant: 'w01018', table: 'holding', address: 123, type: 'float32', order: 'ABCD', scale: 1, offset: 0 },
      { pollutant: 'w21003', table: 'holding', address: 125, type: 'float32', order: 'ABCD', scale: 1, offset: 0 },
      { pollutant: 'w99001', table: 'holding', address: 300, type: 'uint16', order: 'ABCD', scale: 0.01, offset: 0 },
    ];
  };

  it('is accepted and planned into requests of at most 125 registers, none splitting a value', () => {
    expect(problems(wide)).toEqual([]);
    const r = structuredClone(base);
    wide(r);
    const map = r.inputs.modbus.maps['ro-station-a']!;
    const plan = planReads(map);
    expect(plan.length).toBeGreaterThan(1);
    for (const q of plan) expect(q.quantity).toBeLessThanOrEqual(125);
    for (const c of map.channels) {
      const n = c.type === 'float32' ? 2 : 1;
      expect(plan.some((q) => q.address <= c.address && c.address + n <= q.address + q.quantity), c.pollutant).toBe(true);
    }
  });

  it('is polled from a real Modbus TCP slave: every value arrives', async () => {
    const registry = registryFor(base, ['RO-01'], (d) => Object.assign(d, { intervalMs: 250 }));
    wide(registry);
    const r = await run(registry, (signals) => {
      signals.set('RO-01', 'w01001', 7.25);
      signals.set('RO-01', 'w01018', 31.5);
      signals.set('RO-01', 'w21003', 1.25);
      signals.set('RO-01', 'w99001', 2.5);
    });
    try {
      await until(() => ['w01001', 'w01018', 'w21003', 'w99001'].every((p) => r.latest('RO-01-M', p)), 'every channel of the wide map');
      expect(['w01001', 'w01018', 'w21003', 'w99001'].map((p) => r.latest('RO-01-M', p)?.value)).toEqual([7.25, 31.5, 1.25, 2.5]);
      expect(r.deadLetters.total()).toBe(0);
    } finally {
      await r.stop();
    }
  });
});
