import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../registry/loader.js';
import { externalBroker, safeBrokerUrl } from './client.js';

const dir = mkdtempSync(join(tmpdir(), 'park-mqtt-client-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pem = join(dir, 'ca.crt');
writeFileSync(pem, '-----BEGIN CERTIFICATE-----\n');

describe('the external broker client options', () => {
  it('moves a user:password out of MQTT_URL: the URL that is logged has none', () => {
    const r = externalBroker({ url: 'mqtts://park-gateway:p%40ss%2Fword@broker.park:8883' });
    expect(r.url).toBe('mqtts://broker.park:8883');
    expect(r.auth).toEqual({ username: 'park-gateway', password: 'p@ss/word' });
    expect(safeBrokerUrl('mqtt://u:secret@h:1883')).toBe('mqtt://h:1883');
  });

  it('MQTT_USERNAME / MQTT_PASSWORD first, then the URL, then the secrets file', () => {
    const fallback = { username: 'gw-file', password: 'from-file' };
    expect(externalBroker({ url: 'mqtt://u:p@h', username: 'gw-env', password: 'from-env', fallback }).auth).toEqual({ username: 'gw-env', password: 'from-env' });
    expect(externalBroker({ url: 'mqtt://u:p@h', fallback }).auth).toEqual({ username: 'u', password: 'p' });
    expect(externalBroker({ url: 'mqtt://h', fallback }).auth).toEqual(fallback);
    expect(externalBroker({ url: 'mqtt://h', password: 'from-env', fallback }).auth).toEqual({ username: 'gw-file', password: 'from-env' });
    expect(externalBroker({ url: 'mqtt://h' }).auth).toEqual({});
  });

  it('reads the TLS files; lists every problem, naming the variable and never a secret', () => {
    expect(externalBroker({ url: 'mqtts://h', caFile: pem }).auth.ca?.toString()).toContain('BEGIN CERTIFICATE');
    let err: unknown;
    try {
      externalBroker({ url: 'mqtt://h', password: 'hunter22', caFile: pem, certFile: join(dir, 'missing.crt') });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems.map((p) => p.path)).toEqual(['MQTT_USERNAME', 'MQTT_CA_FILE', 'MQTT_CERT_FILE', 'MQTT_CERT_FILE', 'MQTT_KEY_FILE']);
    expect((err as Error).message).toMatch(/TLS needs mqtts:\/\//);
    expect((err as Error).message).toMatch(/cannot read .*missing\.crt: ENOENT/);
    expect((err as Error).message).not.toContain('hunter22');
  });
});
