import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { pino } from 'pino';
import type { Subscription } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { createBroker, type RunningBroker } from '../../gateway/broker/index.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { startMosquitto, type RunningMosquitto } from '../helpers/mosquitto.js';
import { fastPark } from '../helpers/park.js';
import { sample, scrape } from '../helpers/prom.js';
import { waitFor } from '../helpers/wait.js';

const registry = fastPark((r) => {
  r.sites = r.sites.filter((s) => s.id === 'AQ-03');
  r.inputs.mqtt.backoffMs = { initial: 100, max: 1000 };
});
const TOPIC = `${registry.inputs.mqtt.topicPrefix}/AQ-03/AQ-03-V/data`;

/** QoS 1 publisher at ~200 msg/s; message `seq` carries ts = t0 + seq, so every reading names its sequence number */
function loadPublisher(url: string, t0: number) {
  const client: MqttClient = mqtt.connect(url, { clientId: `load-${randomUUID().slice(0, 8)}`, protocolVersion: 4, clean: false, reconnectPeriod: 200 });
  client.on('error', () => undefined); // refused while the broker is down; it retries on its own
  let seq = 0;
  let acked = 0;
  const errors: Error[] = [];
  const timer = setInterval(() => {
    for (let k = 0; k < 10; k++) {
      const s = seq++;
      client.publish(TOPIC, JSON.stringify({ ts: t0 + s, values: { a24088: (s % 500) / 100 } }), { qos: 1 }, (err) => (err ? errors.push(err) : acked++));
    }
  }, 50);
  return {
    published: () => seq,
    acked: () => acked,
    errors,
    stop: () => clearInterval(timer),
    end: () => client.endAsync(true),
  };
}

interface Run {
  gw: Gateway;
  logs: Record<string, unknown>[];
  /** readings per sequence number, as the processor accepted them */
  seen: Map<number, number>;
  stop(): Promise<void>;
}

