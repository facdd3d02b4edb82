import { describe, expect, it } from 'vitest';
import type { ByteOrder, Channel } from '../../gateway/registry/schema.js';
import { channelRegisters, channelValue, decodeValue, encodeValue, registerCount } from './registers.js';

// Expected registers are worked out by hand from the IEEE 754 / two's complement bit patterns, never
// from another encoder, so that a byte-order mistake here cannot agree with one in the gateway.
type Row = [raw: number, expected: Record<ByteOrder, number[]>];

const channel = (c: Partial<Channel> & Pick<Channel, 'type' | 'table'>): Channel => ({ pollutant: 'w01018', address: 0, order: 'ABCD', scale: 1, offset: 0, ...c });

describe('encodeValue / decodeValue', () => {
  const float32: Row[] = [
    // 12.5 = 1.5625 × 2^3: sign 0, exponent 130 (0x82), mantissa 0x480000 → 0x41480000
    [12.5, { ABCD: [0x4148, 0x0000], CDAB: [0x0000, 0x4148], BADC: [0x4841, 0x0000], DCBA: [0x0000, 0x4841] }],
    // -1.5 = -1.1b × 2^0: sign 1, exponent 127 (0x7f), mantissa 0x400000 → 0xbfc00000
    [-1.5, { ABCD: [0xbfc0, 0x0000], CDAB: [0x0000, 0xbfc0], BADC: [0xc0bf, 0x0000], DCBA: [0x0000, 0xc0bf] }],
    // 0.1 rounds to 0x3dcccccd in single precision
    [0.1, { ABCD: [0x3dcc, 0xcccd], CDAB: [0xcccd, 0x3dcc], BADC: [0xcc3d, 0xcdcc], DCBA: [0xcdcc, 0xcc3d] }],
    [0, { ABCD: [0, 0], CDAB: [0, 0], BADC: [0, 0], DCBA: [0, 0] }],
    // +Infinity: exponent all ones, mantissa 0 → 0x7f800000
    [Infinity, { ABCD: [0x7f80, 0x0000], CDAB: [0x0000, 0x7f80], BADC: [0x807f, 0x0000], DCBA: [0x0000, 0x807f] }],
  ];
  const int32: Row[] = [
    // -2 in two's complement: 0xfffffffe
    [-2, { ABCD: [0xffff, 0xfffe], CDAB: [0xfffe, 0xffff], BADC: [0xffff, 0xfeff], DCBA: [0xfeff, 0xffff] }],
    // 100000 = 0x000186a0
    [100000, { ABCD: [0x0001, 0x86a0], CDAB: [0x86a0, 0x0001], BADC: [0x0100, 0xa086], DCBA: [0xa086, 0x0100] }],
  ];
  const uint32: Row[] = [[0x12345678, { ABCD: [0x1234, 0x5678], CDAB: [0x5678, 0x1234], BADC: [0x3412, 0x7856], DCBA: [0x7856, 0x3412] }]];
  const int16: Row[] = [
    // -1234 = 0x10000 - 1234 = 0xfb2e
    [-1234, { ABCD: [0xfb2e], CDAB: [0xfb2e], BADC: [0x2efb], DCBA: [0x2efb] }],
    [-1, { ABCD: [0xffff], CDAB: [0xffff], BADC: [0xffff], DCBA: [0xffff] }],
  ];
  const uint16: Row[] = [[731, { ABCD: [0x02db], CDAB: [0x02db], BADC: [0xdb02], DCBA: [0xdb02] }]];
  const cases = { float32, int32, uint32, int16, uint16 } as const;

  for (const [type, rows] of Object.entries(cases) as [keyof typeof cases, Row[]][])
    for (const [raw, expected] of rows)
      for (const order of Object.keys(expected) as ByteOrder[]) {
        it(`${type} ${raw} ${order} → ${expected[order].map((r) => r.toString(16).padStart(4, '0')).join(' ')}`, () => {
          expect(encodeValue(raw, type, order)).toEqual(expected[order]);
          expect(decodeValue(expected[order], type, order)).toBe(type === 'float32' ? Math.fround(raw) : raw);
        });
      }

  it('NaN as a float32 is the quiet NaN 0x7fc00000; read back it is NaN', () => {
    expect(encodeValue(NaN, 'float32', 'ABCD')).toEqual([0x7fc0, 0x0000]);
    expect(decodeValue([0x0000, 0x7fc0], 'float32', 'CDAB')).toBeNaN();
  });

  it('integers are rounded to the nearest and saturate at the range of their type; NaN is 0', () => {
    expect(encodeValue(730.9999999, 'uint16', 'ABCD')).toEqual([0x02db]);
    expect(encodeValue(40000, 'int16', 'ABCD')).toEqual([0x7fff]);
    expect(encodeValue(-40000, 'int16', 'ABCD')).toEqual([0x8000]);
    expect(encodeValue(-5, 'uint16', 'ABCD')).toEqual([0x0000]);
    expect(encodeValue(70000, 'uint16', 'ABCD')).toEqual([0xffff]);
    expect(encodeValue(1e10, 'int32', 'ABCD')).toEqual([0x7fff, 0xffff]);
    expect(encodeValue(-1e10, 'int32', 'CDAB')).toEqual([0x0000, 0x8000]);
    expect(encodeValue(1e10, 'uint32', 'ABCD')).toEqual([0xffff, 0xffff]);
    expect(encodeValue(NaN, 'int32', 'ABCD')).toEqual([0, 0]);
  });

  it('refuses too few registers', () => {
    expect(() => decodeValue([0x4148], 'float32', 'ABCD')).toThrow(RangeError);
    expect(registerCount('float32')).toBe(2);
    expect(registerCount('int16')).toBe(1);
    expect(registerCount('bool')).toBe(1);
  });
});

