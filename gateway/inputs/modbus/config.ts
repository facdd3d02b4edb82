import { z } from 'zod';
import { DeviceIdSchema, PollutantCodeSchema, QualityFlagSchema } from '../../model/reading.js';

/** Modbus data model tables (Modbus Application Protocol V1.1b3 §4.3) and the function code that reads each. */
export const TableSchema = z.enum(['coil', 'discrete', 'holding', 'input']);
export type Table = z.infer<typeof TableSchema>;

export const DataTypeSchema = z.enum(['bool', 'int16', 'uint16', 'int32', 'uint32', 'float32']);
export type DataType = z.infer<typeof DataTypeSchema>;

/**
 * Byte order of a value as it appears on the wire, A being the most significant byte.
 * ABCD big-endian (Modbus default), DCBA little-endian, BADC byte-swapped, CDAB word-swapped.
 * For 16-bit types only the first two letters matter (AB or BA).
 */
export const ByteOrderSchema = z.enum(['ABCD', 'DCBA', 'BADC', 'CDAB']);
export type ByteOrder = z.infer<typeof ByteOrderSchema>;

/**
 * Where an analyser keeps the time of its last measurement, as data loggers report it with each value
 * (HJ 212-2017 §6.3 data segment `xxxxxx-SampleTime`): Unix time in seconds, uint32 over two registers.
 * 0 means no measurement yet. Several channels may name the same register (one multi-parameter analyser).
 */
export const SampleTimeSchema = z.object({
  table: z.enum(['holding', 'input']),
  address: z.number().int().min(0).max(65535),
  type: z.literal('uint32').default('uint32'),
  order: ByteOrderSchema.default('ABCD'),
});
export type SampleTime = z.infer<typeof SampleTimeSchema>;

/** One measured value in a device's register map. value = raw × scale + offset. */
export const ChannelSchema = z
  .object({
    pollutant: PollutantCodeSchema,
    table: TableSchema,
    address: z.number().int().min(0).max(65535),
    type: DataTypeSchema,
    order: ByteOrderSchema.default('ABCD'),
    scale: z.number().default(1),
    offset: z.number().default(0),
    /** take one bit of a 16-bit register (0 = LSB) as 0/1 */
    bit: z.number().int().min(0).max(15).optional(),
    /**
     * An analyser that measures on a cycle (COD, NH3-N, TP, TN: every 30-60 min): the register holding
     * its sample time. The value is emitted once per measurement, stamped with that time.
     */
    sampleTime: SampleTimeSchema.optional(),
    /** the channel's own reporting cycle (ms): its no-data watch is missedIntervals × cycleMs */
    cycleMs: z.number().int().positive().optional(),
  })
  .superRefine((c, ctx) => {
    if (c.sampleTime && c.cycleMs === undefined) ctx.addIssue({ code: 'custom', message: 'a channel with a sampleTime register needs its measurement cycle "cycleMs"', path: ['cycleMs'] });
    const bitTable = c.table === 'coil' || c.table === 'discrete';
    if (bitTable && c.type !== 'bool') ctx.addIssue({ code: 'custom', message: `${c.table} holds single bits: type must be bool`, path: ['type'] });
    if (!bitTable && c.type === 'bool' && c.bit === undefined) ctx.addIssue({ code: 'custom', message: 'bool from a register needs "bit"', path: ['bit'] });
  });
export type Channel = z.infer<typeof ChannelSchema>;

/**
 * A status word: when a bit is set, the device's readings carry the mapped HJ 212 flag
 * (e.g. bit 0 → M maintenance, bit 1 → C calibration, bit 2 → D fault).
 */
export const StatusWordSchema = z.object({
  table: z.enum(['holding', 'input']),
  address: z.number().int().min(0).max(65535),
  bits: z.record(z.string().regex(/^(1[0-5]|[0-9])$/, 'bit 0-15'), QualityFlagSchema),
  /** pollutants the flag applies to; all of the device's channels when omitted */
  appliesTo: z.array(PollutantCodeSchema).optional(),
});
export type StatusWord = z.infer<typeof StatusWordSchema>;

