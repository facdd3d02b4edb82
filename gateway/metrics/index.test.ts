import { describe, expect, it } from 'vitest';
import { createDeadLetterStore } from '../deadLetter/index.js';
import { createDeviceHealth } from '../health/index.js';
import { loadRegistry } from '../registry/loader.js';
import type { Reading } from '../model/reading.js';
import type { InfluxSinkCounters, PointWriter } from '../../processor/sinks/influx/index.js';
import { parseProm, sample } from '../../test/helpers/prom.js';
import { createGatewayMetrics } from './index.js';

const registry = loadRegistry();
const reading = (site: string, source: Reading['source']): Reading => ({ site, device: `${site}-X`, pollutant: 'w01018', value: 1, unit: 'mg/L', ts: 0, flag: 'N', source });
const sinkCounters: InfluxSinkCounters = { pointsWritten: 40, batchesWritten: 2, writeErrors: 3, pointsRejected: 1, pointsDropped: 5, pointsAbandoned: 0, readingsRejected: 0, queuedPoints: 7 };

function setup() {
  const metrics = createGatewayMetrics({ registry, processMetrics: false });
  const health = createDeviceHealth();
  const counters = { received: { modbus: 3, mqtt: 1 }, accepted: 3, rejected: { 'out-of-physical-range': 1 } };
  const scrape = async () => parseProm(await metrics.metrics());
  return { metrics, health, counters, scrape };
}

