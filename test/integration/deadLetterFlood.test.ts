import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { createBroker, type RunningBroker } from '../../gateway/broker/index.js';
import { createLogger } from '../../gateway/log.js';
import { fastPark } from '../helpers/park.js';
import { sample, scrape } from '../helpers/prom.js';
import { waitFor } from '../helpers/wait.js';

const registry = fastPark((r) => {
  r.sites = r.sites.filter((s) => s.id === 'AQ-03');
  r.upstreams = [];
});
const topic = `${registry.inputs.mqtt.topicPrefix}/AQ-03/AQ-03-V/data`;
const bounds = { maxFileBytes: 8 * 1024, maxFiles: 3 };
const FLOOD = 3000;

describe('a flood of bad input cannot fill the disk (issue 11)', () => {
  let broker: RunningBroker;
  let gw: Gateway;
  let dataDir: string;
  const files = () => readdirSync(dataDir).filter((f) => /^dead-letters(\.\d+)?\.jsonl$/.test(f));
  const bytes = () => files().reduce((n, f) => n + statSync(join(dataDir, f)).size, 0);
  const lines = () => files().reduce((n, f) => n + readFileSync(join(dataDir, f), 'utf8').split('\n').length - 1, 0);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'park-flood-'));
    broker = await createBroker({ port: 0 });
    // no InfluxDB: nothing good is sent, and the spool keeps what would be
    gw = await startGateway({ registry, mqttUrl: broker.url, influx: { url: 'http://127.0.0.1:1', database: 'park' }, httpPort: 0, dataDir, deadLetters: bounds, log: createLogger('flood', 'silent') });
    await waitFor(() => gw.metrics.connectionState.clients.get('park-gateway')?.subscribed, 'the MQTT input subscribed');
  }, 60_000);
  afterAll(async () => {
    await gw?.stop();
    await broker?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('dead letters stop growing past their bound while the dropped count rises (GET /healthz, /metrics)', async () => {
    const client = await mqtt.connectAsync(broker.url, { clientId: 'flood', protocolVersion: 4, clean: true, reconnectPeriod: 0 });
    const seen: { bytes: number; dropped: number }[] = [];
    try {
      for (let i = 0; i < FLOOD; i += 100) {
        await Promise.all(Array.from({ length: 100 }, (_, k) => client.publishAsync(topic, `{"ts":1,"values":{"a24088":${i + k}`, { qos: 1 })));
        seen.push({ bytes: bytes(), dropped: gw.deadLetters.dropped() });
      }
    } finally {
      await client.endAsync();
    }
    await waitFor(() => gw.deadLetters.total() >= FLOOD, 'every message dead-lettered');
    const cap = bounds.maxFiles * bounds.maxFileBytes;
    for (const s of seen) expect(s.bytes).toBeLessThanOrEqual(cap);
    expect(files().length).toBeLessThanOrEqual(bounds.maxFiles);
    // the disk is flat, the count of what was dropped keeps rising; nothing vanishes uncounted
    expect(seen.at(-1)!.dropped).toBeGreaterThan(seen[Math.floor(seen.length / 2)]!.dropped);
    expect(lines() + gw.deadLetters.dropped()).toBe(gw.deadLetters.total());
    const health = (await (await fetch(`http://127.0.0.1:${gw.httpPort}/healthz`)).json()) as { deadLetters: number; deadLettersDropped: number };
    expect(health.deadLetters).toBe(gw.deadLetters.total());
    expect(health.deadLettersDropped).toBe(gw.deadLetters.dropped());
    expect(health.deadLettersDropped).toBeGreaterThan(FLOOD / 2);
    expect(sample(await scrape(gw.httpPort), 'park_dead_letters_dropped_total')).toBe(gw.deadLetters.dropped());
  }, 120_000);
});
