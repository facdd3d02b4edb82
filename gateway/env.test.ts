import { describe, expect, it } from 'vitest';
import { parseEnv } from './env.js';
import { ConfigError } from './registry/loader.js';

describe('environment', () => {
  it('has defaults for the demo and loopback binding', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ INFLUX_DATABASE: 'park', INFLUX_VERSION: '1', MQTT_PORT: 1884, HTTP_PORT: 8080, BIND_HOST: '127.0.0.1' });
  });

  it('lists every problem at once, including what InfluxDB 2.x needs', () => {
    let err: unknown;
    try {
      parseEnv({ INFLUX_VERSION: '2', INFLUX_ORG: 'park', MQTT_PORT: '99999', INFLUX_URL: 'not a url' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const paths = (err as ConfigError).problems.map((p) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['MQTT_PORT', 'INFLUX_URL', 'INFLUX_BUCKET', 'INFLUX_TOKEN']));
    expect(paths).not.toContain('INFLUX_ORG');
  });

  it('takes PUBLIC_URL (the acknowledgement links) as an http(s) URL and names it when it is not one', () => {
    expect(parseEnv({ PUBLIC_URL: 'https://park.example.cn' }).PUBLIC_URL).toBe('https://park.example.cn');
    expect(parseEnv({}).PUBLIC_URL).toBeUndefined();
    let err: unknown;
    try {
      parseEnv({ PUBLIC_URL: 'ftp://park.example.cn' });
    } catch (e) {
      err = e;
    }
    expect((err as ConfigError).problems.map((p) => p.path)).toEqual(['PUBLIC_URL']);
    expect(() => parseEnv({ PUBLIC_URL: 'https://park.example.cn/?a=1' })).toThrow(/no query/);
  });

  it('accepts a complete InfluxDB 2.x configuration', () => {
    expect(parseEnv({ INFLUX_VERSION: '2', INFLUX_URL: 'http://127.0.0.1:8086', INFLUX_ORG: 'park', INFLUX_BUCKET: 'park', INFLUX_TOKEN: 't0ken' }).INFLUX_VERSION).toBe('2');
  });

  it('takes an external broker as mqtt:// or mqtts:// with its login and TLS files; refuses other schemes', () => {
    const env = parseEnv({ MQTT_URL: 'mqtts://broker.park:8883', MQTT_USERNAME: 'park-gateway', MQTT_PASSWORD: 'pw', MQTT_CA_FILE: '/etc/park/ca.crt' });
    expect(env).toMatchObject({ MQTT_URL: 'mqtts://broker.park:8883', MQTT_USERNAME: 'park-gateway', MQTT_CA_FILE: '/etc/park/ca.crt' });
    expect(parseEnv({ MQTT_URL: 'mqtt://127.0.0.1:1883' }).MQTT_URL).toBe('mqtt://127.0.0.1:1883');
    expect(() => parseEnv({ MQTT_URL: 'http://broker.park' })).toThrow(/MQTT_URL/);
    // docker compose passes `${PARK_SECRETS_FILE:+…}` as an empty variable when it is unset
    expect(parseEnv({ PARK_SECRETS_FILE: '', MQTT_CA_FILE: '' })).toMatchObject({ PARK_SECRETS_FILE: undefined, MQTT_CA_FILE: undefined });
  });
});
