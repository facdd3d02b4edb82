import { connect as tcpConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { createBroker, type RunningBroker } from './index.js';

let running: RunningBroker | undefined;
const clients: MqttClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await running?.close();
  running = undefined;
});

/** Connect once without reconnecting; resolves with the CONNACK return code or the socket error. */
function tryConnect(url: string, opts: mqtt.IClientOptions = {}): Promise<{ ok: boolean; code?: number | string; client: MqttClient }> {
  return new Promise((resolve) => {
    const client = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000, ...opts });
    clients.push(client);
    client.once('connect', () => resolve({ ok: true, client }));
    client.once('error', (err) => resolve({ ok: false, code: (err as Error & { code?: number | string }).code, client }));
  });
}

describe('createBroker', () => {
  it('listens on 127.0.0.1 with a free port and relays QoS 1 messages', async () => {
    running = await createBroker({ port: 0 });
    expect(running.url).toBe(`mqtt://127.0.0.1:${running.port}`);
    expect(running.port).toBeGreaterThan(0);
    const sub = await mqtt.connectAsync(running.url, { protocolVersion: 4 });
    const pub = await mqtt.connectAsync(running.url, { protocolVersion: 4 });
    clients.push(sub, pub);
    await sub.subscribeAsync('t/#', { qos: 1 });
    const got = new Promise<string>((resolve) => sub.once('message', (topic, payload) => resolve(`${topic} ${payload.toString()}`)));
    await pub.publishAsync('t/1', 'hello', { qos: 1 });
    expect(await got).toBe('t/1 hello');
  });

  it('refuses an MQTT 5 CONNECT with return code 1 [MQTT-3.1.2-2]', async () => {
    running = await createBroker();
    const res = await tryConnect(running.url, { protocolVersion: 5 });
    expect(res.ok).toBe(false);
    expect(res.code).toBe(1);
  });

  it('checks credentials when configured: CONNACK 4 for a wrong or missing password', async () => {
    running = await createBroker({ username: 'gw', password: 's3cret' });
    expect((await tryConnect(running.url, { username: 'gw', password: 'wrong' })).code).toBe(4);
    expect((await tryConnect(running.url, { username: 'gw' })).code).toBe(4);
    expect((await tryConnect(running.url)).code).toBe(4);
    expect((await tryConnect(running.url, { username: 'gw', password: 's3cret' })).ok).toBe(true);
  });

  it('close() ends client connections and frees the port', async () => {
    running = await createBroker();
    const { url, port } = running;
    const client = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0 });
    clients.push(client);
    const raw = tcpConnect(port, '127.0.0.1'); // a socket that never sends CONNECT
    await new Promise((resolve) => raw.once('connect', resolve));
    const clientClosed = new Promise<void>((resolve) => client.once('close', () => resolve()));
    const rawClosed = new Promise((resolve) => raw.once('close', resolve));
    await running.close();
    running = undefined;
    await clientClosed;
    await rawClosed;
    const after = await tryConnect(url);
    expect(after.ok).toBe(false);
    expect(after.code).toBe('ECONNREFUSED');
  });

  it('close() twice is harmless', async () => {
    running = await createBroker();
    await Promise.all([running.close(), running.close()]);
    await expect(running.close()).resolves.toBeUndefined();
  });
});
