import { describe, expect, it } from 'vitest';
import { crcHex, hj212Crc } from './index.js';

/** The Appendix A procedure written out bit by bit (domain.md §1.13), to check the table form against. */
function bitwise(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc = (crc >>> 8) ^ b;
    for (let i = 0; i < 8; i++) {
      const lsb = crc & 1;
      crc >>>= 1;
      if (lsb) crc ^= 0xa001;
    }
  }
  return crc;
}

describe('hj212Crc (HJ 212-2017 Appendix A)', () => {
  it('check values: "123456789" -> 2F80 (Modbus would give 4B37), empty -> FFFF', () => {
    expect(hj212Crc(Buffer.from('123456789'))).toBe(0x2f80);
    expect(hj212Crc(new Uint8Array())).toBe(0xffff);
  });

  it("the standard's worked example ends in 1C80 (the prose's 1C08 is a typo)", () => {
    const seg = 'QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&';
    expect(crcHex(hj212Crc(Buffer.from(seg)))).toBe('1C80');
  });

  it('equals the bitwise procedure on seeded random bytes, including bytes >= 0x80 (unsigned)', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff;
    for (let n = 1; n < 300; n++) {
      const bytes = Uint8Array.from({ length: n }, rnd);
      const crc = hj212Crc(bytes);
      expect(crc).toBe(bitwise(bytes));
      expect([0x00, 0x01, 0x40, 0x41, 0x80, 0x81, 0xc0, 0xc1]).toContain(crc & 0xff); // domain.md §1.13 property (any non-empty input)
    }
  });
});
