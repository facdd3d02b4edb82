import type { QualityFlag, Reading } from '../../model/reading.js';
import type { Pollutant } from '../../registry/schema.js';
import { width } from '../../registry/registerMaps.js';
import type { ByteOrder, Channel, DataType, RegisterMap, StatusWord, Table } from './config.js';

/**
 * Where byte A (most significant) .. D of a 32-bit value sits on the wire, for each byte order.
 * Wire bytes are register 0 high, register 0 low, register 1 high, register 1 low (Modbus V1.1b3 §4.2:
 * each register is sent big-endian; the order of bytes across registers is vendor-defined).
 * Every permutation here is its own inverse, so the same table maps wire → value and value → wire.
 */
const WIRE_INDEX: Record<ByteOrder, readonly [number, number, number, number]> = {
  ABCD: [0, 1, 2, 3],
  DCBA: [3, 2, 1, 0],
  BADC: [1, 0, 3, 2],
  CDAB: [2, 3, 0, 1],
};

/** 16-bit values: ABCD and CDAB keep a register as AB, DCBA and BADC swap it to BA. */
export function swapsBytes16(order: ByteOrder): boolean {
  return order === 'DCBA' || order === 'BADC';
}

const swap16 = (w: number) => ((w & 0xff) << 8) | ((w >> 8) & 0xff);

/** Reorder 4 bytes between wire order and big-endian (ABCD) value order; the mapping is an involution. */
export function permute32(bytes: readonly number[], order: ByteOrder): number[] {
  const idx = WIRE_INDEX[order];
  return idx.map((i) => bytes[i] ?? 0);
}

function registerAt(regs: readonly number[], i: number): number {
  const r = regs[i];
  if (r === undefined || !Number.isInteger(r) || r < 0 || r > 0xffff) throw new RangeError(`register ${i} is ${String(r)}: expected an integer 0..65535`);
  return r;
}

/**
 * Raw (unscaled) value of a numeric type from its registers. Pure; throws RangeError when too few
 * registers are given or one is not a uint16. float32 may return NaN or ±Infinity.
 */
export function decodeRaw(regs: readonly number[], type: Exclude<DataType, 'bool'>, order: ByteOrder = 'ABCD'): number {
  if (type === 'int16' || type === 'uint16') {
    let w = registerAt(regs, 0);
    if (swapsBytes16(order)) w = swap16(w);
    return type === 'int16' ? (w << 16) >> 16 : w;
  }
  const r0 = registerAt(regs, 0);
  const r1 = registerAt(regs, 1);
  const wire = [r0 >> 8, r0 & 0xff, r1 >> 8, r1 & 0xff];
  const buf = Buffer.from(permute32(wire, order));
  if (type === 'int32') return buf.readInt32BE(0);
  if (type === 'uint32') return buf.readUInt32BE(0);
  return buf.readFloatBE(0);
}

/**
 * Channel value from the registers (or bits, for coil/discrete) it occupies: raw × scale + offset
 * (integer types rounded to 15 significant digits, see below).
 * A bool from a register takes bit `bit` (0 = LSB) of the 16-bit word after the map's byte order
 * is applied (BA orders swap the bytes first).
 */
export function decodeChannel(channel: Channel, data: readonly number[]): number {
  let raw: number;
  if (channel.table === 'coil' || channel.table === 'discrete') {
    const b = data[0];
    if (b !== 0 && b !== 1) throw new RangeError(`bit is ${String(b)}: expected 0 or 1`);
    raw = b;
  } else if (channel.bit !== undefined) {
    raw = (decodeRaw(data, 'uint16', channel.order) >> channel.bit) & 1;
  } else if (channel.type === 'bool') {
    throw new RangeError('bool from a register needs "bit"');
  } else {
    raw = decodeRaw(data, channel.type, channel.order);
    if (channel.type === 'float32') return raw * channel.scale + channel.offset;
  }
  // integer raw: drop binary artefacts of the scaling (731 × 0.01 is 7.3100000000000005 in binary64,
  // 15 significant digits give 7.31); float32 values stay exact so they compare with Math.fround
  return Number((raw * channel.scale + channel.offset).toPrecision(15));
}

/**
 * HJ 212 flags ranked for a reading covered by several set status bits, most severe first:
 * D instrument fault and F instrument stopped make the value unusable; B comm abnormal means it cannot
 * be trusted; T over range means it is clipped; C calibration and M maintenance mean the instrument is
 * being worked on; S manual value; N normal.
 */
export const FLAG_SEVERITY: readonly QualityFlag[] = ['D', 'F', 'B', 'T', 'C', 'M', 'S', 'N'];

/** The most severe of the given flags ('N' when none). */
export function mostSevere(flags: Iterable<QualityFlag>): QualityFlag {
  let best = FLAG_SEVERITY.length - 1;
  for (const f of flags) best = Math.min(best, FLAG_SEVERITY.indexOf(f));
  return FLAG_SEVERITY[best] ?? 'N';
}

/** Flags whose bits are set in a status word (bits are 0 = LSB; the word is read as ABCD). */
export function statusFlags(status: StatusWord, word: number): QualityFlag[] {
  const out: QualityFlag[] = [];
  for (const [bit, flag] of Object.entries(status.bits)) if ((word >> Number(bit)) & 1) out.push(flag);
  return out;
}

/** One read request's answer: registers (uint16) for holding/input, bits (0/1) for coil/discrete. */
export interface Block {
  table: Table;
  address: number;
  data: readonly number[];
}

