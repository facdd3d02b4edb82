import type { ByteOrder, Channel, DataType } from './config.js';
import { permute32, swapsBytes16 } from './decode.js';

const RANGE: Record<Exclude<DataType, 'bool' | 'float32'>, [number, number]> = {
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x80000000, 0x7fffffff],
  uint32: [0, 0xffffffff],
};

/**
 * Registers that hold `raw` as `type` in byte order `order`: the inverse of decodeRaw.
 * Integers are rounded to the nearest and saturate at the type's range (as a device's register would);
 * float32 is rounded to single precision (NaN and ±Infinity are encoded as such).
 */
export function encodeRaw(raw: number, type: Exclude<DataType, 'bool'>, order: ByteOrder = 'ABCD'): number[] {
  const buf = Buffer.alloc(4);
  if (type === 'float32') buf.writeFloatBE(raw, 0);
  else {
    const [lo, hi] = RANGE[type];
    const v = Number.isNaN(raw) ? 0 : Math.min(hi, Math.max(lo, Math.round(raw)));
    if (type === 'int16' || type === 'uint16') {
      const w = v & 0xffff;
      return [swapsBytes16(order) ? ((w & 0xff) << 8) | (w >> 8) : w];
    }
    if (type === 'int32') buf.writeInt32BE(v, 0);
    else buf.writeUInt32BE(v, 0);
  }
  const wire = permute32([...buf], order);
  return [((wire[0] ?? 0) << 8) | (wire[1] ?? 0), ((wire[2] ?? 0) << 8) | (wire[3] ?? 0)];
}

/**
 * What a device holds for `value` in `channel`: the inverse of decodeChannel (raw = (value − offset) / scale).
 * Coil/discrete channels give one bit [0|1]. A bool kept in a register bit gives one word with only
 * that bit set (or 0): merge it into the register with OR.
 */
export function encodeChannel(channel: Channel, value: number): number[] {
  const raw = (value - channel.offset) / channel.scale;
  if (channel.table === 'coil' || channel.table === 'discrete') return [raw >= 0.5 ? 1 : 0];
  if (channel.bit !== undefined || channel.type === 'bool') {
    const word = raw >= 0.5 ? 1 << (channel.bit ?? 0) : 0;
    return encodeRaw(word, 'uint16', channel.order);
  }
  return encodeRaw(raw, channel.type, channel.order);
}
