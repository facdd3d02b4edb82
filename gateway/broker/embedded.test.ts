import { afterEach, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import type { BrokerHandoff } from '../inputs/types.js';
import { waitFor } from '../../test/helpers/wait.js';
import { anonymousAccess, startEmbeddedBroker, type EmbeddedBroker } from './index.js';

let broker: EmbeddedBroker | undefined;
const clients: MqttClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await broker?.close();
  broker = undefined;
});

async function client(url: string, opts: mqtt.IClientOptions = {}): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url, { protocolVersion: 4, ...opts });
  clients.push(c);
  return c;
}

describe('startEmbeddedBroker (aedes in a worker thread, data handed to the gateway)', () => {
  it('holds the PUBACK of a data message until its hand-off is settled; other subscribers get it after that', async () => {
    broker = await startEmbeddedBroker({ topicPrefix: 'park/v1', access: anonymousAccess() });
    expect(broker.url).toBe(`mqtt://127.0.0.1:${broker.port}`);
    const handoffs: BrokerHandoff[] = [];
    const sub = broker.feed.subscribe((h) => handoffs.push(h));
    const listener = await client(broker.url);
    await listener.subscribeAsync('park/v1/#', { qos: 1 });
    const heard: string[] = [];
    listener.on('message', (t, p) => heard.push(`${t} ${p.toString()}`));
    const device = await client(broker.url);
    const received: string[] = [];
    device.on('packetreceive', (p) => void received.push(p.cmd));
    let acked = false;
    const published = device.publishAsync('park/v1/AQ-03/AQ-03-V/data', '{"ts":1}', { qos: 1 }).then(() => (acked = true));

    const h = await waitFor(() => handoffs[0], 'the hand-off');
    expect(h.messages.map((m) => [m.topic, m.payload.toString(), m.dup])).toEqual([['park/v1/AQ-03/AQ-03-V/data', '{"ts":1}', false]]);
    // a barrier on the device's connection: aedes writes its packets in order, so a PUBACK sent before the
    // hand-off was settled would reach the device before this SUBACK (aedes still reads the connection's
    // next packet while ONE publish of it is held; with several held it waits, so publish one here)
    await device.subscribeAsync('elsewhere/barrier', { qos: 0 });
    expect(received).toEqual(['suback']); // not yet durable: no PUBACK
    expect(acked).toBe(false);
    expect(heard).toEqual([]); // nor forwarded
    h.settle();
    await published;
    await waitFor(() => heard.length === 1, 'the listener to get the message');
    expect(heard).toEqual(['park/v1/AQ-03/AQ-03-V/data {"ts":1}']);
    sub.unsubscribe();
  });

  it('passes other topics at once, without a hand-off', async () => {
    broker = await startEmbeddedBroker({ topicPrefix: 'park/v1', access: anonymousAccess() });
    const handoffs: BrokerHandoff[] = [];
    broker.feed.subscribe((h) => handoffs.push(h));
    const device = await client(broker.url);
    await device.publishAsync('elsewhere/x', 'hello', { qos: 1 });
    expect(handoffs).toEqual([]);
  });

  it('settle(err): no PUBACK, the connection is closed, and the device sends the message again', async () => {
    broker = await startEmbeddedBroker({ topicPrefix: 'park/v1', access: anonymousAccess() });
    const handoffs: BrokerHandoff[] = [];
    broker.feed.subscribe((h) => handoffs.push(h));
    const device = await client(broker.url, { clientId: `dev-${process.pid}`, clean: false, reconnectPeriod: 50 });
    let closes = 0;
    device.on('close', () => closes++);
    const published = device.publishAsync('park/v1/S/D/data', 'x', { qos: 1 });
    (await waitFor(() => handoffs[0], 'the first hand-off')).settle(new Error('disk full'));
    await waitFor(() => closes > 0, 'the connection to close');
    const again = await waitFor(() => handoffs[1], 'the message again');
    expect(again.messages.map((m) => m.payload.toString())).toEqual(['x']);
    again.settle();
    await published;
  });

  it('keeps hand-offs that arrive before the gateway subscribes, and feeds one input at a time', async () => {
    broker = await startEmbeddedBroker({ topicPrefix: 'park/v1', access: anonymousAccess() });
    // the broker thread's hand-offs as they reach the main thread
    let reached = 0;
    broker.worker.on('message', (m: { type: string }) => void (m.type === 'data' && reached++));
    const device = await client(broker.url);
    let acked = false;
    const published = device.publishAsync('park/v1/S/D/data', 'early', { qos: 1 }).then(() => (acked = true));
    const handoffs: BrokerHandoff[] = [];
    // the message reaches the main thread while nobody reads the feed; it waits, unacknowledged
    await waitFor(() => reached === 1, 'the hand-off to reach the main thread');
    expect(acked).toBe(false);
    broker.feed.subscribe((h) => handoffs.push(h));
    const h = await waitFor(() => handoffs[0], 'the early hand-off');
    expect(h.messages[0]!.payload.toString()).toBe('early');
    h.settle();
    await published;
    const errors: unknown[] = [];
    broker.feed.subscribe({ error: (e) => errors.push(e) });
    expect(String(errors[0])).toMatch(/one MQTT input at a time/);
  });

  it('close() ends the thread and frees the port; twice is harmless', async () => {
    broker = await startEmbeddedBroker({ topicPrefix: 'park/v1', access: anonymousAccess() });
    const { url } = broker;
    await Promise.all([broker.close(), broker.close()]);
    broker = undefined;
    await expect(mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0 })).rejects.toThrow(/ECONNREFUSED/);
  });
});
