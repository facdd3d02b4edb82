import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { publishRaw } from '../../simulators/mqtt/index.js';
import { startBroker } from '../helpers/broker.js';
import { runMqttInput, until, type RunningMqttInput } from '../helpers/mqtt.js';

const registry = loadRegistry();
const prefix = registry.inputs.mqtt.topicPrefix;
const T = (site: string, device: string) => `${prefix}/${site}/${device}/data`;
const now = Date.now();
const good = (values: Record<string, unknown>) => JSON.stringify({ ts: now, values });

/** [reason, topic, payload]: each is published once, in this order, then a good message */
const bad: [string, string, string | Buffer][] = [
  ['malformed-json', T('AQ-03', 'AQ-03-V'), '{"ts":1,"values":{"a24088":1.2'],
  ['invalid-payload', T('AQ-03', 'AQ-03-V'), good({ a24088: 1.1, a21028: 'high' })],
  ['unknown-site', T('AQ-42', 'AQ-42-V'), good({ a24088: 1 })],
  ['unknown-device', T('AQ-03', 'AQ-03-Z'), good({ a24088: 1 })],
  ['device-not-at-site', T('AQ-01', 'AQ-02-V'), good({ a24088: 1 })],
  ['empty-payload', T('AQ-03', 'AQ-03-V'), ''],
  ['payload-too-large', T('AQ-03', 'AQ-03-V'), Buffer.alloc(registry.inputs.mqtt.maxPayloadBytes + 1, 0x20)],
  ['topic-outside-scheme', `${prefix}/AQ-03/AQ-03-V/status`, good({ a24088: 1 })],
  ['unknown-channel', T('AQ-03', 'AQ-03-V'), good({ a24088: 2.5, w01018: 300 })],
];

describe('MQTT input: bad messages are dead-lettered and the pipeline goes on', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let input: RunningMqttInput;
  beforeAll(async () => {
    broker = await startBroker();
    input = runMqttInput(registry, broker.url);
    await input.subscribed();
    for (const [, topic, payload] of bad) await publishRaw(broker.url, topic, payload);
    await publishRaw(broker.url, T('AQ-06', 'AQ-06-V'), good({ a24088: 0.75, a99001: 12 }));
    await until(() => input.deadLetters.total() >= bad.length && input.readings.length >= 3, 'every message to be handled');
  });
  afterAll(async () => {
    input?.stop();
    await broker?.close();
  });

  it('counts each reject once under its reason', () => {
    const expected = Object.fromEntries(bad.map(([reason]) => [reason, 1]));
    expect(input.deadLetters.counts()).toEqual(expected);
    expect(input.deadLetters.total()).toBe(bad.length);
  });

  it.each(bad)('%s: kept with source, topic, detail and raw payload', (reason, topic, payload) => {
    const dl = input.deadLetters.recent().find((d) => d.reason === reason);
    expect(dl).toBeDefined();
    expect(dl!.source).toBe('mqtt');
    expect(dl!.where).toBe(topic);
    expect(dl!.detail.length).toBeGreaterThan(10);
    const text = payload.toString();
    expect(dl!.raw.startsWith(text.slice(0, 100))).toBe(true);
    expect(input.logs.some((l) => l.level === 40 && l.reason === reason && l.topic === topic)).toBe(true);
  });

  it('details say what, where and why', () => {
    const detail = (reason: string) => input.deadLetters.recent().find((d) => d.reason === reason)?.detail;
    expect(detail('invalid-payload')).toBe('AQ-03/AQ-03-V: values.a21028: expected number, received string');
    expect(detail('unknown-site')).toBe('AQ-42/AQ-42-V: site AQ-42 is not in the registry');
    expect(detail('device-not-at-site')).toBe('AQ-01/AQ-02-V: device AQ-02-V belongs to site AQ-02, not AQ-01');
    expect(detail('payload-too-large')).toBe(`AQ-03/AQ-03-V: payload is ${registry.inputs.mqtt.maxPayloadBytes + 1} bytes, limit is ${registry.inputs.mqtt.maxPayloadBytes}`);
    expect(detail('unknown-channel')).toMatch(/^AQ-03\/AQ-03-V: values\.w01018: not a channel of AQ-03-V/);
  });

  it('keeps the good value of a partly bad message and the good message after the bad ones', () => {
    expect(input.readings.map((r) => [r.site, r.pollutant, r.value]).sort()).toEqual([
      ['AQ-03', 'a24088', 2.5],
      ['AQ-06', 'a24088', 0.75],
      ['AQ-06', 'a99001', 12],
    ]);
    expect(input.health.get('AQ-06-V')?.online).toBe(true);
    expect(input.errors).toEqual([]);
    expect(input.completed()).toBe(false);
  });
});
