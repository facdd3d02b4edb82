import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { anonymousAccess, createBroker, startEmbeddedBroker } from '../../gateway/broker/index.js';
import { createDeadLetterStore } from '../../gateway/deadLetter/index.js';
import { createDeviceHealth } from '../../gateway/health/index.js';
import { createMqttInput } from '../../gateway/inputs/mqtt/index.js';
import type { InputContext } from '../../gateway/inputs/types.js';
import type { ReadingBatch } from '../../gateway/model/reading.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { isolatedRegistry } from '../helpers/mqtt.js';
import { waitFor } from '../helpers/wait.js';

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

const registry = isolatedRegistry(loadRegistry());
const topic = `${registry.inputs.mqtt.topicPrefix}/AQ-03/AQ-03-V/data`;
const doc = (v: number) => JSON.stringify({ ts: Date.now(), values: { a24088: v } });

function context(mqttUrl: string, logs: { msg: string }[] = []): InputContext {
  const log = pino({ level: 'info' }, { write: (l: string) => void logs.push(JSON.parse(l) as { msg: string }) });
  return { registry, log, deadLetters: createDeadLetterStore(), health: createDeviceHealth(), mqttUrl };
}

async function device(url: string, opts: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { protocolVersion: 4, clientId: `dev-${randomUUID().slice(0, 8)}`, ...opts });
  stops.push(() => c.endAsync(true));
  return c;
}

describe('MQTT input: a QoS 1 PUBACK goes out only after the batch is acknowledged', () => {
  it('as a client of a broker: no PUBACK to the broker before ack(); ack(err) drops the connection and the broker sends the message again', async () => {
    const broker = await createBroker({ port: 0 });
    stops.push(() => broker.close());
    // PUBACKs the broker receives from the input (aedes 'ack': a client acknowledged a QoS 1 delivery)
    const pubacks: string[] = [];
    broker.broker.on('ack', (packet, client) => {
      if (client.id.startsWith(registry.inputs.mqtt.clientId) && packet && 'payload' in packet) pubacks.push(String(packet.payload));
    });
    const logs: { msg: string }[] = [];
    const batches: ReadingBatch[] = [];
    // a persistent session (the input's default): the broker keeps what was not acknowledged
    const sub = createMqttInput({ clientIdSuffix: randomUUID().slice(0, 8) })(context(broker.url, logs)).subscribe((b) => batches.push(b));
    stops.push(() => sub.unsubscribe());
    await waitFor(() => logs.some((l) => l.msg === 'mqtt input: subscribed'), 'the input to subscribe');
    const dev = await device(broker.url);

    const payload = doc(1.5);
    await dev.publishAsync(topic, payload, { qos: 1 });
    const first = await waitFor(() => batches[0], 'the first batch');
    expect(first.readings.map((r) => r.value)).toEqual([1.5]);
    expect(pubacks).toEqual([]);

    first.ack!(new Error('spool append failed'));
    const again = await waitFor(() => batches[1], 'the message again, on the next connection');
    expect(again.readings.map((r) => r.value)).toEqual([1.5]);
    expect(logs.some((l) => l.msg === 'mqtt input: reconnected')).toBe(true);
    expect(pubacks).toEqual([]);
    again.ack!();
    await waitFor(() => pubacks.length === 1, 'the PUBACK');
    expect(pubacks).toEqual([payload]);
  });

  it('a rejected message (bad JSON) is an empty batch; acknowledging it sends the PUBACK', async () => {
    const broker = await createBroker({ port: 0 });
    stops.push(() => broker.close());
    const logs: { msg: string }[] = [];
    const batches: ReadingBatch[] = [];
    const ctx = context(broker.url, logs);
    const sub = createMqttInput({ clientIdSuffix: randomUUID().slice(0, 8) })(ctx).subscribe((b) => batches.push(b));
    stops.push(() => sub.unsubscribe());
    await waitFor(() => logs.some((l) => l.msg === 'mqtt input: subscribed'), 'the input to subscribe');
    const dev = await device(broker.url);
    let pubacks = 0;
    broker.broker.on('ack', (_p, client) => void (client.id.startsWith(registry.inputs.mqtt.clientId) && pubacks++));
    await dev.publishAsync(topic, '{"ts":', { qos: 1 });
    const b = await waitFor(() => batches[0], 'the batch');
    expect(b.readings).toEqual([]);
    expect(ctx.deadLetters.recent()[0]).toMatchObject({ source: 'mqtt', reason: 'malformed-json' });
    expect(pubacks).toBe(0);
    b.ack!();
    await waitFor(() => pubacks === 1, 'the PUBACK');
  });

  it('with the embedded broker: one batch per hand-off, the device PUBACKed after ack()', async () => {
    const broker = await startEmbeddedBroker({ topicPrefix: registry.inputs.mqtt.topicPrefix, access: anonymousAccess() });
    stops.push(() => broker.close());
    const batches: ReadingBatch[] = [];
    const sub = createMqttInput()({ ...context(''), mqttFeed: broker.feed }).subscribe((b) => batches.push(b));
    stops.push(() => sub.unsubscribe());
    const dev = await device(broker.url);
    let acked = false;
    const published = Promise.all([2, 3, 4].map((v) => dev.publishAsync(topic, JSON.stringify({ ts: Date.now() + v, values: { a24088: v } }), { qos: 1 }))).then(() => (acked = true));
    await waitFor(() => batches.flatMap((b) => b.readings).length === 3, 'three readings');
    expect(acked).toBe(false);
    for (const b of batches) b.ack!();
    await published;
    expect(batches.flatMap((b) => b.readings.map((r) => r.value)).sort()).toEqual([2, 3, 4]);
  });
});