async function gatewayOn(mqttUrl: string, influx: RunningInflux, t0: number): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), 'park-restart-'));
  const logs: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line) as Record<string, unknown>) });
  const gw = await startGateway({ registry, mqttUrl, influx, httpPort: 0, dataDir, log });
  const seen = new Map<number, number>();
  const sub: Subscription = gw.processor.accepted$.subscribe((batch) => batch.forEach((r) => seen.set(r.ts - t0, (seen.get(r.ts - t0) ?? 0) + 1)));
  await waitFor(() => logs.some((l) => l.msg === 'mqtt input: subscribed'), 'the MQTT input to subscribe');
  return {
    gw,
    logs,
    seen,
    async stop() {
      sub.unsubscribe();
      await gw.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

const subscribedCount = (logs: Record<string, unknown>[]) => logs.filter((l) => l.msg === 'mqtt input: subscribed').length;

let influx: RunningInflux;
beforeAll(async () => {
  influx = await startInflux();
}, 60_000);
afterAll(async () => {
  await influx?.close();
});

describe('private Mosquitto (persistence on) restarted under QoS 1 load', () => {
  let broker: RunningMosquitto;
  let run: Run;
  const t0 = Date.now();
  beforeAll(async () => {
    broker = await startMosquitto();
    run = await gatewayOn(broker.url, influx, t0);
  }, 60_000);
  afterAll(async () => {
    await run?.stop();
    await broker?.close();
  });

  it('the input reconnects to its persistent session and resubscribes; every published sequence number arrives', async () => {
    const pub = loadPublisher(broker.url, t0);
    await waitFor(() => run.seen.size >= 300, '300 messages before the restart');
    await broker.restart({ downMs: 1000 });
    await waitFor(() => subscribedCount(run.logs) >= 2, 'the input to resubscribe');
    const after = pub.published();
    await waitFor(() => pub.published() >= after + 400, '400 more messages after the restart');
    pub.stop();
    const total = pub.published();
    await waitFor(() => pub.acked() === total, `the broker to acknowledge all ${total} messages`);
    await waitFor(() => run.seen.size === total, `all ${total} sequence numbers at the gateway`, 60_000);
    await pub.end();

    const missing = Array.from({ length: total }, (_, i) => i).filter((i) => !run.seen.has(i));
    expect(missing).toEqual([]);
    expect(pub.errors).toEqual([]);
    // duplicates are allowed at the input (QoS 1 is at least once) and counted: what came in is what was
    // accepted plus the repeats the processor dropped ('duplicate'); a late redelivery may still be on its way
    const accepted = () => [...run.seen.values()].reduce((a, b) => a + b, 0);
    const m = await waitFor(async () => {
      const x = await scrape(run.gw.httpPort);
      const dropped = sample(x, 'park_readings_rejected_total', { stage: 'processor', reason: 'duplicate' }) ?? 0;
      return sample(x, 'park_readings_in_total', { source: 'mqtt', site_kind: 'air_fence' }) === accepted() + dropped && x;
    }, 'park_readings_in_total to count every reading, duplicates included');
    const readingsIn = sample(m, 'park_readings_in_total', { source: 'mqtt', site_kind: 'air_fence' })!;
    expect(readingsIn).toBeGreaterThanOrEqual(total);
    expect(readingsIn - total).toBe((sample(m, 'park_readings_rejected_total', { stage: 'processor', reason: 'duplicate' }) ?? 0) + (accepted() - total));

    // logs and metrics say what happened
    const reconnected = run.logs.find((l) => l.msg === 'mqtt input: reconnected');
    expect(reconnected).toMatchObject({ level: 30, input: 'mqtt', sessionPresent: true, url: broker.url });
    expect(run.logs.some((l) => l.msg === 'mqtt input: offline' && l.level === 40)).toBe(true);
    expect(sample(m, 'park_mqtt_reconnects_total')).toBeGreaterThanOrEqual(1);
    expect(sample(m, 'park_mqtt_disconnects_total')).toBeGreaterThanOrEqual(1);
    expect(sample(m, 'park_mqtt_connected', { client_id: registry.inputs.mqtt.clientId })).toBe(1);
    expect(sample(m, 'park_mqtt_redeliveries_total')).toBeGreaterThanOrEqual(0);

    // and InfluxDB holds one point per sequence number (a duplicate rewrites the same point)
    const [row] = await waitFor(async () => {
      const rows = await influx.query<{ count: number }>(`SELECT count("value") FROM "air_fence" WHERE "site" = 'AQ-03' AND time >= ${t0}ms AND time < ${t0 + total}ms`);
      return rows[0]?.count === total && rows;
    }, `${total} points in InfluxDB`);
    expect(row!.count).toBe(total);
  });
});

describe('embedded aedes broker restarted on the same port under QoS 1 load (in-memory persistence)', () => {
  let broker: RunningBroker;
  let run: Run;
  const t0 = Date.now() + 60_000; // another ts range than the Mosquitto run
  beforeAll(async () => {
    broker = await createBroker({ port: 0 });
    run = await gatewayOn(broker.url, influx, t0);
  }, 60_000);
  afterAll(async () => {
    await run?.stop();
    await broker?.close();
  });

  it('the input reconnects to a fresh session and resubscribes; everything published after the resubscription arrives', async () => {
    const port = broker.port;
    const pub = loadPublisher(broker.url, t0);
    await waitFor(() => run.seen.size >= 300, '300 messages before the restart');
    const attempts = run.logs.filter((l) => l.msg === 'mqtt input: reconnecting').length;
    await broker.close(); // queued messages and sessions live in memory and end here
    // down until the input has tried at least once in vain (its second backoff scheduled)
    await waitFor(() => run.logs.filter((l) => l.msg === 'mqtt input: reconnecting').length >= attempts + 2, 'a failed reconnect attempt');
    broker = await createBroker({ port });
    await waitFor(() => subscribedCount(run.logs) >= 2, 'the input to resubscribe');
    const resubscribedAt = pub.published();
    await waitFor(() => pub.published() >= resubscribedAt + 400, '400 more messages after the resubscription');
    pub.stop();
    const total = pub.published();
    await waitFor(() => pub.acked() === total, `the broker to acknowledge all ${total} messages`);
    await waitFor(() => Array.from({ length: total - resubscribedAt }, (_, i) => resubscribedAt + i).every((s) => run.seen.has(s)), 'every message after the resubscription');
    await pub.end();

    // the restarted aedes knew nothing of the session: what it held for the gateway is gone, and what was
    // published before the gateway subscribed again had no subscriber. Every loss lies before that point.
    const missing = Array.from({ length: total }, (_, i) => i).filter((i) => !run.seen.has(i));
    expect(missing.every((s) => s < resubscribedAt)).toBe(true);
    expect(run.logs.find((l) => l.msg === 'mqtt input: reconnected')).toMatchObject({ sessionPresent: false, url: broker.url });
    const m = await scrape(run.gw.httpPort);
    expect(sample(m, 'park_mqtt_reconnects_total')).toBeGreaterThanOrEqual(1);
    expect(sample(m, 'park_mqtt_connected', { client_id: registry.inputs.mqtt.clientId })).toBe(1);
  });
});
