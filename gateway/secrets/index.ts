import { readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import { ConfigError } from '../registry/loader.js';
import { SecretsFileSchema, type SecretsFile } from './schema.js';

export { createVerifier, hashSecret, isSecretHash, randomSecret, verifySecret, DEFAULT_COST, type HashCost } from './hash.js';
export { SecretsFileSchema, type SecretsFile } from './schema.js';

export interface Secrets {
  readonly file: SecretsFile;
  /** where the file was read from (undefined: no file, environment only) */
  readonly path?: string;
  /** every secret value known to the gateway, longest first: what redact() removes */
  readonly values: readonly string[];
  /** the text with every known secret (and its URL-encoded and JSON-escaped forms) replaced by [redacted] */
  redact(text: string): string;
}

export interface SecretsWarning {
  path: string;
  message: string;
}

/** Environment variables that carry secrets; their values are redacted like the file's. */
export const SECRET_ENV_KEYS = ['WECOM_KEY', 'ALIBABA_CLOUD_ACCESS_KEY_ID', 'ALIBABA_CLOUD_ACCESS_KEY_SECRET', 'INFLUX_TOKEN', 'PARK_ADMIN_TOKEN', 'MQTT_PASSWORD', 'INFLUX_PASSWORD'] as const;

/** Environment variables holding URLs that may carry a password (user:password@host); the password is redacted. */
export const URL_ENV_KEYS = ['INFLUX_URL', 'MQTT_URL'] as const;

function urlCredentials(url: string | undefined): string[] {
  if (!url) return [];
  try {
    const u = new URL(url);
    return u.password ? [decodeURIComponent(u.password)] : [];
  } catch {
    return [];
  }
}

/** Keys whose values identify rather than authenticate (a broker or InfluxDB username): not redacted. */
const NOT_SECRET = new Set(['username']);

function collect(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  // a username is no secret, and the gateway's broker username is its client id and logger name (park-gateway):
  // redacting it would blank every log line's name and the client ids an operator needs
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) if (!NOT_SECRET.has(k)) collect(x, out);
}

/** Replaces every value (at least 4 characters) and its URL-encoded / JSON-escaped forms. */
export function redactor(values: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const v of values) {
    if (v.length < 4) continue;
    forms.add(v);
    forms.add(encodeURIComponent(v));
    forms.add(JSON.stringify(v).slice(1, -1));
  }
  const sorted = [...forms].sort((a, b) => b.length - a.length);
  if (sorted.length === 0) return (t) => t;
  const re = new RegExp(sorted.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return (text) => text.replace(re, '[redacted]');
}

/**
 * Reads the secrets file (YAML or JSON) when a path is given; adds the secrets passed in the environment.
 * Throws ConfigError (exit code 2 at start-up) listing every problem; returns warnings (e.g. a file
 * readable by group or others) for the caller to log — the warning names the file, never a value.
 */
export function loadSecrets(path: string | undefined, env: NodeJS.ProcessEnv = process.env): { secrets: Secrets; warnings: SecretsWarning[] } {
  const warnings: SecretsWarning[] = [];
  let file: SecretsFile = SecretsFileSchema.parse({});
  if (path) {
    let text: string;
    try {
      const st = statSync(path);
      if ((st.mode & 0o077) !== 0)
        warnings.push({ path, message: `secrets file is readable by group or others (mode ${(st.mode & 0o777).toString(8)}); chmod 600 it` });
      text = readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError(path, [{ path: '', message: `cannot read the secrets file: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
    }
    let raw: unknown;
    try {
      raw = parse(text) ?? {};
    } catch (err) {
      // the YAML error quotes the offending line, which may hold a secret: only its position is shown
      const pos = (err as { linePos?: { line: number; col: number }[] }).linePos?.[0];
      throw new ConfigError(path, [{ path: '', message: `not valid YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}` }]);
    }
    const r = SecretsFileSchema.safeParse(raw);
    if (!r.success) throw new ConfigError(path, r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
    file = r.data;
  }
  const values: string[] = [];
  collect(file, values);
  for (const k of SECRET_ENV_KEYS) if (env[k]) values.push(env[k]!);
  for (const k of URL_ENV_KEYS) values.push(...urlCredentials(env[k]));
  const unique = [...new Set(values)].sort((a, b) => b.length - a.length);
  return { secrets: { file, path, values: unique, redact: redactor(unique) }, warnings };
}
export { applySecrets } from './apply.js';