/**
 * 一企一管 valve control point: what is written to open or close the pipe's valve. The valve state is
 * read back from the map's w99002 channel (1 open, 0 closed), which may sit elsewhere (e.g. a read-only
 * discrete input). A coil is written with FC 05 (V1.1b3 §6.5); a holding register with FC 06 (§6.6),
 * a bit of one by reading it (FC 03) and writing the whole word back (FC 06).
 */
export const ValveControlSchema = z
  .object({
    table: z.enum(['coil', 'holding']),
    address: z.number().int().min(0).max(65535),
    /** a bit of a holding register (0 = LSB); openValue/closedValue are then that bit's value */
    bit: z.number().int().min(0).max(15).optional(),
    openValue: z.number().int().min(0).max(65535).default(1),
    closedValue: z.number().int().min(0).max(65535).default(0),
  })
  .superRefine((v, ctx) => {
    if (v.table === 'coil' && v.bit !== undefined) ctx.addIssue({ code: 'custom', message: 'a coil is a single bit: no "bit"', path: ['bit'] });
    const oneBit = v.table === 'coil' || v.bit !== undefined;
    for (const key of ['openValue', 'closedValue'] as const) {
      if (oneBit && v[key] > 1) ctx.addIssue({ code: 'custom', message: `a single bit is 0 or 1`, path: [key] });
    }
    if (v.openValue === v.closedValue) ctx.addIssue({ code: 'custom', message: 'openValue and closedValue must differ', path: ['closedValue'] });
  });
export type ValveControl = z.infer<typeof ValveControlSchema>;

/** A vendor model's register layout; devices reference it by name so vendors can differ. */
export const RegisterMapSchema = z
  .object({
    vendor: z.string(),
    description: z.string().optional(),
    channels: z.array(ChannelSchema).min(1),
    status: z.array(StatusWordSchema).default([]),
    /** 一企一管 valve control point; its state is read back from the w99002 channel */
    valve: ValveControlSchema.optional(),
  })
  .superRefine((m, ctx) => {
    if (m.valve && !m.channels.some((c) => c.pollutant === 'w99002')) {
      ctx.addIssue({ code: 'custom', message: 'a valve control point needs a w99002 (valve state) channel to read it back', path: ['valve'] });
    }
  });
export type RegisterMap = z.infer<typeof RegisterMapSchema>;

export const TcpLineSchema = z.object({
  id: z.string().min(1),
  transport: z.literal('tcp'),
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(0).max(65535),
});
export const RtuLineSchema = z.object({
  id: z.string().min(1),
  transport: z.literal('rtu'),
  path: z.string().min(1),
  baudRate: z.number().int().positive().default(9600),
  dataBits: z.union([z.literal(7), z.literal(8)]).default(8),
  parity: z.enum(['none', 'even', 'odd']).default('none'),
  stopBits: z.union([z.literal(1), z.literal(2)]).default(1),
});
/** A physical link: one Modbus TCP endpoint (device or TCP gateway) or one RS-485 line; several slaves may share it. */
export const LineSchema = z.discriminatedUnion('transport', [TcpLineSchema, RtuLineSchema]);
export type Line = z.infer<typeof LineSchema>;

/** A Modbus device in a site's device list. */
export const ModbusDeviceSchema = z.object({
  kind: z.literal('modbus'),
  id: DeviceIdSchema,
  line: z.string().min(1),
  unitId: z.number().int().min(0).max(247),
  map: z.string().min(1),
  intervalMs: z.number().int().min(100).default(5000),
  timeoutMs: z.number().int().min(50).default(1000),
  retries: z.number().int().min(0).max(10).default(1),
});
export type ModbusDevice = z.infer<typeof ModbusDeviceSchema>;

/** Park-level Modbus configuration: the lines and the register-map catalogue. */
export const ModbusInputConfigSchema = z.object({
  lines: z.array(LineSchema).default([]),
  maps: z.record(z.string(), RegisterMapSchema).default({}),
  /** reconnect backoff: initial and cap */
  backoffMs: z.object({ initial: z.number().int().positive().default(500), max: z.number().int().positive().default(30_000) }).prefault({}),
});
export type ModbusInputConfig = z.infer<typeof ModbusInputConfigSchema>;
