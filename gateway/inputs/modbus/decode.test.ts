import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ChannelSchema, RegisterMapSchema, type ByteOrder, type Channel } from './config.js';
import { decodeChannel, decodePoll, mostSevere, type Block } from './decode.js';
import { encodeChannel, encodeRaw } from './encode.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/modbus-decode/', import.meta.url));

interface Case {
  name: string;
  channel: Record<string, unknown>;
  registers?: string[];
  bits?: number[];
  expected: number | 'NaN' | 'Infinity' | '-Infinity';
}

const channelOf = (c: Record<string, unknown>): Channel => ChannelSchema.parse({ pollutant: 'w01018', address: 0, ...c });
const expectedOf = (e: Case['expected']) => (typeof e === 'number' ? e : Number(e));

const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));

describe('decodeChannel (fixtures)', () => {
  it('has fixtures for every type and byte order', () => {
    const seen = new Set<string>();
    for (const f of files) {
      for (const c of (JSON.parse(readFileSync(FIXTURES + f, 'utf8')) as { cases: Case[] }).cases) {
        const ch = channelOf(c.channel);
        seen.add(`${ch.type}/${ch.order}`);
      }
    }
    for (const type of ['int16', 'uint16', 'int32', 'uint32', 'float32']) for (const order of ['ABCD', 'DCBA', 'BADC', 'CDAB']) expect(seen).toContain(`${type}/${order}`);
    expect(seen).toContain('bool/ABCD');
  });

  for (const f of files) {
    const { cases } = JSON.parse(readFileSync(FIXTURES + f, 'utf8')) as { cases: Case[] };
    describe(f, () => {
      it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
        const data = c.bits ?? (c.registers ?? []).map((h) => parseInt(h, 16));
        const got = decodeChannel(channelOf(c.channel), data);
        const want = expectedOf(c.expected);
        if (Number.isNaN(want)) expect(got).toBeNaN();
        else if (!Number.isFinite(want)) expect(got).toBe(want);
        else expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
      });
    });
  }

  it('scaled integers carry no binary artefacts', () => {
    expect(decodeChannel(channelOf({ table: 'input', type: 'uint16', scale: 0.01 }), [731])).toBe(7.31);
    expect(decodeChannel(channelOf({ table: 'holding', type: 'int32', scale: 0.01 }), [0x0021, 0x6f83])).toBe(21912.35);
  });

  it('rejects registers that are not uint16 and missing registers', () => {
    expect(() => decodeChannel(channelOf({ table: 'holding', type: 'uint16' }), [70000])).toThrow(/0\.\.65535/);
    expect(() => decodeChannel(channelOf({ table: 'holding', type: 'float32' }), [1])).toThrow(/register 1/);
  });
});

const ORDERS: ByteOrder[] = ['ABCD', 'DCBA', 'BADC', 'CDAB'];

describe('encode → decode round trip', () => {
  const values: Record<string, number[]> = {
    int16: [-32768, -300, -1, 0, 1, 12345, 32767],
    uint16: [0, 1, 4660, 65000, 65535],
    int32: [-2147483648, -123456789, -1, 0, 305419896, 2147483647],
    uint32: [0, 1, 3000000000, 4294967295],
    float32: [0, -2.5, 123.456, 7.3, 1e-20, -3.4e38],
  };
  for (const [type, list] of Object.entries(values)) {
    for (const order of ORDERS) {
      it(`${type} ${order}`, () => {
        const ch = channelOf({ table: 'holding', type, order });
        for (const v of list) {
          const regs = encodeChannel(ch, v);
          expect(regs.every((r) => Number.isInteger(r) && r >= 0 && r <= 0xffff)).toBe(true);
          expect(decodeChannel(ch, regs)).toBe(type === 'float32' ? Math.fround(v) : v);
        }
      });
    }
  }

  it('scale and offset invert (integers round to the nearest step)', () => {
    const ch = channelOf({ table: 'input', type: 'int32', order: 'BADC', scale: 0.01, offset: -5 });
    for (const v of [-1234.56, 0, 7.31, 99999.99]) expect(decodeChannel(ch, encodeChannel(ch, v))).toBeCloseTo(v, 9);
    expect(decodeChannel(ch, encodeChannel(ch, 1.004))).toBeCloseTo(1.0, 9);
  });

  it('integers saturate at the type range', () => {
    expect(encodeRaw(70000, 'uint16')).toEqual([0xffff]);
    expect(encodeRaw(-5, 'uint32')).toEqual([0, 0]);
    expect(encodeRaw(-40000, 'int16', 'BADC')).toEqual([0x0080]);
  });

  it('bits: coils, and a register bit after the byte order', () => {
    expect(encodeChannel(channelOf({ table: 'coil', type: 'bool' }), 1)).toEqual([1]);
    expect(encodeChannel(channelOf({ table: 'discrete', type: 'bool' }), 0)).toEqual([0]);
    const ch = channelOf({ table: 'holding', type: 'bool', bit: 0, order: 'BADC' });
    expect(encodeChannel(ch, 1)).toEqual([0x0100]);
    expect(decodeChannel(ch, [0x0100])).toBe(1);
    expect(encodeChannel(channelOf({ table: 'holding', type: 'bool', bit: 5 }), 1)).toEqual([0x0020]);
  });

  it('NaN and Infinity survive as float32', () => {
    const ch = channelOf({ table: 'holding', type: 'float32', order: 'CDAB' });
    expect(decodeChannel(ch, encodeChannel(ch, NaN))).toBeNaN();
    expect(decodeChannel(ch, encodeChannel(ch, -Infinity))).toBe(-Infinity);
  });
});

