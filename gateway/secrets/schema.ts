import { z } from 'zod';
import { isSecretHash } from './hash.js';

const hashed = z.string().refine(isSecretHash, 'a hash written by `npm run credentials` ($scrypt$...), never the secret itself');
const plain = z.string().min(1).max(512);
/** an HJ 212 PW: what the logger or upstream sends (1..24 / 1..32 characters, none of ; , = & or spaces) */
const pw = z.string().regex(/^[^;,=&\s]{1,32}$/, 'PW: 1..32 characters, no ; , = & or spaces');

/**
 * The secrets file (PARK_SECRETS_FILE; YAML or JSON), kept apart from the registry and readable by the
 * gateway's user only (mode 0600). What the gateway checks others against is stored hashed (device
 * passwords, logger PWs, user passwords live in the database, hashed too); what the gateway must present
 * to others (its broker login, upstream PWs, WeCom key, SMS AccessKey, InfluxDB credentials) is stored
 * as it is sent, which is why the file's permissions matter.
 */
export const SecretsFileSchema = z.strictObject({
  mqtt: z
    .strictObject({
      /** broker users (a device id, or a site id for a station's devices) → hash of their password */
      users: z.record(z.string().min(1).max(128), hashed).default({}),
      /** the gateway's own login on an external broker (MQTT_URL) */
      gateway: z.strictObject({ username: plain, password: plain }).optional(),
    })
    .default({ users: {} }),
  hj212: z
    .strictObject({
      /** a data logger's MN → hash of its PW (HJ 212-2017 §6.3.2) */
      loggers: z.record(z.string().min(1).max(24), hashed).default({}),
      /** upstream platform name → MN → the PW that platform expects from the park */
      upstreams: z.record(z.string().min(1), z.record(z.string().min(1).max(24), pw)).default({}),
    })
    .default({ loggers: {}, upstreams: {} }),
  wecom: z.strictObject({ key: z.string().regex(/^[A-Za-z0-9_-]+$/, 'the key part of the robot webhook URL') }).optional(),
  sms: z.strictObject({ accessKeyId: plain, accessKeySecret: plain }).optional(),
  influx: z.strictObject({ token: plain.optional(), username: plain.optional(), password: plain.optional() }).optional(),
  /** an outlet camera's HTTP login (site id → credentials), used for its snapshot URL */
  cameras: z.record(z.string().min(1), z.strictObject({ username: plain, password: z.string().max(512) })).default({}),
  http: z.strictObject({ adminToken: z.string().min(16, 'at least 16 characters').max(512).optional() }).optional(),
});
export type SecretsFile = z.infer<typeof SecretsFileSchema>;
