/**
 * CRC-16/MODBUS (Modbus over Serial Line V1.02 §6.2.2): polynomial 0xA001 (reflected 0x8005),
 * initial 0xFFFF. Appended to an RTU frame low byte first.
 */
export function crc16(buf: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of buf) {
    crc ^= byte;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
  }
  return crc;
}

/** frame + its CRC, low byte first */
export function withCrc(frame: Buffer): Buffer {
  const out = Buffer.alloc(frame.length + 2);
  frame.copy(out);
  out.writeUInt16LE(crc16(frame), frame.length);
  return out;
}

/** true when the last two bytes are the CRC of the rest */
export function crcOk(frame: Buffer): boolean {
  return frame.length >= 4 && frame.readUInt16LE(frame.length - 2) === crc16(frame.subarray(0, frame.length - 2));
}