/** Values of `n` consecutive addresses from whichever block holds them, or undefined when none does. */
export function slice(blocks: readonly Block[], table: Table, address: number, n: number): number[] | undefined {
  for (const b of blocks) {
    if (b.table === table && address >= b.address && address + n <= b.address + b.data.length) {
      return b.data.slice(address - b.address, address - b.address + n);
    }
  }
  return undefined;
}

export interface PollContext {
  site: string;
  device: string;
  map: RegisterMap;
  /** the registry's pollutant catalogue (units come from here) */
  pollutants: Record<string, Pollutant>;
  /** epoch ms the poll's response arrived */
  ts: number;
  /**
   * pollutant → epoch ms of the measurement last emitted, for channels with a sample-time register: a
   * channel whose sample time has not advanced past it is not emitted again (its analyser has not measured).
   */
  lastSampleAt?: ReadonlyMap<string, number>;
}

/** A channel value that is not a reading; the caller keeps it in the dead-letter store. */
export interface RejectedValue {
  pollutant: string;
  table: Table;
  address: number;
  reason: 'non-finite-value' | 'not-read' | 'bad-register';
  detail: string;
  /** the channel's registers or bits as hex words, e.g. "7fc0 0000" */
  raw: string;
}

const hex = (data: readonly number[]) => data.map((w) => w.toString(16).padStart(4, '0')).join(' ');

/**
 * One poll of one device → readings. Each channel's flag is the most severe flag of the set status
 * bits that apply to it (FLAG_SEVERITY), 'N' when none. A status word that was not read contributes
 * nothing. Values that are not finite (float32 NaN/Infinity) or whose registers were not read are
 * returned in `rejected`, never as readings. A channel with a sample-time register is emitted only when
 * its sample time is later than ctx.lastSampleAt's (a new measurement), stamped with it; `samples` lists
 * the new sample times, for the caller to pass back as lastSampleAt on the next poll.
 */
export function decodePoll(ctx: PollContext, blocks: readonly Block[]): { readings: Reading[]; rejected: RejectedValue[]; samples: Map<string, number> } {
  const flagsFor = new Map<string, QualityFlag[]>();
  const everyone: QualityFlag[] = [];
  for (const s of ctx.map.status) {
    const word = slice(blocks, s.table, s.address, 1)?.[0];
    if (word === undefined) continue;
    const flags = statusFlags(s, word);
    if (!s.appliesTo) everyone.push(...flags);
    else for (const p of s.appliesTo) flagsFor.set(p, [...(flagsFor.get(p) ?? []), ...flags]);
  }

  const readings: Reading[] = [];
  const rejected: RejectedValue[] = [];
  const samples = new Map<string, number>();
  for (const c of ctx.map.channels) {
    const where = { pollutant: c.pollutant, table: c.table, address: c.address };
    let ts = ctx.ts;
    if (c.sampleTime) {
      const sampled = sampleAt(c, blocks, ctx.lastSampleAt?.get(c.pollutant));
      if (sampled.kind === 'rejected') {
        rejected.push({ ...where, ...sampled.rejected });
        continue;
      }
      if (sampled.kind === 'same') continue;
      ts = sampled.at;
      // seen even when its value is rejected below: one dead letter per measurement, not one per poll
      samples.set(c.pollutant, ts);
    }
    const data = slice(blocks, c.table, c.address, width(c.type, c.table));
    if (!data) {
      rejected.push({ ...where, reason: 'not-read', detail: `${c.table} ${c.address} was not in the poll's answers`, raw: '' });
      continue;
    }
    let value: number;
    try {
      value = decodeChannel(c, data);
    } catch (err) {
      rejected.push({ ...where, reason: 'bad-register', detail: (err as Error).message, raw: hex(data) });
      continue;
    }
    if (!Number.isFinite(value)) {
      rejected.push({ ...where, reason: 'non-finite-value', detail: `${c.type} ${c.order} decodes to ${value}`, raw: hex(data) });
      continue;
    }
    readings.push({
      site: ctx.site,
      device: ctx.device,
      pollutant: c.pollutant,
      value,
      unit: ctx.pollutants[c.pollutant]?.unit ?? '',
      ts,
      flag: mostSevere([...everyone, ...(flagsFor.get(c.pollutant) ?? [])]),
      source: 'modbus',
    });
  }
  return { readings, rejected, samples };
}

type Sampled = { kind: 'new'; at: number } | { kind: 'same' } | { kind: 'rejected'; rejected: Omit<RejectedValue, 'pollutant' | 'table' | 'address'> };

/**
 * A sampled channel's measurement time (HJ 212-2017 `xxxxxx-SampleTime`, epoch seconds in a uint32):
 * 'new' when it is later than `last`, 'same' when the analyser has not measured since (or never: 0).
 */
function sampleAt(c: Channel, blocks: readonly Block[], last: number | undefined): Sampled {
  const t = c.sampleTime!;
  const data = slice(blocks, t.table, t.address, 2);
  if (!data) return { kind: 'rejected', rejected: { reason: 'not-read', detail: `sample time ${t.table} ${t.address} was not in the poll's answers`, raw: '' } };
  let seconds: number;
  try {
    seconds = decodeRaw(data, 'uint32', t.order);
  } catch (err) {
    return { kind: 'rejected', rejected: { reason: 'bad-register', detail: `sample time: ${(err as Error).message}`, raw: hex(data) } };
  }
  const at = seconds * 1000;
  return seconds === 0 || (last !== undefined && at <= last) ? { kind: 'same' } : { kind: 'new', at };
}