describe('decodePoll', () => {
  const map = RegisterMapSchema.parse({
    vendor: 'test',
    channels: [
      { pollutant: 'w01018', table: 'holding', address: 0, type: 'float32' },
      { pollutant: 'w21003', table: 'holding', address: 2, type: 'uint16', scale: 0.01 },
      { pollutant: 'w99002', table: 'coil', address: 0, type: 'bool' },
    ],
    status: [
      { table: 'holding', address: 10, bits: { '0': 'M', '1': 'C', '2': 'D' } },
      { table: 'input', address: 0, bits: { '3': 'T' }, appliesTo: ['w21003'] },
    ],
  });
  const pollutants = {
    w01018: { name: 'COD', nameZh: '化学需氧量', unit: 'mg/L', min: 0, max: 1e5, extension: false },
    w21003: { name: 'NH3-N', nameZh: '氨氮', unit: 'mg/L', min: 0, max: 1e4, extension: false },
    w99002: { name: 'valve', nameZh: '阀门状态', unit: '', min: 0, max: 1, extension: true },
  };
  const ctx = { site: 'WP-01', device: 'WP-01-M', map, pollutants, ts: 1_700_000_000_000 };
  const blocks = (status: number, inputStatus: number, cod = [0x42f6, 0xe979]): Block[] => [
    { table: 'coil', address: 0, data: [1] },
    { table: 'holding', address: 0, data: [...cod, 1825, 0, 0, 0, 0, 0, 0, 0, status] },
    { table: 'input', address: 0, data: [inputStatus] },
  ];

  it('emits one reading per channel with unit, ts, source and flag N', () => {
    const { readings, rejected } = decodePoll(ctx, blocks(0, 0));
    expect(rejected).toEqual([]);
    expect(readings).toEqual([
      { site: 'WP-01', device: 'WP-01-M', pollutant: 'w01018', value: Math.fround(123.456), unit: 'mg/L', ts: ctx.ts, flag: 'N', source: 'modbus' },
      { site: 'WP-01', device: 'WP-01-M', pollutant: 'w21003', value: 18.25, unit: 'mg/L', ts: ctx.ts, flag: 'N', source: 'modbus' },
      { site: 'WP-01', device: 'WP-01-M', pollutant: 'w99002', value: 1, unit: '', ts: ctx.ts, flag: 'N', source: 'modbus' },
    ]);
  });

  it('a status bit flags every channel; appliesTo limits a status word to its pollutants', () => {
    const r1 = decodePoll(ctx, blocks(0b010, 0)).readings;
    expect(r1.map((r) => r.flag)).toEqual(['C', 'C', 'C']);
    const r2 = decodePoll(ctx, blocks(0, 0b1000)).readings;
    expect(r2.map((r) => [r.pollutant, r.flag])).toEqual([['w01018', 'N'], ['w21003', 'T'], ['w99002', 'N']]);
  });

  it('several set bits: the most severe flag wins (D > F > B > T > C > M > S > N)', () => {
    expect(decodePoll(ctx, blocks(0b111, 0)).readings[0]?.flag).toBe('D');
    expect(decodePoll(ctx, blocks(0b011, 0b1000)).readings.map((r) => r.flag)).toEqual(['C', 'T', 'C']);
    expect(mostSevere(['M', 'S', 'C'])).toBe('C');
    expect(mostSevere(['N', 'B', 'T'])).toBe('B');
    expect(mostSevere(['F', 'D'])).toBe('D');
    expect(mostSevere([])).toBe('N');
  });

  it('a NaN float is rejected as non-finite-value and does not cost the other readings', () => {
    const { readings, rejected } = decodePoll(ctx, blocks(0, 0, [0x7fc0, 0x0000]));
    expect(readings.map((r) => r.pollutant)).toEqual(['w21003', 'w99002']);
    expect(rejected).toEqual([{ pollutant: 'w01018', table: 'holding', address: 0, reason: 'non-finite-value', detail: expect.stringContaining('NaN'), raw: '7fc0 0000' }]);
  });

  it('channels whose registers were not read are rejected as not-read', () => {
    const { readings, rejected } = decodePoll(ctx, [{ table: 'holding', address: 0, data: [0, 0, 100] }]);
    expect(readings.map((r) => r.pollutant)).toEqual(['w01018', 'w21003']);
    expect(rejected.map((r) => [r.pollutant, r.reason])).toEqual([['w99002', 'not-read']]);
  });
});
