import type { ByteOrder, Channel, DataType } from '../../gateway/registry/schema.js';

// The simulated devices' own register encoding, written apart from the gateway's decoder
// (gateway/inputs/modbus/decode.ts) on purpose: if both shared one implementation, a byte-order bug
// would be made on both sides of the wire and cancel out in every end-to-end test.
//
// Modbus Application Protocol V1.1b3 §4.2: a register travels high byte first; how a 32-bit value is
// spread over two registers is the vendor's choice. A byte order names the wire sequence of the value's
// bytes, A being the most significant: ABCD big-endian, CDAB word-swapped, BADC byte-swapped,
// DCBA little-endian. A 16-bit value has only A and B, sent in the order they appear in the name
// (ABCD, CDAB → AB; BADC, DCBA → BA).

type Numeric = Exclude<DataType, 'bool'>;
const LETTERS = 'ABCD';

const INTEGER_RANGE: Record<Exclude<Numeric, 'float32'>, readonly [number, number]> = {
  int16: [-32768, 32767],
  uint16: [0, 65535],
  int32: [-2147483648, 2147483647],
  uint32: [0, 4294967295],
};

/** Registers a value of `type` occupies in a register table. */
export function registerCount(type: DataType): 1 | 2 {
  return type === 'int32' || type === 'uint32' || type === 'float32' ? 2 : 1;
}

/** A device stores the nearest integer its register can hold: rounded, saturated at the type's range, NaN as 0. */
function toInteger(raw: number, type: Exclude<Numeric, 'float32'>): number {
  const [lo, hi] = INTEGER_RANGE[type];
  if (Number.isNaN(raw)) return 0;
  return Math.min(hi, Math.max(lo, Math.round(raw)));
}

/** The value's bytes, most significant first: [A, B] or [A, B, C, D]. Negative integers in two's complement. */
function valueBytes(raw: number, type: Numeric): number[] {
  if (type === 'float32') {
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, raw); // IEEE 754 binary32, big-endian
    return [view.getUint8(0), view.getUint8(1), view.getUint8(2), view.getUint8(3)];
  }
  const n = toInteger(raw, type);
  if (registerCount(type) === 1) {
    const u = n < 0 ? n + 0x10000 : n;
    return [Math.floor(u / 0x100), u % 0x100];
  }
  const u = n < 0 ? n + 0x100000000 : n;
  return [Math.floor(u / 0x1000000) % 0x100, Math.floor(u / 0x10000) % 0x100, Math.floor(u / 0x100) % 0x100, u % 0x100];
}

/** The letters of `order` that name one of `count` bytes, in wire sequence: e.g. BADC with 2 bytes → B, A. */
function wireLetters(order: ByteOrder, count: number): string[] {
  return [...order].filter((letter) => LETTERS.indexOf(letter) < count);
}

/** Registers holding `raw` as `type` in byte order `order`. */
export function encodeValue(raw: number, type: Numeric, order: ByteOrder): number[] {
  const bytes = valueBytes(raw, type);
  const wire = wireLetters(order, bytes.length).map((letter) => bytes[LETTERS.indexOf(letter)]!);
  const regs: number[] = [];
  for (let i = 0; i < wire.length; i += 2) regs.push(wire[i]! * 0x100 + wire[i + 1]!);
  return regs;
}

/** The raw value `type` in byte order `order` reads from `regs` (the inverse of encodeValue for values in range). */
export function decodeValue(regs: readonly number[], type: Numeric, order: ByteOrder): number {
  const count = registerCount(type) * 2;
  const wire = regs.slice(0, count / 2).flatMap((r) => [Math.floor(r / 0x100), r % 0x100]);
  if (wire.length !== count) throw new RangeError(`${type} needs ${count / 2} register(s), got ${regs.length}`);
  const bytes: number[] = [];
  wireLetters(order, count).forEach((letter, i) => (bytes[LETTERS.indexOf(letter)] = wire[i]!));
  if (type === 'float32') return new DataView(Uint8Array.from(bytes).buffer).getFloat32(0);
  const u = bytes.reduce((acc, b) => acc * 0x100 + b, 0);
  const signed = type === 'int16' || type === 'int32';
  const span = 2 ** (8 * count);
  return signed && u >= span / 2 ? u - span : u;
}

/**
 * What a device holds for a channel showing `value`: raw = (value − offset) / scale, then encoded.
 * A coil or discrete input gives one bit [0|1]; a bool kept in a register bit gives one register with
 * only that bit set (or 0), in the map's byte order; merge it into the register with OR.
 */
export function channelRegisters(channel: Channel, value: number): number[] {
  const raw = (value - channel.offset) / channel.scale;
  const on = raw >= 0.5 ? 1 : 0;
  if (channel.table === 'coil' || channel.table === 'discrete') return [on];
  if (channel.bit !== undefined || channel.type === 'bool') return encodeValue(on * 2 ** (channel.bit ?? 0), 'uint16', channel.order);
  return encodeValue(raw, channel.type, channel.order);
}

/** The value a device reads from registers written to a channel (raw × scale + offset; a register bit gives 0 or 1 before scaling). */
export function channelValue(channel: Channel, regs: readonly number[]): number {
  if (channel.table === 'coil' || channel.table === 'discrete') return (regs[0] ? 1 : 0) * channel.scale + channel.offset;
  if (channel.bit !== undefined || channel.type === 'bool') {
    const word = decodeValue(regs, 'uint16', channel.order);
    return (Math.floor(word / 2 ** (channel.bit ?? 0)) % 2) * channel.scale + channel.offset;
  }
  return decodeValue(regs, channel.type, channel.order) * channel.scale + channel.offset;
}
