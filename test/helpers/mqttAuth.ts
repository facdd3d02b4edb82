import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { hashSecret } from '../../gateway/secrets/index.js';

/** scrypt at a cheap cost, so tests stay fast */
export const CHEAP = { ln: 4, r: 8, p: 1 };

/** login → hash for the broker, from login → plain password */
export const hashesOf = (plain: Record<string, string>): Record<string, string> => Object.fromEntries(Object.entries(plain).map(([u, p]) => [u, hashSecret(p, CHEAP)]));

/** A self-signed certificate for 127.0.0.1 (openssl), as PEM text; the temp dir is removed at once. */
export function selfSignedCert(): { cert: string; key: string } {
  const dir = mkdtempSync(join(tmpdir(), 'park-tls-'));
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')], { stdio: 'ignore' });
    return { cert: readFileSync(join(dir, 'cert.pem'), 'utf8'), key: readFileSync(join(dir, 'key.pem'), 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Attempt {
  ok: boolean;
  /** the CONNACK return code of a refusal, the socket error's code, or 'closed' (closed before any CONNACK) */
  code?: number | string;
  client: MqttClient;
  /** ms from connect() to the CONNACK or the error */
  ms: number;
}

/** One CONNECT without reconnecting: the CONNACK's verdict. The caller ends `client`. */
export function tryConnect(url: string, opts: mqtt.IClientOptions = {}): Promise<Attempt> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 15_000, ...opts });
    client.once('connect', () => resolve({ ok: true, client, ms: Date.now() - t0 }));
    client.once('error', (err) => resolve({ ok: false, code: (err as Error & { code?: number | string }).code, client, ms: Date.now() - t0 }));
    // a broker may close the socket before any CONNACK (a connection over its rate): mqtt.js then reports only 'close'
    client.once('close', () => resolve({ ok: false, code: 'closed', client, ms: Date.now() - t0 }));
  });
}

/** MQTT 3.1.1 Remaining Length [MQTT-2.2.3]: 1-4 bytes, 7 bits each, the high bit says another byte follows */
export function remainingLength(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n % 128;
    n = Math.floor(n / 128);
    if (n > 0) b |= 0x80;
    out.push(b);
  } while (n > 0);
  return out;
}
