import { describe, expect, it } from 'vitest';
import { parseEnv } from '../env.js';
import { loadRegistry } from '../registry/loader.js';
import { createAddressTable, TokenBucket } from './limits.js';
import { brokerAccess, brokerSettings, dataTopic } from './policy.js';

const registry = loadRegistry();
const prefix = registry.inputs.mqtt.topicPrefix;
const station = registry.sites.find((s) => s.devices.filter((d) => d.kind === 'mqtt').length >= 1)!;
const device = station.devices.find((d) => d.kind === 'mqtt')!.id;

describe('brokerAccess (registry + mqtt.users → what each login may publish)', () => {
  it("a device login: its own data topic; a site login: its site's MQTT devices' topics; anyone else: nothing, with a note", () => {
    const { access, notes } = brokerAccess(registry, { [device]: 'h1', [station.id]: 'h2', stranger: 'h3' });
    expect(access.publish[device]).toEqual([dataTopic(prefix, station.id, device)]);
    expect(access.publish[station.id]).toEqual(station.devices.filter((d) => d.kind === 'mqtt').map((d) => dataTopic(prefix, station.id, d.id)));
    expect(access.publish.stranger).toEqual([]);
    expect(notes).toEqual(['mqtt user "stranger" is neither an MQTT device nor a site with MQTT devices: it may connect and publish nothing']);
    expect(access.reservedClientIds).toEqual(['park-gateway']);
    expect(access.allowAnonymous).toBe(false);
  });
});

describe('broker environment', () => {
  it('defaults: plain on, no TLS, anonymous off, 256 KiB packets', () => {
    const env = parseEnv({});
    expect(env).toMatchObject({ MQTT_PLAIN: true, MQTT_ALLOW_ANONYMOUS: false, MQTT_MAX_PACKET_BYTES: 262144 });
    expect(brokerSettings(env).tls).toBeUndefined();
  });

  it('TLS needs its port, certificate and key together; plain off needs TLS; every problem is listed', () => {
    expect(() => parseEnv({ MQTT_TLS_PORT: '8883' })).toThrow(/MQTT_TLS_CERT_FILE[\s\S]*MQTT_TLS_KEY_FILE/);
    expect(() => parseEnv({ MQTT_PLAIN: 'false' })).toThrow(/MQTT_PLAIN=false needs a TLS listener/);
    expect(() => parseEnv({ MQTT_ALLOW_ANONYMOUS: 'yes' })).toThrow(/MQTT_ALLOW_ANONYMOUS/);
  });

  it('a missing certificate file is named at start', () => {
    const env = parseEnv({ MQTT_TLS_PORT: '0', MQTT_TLS_CERT_FILE: '/nonexistent/cert.pem', MQTT_TLS_KEY_FILE: '/nonexistent/key.pem' });
    expect(() => brokerSettings(env)).toThrow('MQTT_TLS_CERT_FILE: cannot read /nonexistent/cert.pem: ENOENT');
  });
});

describe('limits', () => {
  it('a token bucket gives its burst at once, then its rate', () => {
    let t = 0;
    const b = new TokenBucket({ perSec: 2, burst: 3 }, () => t);
    expect([b.take(), b.take(), b.take(), b.take()]).toEqual([true, true, true, false]);
    t = 500;
    expect([b.take(), b.take()]).toEqual([true, false]);
  });

  it('refusals per address back off doubling to the cap; a success resets; the table stays bounded', () => {
    const table = createAddressTable({ backoff: { baseMs: 100, maxMs: 1000 }, connectRate: { perSec: 1, burst: 2 }, maxEntries: 3, now: () => 0 });
    expect([1, 2, 3, 4, 5].map(() => table.failed('10.0.0.1'))).toEqual([100, 200, 400, 800, 1000]);
    table.succeeded('10.0.0.1');
    expect(table.failed('10.0.0.1')).toBe(100);
    expect([table.admit('10.0.0.2'), table.admit('10.0.0.2'), table.admit('10.0.0.2')]).toEqual([true, true, false]);
    for (let i = 0; i < 100; i++) table.failed(`10.1.0.${i}`);
    expect(table.size).toBe(3);
  });
});
