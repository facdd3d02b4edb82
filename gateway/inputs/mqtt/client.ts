import { readFileSync } from 'node:fs';
import { ConfigError } from '../../registry/loader.js';

/**
 * What the MQTT input presents to an external broker (MQTT_URL): its login (MQTT 3.1.1 §3.1.3.4-5,
 * User Name and Password in CONNECT) and, for `mqtts://`, the CA it trusts and its client certificate.
 * Handed to mqtt.js as connect options; never part of a URL that is logged.
 */
export interface MqttClientAuth {
  username?: string;
  password?: string;
  /** PEM: the CA(s) the broker's certificate must chain to (default: the system's) */
  ca?: Buffer;
  /** PEM: client certificate and key, for a broker that requires them (Mosquitto `require_certificate true`) */
  cert?: Buffer;
  key?: Buffer;
}

export interface ExternalBrokerSettings {
  /** MQTT_URL: mqtt:// or mqtts:// (a user:password in it is moved to the login and removed from the URL) */
  url: string;
  /** MQTT_USERNAME / MQTT_PASSWORD: first choice (a password alone goes with the username found below) */
  username?: string;
  password?: string;
  /** the secrets file's mqtt.gateway: used when neither the variables nor the URL name a user */
  fallback?: { username: string; password: string };
  /** MQTT_CA_FILE, MQTT_CERT_FILE, MQTT_KEY_FILE */
  caFile?: string;
  certFile?: string;
  keyFile?: string;
}

/** The broker URL without credentials: what logs and metrics show. */
export function safeBrokerUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}

/**
 * The external broker's URL (without credentials) and the client's login and TLS files, read once at
 * start. Every problem is listed (ConfigError: exit code 2), each naming its variable, never a value.
 */
export function externalBroker(s: ExternalBrokerSettings): { url: string; auth: MqttClientAuth } {
  const problems: { path: string; message: string }[] = [];
  const u = new URL(s.url);
  const tls = u.protocol === 'mqtts:' || u.protocol === 'ssl:' || u.protocol === 'wss:';
  const inUrl = u.username ? { username: decodeURIComponent(u.username), password: u.password ? decodeURIComponent(u.password) : undefined } : undefined;
  const login = s.username ? { username: s.username, password: s.password } : (inUrl ?? s.fallback);
  const auth: MqttClientAuth = { username: login?.username, password: s.password ?? login?.password };
  if (auth.password !== undefined && auth.username === undefined) problems.push({ path: 'MQTT_USERNAME', message: 'a password without a username' });
  const read = (file: string | undefined, key: string): Buffer | undefined => {
    if (!file) return undefined;
    if (!tls) problems.push({ path: key, message: `set, but MQTT_URL is ${u.protocol}// (TLS needs mqtts://)` });
    try {
      return readFileSync(file);
    } catch (err) {
      problems.push({ path: key, message: `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      return undefined;
    }
  };
  auth.ca = read(s.caFile, 'MQTT_CA_FILE');
  auth.cert = read(s.certFile, 'MQTT_CERT_FILE');
  auth.key = read(s.keyFile, 'MQTT_KEY_FILE');
  if (Boolean(s.certFile) !== Boolean(s.keyFile)) problems.push({ path: s.certFile ? 'MQTT_KEY_FILE' : 'MQTT_CERT_FILE', message: 'a client certificate needs both MQTT_CERT_FILE and MQTT_KEY_FILE' });
  if (problems.length > 0) throw new ConfigError('environment', problems);
  for (const k of Object.keys(auth) as (keyof MqttClientAuth)[]) if (auth[k] === undefined) delete auth[k];
  return { url: safeBrokerUrl(s.url), auth };
}
