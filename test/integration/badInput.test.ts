import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../../gateway/app.js';
import { createBroker, type RunningBroker } from '../../gateway/broker/index.js';
import type { DeadLetter } from '../../gateway/deadLetter/index.js';
import { publishRaw } from '../../simulators/mqtt/index.js';
import { startModbusSimulators, type ModbusSimulators } from '../../simulators/modbus/index.js';
import { ParkSignals } from '../../simulators/signals.js';
import { startInflux, type RunningInflux } from '../helpers/influx.js';
import { fastPark } from '../helpers/park.js';
import { sample, scrape } from '../helpers/prom.js';
import { waitFor } from '../helpers/wait.js';

/** Text that line protocol must escape (comma, space, equals) or carry as is (quotes, tab, backslash, Chinese). */
const ENTERPRISE = '荆楚制药, "东区" A=B\t二号 C:\\厂';
const SITE_NAME = '荆楚制药厂界站, "北门"=1 号';

const registry = fastPark((r) => {
  r.sites = r.sites.filter((s) => ['RO-01', 'AQ-03', 'AQ-06'].includes(s.id));
  r.enterprises.find((e) => e.id === 'E-12')!.name = ENTERPRISE; // AQ-06's enterprise
  r.sites.find((s) => s.id === 'AQ-06')!.name = SITE_NAME;
});
const prefix = registry.inputs.mqtt.topicPrefix;
const topic = (site: string, device: string) => `${prefix}/${site}/${device}/data`;
const AQ03 = topic('AQ-03', 'AQ-03-V');
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const doc = (values: Record<string, unknown>, ts: number | string = Date.now()) => JSON.stringify({ ts, values });

interface Case {
  name: string;
  /** dead-letter source and reason expected */
  source: 'mqtt' | 'modbus' | 'processor';
  reason: string;
  send: (env: Env) => Promise<void>;
  /** detail must match */
  detail: RegExp;
  /** put things back after the case (e.g. a simulator register) */
  restore?: (env: Env) => void;
}
interface Env {
  brokerUrl: string;
  signals: ParkSignals;
}
const pub = (t: string, payload: string | Buffer) => (env: Env) => publishRaw(env.brokerUrl, t, payload);
const maxBytes = registry.inputs.mqtt.maxPayloadBytes;

