import { afterEach, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { hashesOf, tryConnect } from '../../test/helpers/mqttAuth.js';
import { waitFor } from '../../test/helpers/wait.js';
import { loadRegistry } from '../registry/loader.js';
import { anonymousAccess, brokerAccess, dataTopic, startEmbeddedBroker, type EmbeddedBroker } from './index.js';

const registry = loadRegistry();
const prefix = registry.inputs.mqtt.topicPrefix;
const site = registry.sites.find((s) => s.devices.some((d) => d.kind === 'mqtt'))!;
const device = site.devices.find((d) => d.kind === 'mqtt')!.id;
const login = { username: device, password: 'rate-test-password' };
const access = () => brokerAccess(registry, hashesOf({ [device]: login.password })).access;
const slow = { perSec: 0.001, burst: 3 }; // three at once, then (practically) none

let broker: EmbeddedBroker | undefined;
const clients: MqttClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await broker?.close();
  broker = undefined;
});

describe('rates and retained messages of the embedded broker', () => {
  it('connections per address over the rate are closed at once and counted', async () => {
    broker = await startEmbeddedBroker({ topicPrefix: prefix, access: access(), limits: { connectRate: slow } });
    for (let i = 0; i < 3; i++) {
      const a = await tryConnect(broker.url, login);
      clients.push(a.client);
      expect(a.ok).toBe(true);
    }
    const over = await tryConnect(broker.url, { ...login, connectTimeout: 5000 });
    clients.push(over.client);
    expect(over.ok).toBe(false);
    await waitFor(() => broker!.counters.denied.get('connect rate') === 1, 'the refusal counted');
  });

  it('publishes per connection over the rate: the connection is closed, the message not handed over, counted', async () => {
    broker = await startEmbeddedBroker({ topicPrefix: prefix, access: access(), limits: { publishRate: slow } });
    const got: string[] = [];
    broker.feed.subscribe((h) => {
      got.push(...h.messages.map((m) => m.payload.toString()));
      h.settle();
    });
    const a = await tryConnect(broker.url, login);
    clients.push(a.client);
    const topic = dataTopic(prefix, site.id, device);
    for (let i = 1; i <= 3; i++) await a.client.publishAsync(topic, `{"n":${i}}`, { qos: 1 });
    const closed = new Promise<void>((resolve) => a.client.once('close', () => resolve()));
    a.client.publish(topic, '{"n":4}', { qos: 1 });
    await closed;
    expect(got).toEqual(['{"n":1}', '{"n":2}', '{"n":3}']);
    await waitFor(() => broker!.counters.denied.get('publish rate') === 1, 'the refusal counted');
  });

  it('outside the data topics at most maxRetained topics keep a retained message; past that the flag is cleared and counted', async () => {
    broker = await startEmbeddedBroker({ topicPrefix: prefix, access: anonymousAccess(), limits: { maxRetained: 1 } });
    broker.feed.subscribe((h) => h.settle());
    const pub = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    clients.push(pub);
    await pub.publishAsync('status/a', 'kept', { qos: 1, retain: true });
    await pub.publishAsync('status/b', 'not kept', { qos: 1, retain: true });
    await pub.publishAsync(dataTopic(prefix, site.id, device), '{"reading":1}', { qos: 1, retain: true });
    const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    clients.push(sub);
    const heard: string[] = [];
    sub.on('message', (t, p, packet) => heard.push(`${t} ${p.toString()} retain=${packet.retain}`));
    await sub.subscribeAsync(['status/#', `${prefix}/#`], { qos: 1 });
    await waitFor(() => heard.length >= 1, 'the retained message');
    await sub.publishAsync('barrier', '', { qos: 1 }); // a round trip: anything retained has been delivered by now
    expect(heard).toEqual(['status/a kept retain=true']);
    await waitFor(() => broker!.counters.retainCleared.size === 2, 'both cleared flags counted');
    expect(Object.fromEntries(broker.counters.retainCleared)).toEqual({ 'retained-limit': 1, 'data-topic': 1 });
  });
});
