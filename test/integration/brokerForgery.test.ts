import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { brokerAccess, dataTopic, startEmbeddedBroker, type EmbeddedBroker } from '../../gateway/broker/index.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { startModbusSimulators, type ModbusSimulators } from '../../simulators/modbus/index.js';
import { ParkSignals } from '../../simulators/signals.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { hashesOf, tryConnect } from '../helpers/mqttAuth.js';
import { fastPark } from '../helpers/park.js';
import { waitFor } from '../helpers/wait.js';
import { registryFor } from './modbusHarness.js';

/**
 * The pipe WP-09 (valve on its Modbus station WP-09-M) also has an MQTT COD analyser, WP-09-Q. A COD of
 * 700 mg/L published on WP-09-Q's topic is an exceedance of wp-cod at once (duration 0) and shuts the
 * valve at once (shut-off delay 0) — if the gateway ever gets it. Only WP-09-Q's own login may send it.
 */
const PIPE = 'WP-09';
const ANALYSER = 'WP-09-Q';
function park(): Registry {
  const base = fastPark((r) => {
    r.rules = r.rules.map((rule) => (rule.id === 'wp-cod' ? { ...rule, durationMs: 0 } : rule));
    const pipe = r.sites.find((s) => s.id === PIPE)!;
    pipe.interlock = { ...pipe.interlock!, shutOffDelayMs: 0 };
    pipe.devices.push({ kind: 'mqtt', id: ANALYSER, channels: ['w01018'], intervalMs: 60_000 });
  });
  const aq = base.sites.find((s) => s.kind === 'air_fence' && s.devices.some((d) => d.kind === 'mqtt'))!;
  return registryFor(base, [PIPE, aq.id]);
}

describe('a forged reading for a pipe from an unauthorised client opens no ticket and moves no valve (embedded broker, gateway in process, Modbus valve)', () => {
  let registry: Registry;
  let signals: ParkSignals;
  let sim: ModbusSimulators;
  let influx: RunningInflux;
  let broker: EmbeddedBroker;
  let gw: Gateway;
  let dataDir: string;
  let other: { site: string; device: string };
  const plain: Record<string, string> = {};
  const clients: MqttClient[] = [];
  const topic = () => dataTopic(registry.inputs.mqtt.topicPrefix, PIPE, ANALYSER);
  const cod700 = () => JSON.stringify({ ts: Date.now(), values: { w01018: 700 } });

  beforeAll(async () => {
    registry = park();
    const aq = registry.sites.find((s) => s.id !== PIPE)!;
    other = { site: aq.id, device: aq.devices.find((d) => d.kind === 'mqtt')!.id };
    plain[ANALYSER] = 'analyser-password-01';
    plain[other.device] = 'aq-password-0000002';
    dataDir = mkdtempSync(join(tmpdir(), 'park-forgery-'));
    signals = new ParkSignals(registry);
    sim = await startModbusSimulators(registry, signals);
    influx = await startInflux();
    broker = await startEmbeddedBroker({ topicPrefix: registry.inputs.mqtt.topicPrefix, access: brokerAccess(registry, hashesOf(plain)).access });
    gw = await startGateway({ registry: sim.registry, mqttUrl: broker.url, mqttFeed: broker.feed, influx, httpPort: 0, dataDir });
    await waitFor(() => gw.health.get(`${PIPE}-M`)?.online, 'the pipe station polled', 60_000);
  }, 120_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await gw?.stop();
    await broker?.close();
    await sim?.close();
    await influx?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('anonymous, wrong-password and gateway-client-id attempts are refused at CONNECT; another site\'s device is cut off at its PUBLISH', async () => {
    const anon = await tryConnect(broker.url, { clientId: 'forger' });
    const wrong = await tryConnect(broker.url, { username: ANALYSER, password: 'guessed' });
    const asGateway = await tryConnect(broker.url, { username: other.device, password: plain[other.device], clientId: registry.inputs.mqtt.clientId, clean: false });
    clients.push(anon.client, wrong.client, asGateway.client);
    expect([anon.code, wrong.code, asGateway.code]).toEqual([5, 4, 2]);

    const forger = await tryConnect(broker.url, { username: other.device, password: plain[other.device] });
    clients.push(forger.client);
    expect(forger.ok).toBe(true);
    const closed = new Promise<void>((resolve) => forger.client.once('close', () => resolve()));
    forger.client.publish(topic(), cod700(), { qos: 1 });
    await closed;
    await waitFor(() => broker.counters.denied.get('publish topic-not-allowed') === 1, 'the refusal counted');
  });

  it('what they tried reached nothing: no reading, no dead letter, no ticket, the valve open and never commanded', async () => {
    // a legitimate message from another device goes through the same hand-off: once it is in, the forged one would be too
    const aq = await tryConnect(broker.url, { username: other.device, password: plain[other.device] });
    clients.push(aq.client);
    const aqSite = registry.sites.find((s) => s.id === other.site)!;
    const codes = (aqSite.devices.find((d) => d.id === other.device) as { channels: string[] }).channels;
    await aq.client.publishAsync(dataTopic(registry.inputs.mqtt.topicPrefix, other.site, other.device), JSON.stringify({ ts: Date.now(), values: { [codes[0]!]: 0.1 } }), { qos: 1 });
    await waitFor(() => gw.health.get(other.device)?.online, 'the legitimate reading of another site');
    expect(gw.health.get(ANALYSER)?.online ?? false).toBe(false);
    expect(gw.deadLetters.recent(1000).filter((d) => d.where === topic())).toEqual([]);
    expect(gw.tickets.list({ site: PIPE }).total).toBe(0);
    expect(signals.valveOpen(PIPE)).toBe(true);
  });

  it("the same reading from the analyser's own login does shut the valve (the path the forger was refused)", async () => {
    const own = await tryConnect(broker.url, { username: ANALYSER, password: plain[ANALYSER] });
    clients.push(own.client);
    await own.client.publishAsync(topic(), cod700(), { qos: 1 });
    await waitFor(() => gw.tickets.list({ site: PIPE }).total > 0, 'the wp-cod ticket', 30_000);
    await waitFor(() => !signals.valveOpen(PIPE), 'the valve shut', 30_000);
  });
});