describe('channelRegisters / channelValue', () => {
  it('applies scale and offset before encoding: 20 with scale 0.1, offset -10 is raw 300 (0x012c)', () => {
    const c = channel({ type: 'uint16', table: 'input', scale: 0.1, offset: -10 });
    expect(channelRegisters(c, 20)).toEqual([0x012c]);
    expect(channelValue(c, [0x012c])).toBeCloseTo(20, 10);
  });

  it('7.31 mg/L with scale 0.01 is raw 731 (not 730 from 730.9999…)', () => {
    expect(channelRegisters(channel({ type: 'uint16', table: 'holding', scale: 0.01 }), 7.31)).toEqual([0x02db]);
  });

  it('float32 with byte order: 12.5 in BADC', () => {
    const c = channel({ type: 'float32', table: 'input', order: 'BADC' });
    expect(channelRegisters(c, 12.5)).toEqual([0x4841, 0x0000]);
    expect(channelValue(c, [0x4841, 0x0000])).toBe(12.5);
  });

  it('a coil or discrete input is one bit, set from 0.5 up', () => {
    expect(channelRegisters(channel({ type: 'bool', table: 'coil' }), 1)).toEqual([1]);
    expect(channelRegisters(channel({ type: 'bool', table: 'discrete' }), 0.4)).toEqual([0]);
    expect(channelValue(channel({ type: 'bool', table: 'coil' }), [1])).toBe(1);
  });

  it('a register bit is a word with only that bit set, in the byte order of the map', () => {
    expect(channelRegisters(channel({ type: 'bool', table: 'holding', bit: 3 }), 1)).toEqual([0x0008]);
    expect(channelRegisters(channel({ type: 'bool', table: 'holding', bit: 3, order: 'BADC' }), 1)).toEqual([0x0800]);
    expect(channelRegisters(channel({ type: 'bool', table: 'holding', bit: 12 }), 1)).toEqual([0x1000]);
    expect(channelRegisters(channel({ type: 'bool', table: 'holding', bit: 3 }), 0)).toEqual([0x0000]);
    expect(channelValue(channel({ type: 'bool', table: 'holding', bit: 0, order: 'DCBA' }), [0x0100])).toBe(1);
    expect(channelValue(channel({ type: 'bool', table: 'holding', bit: 0 }), [0x0100])).toBe(0);
  });
});
