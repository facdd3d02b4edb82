import { z } from 'zod';
import { ConfigError } from '../../../gateway/registry/loader.js';

/** Where an InfluxDB 2.x writer sends points: POST {url}/api/v2/write?org=&bucket=&precision=ms. */
export const Influx2ConfigSchema = z.object({
  /** base URL of the server, without /api/v2 (e.g. http://127.0.0.1:8086) */
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as http://127.0.0.1:8086' }),
  /** organisation name (or id) that owns the bucket */
  org: z.string().trim().min(1, 'organisation is required'),
  bucket: z.string().trim().min(1, 'bucket is required'),
  /** API token with write permission on the bucket (sent as "Authorization: Token …") */
  token: z.string().trim().min(1, 'API token is required'),
  /** socket timeout of one write request (default 10 000 ms) */
  timeoutMs: z.number().int().positive().optional(),
});
export type Influx2Config = z.infer<typeof Influx2ConfigSchema>;

/** Validates the writer's configuration; every problem is listed (the token's value never is). */
export function parseInflux2Config(input: unknown): Influx2Config {
  const r = Influx2ConfigSchema.safeParse(input);
  if (!r.success) throw new ConfigError('InfluxDB 2.x writer', r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  return r.data;
}
