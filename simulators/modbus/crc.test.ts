import { describe, expect, it } from 'vitest';
import { crc16, crcOk, withCrc } from './crc.js';

describe('crc16 (CRC-16/MODBUS)', () => {
  it('matches the standard check value and a known frame', () => {
    expect(crc16(Buffer.from('123456789'))).toBe(0x4b37);
    // read holding registers, unit 1, address 0, quantity 10: 01 03 00 00 00 0A C5 CD
    expect(withCrc(Buffer.from([1, 3, 0, 0, 0, 10]))).toEqual(Buffer.from([1, 3, 0, 0, 0, 10, 0xc5, 0xcd]));
  });
  it('detects a corrupted frame', () => {
    const f = withCrc(Buffer.from([1, 3, 0, 0, 0, 10]));
    expect(crcOk(f)).toBe(true);
    f[3] = 1;
    expect(crcOk(f)).toBe(false);
  });
});
