/**
 * CRC16 of HJ 212-2017 Appendix A (domain.md §1.13).
 *
 * Register 0xFFFF; for each byte `crc = (crc >> 8) ^ byte` (the standard XORs the byte into the HIGH
 * byte of the register and drops the low byte), then 8 rounds of shift right with XOR 0xA001 when the
 * shifted-out bit was 1. This is NOT CRC-16/MODBUS (which does `crc ^= byte`): check value of
 * "123456789" is 0x2F80 here, 0x4B37 for Modbus.
 *
 * Computed over the data segment only (from `QN=` to the closing `&&`), as UTF-8 bytes (HJ 212-2017
 * §6.3: ASCII except Chinese characters, which are UTF-8), unsigned.
 */

/** The reflected 0xA001 byte table (same as CRC-16/ARC): crc = T[(crc >> 8) ^ b] equals the bitwise form. */
const TABLE: Uint16Array = (() => {
  const t = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let i = 0; i < 8; i++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** HJ 212-2017 Appendix A CRC16 of `bytes`; 0..0xFFFF. */
export function hj212Crc(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (let i = 0; i < bytes.length; i++) crc = TABLE[((crc >>> 8) ^ (bytes[i] as number)) & 0xff] as number;
  return crc;
}

/** The CRC as the frame carries it: 4 hex digits, high byte first, upper case (Appendix A). */
export function crcHex(crc: number): string {
  return crc.toString(16).toUpperCase().padStart(4, '0');
}