const cases: Case[] = [
  { name: 'malformed JSON', source: 'mqtt', reason: 'malformed-json', send: pub(AQ03, '{"ts":1,"values":{"a24088":1.2'), detail: /^AQ-03\/AQ-03-V: .*JSON/ },
  { name: 'wrong types', source: 'mqtt', reason: 'invalid-payload', send: pub(AQ03, doc({ a24088: '1.2', a21028: null, a21001: true })), detail: /values\.a24088: expected number, received string; values\.a21028: expected number, received null; values\.a21001: expected number, received boolean/ },
  { name: 'NaN literal', source: 'mqtt', reason: 'malformed-json', send: pub(AQ03, `{"ts":${Date.now()},"values":{"a24088":NaN}}`), detail: /JSON/ },
  { name: 'NaN as a string', source: 'mqtt', reason: 'invalid-payload', send: pub(AQ03, doc({ a24088: 'NaN' })), detail: /values\.a24088: expected number, received string/ },
  { name: 'a number that overflows to Infinity', source: 'mqtt', reason: 'invalid-payload', send: pub(AQ03, `{"ts":${Date.now()},"values":{"a24088":1e400}}`), detail: /values\.a24088: expected number, received Infinity/ },
  { name: 'NaN float32 from a Modbus register', source: 'modbus', reason: 'non-finite-value', send: async (e) => e.signals.set('RO-01', 'w21003', NaN), restore: (e) => e.signals.set('RO-01', 'w21003', 1.5), detail: /NaN/ },
  { name: 'Infinity float32 from a Modbus register', source: 'modbus', reason: 'non-finite-value', send: async (e) => e.signals.set('RO-01', 'w21003', Infinity), restore: (e) => e.signals.set('RO-01', 'w21003', 1.5), detail: /Infinity/ },
  { name: 'a value outside the physical range', source: 'processor', reason: 'out-of-physical-range', send: pub(AQ03, doc({ a24088: -4 })), detail: /^AQ-03\/a24088: -4 mg\/m3 is outside the physical range \[0, / },
  { name: `an oversized payload (limit ${maxBytes} bytes)`, source: 'mqtt', reason: 'payload-too-large', send: pub(AQ03, doc({ a24088: 1 }).padEnd(maxBytes + 1, ' ')), detail: new RegExp(`payload is ${maxBytes + 1} bytes, limit is ${maxBytes}$`) },
  { name: 'an unknown site', source: 'mqtt', reason: 'unknown-site', send: pub(topic('AQ-42', 'AQ-42-V'), doc({ a24088: 1 })), detail: /^AQ-42\/AQ-42-V: site AQ-42 is not in the registry$/ },
  { name: 'an unknown device', source: 'mqtt', reason: 'unknown-device', send: pub(topic('AQ-03', 'AQ-03-Z'), doc({ a24088: 1 })), detail: /^AQ-03\/AQ-03-Z: device AQ-03-Z is not in the registry$/ },
  { name: 'a timestamp 10 min in the future', source: 'processor', reason: 'timestamp-out-of-bounds', send: pub(AQ03, doc({ a24088: 1 }, Date.now() + 10 * MIN)), detail: /is more than 5 min ahead of the gateway clock/ },
  // back-fill (HJ 212 补传) within a year is stored; older than that is refused
  { name: 'a timestamp 400 days in the past', source: 'processor', reason: 'timestamp-out-of-bounds', send: pub(AQ03, doc({ a24088: 1 }, new Date(Date.now() - 400 * DAY).toISOString())), detail: /is more than 366 d behind the gateway clock/ },
  { name: 'a timestamp in seconds instead of milliseconds', source: 'processor', reason: 'timestamp-out-of-bounds', send: pub(AQ03, doc({ a24088: 1 }, Math.floor(Date.now() / 1000))), detail: /ts 1970-01-.* behind the gateway clock/ },
  { name: 'an empty payload', source: 'mqtt', reason: 'empty-payload', send: pub(AQ03, ''), detail: /payload is empty \(0 bytes\)/ },
  { name: 'a topic outside the scheme', source: 'mqtt', reason: 'topic-outside-scheme', send: pub(`${prefix}/AQ-03/AQ-03-V/status`, doc({ a24088: 1 })), detail: /topic does not match/ },
  {
    name: 'the same message twice (a QoS 1 redelivery)',
    source: 'processor',
    reason: 'duplicate',
    send: async (e) => {
      const again = doc({ a24088: 3.25 });
      await publishRaw(e.brokerUrl, AQ03, again);
      await publishRaw(e.brokerUrl, AQ03, again);
    },
    detail: /^AQ-03\/AQ-03-V\/a24088 at .*: already received \(a redelivery\); dropped$/,
  },
  { name: 'a payload naming another site than its topic', source: 'mqtt', reason: 'identity-mismatch', send: pub(AQ03, JSON.stringify({ site: 'AQ-06', device: 'AQ-06-V', ts: Date.now(), values: { a24088: 1 } })), detail: /^AQ-03\/AQ-03-V: the payload names AQ-06\/AQ-06-V, the topic AQ-03\/AQ-03-V$/ },
  { name: 'a topic with too few levels', source: 'mqtt', reason: 'topic-outside-scheme', send: pub(`${prefix}/AQ-03`, doc({ a24088: 1 })), detail: /topic does not match/ },
];

describe('bad input through the running gateway: counted, dead-lettered with its reason, and the next good reading still arrives', () => {
  let influx: RunningInflux;
  let broker: RunningBroker;
  let sim: ModbusSimulators;
  let gw: Gateway;
  let dataDir: string;
  let env: Env;
  const logLines: string[] = [];
  let good = 0;

  /** publish one good AQ-06 reading with a value never used before and wait for it in InfluxDB */
  async function goodReadingArrives(): Promise<Record<string, unknown>> {
    const value = 1 + ++good / 1000;
    await publishRaw(broker.url, topic('AQ-06', 'AQ-06-V'), doc({ a24088: value }));
    return waitFor(async () => (await influx.query(`SELECT "value", "enterprise" FROM "air_fence" WHERE "site" = 'AQ-06'`)).find((row) => row.value === value), `AQ-06 a24088 = ${value} in InfluxDB`);
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'park-bad-'));
    influx = await startInflux();
    broker = await createBroker({ port: 0 });
    const signals = new ParkSignals(registry);
    signals.set('RO-01', 'w21003', 1.5);
    sim = await startModbusSimulators(registry, signals);
    env = { brokerUrl: broker.url, signals };
    const log = pino({ level: 'info' }, { write: (line: string) => void logLines.push(line) });
    gw = await startGateway({ registry: sim.registry, mqttUrl: broker.url, influx, httpPort: 0, dataDir, log });
    await waitFor(() => gw.metrics.connectionState.clients.get('park-gateway')?.connected, 'the MQTT input to connect');
    await goodReadingArrives();
  }, 120_000);
  afterAll(async () => {
    await gw?.stop();
    await sim?.close();
    await broker?.close();
    await influx?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const letters = (c: Case): DeadLetter[] => gw.deadLetters.recent(1000).filter((d) => d.source === c.source && d.reason === c.reason);

  it.each(cases)('$name → $source/$reason', async (c) => {
    const seen = letters(c).length;
    const counted = sample(await scrape(gw.httpPort), 'park_dead_letters_total', { source: c.source, reason: c.reason }) ?? 0;
    await c.send(env);
    const dl = await waitFor(() => letters(c).length > seen && letters(c).at(-1), `a ${c.reason} dead letter`);
    c.restore?.(env);
    expect(dl.detail).toMatch(c.detail);
    expect(dl.where.length).toBeGreaterThan(0);
    if (c.reason !== 'empty-payload') expect(dl.raw.length).toBeGreaterThan(0);
    const m = await scrape(gw.httpPort);
    expect(sample(m, 'park_dead_letters_total', { source: c.source, reason: c.reason })).toBeGreaterThan(counted);
    expect(sample(m, 'park_readings_rejected_total', { stage: c.source, reason: c.reason })).toBeGreaterThan(0);
    // alive and losing nothing good: the next good reading is stored, /healthz answers
    await goodReadingArrives();
    if (c.source === 'modbus') await waitFor(async () => (await influx.query(`SELECT "value" FROM "rain_outlet" WHERE "site" = 'RO-01' AND "pollutant" = 'w21003' AND time > ${Date.now() - 60_000}ms`)).some((r) => r.value === 1.5), 'RO-01 w21003 = 1.5 again');
    expect((await fetch(`http://127.0.0.1:${gw.httpPort}/healthz`)).status).toBe(200);
  });

  it('a payload naming another site is never written: neither for its topic nor for the site it names', async () => {
    const forged = 42.625;
    await publishRaw(broker.url, AQ03, JSON.stringify({ site: 'AQ-06', ts: Date.now(), values: { a24088: forged } }));
    await waitFor(() => gw.deadLetters.recent(1000).find((d) => d.reason === 'identity-mismatch' && d.raw.includes(String(forged))), 'the forged message dead-lettered');
    await goodReadingArrives(); // published after it, so stored after it had its chance
    expect(await influx.query(`SELECT "value" FROM "air_fence" WHERE "value" = ${forged}`)).toEqual([]);
  });

  it('a payload of exactly the limit is accepted', async () => {
    const value = 7.125;
    const body = doc({ a24088: value }).padEnd(maxBytes, ' ');
    expect(Buffer.byteLength(body)).toBe(maxBytes);
    await publishRaw(broker.url, AQ03, body);
    await waitFor(async () => (await influx.query(`SELECT "value" FROM "air_fence" WHERE "site" = 'AQ-03'`)).some((r) => r.value === value), 'the 64 KiB message stored');
  });

  it('keeps every dead letter in the dead-letter file, one JSON line each, with its reason', () => {
    const lines = readFileSync(join(dataDir, 'dead-letters.jsonl'), 'utf8').trimEnd().split('\n');
    const stored = lines.map((l) => JSON.parse(l) as DeadLetter);
    for (const c of cases) expect(stored.some((d) => d.source === c.source && d.reason === c.reason), c.name).toBe(true);
    expect(stored).toHaveLength(gw.deadLetters.total());
  });

  it('enterprise names with commas, spaces, equals signs, quotes, tabs, backslashes and Chinese survive line protocol', async () => {
    const rows = await influx.query(`SELECT "value", "enterprise" FROM "air_fence" WHERE "enterprise" = '${ENTERPRISE.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
    expect(rows.length).toBeGreaterThanOrEqual(good);
    expect(rows.every((r) => r.enterprise === ENTERPRISE)).toBe(true);
    const tagValues = await influx.query<{ key: string; value: string }>(`SHOW TAG VALUES FROM "air_fence" WITH KEY = "enterprise"`);
    expect(tagValues.map((t) => t.value)).toContain(ENTERPRISE);
    // nothing leaked into other measurements (a broken escape would create one named after part of the text)
    const measurements = (await influx.query<{ name: string }>('SHOW MEASUREMENTS')).map((r) => r.name);
    // (site_state carries the enterprise name too; the other state measurements of the dashboards are listed)
    expect(measurements.filter((name) => !['air_fence', 'rain_outlet', 'tickets', 'means', 'site_state', 'ticket_state', 'gateway_health', 'rose', 'attribution'].includes(name))).toEqual([]);
  });

  it('logs one JSON line per event, with the site and device of a rejected message', () => {
    expect(logLines.length).toBeGreaterThan(0);
    for (const line of logLines) {
      expect(line.indexOf('\n')).toBe(line.length - 1);
      expect(() => JSON.parse(line)).not.toThrow();
    }
    const logs = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const rejected = logs.filter((l) => l.msg === 'mqtt message rejected' && l.reason === 'malformed-json');
    expect(rejected).toHaveLength(2); // the truncated document and the NaN literal
    expect(rejected[0]).toMatchObject({ level: 40, reason: 'malformed-json', topic: AQ03, site: 'AQ-03', device: 'AQ-03-V', input: 'mqtt' });
    expect(String(rejected[0]!.detail)).toMatch(/^AQ-03\/AQ-03-V: /);
    expect(logs.find((l) => l.reason === 'out-of-physical-range')).toMatchObject({ level: 40, site: 'AQ-03', device: 'AQ-03-V' });
    expect(logs.find((l) => l.reason === 'unknown-site')).toMatchObject({ site: 'AQ-42', device: 'AQ-42-V' });
    expect(logs.find((l) => l.reason === 'non-finite-value')).toMatchObject({ level: 40, site: 'RO-01', device: 'RO-01-M', pollutant: 'w21003' });
  });
});
