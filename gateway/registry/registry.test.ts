import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REGISTRY_PATH, loadRegistry, parseRegistry, registryJsonSchema } from './loader.js';

describe('default park registry', () => {
  const r = loadRegistry();
  const count = (kind: string) => r.sites.filter((s) => s.kind === kind).length;

  it('holds the park: 9 rain outlets, 38 pipes, 9 fence-line stations, a weather station', () => {
    expect([count('rain_outlet'), count('wastewater_pipe'), count('air_fence'), count('weather')]).toEqual([9, 38, 9, 1]);
    expect(r.enterprises).toHaveLength(38);
    expect(r.enterprises.filter((e) => e.keyAirEmitter)).toHaveLength(9);
  });

  it('names the zone enterprises from its public report', () => {
    const names = r.enterprises.map((e) => e.name);
    for (const n of ['明弘集团', '林达科技', '华中服装产业园', '宇杰吊带基布', '宇杰环保包装材料', '弘晟玻璃深加工', '佳品胶带']) expect(names).toContain(n);
  });

  it('gives every enterprise one pipe and every officer 2-5 enterprises', () => {
    const pipes = r.sites.filter((s) => s.kind === 'wastewater_pipe').map((s) => s.enterprise);
    expect(new Set(pipes).size).toBe(38);
    for (const o of r.officers) {
      const n = r.enterprises.filter((e) => e.officer === o.id).length;
      expect(n).toBeGreaterThanOrEqual(2);
      expect(n).toBeLessThanOrEqual(5);
    }
  });

  it('uses HJ 212 codes for the channels each site kind needs', () => {
    const codes = (id: string) => {
      const s = r.sites.find((x) => x.id === id)!;
      return s.devices.flatMap((d) => (d.kind !== 'modbus' ? d.channels : r.inputs.modbus.maps[d.map]!.channels.map((c) => c.pollutant)));
    };
    expect(codes('RO-01')).toEqual(expect.arrayContaining(['w01001', 'w01018', 'w21003', 'w01014', 'w99001', 'w00000']));
    expect(codes('WP-01')).toEqual(expect.arrayContaining(['w00000', 'w01018', 'w21003', 'w21011', 'w21001', 'w01001', 'w99002']));
    expect(codes('AQ-01')).toEqual(expect.arrayContaining(['a24088', 'a21028', 'a21001', 'a99001']));
    expect(codes('WS-01')).toEqual(expect.arrayContaining(['a01007', 'a01008', 'a99002']));
  });

  it('has an RTU line and several register layouts', () => {
    expect(r.inputs.modbus.lines.some((l) => l.transport === 'rtu')).toBe(true);
    expect(Object.keys(r.inputs.modbus.maps).length).toBeGreaterThanOrEqual(4);
  });

  it('ships a JSON schema for editors that matches the zod schema', () => {
    const file = JSON.parse(readFileSync(DEFAULT_REGISTRY_PATH.replace(/park\.yaml$/, 'park.schema.json'), 'utf8'));
    expect(file).toEqual(JSON.parse(JSON.stringify(registryJsonSchema())));
  });
});

describe('no plain secrets in the registry (issue 11)', () => {
  it('the shipped park holds no HJ 212 PW, for loggers or upstreams', () => {
    const text = readFileSync(DEFAULT_REGISTRY_PATH, 'utf8');
    expect(text).not.toMatch(/^\s*pw:/m);
    expect(text).not.toMatch(/\bpw: /);
  });

  it('refuses a logger PW in the registry, pointing at the secrets file', () => {
    const doc = structuredClone(loadRegistry()) as unknown as { sites: { devices: Record<string, unknown>[] }[] };
    const logger = doc.sites.flatMap((s) => s.devices).find((d) => d.kind === 'hj212')!;
    logger.pw = '123456';
    expect(() => parseRegistry(doc)).toThrow(/pw.*secrets file \(hj212\.loggers\.<MN>/s);
  });
});
