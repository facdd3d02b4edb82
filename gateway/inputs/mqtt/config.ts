import { z } from 'zod';
import { DeviceIdSchema, PollutantCodeSchema } from '../../model/reading.js';

/** An MQTT-publishing device in a site's device list. It publishes JSON on `<prefix>/<site>/<device>/data`. */
export const MqttDeviceSchema = z.object({
  kind: z.literal('mqtt'),
  id: DeviceIdSchema,
  /** pollutant codes this device reports; anything else in its payload is dead-lettered */
  channels: z.array(PollutantCodeSchema).min(1),
  /** expected publish interval, for offline detection */
  intervalMs: z.number().int().min(100).default(10_000),
});
export type MqttDevice = z.infer<typeof MqttDeviceSchema>;

/** Park-level MQTT configuration. The broker URL comes from MQTT_URL; otherwise the embedded broker is used. */
export const MqttInputConfigSchema = z.object({
  topicPrefix: z.string().regex(/^[^#+]+$/, 'no wildcards in the prefix').default('park/v1'),
  qos: z.union([z.literal(0), z.literal(1)]).default(1),
  clientId: z.string().default('park-gateway'),
  /** payloads above this many bytes are rejected unread */
  maxPayloadBytes: z.number().int().positive().default(65_536),
  /** reconnect backoff after a lost or refused connection: first delay, doubled per failed attempt up to max */
  backoffMs: z.object({ initial: z.number().int().positive().default(500), max: z.number().int().positive().default(30_000) }).prefault({}),
});
export type MqttInputConfig = z.infer<typeof MqttInputConfigSchema>;

/**
 * Payload published by a device, e.g.
 * {"ts":"2026-11-25T10:00:00.000Z","values":{"a24088":1.25,"a21028":0.012},"flags":{"a21028":"N"}}
 * ts is an ISO-8601 string or epoch milliseconds; flags default to N. A device may name itself
 * (`"site"`, `"device"`): the names must then be the topic's, or the message is refused (identity-mismatch).
 */
export const MqttPayloadSchema = z.strictObject({
  site: z.string().min(1).max(64).optional(),
  device: z.string().min(1).max(64).optional(),
  ts: z.union([z.number().int().nonnegative(), z.iso.datetime({ offset: true })]),
  values: z.record(PollutantCodeSchema, z.number()).refine((v) => Object.keys(v).length > 0, 'values is empty'),
  flags: z.record(PollutantCodeSchema, z.enum(['N', 'F', 'M', 'S', 'D', 'C', 'T', 'B'])).optional(),
});
export type MqttPayload = z.infer<typeof MqttPayloadSchema>;
