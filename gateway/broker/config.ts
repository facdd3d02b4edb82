import { z } from 'zod';

const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1');
const positive = (fallback: number) => z.coerce.number().positive().default(fallback);

/** Environment of the embedded broker (spread into gateway/env.ts EnvSchema; documented in README). */
export const BrokerEnvSchema = z.object({
  /** development only: no credentials, any topic, any subscription; the gateway warns loudly at start */
  MQTT_ALLOW_ANONYMOUS: bool(false),
  /** the plain TCP listener on MQTT_PORT; false leaves only the TLS one */
  MQTT_PLAIN: bool(true),
  /** mqtts listener port (needs MQTT_TLS_CERT_FILE and MQTT_TLS_KEY_FILE) */
  MQTT_TLS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  MQTT_TLS_CERT_FILE: z.string().min(1).optional(),
  MQTT_TLS_KEY_FILE: z.string().min(1).optional(),
  /** a packet announcing more bytes is cut off as its header arrives (default 256 KiB) */
  MQTT_MAX_PACKET_BYTES: z.coerce.number().int().min(64).max(268_435_455).default(256 * 1024),
  /** topics outside the data topics that may hold a retained message */
  MQTT_MAX_RETAINED: z.coerce.number().int().min(0).default(1000),
  /** new connections per second per remote address, and how many at once */
  MQTT_CONNECT_RATE: positive(10),
  MQTT_CONNECT_BURST: positive(50),
  /** PUBLISHes per second per connection, and how many at once */
  MQTT_PUBLISH_RATE: positive(1000),
  MQTT_PUBLISH_BURST: positive(10_000),
});

/** cross-field rules of BrokerEnvSchema, for EnvSchema's superRefine */
export function checkBrokerEnv(e: z.infer<typeof BrokerEnvSchema>, addIssue: (path: string, message: string) => void): void {
  const tls = e.MQTT_TLS_PORT !== undefined;
  if (tls && !e.MQTT_TLS_CERT_FILE) addIssue('MQTT_TLS_CERT_FILE', 'MQTT_TLS_CERT_FILE is required when MQTT_TLS_PORT is set');
  if (tls && !e.MQTT_TLS_KEY_FILE) addIssue('MQTT_TLS_KEY_FILE', 'MQTT_TLS_KEY_FILE is required when MQTT_TLS_PORT is set');
  if (!tls && (e.MQTT_TLS_CERT_FILE || e.MQTT_TLS_KEY_FILE)) addIssue('MQTT_TLS_PORT', 'MQTT_TLS_PORT is required with MQTT_TLS_CERT_FILE / MQTT_TLS_KEY_FILE');
  if (!e.MQTT_PLAIN && !tls) addIssue('MQTT_PLAIN', 'MQTT_PLAIN=false needs a TLS listener (MQTT_TLS_PORT)');
}
