import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import type { BrokerHandoff } from '../inputs/types.js';
import { createGatewayMetrics } from '../metrics/index.js';
import { loadRegistry } from '../registry/loader.js';
import { hashesOf, selfSignedCert, tryConnect } from '../../test/helpers/mqttAuth.js';
import { waitFor } from '../../test/helpers/wait.js';
import { brokerAccess, dataTopic, startEmbeddedBroker, type EmbeddedBroker } from './index.js';

const registry = loadRegistry();
const prefix = registry.inputs.mqtt.topicPrefix;
const mqttSites = registry.sites.filter((s) => s.devices.some((d) => d.kind === 'mqtt'));
const [siteA, siteB] = mqttSites as [(typeof mqttSites)[number], (typeof mqttSites)[number]];
const devA = siteA.devices.find((d) => d.kind === 'mqtt')!.id;
const devB = siteB.devices.find((d) => d.kind === 'mqtt')!.id;
const plain = { [devA]: 'device-a-password-0001', [siteB.id]: 'station-b-password-0002' };

let broker: EmbeddedBroker;
const handoffs: BrokerHandoff[] = [];
const clients: MqttClient[] = [];
const keep = <T extends { client: MqttClient }>(a: T) => (clients.push(a.client), a);
const login = (user: string) => ({ username: user, password: plain[user]! });

beforeAll(async () => {
  broker = await startEmbeddedBroker({
    topicPrefix: prefix,
    access: brokerAccess(registry, hashesOf(plain)).access,
    tls: { port: 0, ...selfSignedCert() },
    limits: { backoff: { baseMs: 100, maxMs: 2000 } },
  });
  broker.feed.subscribe((h) => {
    handoffs.push(h);
    h.settle();
  });
}, 30_000);
afterEach(async () => void (await Promise.all(clients.splice(0).map((c) => c.endAsync(true)))));
afterAll(() => broker?.close());

const denied = (key: string) => broker.counters.denied.get(key) ?? 0;
const tls = { rejectUnauthorized: false };

describe('the embedded broker authenticates every client (secrets file mqtt.users, scrypt)', () => {
  it('right credentials connect over TCP and over TLS', async () => {
    expect(keep(await tryConnect(broker.url, login(devA))).ok).toBe(true);
    expect(broker.tlsUrl).toMatch(/^mqtts:\/\/127\.0\.0\.1:\d+$/);
    expect(keep(await tryConnect(broker.tlsUrl!, { ...login(siteB.id), ...tls })).ok).toBe(true);
  });

  it('wrong credentials cannot connect, over TCP and over TLS: CONNACK 4 bad user name or password; none: CONNACK 5', async () => {
    const before = denied('connect bad-password');
    const tcp = keep(await tryConnect(broker.url, { username: devA, password: 'wrong' }));
    expect(tcp).toMatchObject({ ok: false, code: 4 });
    const tlsWrong = keep(await tryConnect(broker.tlsUrl!, { username: devA, password: 'wrong', ...tls }));
    expect(tlsWrong).toMatchObject({ ok: false, code: 4 });
    expect(keep(await tryConnect(broker.url, { username: 'nobody', password: 'x' }))).toMatchObject({ ok: false, code: 4 });
    expect(keep(await tryConnect(broker.url))).toMatchObject({ ok: false, code: 5 });
    expect(keep(await tryConnect(broker.tlsUrl!, tls))).toMatchObject({ ok: false, code: 5 });
    expect(denied('connect bad-password')).toBe(before + 2);
    expect(denied('connect unknown-user')).toBeGreaterThanOrEqual(1);
    expect(denied('connect anonymous')).toBeGreaterThanOrEqual(2);
  });

  it("the gateway's client id cannot be taken, not even with right credentials: CONNACK 2 identifier rejected", async () => {
    const a = keep(await tryConnect(broker.url, { ...login(devA), clientId: registry.inputs.mqtt.clientId, clean: false }));
    expect(a).toMatchObject({ ok: false, code: 2 });
    expect(denied('connect reserved-client-id')).toBeGreaterThanOrEqual(1);
  });

  it("a device's client id cannot be taken by another login while it is connected; its own login may take it back", async () => {
    const a = keep(await tryConnect(broker.url, { ...login(devA), clientId: 'shared-id' }));
    expect(a.ok).toBe(true);
    const b = keep(await tryConnect(broker.url, { ...login(siteB.id), clientId: 'shared-id' }));
    expect(b).toMatchObject({ ok: false, code: 2 });
    expect(a.client.connected).toBe(true);
    expect(denied('connect client-id-in-use')).toBe(1);
    const closed = new Promise<void>((resolve) => a.client.once('close', () => resolve()));
    const again = keep(await tryConnect(broker.url, { ...login(devA), clientId: 'shared-id' }));
    expect(again.ok).toBe(true);
    await closed; // [MQTT-3.1.4-2]: the earlier connection of the same client id is closed
    await again.client.endAsync();
    // once it is gone, the id is free for anyone with a login
    await waitFor(async () => {
      const c = keep(await tryConnect(broker.url, { ...login(siteB.id), clientId: 'shared-id' }));
      return c.ok;
    }, 'the client id released');
  });

  it('repeated refusals from one address are answered ever more slowly', async () => {
    expect(keep(await tryConnect(broker.url, login(devA))).ok).toBe(true); // forgets earlier tests' refusals
    const times: number[] = [];
    for (let i = 0; i < 4; i++) times.push(keep(await tryConnect(broker.url, { username: devA, password: `wrong-${i}` })).ms);
    // each refusal's CONNACK waits twice as long as the one before (base 100 ms here, capped at 2 s)
    expect(times[3]!).toBeGreaterThan(times[0]! * 2);
    expect(times[3]!).toBeGreaterThanOrEqual(400);
    // a success forgets the address' refusals
    expect(keep(await tryConnect(broker.url, login(devA))).ok).toBe(true);
    expect(keep(await tryConnect(broker.url, { username: devA, password: 'wrong-again' })).ms).toBeLessThan(times[3]!);
  });
});

