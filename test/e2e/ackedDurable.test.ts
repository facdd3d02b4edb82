import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { stringify } from 'yaml';
import type { Registry } from '../../gateway/registry/schema.js';
import { loadPark } from '../../simulators/load/index.js';
import { inSpoolAppend, slowSpoolAppendEnv, startGatewayProcess, whenMqttInputReady, type GatewayProcess } from '../helpers/gatewayProcess.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { freePort } from '../helpers/influxd.js';
import { loadRigEnv, storedSeries } from '../helpers/loadRig.js';
import { startMosquitto, type MosquittoCredentials, type RunningMosquitto } from '../helpers/mosquitto.js';
import { hashesOf } from '../helpers/mqttAuth.js';
import { waitFor } from '../helpers/wait.js';

const S = 1000;

/** A login for the publisher's device, its hash in `<dir>/secrets.yaml` (mqtt.users) where the gateway reads it. */
function embeddedLogin(dir: string, park: Registry): { username: string; password: string } {
  const device = park.sites.flatMap((s) => s.devices).find((d) => d.kind === 'mqtt')!;
  const password = 'acked-durable-device-pw';
  writeFileSync(join(dir, 'secrets.yaml'), stringify({ mqtt: { users: hashesOf({ [device.id]: password }) } }), { mode: 0o600 });
  return { username: device.id, password };
}

/**
 * A device as a new user would write it: QoS 1, every message unique (sequence number as value and as
 * the millisecond of its timestamp), and whatever was not PUBACKed is sent again after a reconnect
 * (mqtt.js keeps unacknowledged QoS 1 PUBLISHes in its outgoing store and resends them, CleanSession 0).
 */
function publisher(url: string, park: Registry, onAck: (seq: number) => void, login: { username?: string; password?: string } = {}) {
  const site = park.sites.find((s) => s.devices.some((d) => d.kind === 'mqtt'))!;
  const device = site.devices.find((d) => d.kind === 'mqtt')!;
  const code = device.kind === 'mqtt' ? device.channels[0]! : '';
  const topic = `${park.inputs.mqtt.topicPrefix}/${site.id}/${device.id}/data`;
  const t0 = Date.now() - 60 * S;
  const client: MqttClient = mqtt.connect(url, { protocolVersion: 4, clientId: `dev-${randomUUID().slice(0, 8)}`, clean: false, reconnectPeriod: 100, ...login });
  let seq = 0;
  let running = true;
  const timer = setInterval(() => {
    if (!running || !client.connected) return;
    for (let i = 0; i < 10; i++) {
      const n = ++seq;
      client.publish(topic, JSON.stringify({ ts: t0 + n, values: { [code]: n } }), { qos: 1 }, (err) => {
        if (!err) onAck(n);
      });
    }
  }, 5);
  return {
    key: `${site.id}/${device.id}/${code}`,
    sent: () => seq,
    /** no new messages; unacknowledged ones are still resent */
    pause: () => (running = false),
    close: async () => {
      clearInterval(timer);
      await client.endAsync(true);
    },
  };
}

/**
 * How long each spool write of the killed gateway is held back (test-only preload, slowSpoolAppend.mjs).
 * With the contract kept this only delays PUBACKs. Were a PUBACK sent before its readings' append, the
 * gateway would spend this long with acknowledged readings not on disk; the kill -9 is sent the moment a
 * PUBACK arrives while a held append is in progress, so it lands in that window every time and the test
 * fails (acknowledged readings missing), instead of passing by luck because the window was microseconds wide.
 */
const APPEND_DELAY_MS = 300;

