import { resolve } from 'node:path';
import { z } from 'zod';
import { BrokerEnvSchema, checkBrokerEnv } from './broker/config.js';
import { ConfigError } from './registry/loader.js';
import { AlertsEnvSchema } from '../processor/alerts/config.js';
import { SpoolEnvSchema } from '../processor/sinks/spool/config.js';
import { SnapshotEnvSchema } from '../processor/snapshots/config.js';
import { DeadLetterEnvSchema } from './deadLetter/config.js';
import { LogFileEnvSchema } from './logFile.js';

/** an empty variable (docker compose's `${X:+…}` when X is unset) counts as unset */
const unsetWhenEmpty = (s: z.ZodString) => z.preprocess((v) => (v === '' ? undefined : v), s.min(1).optional());
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/** Environment variables the gateway and the demo read (documented in README). */
export const EnvSchema = z.object({
  /** InfluxDB 1.x URL; when unset the demo starts a private influxd */
  INFLUX_URL: z.url().optional(),
  INFLUX_DATABASE: z.string().regex(/^[A-Za-z0-9_-]+$/).default('park'),
  /** 1: InfluxDB 1.x (POST /write into INFLUX_DATABASE); 2: InfluxDB 2.x (POST /api/v2/write into INFLUX_ORG/INFLUX_BUCKET) */
  INFLUX_VERSION: z.enum(['1', '2']).default('1'),
  INFLUX_ORG: z.string().optional(),
  INFLUX_BUCKET: z.string().optional(),
  /** InfluxDB 2.x API token with write permission on INFLUX_BUCKET */
  INFLUX_TOKEN: z.string().optional(),
  /** embedded aedes broker port (127.0.0.1) */
  MQTT_PORT: port(1884),
  /** external broker (mqtt:// or mqtts://); when set the embedded broker is not started */
  MQTT_URL: z.url({ protocol: /^(mqtts?|tcp|ssl|wss?)$/ }).optional(),
  /** the gateway's login on the external broker; else the secrets file's mqtt.gateway */
  MQTT_USERNAME: unsetWhenEmpty(z.string().max(128)),
  MQTT_PASSWORD: unsetWhenEmpty(z.string().max(512)),
  /** TLS to the external broker (mqtts://): the CA to trust (PEM), a client certificate and its key */
  MQTT_CA_FILE: unsetWhenEmpty(z.string()),
  MQTT_CERT_FILE: unsetWhenEmpty(z.string()),
  MQTT_KEY_FILE: unsetWhenEmpty(z.string()),
  /** the secrets file (YAML, mode 0600): hashes of device and logger secrets, the gateway's own logins */
  PARK_SECRETS_FILE: unsetWhenEmpty(z.string()),
  HTTP_PORT: port(8080),
  /** HJ 212 listener for data loggers (host: the registry's inputs.hj212.host); overrides inputs.hj212.port; 0 takes a free port */
  HJ212_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** address the HTTP server and the embedded broker listen on; 0.0.0.0 only inside a container whose ports are published on 127.0.0.1 */
  BIND_HOST: z.union([z.ipv4(), z.literal('localhost')]).default('127.0.0.1'),
  /** park registry file; the bundled default park when unset */
  PARK_CONFIG: z.string().optional(),
  DATA_DIR: z.string().default('./data'),
  // --- HTTP access control (gateway/auth, gateway/http/hardening.ts) ---
  /** accepted as `Authorization: Bearer <token>` with role admin (provisioning, automation); or the secrets file's http.adminToken */
  PARK_ADMIN_TOKEN: z.string().min(16, 'at least 16 characters').max(512).optional(),
  /** Host header values the HTTP server answers, comma-separated (name or name:port); default the bind address, localhost and 127.0.0.1 with HTTP_PORT */
  HTTP_ALLOWED_HOSTS: z
    .string()
    .transform((s) => s.split(',').map((h) => h.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/, 'a host name or address, optionally with :port')).min(1))
    .optional(),
  /** who may read GET /metrics: open (anyone, default), token (an API token or PARK_ADMIN_TOKEN as Bearer), role (any signed-in user or token) */
  METRICS_AUTH: z.enum(['open', 'token', 'role']).default('open'),
  /** `Secure` on the session cookie: set when the gateway is reached over HTTPS (a TLS-terminating proxy) */
  SESSION_COOKIE_SECURE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** the gateway's address as officers' phones reach it (https://park.example.cn): alerts carry `${PUBLIC_URL}/ack/<token>`, patrol digests `${PUBLIC_URL}/patrol/<sheet>`; unset, no link */
  PUBLIC_URL: z
    .url({ protocol: /^https?$/, error: 'an http(s) URL, e.g. https://park.example.cn' })
    .refine((u) => !u.includes('?') && !u.includes('#'), 'takes no query or fragment (the links append /ack/<token>, /patrol/<sheet>)')
    .optional(),
  /** WECOM_KEY, ALIBABA_CLOUD_ACCESS_KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET */
  ...AlertsEnvSchema.shape,
  /** SPOOL_MAX_MB, SPOOL_SEGMENT_MB, SPOOL_FSYNC_MS, SPOOL_WHEN_FULL */
  ...SpoolEnvSchema.shape,
  /** SNAPSHOT_MAX_COUNT, SNAPSHOT_MAX_AGE_DAYS, SNAPSHOT_MAX_MB */
  ...SnapshotEnvSchema.shape,
  /** the embedded broker: MQTT_ALLOW_ANONYMOUS, MQTT_PLAIN, MQTT_TLS_PORT/_CERT_FILE/_KEY_FILE, MQTT_MAX_PACKET_BYTES, MQTT_MAX_RETAINED, MQTT_CONNECT_RATE/_BURST, MQTT_PUBLISH_RATE/_BURST */
  ...BrokerEnvSchema.shape,
  /** DEAD_LETTER_FILE_MB, DEAD_LETTER_FILES */
  ...DeadLetterEnvSchema.shape,
  /** LOG_FILE, LOG_FILE_MB, LOG_FILES */
  ...LogFileEnvSchema.shape,
}).superRefine(
  (e, ctx) => {
    checkBrokerEnv(e, (path, message) => ctx.addIssue({ code: 'custom', path: [path], message }));
    if (e.INFLUX_VERSION !== '2') return;
    for (const key of ['INFLUX_ORG', 'INFLUX_BUCKET', 'INFLUX_TOKEN'] as const)
      if (!e[key]?.trim()) ctx.addIssue({ code: 'custom', path: [key], message: `${key} is required when INFLUX_VERSION=2` });
  },
  { when: () => true }, // run even when other variables are invalid, so every problem is listed at once
);
export type Env = z.infer<typeof EnvSchema>;

export function parseEnv(env: NodeJS.ProcessEnv = process.env): Env {
  const r = EnvSchema.safeParse(env);
  if (!r.success) throw new ConfigError('environment', r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  return { ...r.data, DATA_DIR: resolve(r.data.DATA_DIR) };
}