describe('the embedded broker authorises by topic', () => {
  it("right credentials cannot publish to another site's topic: the connection is closed and nothing is handed over", async () => {
    const a = keep(await tryConnect(broker.url, login(devA)));
    const before = handoffs.length;
    const closed = new Promise<void>((resolve) => a.client.once('close', () => resolve()));
    a.client.publish(dataTopic(prefix, siteB.id, devB), JSON.stringify({ ts: Date.now(), values: { a99001: 999 } }), { qos: 1 });
    await closed;
    await waitFor(() => denied('publish topic-not-allowed') >= 1, 'the refusal counted');
    // its own topic, on a new connection, still reaches the gateway: the refused one never did
    const again = keep(await tryConnect(broker.url, login(devA)));
    await again.client.publishAsync(dataTopic(prefix, siteA.id, devA), '{"own":1}', { qos: 1 });
    await waitFor(() => handoffs.length > before, 'the hand-off of the own topic');
    expect(handoffs.slice(before).flatMap((h) => h.messages.map((m) => m.topic))).toEqual([dataTopic(prefix, siteA.id, devA)]);
  });

  it("a station's login publishes for its site's MQTT devices only", async () => {
    const b = keep(await tryConnect(broker.url, login(siteB.id)));
    const before = handoffs.length;
    await b.client.publishAsync(dataTopic(prefix, siteB.id, devB), '{"station":1}', { qos: 1 });
    await waitFor(() => handoffs.length > before, 'the hand-off');
    const closed = new Promise<void>((resolve) => b.client.once('close', () => resolve()));
    b.client.publish(dataTopic(prefix, siteA.id, devA), '{"forged":1}', { qos: 1 });
    await closed;
    expect(handoffs.slice(before).flatMap((h) => h.messages.map((m) => m.payload.toString()))).toEqual(['{"station":1}']);
  });

  it('a device may subscribe to nothing: SUBACK 0x80 for #, and an anonymous client cannot even connect to try', async () => {
    const a = keep(await tryConnect(broker.url, login(devA)));
    // mqtt.js rejects a subscription the broker refused, with the SUBACK it got
    const err = (await a.client.subscribeAsync('#', { qos: 1 }).catch((e: unknown) => e)) as { packet?: { granted?: number[] } };
    expect(err.packet?.granted).toEqual([128]);
    expect(a.client.connected).toBe(true); // refused, not disconnected
    await waitFor(() => denied('subscribe not-allowed') >= 1, 'the refusal counted');
    const anon = keep(await tryConnect(broker.url, { clientId: 'spy' }));
    expect(anon).toMatchObject({ ok: false, code: 5 });
  });

  it('a retained reading is not kept: the flag is cleared and counted', async () => {
    const a = keep(await tryConnect(broker.url, login(devA)));
    await a.client.publishAsync(dataTopic(prefix, siteA.id, devA), '{"retained":1}', { qos: 1, retain: true });
    await waitFor(() => (broker.counters.retainCleared.get('data-topic') ?? 0) >= 1, 'the cleared flag counted');
  });

  it('refusals are metrics: park_mqtt_denied_total{action,reason}', async () => {
    const metrics = createGatewayMetrics({ registry, processMetrics: false });
    metrics.observeBroker(broker.counters);
    const text = await metrics.metrics();
    expect(text).toMatch(new RegExp(`park_mqtt_denied_total\\{action="connect",reason="bad-password"\\} ${denied('connect bad-password')}`));
    expect(text).toMatch(/park_mqtt_denied_total\{action="publish",reason="topic-not-allowed"\} [1-9]/);
    expect(text).toMatch(/park_mqtt_retain_cleared_total\{reason="data-topic"\} [1-9]/);
  });
});
