import { z } from 'zod';

/**
 * HJ 212-2017 Table 8 data flags (xxxxxx-Flag):
 * N normal, F instrument stopped, M maintenance, S manual set value,
 * D instrument fault, C calibration, T over measuring range, B instrument↔logger comm abnormal.
 */
export const QualityFlagSchema = z.enum(['N', 'F', 'M', 'S', 'D', 'C', 'T', 'B']);
export type QualityFlag = z.infer<typeof QualityFlagSchema>;

/** HJ 212 monitoring-factor code (Appendix B): one letter then five alphanumerics, e.g. w01018 (COD). */
export const PollutantCodeSchema = z
  .string()
  .regex(/^[a-z][a-z0-9]{5}$/, 'expected an HJ 212 code such as w01018');

/**
 * A device id: it is an InfluxDB tag value and an MQTT topic level, so it carries no spaces, line breaks,
 * '/', '+' or '#' (MQTT 3.1.1 §4.7) and no backslash (line protocol).
 */
export const DeviceIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'device ids are letters, digits, "_", "." and "-"');

export const SourceSchema = z.enum(['modbus', 'mqtt', 'hj212', 'manual']);
export type Source = z.infer<typeof SourceSchema>;

/**
 * One value of one pollutant at one site at one instant. The only contract between gateway and
 * processor; kept small and flat so it can travel as a plain record (e.g. over MQTT).
 */
export const ReadingSchema = z.object({
  site: z.string().min(1),
  device: z.string().min(1),
  pollutant: PollutantCodeSchema,
  value: z.number().refine(Number.isFinite, 'value must be a finite number'),
  unit: z.string(),
  /** epoch milliseconds (UTC) */
  ts: z.number().int().nonnegative(),
  flag: QualityFlagSchema,
  source: SourceSchema,
});
export type Reading = z.infer<typeof ReadingSchema>;

/**
 * The stream between gateway and processor carries batches: one per MQTT message, Modbus poll, HJ 212
 * packet or event-loop turn. Per-reading work is a plain loop over `readings`; the pipeline's cost is
 * per batch.
 */
export interface ReadingBatch {
  readonly readings: readonly Reading[];
  /**
   * Set by inputs whose source waits for an acknowledgement (MQTT QoS 1 PUBACK, HJ 212 9014). The
   * processor calls it exactly once: with no argument after the batch's accepted readings are appended to
   * the spool (durable), or with the error when they could not be made durable (the source must then
   * send again). An input never acknowledges on its own.
   */
  readonly ack?: (err?: Error) => void;
}