describe('createGatewayMetrics', () => {
  it('reads 0 and no device series until observe(), and no process metrics when asked not to', async () => {
    const { metrics, scrape } = setup();
    const m = await scrape();
    expect(sample(m, 'park_readings_accepted_total')).toBe(0);
    expect(m.filter((s) => s.name === 'park_device_online')).toEqual([]);
    expect(sample(m, 'park_spool_bytes')).toBe(0);
    expect(sample(m, 'park_alerts_pending')).toBe(0);
    expect(m.some((s) => s.name.startsWith('process_'))).toBe(false);
    expect(metrics.contentType).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('counts readings in by source and site kind, and reads the processor and sink counters at scrape time', async () => {
    const { metrics, health, counters, scrape } = setup();
    for (const r of [reading('RO-01', 'modbus'), reading('RO-02', 'modbus'), reading('WP-01', 'modbus'), reading('AQ-01', 'mqtt'), reading('XX-01', 'mqtt')]) metrics.countReadingIn(r);
    metrics.observe({ processor: { counters }, sink: { counters: sinkCounters }, health, spool: { bytes: () => 4096, full: () => false }, alertsPending: () => 2, means: () => ({ windows: 10, invalid: 3, revisions: 2, tooLate: 4 }) });
    const m = await scrape();
    expect(sample(m, 'park_readings_in_total', { source: 'modbus', site_kind: 'rain_outlet' })).toBe(2);
    expect(sample(m, 'park_readings_in_total', { source: 'modbus', site_kind: 'wastewater_pipe' })).toBe(1);
    expect(sample(m, 'park_readings_in_total', { source: 'mqtt', site_kind: 'air_fence' })).toBe(1);
    expect(sample(m, 'park_readings_in_total', { source: 'mqtt', site_kind: 'unknown' })).toBe(1);
    expect(sample(m, 'park_readings_accepted_total')).toBe(3);
    expect(sample(m, 'park_readings_rejected_total', { stage: 'processor', reason: 'out-of-physical-range' })).toBe(1);
    expect(sample(m, 'park_influx_points_written_total')).toBe(40);
    expect(sample(m, 'park_influx_write_errors_total')).toBe(3);
    expect(sample(m, 'park_influx_points_dropped_total')).toBe(5);
    expect(sample(m, 'park_influx_queue_points')).toBe(7);
    expect(sample(m, 'park_spool_bytes')).toBe(4096);
    expect(sample(m, 'park_alerts_pending')).toBe(2);
    expect(sample(m, 'park_means_windows_total', { outcome: 'valid' })).toBe(7);
    expect(sample(m, 'park_means_windows_total', { outcome: 'invalid' })).toBe(3);
    expect(sample(m, 'park_means_windows_total', { outcome: 'revised' })).toBe(2);
    expect(sample(m, 'park_readings_too_late_total')).toBe(4);
    counters.accepted = 10;
    expect(sample(await scrape(), 'park_readings_accepted_total')).toBe(10);
  });

  it('keeps the dead-letter store working and counts its entries by source and reason', async () => {
    const { metrics, scrape } = setup();
    const store = metrics.trackDeadLetters(createDeadLetterStore());
    store.put({ source: 'mqtt', where: 't', reason: 'malformed-json', detail: 'd', raw: 'x' });
    store.put({ source: 'mqtt', where: 't', reason: 'malformed-json', detail: 'd', raw: 'x' });
    store.put({ source: 'modbus', where: 'u', reason: 'non-finite-value', detail: 'd', raw: '7fc00000' });
    store.put({ source: 'influx', where: 'db', reason: 'influx-rejected', detail: 'd', raw: '[]' });
    expect(store.total()).toBe(4);
    expect(store.counts()).toEqual({ 'malformed-json': 2, 'non-finite-value': 1, 'influx-rejected': 1 });
    expect(store.recent().map((d) => d.reason)).toEqual(['malformed-json', 'malformed-json', 'non-finite-value', 'influx-rejected']);
    const m = await scrape();
    expect(sample(m, 'park_dead_letters_total', { source: 'mqtt', reason: 'malformed-json' })).toBe(2);
    expect(sample(m, 'park_dead_letters_total', { source: 'influx', reason: 'influx-rejected' })).toBe(1);
    expect(sample(m, 'park_readings_rejected_total', { stage: 'modbus', reason: 'non-finite-value' })).toBe(1);
    expect(sample(m, 'park_readings_rejected_total', { stage: 'influx', reason: 'influx-rejected' })).toBeUndefined();
  });

  it('reports each registered device online or not, with its errors by kind', async () => {
    const { metrics, health, counters, scrape } = setup();
    metrics.observe({ processor: { counters }, sink: { counters: sinkCounters }, health });
    health.ok('RO-01-M');
    health.fail('WP-03-M', 'timeout', 'no answer');
    health.fail('WP-03-M', 'timeout', 'no answer');
    health.fail('WP-03-M', 'exception', 'exception 4');
    const m = await scrape();
    expect(sample(m, 'park_device_online', { device: 'RO-01-M', site: 'RO-01', kind: 'rain_outlet', protocol: 'modbus' })).toBe(1);
    expect(sample(m, 'park_device_online', { device: 'WP-03-M' })).toBe(0);
    expect(sample(m, 'park_device_online', { device: 'AQ-01-V', protocol: 'mqtt' })).toBe(0);
    expect(m.filter((s) => s.name === 'park_device_online')).toHaveLength(registry.sites.flatMap((s) => s.devices).length);
    expect(sample(m, 'park_device_errors_total', { device: 'WP-03-M', site: 'WP-03', error: 'timeout' })).toBe(2);
    expect(sample(m, 'park_device_errors_total', { device: 'WP-03-M', error: 'exception' })).toBe(1);
  });

  it('follows the MQTT connection: connected gauge, connects, reconnects, disconnects, redeliveries', async () => {
    const { metrics, scrape } = setup();
    const e = { input: 'mqtt', clientId: 'gw', url: 'mqtt://127.0.0.1:1' };
    metrics.connections.connected({ ...e, reconnect: false, sessionPresent: false });
    metrics.connections.disconnected(e);
    metrics.connections.disconnected(e); // a failed attempt while down is not another disconnect
    metrics.connections.redelivered?.(e);
    let m = await scrape();
    expect(sample(m, 'park_mqtt_connected', { client_id: 'gw' })).toBe(0);
    expect(sample(m, 'park_mqtt_disconnects_total')).toBe(1);
    metrics.connections.connected({ ...e, reconnect: true, sessionPresent: true });
    m = await scrape();
    expect(sample(m, 'park_mqtt_connected', { client_id: 'gw' })).toBe(1);
    expect(sample(m, 'park_mqtt_connects_total')).toBe(2);
    expect(sample(m, 'park_mqtt_reconnects_total')).toBe(1);
    expect(sample(m, 'park_mqtt_redeliveries_total')).toBe(1);
  });

  it('times every write request of the wrapped writer, by outcome, and passes failures on', async () => {
    const { metrics, scrape } = setup();
    let fail = false;
    const inner: PointWriter = { where: 'test', classify: () => 'retry', write: async () => (fail ? Promise.reject(new Error('down')) : undefined) };
    const writer = metrics.timeWrites(inner);
    expect(writer.where).toBe('test');
    expect(writer.classify(new Error('x'))).toBe('retry');
    await writer.write([]);
    await writer.write([]);
    fail = true;
    await expect(writer.write([])).rejects.toThrow('down');
    const m = await scrape();
    expect(sample(m, 'park_influx_write_duration_seconds_count', { outcome: 'ok' })).toBe(2);
    expect(sample(m, 'park_influx_write_duration_seconds_count', { outcome: 'error' })).toBe(1);
  });

  it('two instances do not share series', async () => {
    const a = setup();
    const b = setup();
    a.metrics.countReadingIn(reading('RO-01', 'modbus'));
    expect(sample(await a.scrape(), 'park_readings_in_total', { source: 'modbus', site_kind: 'rain_outlet' })).toBe(1);
    expect(sample(await b.scrape(), 'park_readings_in_total', { source: 'modbus', site_kind: 'rain_outlet' })).toBeUndefined();
  });
});
