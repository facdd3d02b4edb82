import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { createBroker, type RunningBroker } from '../../gateway/broker/index.js';
import { codEvent } from '../../processor/tickets/testing/fixtures.js';
import { publishRaw } from '../../simulators/mqtt/index.js';
import { startSimulators, type ParkSimulators } from '../../simulators/index.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { fastPark } from '../helpers/park.js';
import { sample, scrape, type PromSample } from '../helpers/prom.js';
import { waitFor } from '../helpers/wait.js';

const SITES = ['RO-01', 'WP-05', 'AQ-03', 'WS-01'];
const registry = fastPark((r) => {
  r.sites = r.sites.filter((s) => SITES.includes(s.id));
  r.inputs.mqtt.backoffMs = { initial: 100, max: 500 };
  r.inputs.modbus.backoffMs = { initial: 200, max: 1000 };
});
const prefix = registry.inputs.mqtt.topicPrefix;

interface ReadyBody {
  status: string;
  failed: string[];
  checks: Record<string, { ok: boolean; detail: string }>;
}
const readyz = async (port: number) => {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as ReadyBody };
};

describe('GET /metrics and /readyz of a running gateway', () => {
  let influx: RunningInflux;
  let broker: RunningBroker;
  let sims: ParkSimulators;
  let gw: Gateway;
  let dataDir: string;
  let m: PromSample[];
  const scrapeWhen = (ok: (s: PromSample[]) => boolean, what: string) =>
    waitFor(async () => {
      m = await scrape(gw.httpPort);
      return ok(m) && m;
    }, what);

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'park-metrics-'));
    influx = await startInflux();
    broker = await createBroker({ port: 0 });
    sims = await startSimulators(registry, { mqttUrl: broker.url, mqttIntervalMs: 500 });
    gw = await startGateway({ registry: sims.registry, mqttUrl: broker.url, influx, httpPort: 0, dataDir, hj212Secrets: sims.secrets.hj212 });
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await sims?.close();
    await broker?.close();
    await influx?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('counts readings in by input and site kind, accepted readings, points written and write latency', async () => {
    await scrapeWhen(
      (s) => (sample(s, 'park_influx_points_written_total') ?? 0) > 0 && (sample(s, 'park_readings_in_total', { source: 'mqtt', site_kind: 'weather' }) ?? 0) > 0,
      'points written and weather readings in',
    );
    for (const [source, kind] of [['modbus', 'rain_outlet'], ['modbus', 'wastewater_pipe'], ['mqtt', 'air_fence'], ['mqtt', 'weather']]) {
      expect(sample(m, 'park_readings_in_total', { source: source!, site_kind: kind! }), `${source}/${kind}`).toBeGreaterThan(0);
    }
    const status = gw.status();
    expect(sample(m, 'park_readings_accepted_total')).toBeGreaterThan(0);
    expect(sample(m, 'park_readings_accepted_total')).toBeLessThanOrEqual(status.accepted);
    expect(sample(m, 'park_influx_batches_written_total')).toBeGreaterThan(0);
    expect(sample(m, 'park_influx_write_duration_seconds_count', { outcome: 'ok' })).toBeGreaterThan(0);
    expect(sample(m, 'park_influx_write_duration_seconds_bucket', { outcome: 'ok', le: '+Inf' })).toBe(sample(m, 'park_influx_write_duration_seconds_count', { outcome: 'ok' }));
    expect(sample(m, 'park_influx_queue_points')).toBeGreaterThanOrEqual(0);
    for (const name of ['park_influx_write_errors_total', 'park_influx_points_dropped_total', 'park_influx_points_rejected_total']) {
      expect(sample(m, name), name).toBe(0);
    }
    // the spool holds at most the points waiting for the next write (about a second's worth)
    expect(sample(m, 'park_spool_bytes')).toBeLessThan(1024 * 1024);
    expect(sample(m, 'park_alerts_pending')).toBeGreaterThanOrEqual(0);
    // a process-level metric from prom-client's defaults, in this gateway's own registry
    expect(sample(m, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('reports every device online with device, site, kind and protocol; a silent device goes to 0 with its errors by kind', async () => {
    await scrapeWhen((s) => ['RO-01-M', 'WP-05-M', 'AQ-03-V', 'WS-01-W'].every((d) => sample(s, 'park_device_online', { device: d }) === 1), 'every device online');
    expect(sample(m, 'park_device_online', { device: 'RO-01-M', site: 'RO-01', kind: 'rain_outlet', protocol: 'modbus' })).toBe(1);
    expect(sample(m, 'park_device_online', { device: 'AQ-03-V', site: 'AQ-03', kind: 'air_fence', protocol: 'mqtt' })).toBe(1);
    sims.signals.setSilent('RO-01-M', true);
    await scrapeWhen((s) => sample(s, 'park_device_online', { device: 'RO-01-M' }) === 0 && (sample(s, 'park_device_errors_total', { device: 'RO-01-M', error: 'timeout' }) ?? 0) >= 1, 'RO-01-M offline with a timeout');
    expect(sample(m, 'park_device_errors_total', { device: 'RO-01-M', site: 'RO-01', error: 'timeout' })).toBeGreaterThanOrEqual(1);
    expect(sample(m, 'park_device_online', { device: 'WP-05-M' })).toBe(1);
    sims.signals.setSilent('RO-01-M', false);
    await scrapeWhen((s) => sample(s, 'park_device_online', { device: 'RO-01-M' }) === 1, 'RO-01-M back online');
  });

  it('counts dead letters by source and reason, and rejects by stage and reason', async () => {
    const before = await scrape(gw.httpPort);
    const n = (s: PromSample[], name: string, labels: Record<string, string>) => sample(s, name, labels) ?? 0;
    await publishRaw(broker.url, `${prefix}/AQ-03/AQ-03-V/data`, '{"ts":1,"values":');
    await publishRaw(broker.url, `${prefix}/AQ-03/AQ-03-V/data`, JSON.stringify({ ts: Date.now(), values: { a24088: -4 } }));
    await scrapeWhen(
      (s) =>
        n(s, 'park_dead_letters_total', { source: 'mqtt', reason: 'malformed-json' }) === n(before, 'park_dead_letters_total', { source: 'mqtt', reason: 'malformed-json' }) + 1 &&
        n(s, 'park_dead_letters_total', { source: 'processor', reason: 'out-of-physical-range' }) === n(before, 'park_dead_letters_total', { source: 'processor', reason: 'out-of-physical-range' }) + 1,
      'both dead letters counted',
    );
    expect(n(m, 'park_readings_rejected_total', { stage: 'mqtt', reason: 'malformed-json' })).toBe(n(before, 'park_readings_rejected_total', { stage: 'mqtt', reason: 'malformed-json' }) + 1);
    expect(n(m, 'park_readings_rejected_total', { stage: 'processor', reason: 'out-of-physical-range' })).toBe(n(before, 'park_readings_rejected_total', { stage: 'processor', reason: 'out-of-physical-range' }) + 1);
    // the store's own count agrees with the metric
    expect(gw.deadLetters.counts()['malformed-json']).toBe(n(m, 'park_dead_letters_total', { source: 'mqtt', reason: 'malformed-json' }));
  });

  it('reports open tickets by category', async () => {
    const live = ['open', 'acknowledged', 'rectifying', 'awaiting_verification'] as const;
    const categories = ['exceedance', 'odor', 'illicit-discharge', 'instrument', 'no-data', 'flatline'] as const;
    const count = (category: (typeof categories)[number]) => gw.tickets.list({ status: [...live], category, limit: 500 }).total;
    m = await scrape(gw.httpPort);
    for (const category of categories) expect(sample(m, 'park_tickets_open', { category }), category).toBe(count(category));
    const exceedances = count('exceedance');
    expect(gw.tickets.applyEvent(codEvent('open', Date.now(), 650))?.category).toBe('exceedance');
    m = await scrape(gw.httpPort);
    expect(sample(m, 'park_tickets_open', { category: 'exceedance' })).toBe(exceedances + 1);
  });

  it('/readyz: 200 with every check named while InfluxDB answers and the MQTT input is connected', async () => {
    const r = await waitFor(async () => {
      const x = await readyz(gw.httpPort);
      return x.status === 200 && x;
    }, 'ready');
    expect(r.body.status).toBe('ready');
    expect(r.body.failed).toEqual([]);
    expect(r.body.checks.influxdb).toEqual({ ok: true, detail: `InfluxDB at ${influx.url} answered /ping (204)` });
    expect(r.body.checks.mqtt?.ok).toBe(true);
    expect(r.body.checks.mqtt?.detail).toMatch(new RegExp(`^MQTT input park-gateway connected to ${broker.url} and subscribed$`));
    expect(r.body.checks.spool).toMatchObject({ ok: true, detail: expect.stringMatching(/^spool holds \d+ bytes$/) });
    m = await scrape(gw.httpPort);
    expect(sample(m, 'park_mqtt_connected', { client_id: 'park-gateway' })).toBe(1);
    expect(sample(m, 'park_mqtt_connects_total')).toBe(1);
    expect(sample(m, 'park_mqtt_reconnects_total')).toBe(0);
  });

  it('/readyz: 503 naming mqtt while the broker is down, ready again and a reconnect counted when it is back; /healthz stays 200', async () => {
    const port = broker.port;
    await broker.close();
    const down = await waitFor(async () => {
      const x = await readyz(gw.httpPort);
      return x.status === 503 && x;
    }, '503 with the broker down');
    expect(down.body).toMatchObject({ status: 'not ready', failed: ['mqtt'] });
    expect(down.body.checks.mqtt?.detail).toMatch(/^MQTT input park-gateway disconnected from mqtt:\/\/127\.0\.0\.1:\d+ for \d+ s$/);
    expect(down.body.checks.influxdb?.ok).toBe(true);
    expect((await fetch(`http://127.0.0.1:${gw.httpPort}/healthz`)).status).toBe(200);
    m = await scrape(gw.httpPort);
    expect(sample(m, 'park_mqtt_connected', { client_id: 'park-gateway' })).toBe(0);

    broker = await createBroker({ port });
    await waitFor(async () => (await readyz(gw.httpPort)).status === 200, 'ready again');
    m = await scrape(gw.httpPort);
    expect(sample(m, 'park_mqtt_reconnects_total')).toBeGreaterThanOrEqual(1);
    expect(sample(m, 'park_mqtt_disconnects_total')).toBeGreaterThanOrEqual(1);
    expect(sample(m, 'park_mqtt_connected', { client_id: 'park-gateway' })).toBe(1);
  });

  it('/readyz: 503 naming influxdb with the reason when InfluxDB stops answering /ping', async () => {
    await influx.close();
    const started = Date.now();
    const down = await waitFor(async () => {
      const x = await readyz(gw.httpPort);
      return x.status === 503 && x;
    }, '503 with InfluxDB down');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(down.body.failed).toEqual(['influxdb']);
    expect(down.body.checks.influxdb?.detail).toMatch(new RegExp(`^InfluxDB at ${influx.url}: /ping failed: ECONNREFUSED$`));
    expect((await fetch(`http://127.0.0.1:${gw.httpPort}/healthz`)).status).toBe(200);
    await scrapeWhen((s) => (sample(s, 'park_influx_write_errors_total') ?? 0) > 0 && (sample(s, 'park_influx_write_duration_seconds_count', { outcome: 'error' }) ?? 0) > 0, 'write errors counted');
  });
});

describe('several gateways in one process', () => {
  it('each has its own metrics registry', async () => {
    const dirs = [mkdtempSync(join(tmpdir(), 'park-m1-')), mkdtempSync(join(tmpdir(), 'park-m2-'))];
    const broker = await createBroker({ port: 0 });
    const one = fastPark((r) => (r.sites = r.sites.filter((s) => s.id === 'AQ-03')));
    const two = structuredClone(one);
    two.inputs.mqtt.clientId = 'park-gateway-2';
    two.inputs.mqtt.topicPrefix = 'other/v1';
    const influx = { url: 'http://127.0.0.1:9', database: 'park' }; // nothing listens: writes are retried, never needed here
    const a = await startGateway({ registry: one, mqttUrl: broker.url, influx, httpPort: 0, dataDir: dirs[0]! });
    const b = await startGateway({ registry: two, mqttUrl: broker.url, influx, httpPort: 0, dataDir: dirs[1]! });
    try {
      expect(a.metrics.registry).not.toBe(b.metrics.registry);
      await waitFor(() => a.metrics.connectionState.connects === 1 && b.metrics.connectionState.connects === 1, 'both connected');
      await publishRaw(broker.url, `${one.inputs.mqtt.topicPrefix}/AQ-03/AQ-03-V/data`, JSON.stringify({ ts: Date.now(), values: { a24088: 1.5 } }));
      const ma = await waitFor(async () => {
        const s = await scrape(a.httpPort);
        return sample(s, 'park_readings_in_total', { source: 'mqtt', site_kind: 'air_fence' }) === 1 && s;
      }, 'the reading counted by the first gateway');
      const mb = await scrape(b.httpPort);
      expect(sample(mb, 'park_readings_in_total', { source: 'mqtt', site_kind: 'air_fence' })).toBeUndefined();
      expect(sample(ma, 'park_mqtt_connected', { client_id: 'park-gateway' })).toBe(1);
      expect(sample(ma, 'park_mqtt_connected', { client_id: 'park-gateway-2' })).toBeUndefined();
      expect(sample(mb, 'park_mqtt_connected', { client_id: 'park-gateway-2' })).toBe(1);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
      await broker.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });
});
