/** Modbus exception codes (Modbus Application Protocol V1.1b3 §7). */
export const EX = {
  ILLEGAL_FUNCTION: 0x01,
  ILLEGAL_DATA_ADDRESS: 0x02,
  ILLEGAL_DATA_VALUE: 0x03,
  SLAVE_DEVICE_FAILURE: 0x04,
  GATEWAY_TARGET_FAILED: 0x0b,
} as const;

/** A slave's data and behaviour, as the PDU handler sees it. */
export interface SlaveUnit {
  /** silent: no answer at all; garbage: exception 04 to every request */
  behaviour(): 'normal' | 'silent' | 'garbage';
  /** a broken frame to send instead of the answer (applied by the transport); undefined = none */
  fault?(): 'bad-crc' | 'short-frame' | 'reset' | undefined;
  /** bits 0/1 of coils or discrete inputs */
  readBits(table: 'coil' | 'discrete', address: number, quantity: number): number[];
  /** uint16 words of holding or input registers */
  readRegisters(table: 'holding' | 'input', address: number, quantity: number): number[];
  /** false when the coils are not writable (→ exception 02) */
  writeCoils(address: number, values: number[]): boolean;
  /** false when the registers are not writable (→ exception 02) */
  writeRegisters(address: number, values: number[]): boolean;
}

export class ModbusException extends Error {
  constructor(readonly code: number) {
    super(`Modbus exception ${code}`);
  }
}

function exception(fc: number, code: number): Buffer {
  return Buffer.from([fc | 0x80, code]);
}

/** 1 ≤ quantity ≤ max and the range stays inside the 16-bit address space (§6.x: exception 03, then 02). */
function checkRange(address: number, quantity: number, max: number): void {
  if (quantity < 1 || quantity > max) throw new ModbusException(EX.ILLEGAL_DATA_VALUE);
  if (address + quantity > 0x10000) throw new ModbusException(EX.ILLEGAL_DATA_ADDRESS);
}

function packBits(bits: number[]): Buffer {
  const out = Buffer.alloc(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => {
    if (b) out[i >> 3]! |= 1 << (i & 7); // §6.1: first coil in the LSB of the first byte
  });
  return out;
}

function unpackBits(buf: Buffer, quantity: number): number[] {
  return Array.from({ length: quantity }, (_, i) => ((buf[i >> 3] ?? 0) >> (i & 7)) & 1);
}

function handle(pdu: Buffer, unit: SlaveUnit): Buffer {
  const fc = pdu[0]!;
  const u16 = (at: number) => {
    if (pdu.length < at + 2) throw new ModbusException(EX.ILLEGAL_DATA_VALUE);
    return pdu.readUInt16BE(at);
  };
  switch (fc) {
    case 0x01: // §6.1 Read Coils: quantity 1..2000
    case 0x02: {
      // §6.2 Read Discrete Inputs: quantity 1..2000
      const address = u16(1);
      const quantity = u16(3);
      checkRange(address, quantity, 2000);
      const bytes = packBits(unit.readBits(fc === 1 ? 'coil' : 'discrete', address, quantity));
      return Buffer.concat([Buffer.from([fc, bytes.length]), bytes]);
    }
    case 0x03: // §6.3 Read Holding Registers: quantity 1..125
    case 0x04: {
      // §6.4 Read Input Registers: quantity 1..125
      const address = u16(1);
      const quantity = u16(3);
      checkRange(address, quantity, 125);
      const words = unit.readRegisters(fc === 3 ? 'holding' : 'input', address, quantity);
      const out = Buffer.alloc(2 + 2 * quantity);
      out[0] = fc;
      out[1] = 2 * quantity;
      words.forEach((w, i) => out.writeUInt16BE(w & 0xffff, 2 + 2 * i));
      return out;
    }
    case 0x05: {
      // §6.5 Write Single Coil: value 0xFF00 (on) or 0x0000 (off), response echoes the request
      const address = u16(1);
      const value = u16(3);
      if (value !== 0xff00 && value !== 0x0000) throw new ModbusException(EX.ILLEGAL_DATA_VALUE);
      if (!unit.writeCoils(address, [value ? 1 : 0])) throw new ModbusException(EX.ILLEGAL_DATA_ADDRESS);
      return Buffer.from(pdu.subarray(0, 5));
    }
    case 0x06: {
      // §6.6 Write Single Register, response echoes the request
      const address = u16(1);
      if (!unit.writeRegisters(address, [u16(3)])) throw new ModbusException(EX.ILLEGAL_DATA_ADDRESS);
      return Buffer.from(pdu.subarray(0, 5));
    }
    case 0x0f: {
      // §6.11 Write Multiple Coils: quantity 1..1968, byte count = ceil(quantity / 8)
      const address = u16(1);
      const quantity = u16(3);
      checkRange(address, quantity, 0x7b0);
      if (pdu[5] !== Math.ceil(quantity / 8) || pdu.length < 6 + pdu[5]) throw new ModbusException(EX.ILLEGAL_DATA_VALUE);
      if (!unit.writeCoils(address, unpackBits(pdu.subarray(6), quantity))) throw new ModbusException(EX.ILLEGAL_DATA_ADDRESS);
      return Buffer.from(pdu.subarray(0, 5));
    }
    case 0x10: {
      // §6.12 Write Multiple Registers: quantity 1..123, byte count = 2 × quantity
      const address = u16(1);
      const quantity = u16(3);
      checkRange(address, quantity, 0x7b);
      if (pdu[5] !== 2 * quantity || pdu.length < 6 + 2 * quantity) throw new ModbusException(EX.ILLEGAL_DATA_VALUE);
      const values = Array.from({ length: quantity }, (_, i) => pdu.readUInt16BE(6 + 2 * i));
      if (!unit.writeRegisters(address, values)) throw new ModbusException(EX.ILLEGAL_DATA_ADDRESS);
      return Buffer.from(pdu.subarray(0, 5));
    }
    default:
      throw new ModbusException(EX.ILLEGAL_FUNCTION);
  }
}

/**
 * Answer one request PDU (function code + data) for a unit. Returns the response PDU, or null when the
 * unit stays silent. An unknown unit gets `unknownUnit` (TCP gateways answer exception 0x0B; on a
 * serial line nobody answers).
 */
export function answer(pdu: Buffer, unit: SlaveUnit | undefined, unknownUnit: 'silent' | 'gateway-exception'): Buffer | null {
  const fc = pdu[0] ?? 0;
  if (!unit) return unknownUnit === 'silent' ? null : exception(fc, EX.GATEWAY_TARGET_FAILED);
  const mode = unit.behaviour();
  if (mode === 'silent') return null;
  if (mode === 'garbage') return exception(fc, EX.SLAVE_DEVICE_FAILURE);
  try {
    return handle(pdu, unit);
  } catch (err) {
    return exception(fc, err instanceof ModbusException ? err.code : EX.SLAVE_DEVICE_FAILURE);
  }
}
