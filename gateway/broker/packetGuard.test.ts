import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashesOf, tryConnect } from '../../test/helpers/mqttAuth.js';
import { waitFor } from '../../test/helpers/wait.js';
import { loadRegistry } from '../registry/loader.js';
import { brokerAccess, dataTopic, startEmbeddedBroker, type EmbeddedBroker } from './index.js';
import { createHeaderScanner } from './packetGuard.js';
import { remainingLength } from '../../test/helpers/mqttAuth.js';

const MiB = 1024 * 1024;


describe('createHeaderScanner (Remaining Length as the bytes arrive)', () => {
  it('passes packets within the limit, split anywhere, and stops at the first header over it', () => {
    const small = Buffer.from([0x30, ...remainingLength(5), 0, 3, 0x61, 0x2f, 0x62]); // PUBLISH "a/b", 5 bytes
    const s = createHeaderScanner(100);
    for (const b of Buffer.concat([small, small])) expect(s.feed(Buffer.from([b]))).toBeUndefined();
    expect(s.feed(Buffer.from([0x30, ...remainingLength(101)]))).toMatch(/at least 101 bytes announced, limit is 100/);
  });

  it('knows a packet is too big from its first length bytes, and refuses a fifth length byte', () => {
    expect(createHeaderScanner(256 * 1024).feed(Buffer.from([0x30, 0xff, 0xff, 0xff]))).toMatch(/limit is 262144/);
    expect(createHeaderScanner(2 ** 30).feed(Buffer.from([0x30, 0x80, 0x80, 0x80, 0x80]))).toMatch(/more than 4 bytes/);
  });
});

describe('the embedded broker cuts a packet off as its header arrives', () => {
  let broker: EmbeddedBroker;
  const registry = loadRegistry();
  const site = registry.sites.find((s) => s.devices.some((d) => d.kind === 'mqtt'))!;
  const device = site.devices.find((d) => d.kind === 'mqtt')!.id;
  beforeAll(async () => {
    broker = await startEmbeddedBroker({ topicPrefix: registry.inputs.mqtt.topicPrefix, access: brokerAccess(registry, hashesOf({ [device]: 'pw-0123456789' })).access });
  });
  afterAll(() => broker?.close());

  it('a 200 MB PUBLISH streamed in 64 KiB chunks is cut off and the process does not grow; the broker goes on serving', async () => {
    const topic = dataTopic(registry.inputs.mqtt.topicPrefix, site.id, device);
    const body = 200 * 1000 * 1000;
    const t = Buffer.from(topic);
    const header = Buffer.from([0x30, ...remainingLength(2 + t.length + body), t.length >> 8, t.length & 0xff, ...t]);
    const rss0 = process.memoryUsage().rss;
    let peak = rss0;
    // an authenticated device's connection: its raw socket after the CONNACK
    const device_ = await tryConnect(broker.url, { username: device, password: 'pw-0123456789' });
    expect(device_.ok).toBe(true);
    device_.client.on('error', () => undefined);
    const socket = device_.client.stream;
    let closed = false;
    socket.on('error', () => undefined);
    socket.once('close', () => (closed = true));
    socket.write(header);
    const chunk = Buffer.alloc(64 * 1024, 0x41);
    let sent = 0;
    while (sent < body && !closed) {
      if (!socket.write(chunk)) await new Promise((resolve) => (socket.once('drain', resolve), socket.once('close', resolve)));
      sent += chunk.length;
      peak = Math.max(peak, process.memoryUsage().rss);
    }
    await waitFor(() => closed, 'the broker to close the socket');
    expect(sent).toBeLessThan(body);
    expect(peak - rss0).toBeLessThan(50 * MiB);
    await waitFor(() => broker.counters.denied.get('packet too-large') === 1, 'the refusal counted');
    const after = await tryConnect(broker.url, { username: device, password: 'pw-0123456789' });
    expect(after.ok).toBe(true);
    await Promise.all([after.client.endAsync(true), device_.client.endAsync(true)]);
  });
});