async function killAfterAckThenRestart(o: { dir: string; influx: RunningInflux; mqttUrl?: string; brokerPort?: number; logins?: MosquittoCredentials }) {
  const deadInflux = `http://127.0.0.1:${await freePort()}`; // the outage: nothing listens there
  const gatewayLogin = o.logins ? { MQTT_USERNAME: o.logins.gateway.username, MQTT_PASSWORD: o.logins.gateway.password } : undefined;
  const { park, env } = await loadRigEnv(o.dir, { influxUrl: deadInflux, database: o.influx.database, mqttUrl: o.mqttUrl ?? '', extra: gatewayLogin });
  // the shipped Mosquitto takes logins only (username = device id, password issued by the credentials tool)
  const mqttDevice = park.sites.flatMap((s) => s.devices).find((d) => d.kind === 'mqtt')!;
  let login: { username?: string; password?: string } = o.logins ? { username: mqttDevice.id, password: o.logins.users.get(mqttDevice.id) } : {};
  if (!o.mqttUrl) {
    delete (env as Record<string, string>).MQTT_URL;
    env.MQTT_PORT = String(o.brokerPort);
    // the embedded broker admits the device with its login from the secrets file; this device sends 2000 messages/s
    login = embeddedLogin(o.dir, park);
    Object.assign(env, { PARK_SECRETS_FILE: join(o.dir, 'secrets.yaml'), MQTT_PUBLISH_RATE: '100000', MQTT_PUBLISH_BURST: '100000' });
  }
  const url = o.mqttUrl ?? `mqtt://127.0.0.1:${o.brokerPort}`;
  const report = join(o.dir, 'slow-spool-appends');
  const gateways: GatewayProcess[] = [await startGatewayProcess({ ...env, ...slowSpoolAppendEnv(APPEND_DELAY_MS, report) })];
  // the device starts once the broker routes its topic to the gateway (a fresh Mosquitto drops messages before the SUBACK)
  await whenMqttInputReady(env.HTTP_PORT!);
  const acked = new Set<number>();
  let killed: Promise<void> | undefined;
  const kill = () => {
    pub.pause();
    killed = gateways[0]!.kill9();
  };
  const pub = publisher(
    url,
    park,
    (n) => {
      acked.add(n);
      // SIGKILL right after a PUBACK, while the gateway is inside a held spool append
      if (acked.size >= 600 && !killed && inSpoolAppend(report).now) kill();
    },
    login,
  );
  try {
    await waitFor(() => acked.size >= 600, '600 PUBACKs', 120 * S, 5);
    // a gateway keeping the contract may send its PUBACKs only between held appends: then, a few appends
    // later, it is killed at the start of one (no PUBACK it sent can be lost then either)
    const armed = inSpoolAppend(report).started;
    await waitFor(
      () => {
        const held = inSpoolAppend(report);
        if (!killed && held.now && held.started > armed + 3) kill();
        return killed !== undefined;
      },
      'the kill inside a held spool append',
      60 * S,
      5,
    );
    await killed;
    const ackedAtKill = new Set(acked);
    // the kill landed inside a held append (were the hook inert, the test would prove nothing)
    expect(inSpoolAppend(report).now).toBe(true);
    gateways.push(await startGatewayProcess({ ...env, INFLUX_URL: o.influx.url }));
    await waitFor(() => acked.size === pub.sent(), 'every message PUBACKed after the restart', 120 * S);
    let values: number[] = [];
    await waitFor(
      async () => {
        values = (await storedSeries(o.influx)).get(pub.key) ?? [];
        return values.length >= acked.size;
      },
      'every acknowledged reading in InfluxDB',
      120 * S,
      500,
    ).catch(() => undefined);
    const counts = new Map<number, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    const missing = [...ackedAtKill].filter((n) => counts.get(n) !== 1);
    expect(ackedAtKill.size).toBeGreaterThanOrEqual(600);
    expect(missing).toEqual([]); // acknowledged before the kill: stored exactly once
    expect([...counts.values()].every((c) => c === 1)).toBe(true);
    expect(values.length).toBe(acked.size);
  } finally {
    await pub.close();
    for (const g of gateways) await g.kill9();
  }
}

describe('kill -9 right after PUBACKs, during an InfluxDB outage: every acknowledged reading in InfluxDB exactly once', () => {
  let influx: RunningInflux;
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'park-acked-'));
    dirs.push(d);
    return d;
  };
  beforeAll(async () => {
    influx = await startInflux();
  }, 120 * S);
  afterAll(async () => {
    await influx?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('with the embedded broker (PUBACK to the device after the spool append)', async () => {
    await influx.query('DROP SERIES FROM /.*/');
    await killAfterAckThenRestart({ dir: tempDir(), influx, brokerPort: await freePort() });
  }, 300 * S);

  let mosquitto: RunningMosquitto | undefined;
  afterAll(async () => mosquitto?.close());
  it('with a private Mosquitto configured as shipped (gateway/broker/mosquitto.conf)', async () => {
    await influx.query('DROP SERIES FROM /.*/');
    // logins and ACL issued for the load park the gateway runs
    mosquitto = await startMosquitto({ shipped: true, registry: loadPark(loadRegistry()) });
    await killAfterAckThenRestart({ dir: tempDir(), influx, mqttUrl: mosquitto.url, logins: mosquitto.credentials });
  }, 300 * S);
});
