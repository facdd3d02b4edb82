import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import mqtt from 'mqtt';
import { loadRegistry } from '../../gateway/registry/loader.js';
import { publishRaw, startMqttSimulators } from '../../simulators/mqtt/index.js';
import { ParkSignals } from '../../simulators/signals.js';
import { isolatedRegistry, runMqttInput, until } from '../helpers/mqtt.js';

/** The machine's Mosquitto, used as an external broker; shared, so every run has its own topic prefix and client ids. */
const MOSQUITTO = process.env.MQTT_TEST_URL ?? 'mqtt://127.0.0.1:1883';

const stops: (() => unknown)[] = [];
const sessions: string[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
  // discard the persistent sessions this run left on the shared broker: CleanSession = 1 ends the old session [MQTT-3.1.2-6]
  for (const clientId of sessions.splice(0)) {
    const c = await mqtt.connectAsync(MOSQUITTO, { clientId, clean: true, protocolVersion: 4, reconnectPeriod: 0 });
    await c.endAsync();
  }
});

function setup() {
  const tag = randomUUID().slice(0, 8);
  const registry = isolatedRegistry(loadRegistry(), tag);
  const signals = new ParkSignals(registry);
  return { tag, registry, signals };
}

describe('MQTT input with an external broker (Mosquitto)', () => {
  it('delivers every channel of every MQTT device with the simulated values', async () => {
    const { tag, registry, signals } = setup();
    const expected = new Map<string, number>();
    registry.sites.forEach((s, i) =>
      s.devices.forEach((d) => {
        if (d.kind !== 'mqtt') return;
        d.channels.forEach((code, j) => {
          signals.set(s.id, code, i * 10 + j + 0.5);
          expected.set(`${s.id}/${d.id}/${code}`, i * 10 + j + 0.5);
        });
      }),
    );
    const input = runMqttInput(registry, MOSQUITTO, { clientIdSuffix: tag });
    sessions.push(`${registry.inputs.mqtt.clientId}-${tag}`);
    stops.push(() => input.stop());
    await input.subscribed();
    const sims = await startMqttSimulators(registry, signals, { url: MOSQUITTO, timers: false });
    stops.push(() => sims.close());
    await sims.publishNow();

    await until(() => input.readings.length >= expected.size, `${expected.size} readings`);
    const got = new Map(input.readings.map((r) => [`${r.site}/${r.device}/${r.pollutant}`, r.value]));
    expect(got).toEqual(expected);
    expect(input.readings.every((r) => r.source === 'mqtt' && r.flag === 'N')).toBe(true);
    expect(input.deadLetters.total()).toBe(0);
  });

  it('dead-letters a bad message and still delivers the next one', async () => {
    const { tag, registry, signals } = setup();
    signals.set('AQ-07', 'a21028', 0.031);
    const prefix = registry.inputs.mqtt.topicPrefix;
    const input = runMqttInput(registry, MOSQUITTO, { clientIdSuffix: tag });
    sessions.push(`${registry.inputs.mqtt.clientId}-${tag}`);
    stops.push(() => input.stop());
    await input.subscribed();
    await publishRaw(MOSQUITTO, `${prefix}/AQ-07/AQ-07-V/data`, '{"ts": 1, "values": {"a21028": "NaN"}}');
    await publishRaw(MOSQUITTO, `${prefix}/AQ-07/AQ-07-V/data`, 'not json');
    const sims = await startMqttSimulators(registry, signals, { url: MOSQUITTO, timers: false });
    stops.push(() => sims.close());
    await sims.publishNow('AQ-07-V');

    await until(() => input.readings.find((r) => r.pollutant === 'a21028') && input.deadLetters.total() >= 2, 'the good reading and both rejects');
    expect(input.readings.find((r) => r.pollutant === 'a21028')?.value).toBe(0.031);
    expect(input.deadLetters.counts()).toEqual({ 'invalid-payload': 1, 'malformed-json': 1 });
    expect(input.deadLetters.recent()[0]?.detail).toBe('AQ-07/AQ-07-V: values.a21028: expected number, received string');
  });

  it('resumes its persistent session: a QoS 1 message published while away is delivered on return', async () => {
    const { tag, registry, signals } = setup();
    signals.set('WS-01', 'a01002', 81.5);
    const first = runMqttInput(registry, MOSQUITTO, { clientIdSuffix: tag, clean: false });
    sessions.push(`${registry.inputs.mqtt.clientId}-${tag}`);
    stops.push(() => first.stop());
    await first.subscribed();
    first.stop();
    await until(() => first.logs.some((l) => l.msg === 'mqtt input: connection closed'), 'the first client to disconnect');

    const sims = await startMqttSimulators(registry, signals, { url: MOSQUITTO, timers: false });
    stops.push(() => sims.close());
    await sims.publishNow('WS-01-W');
    const second = runMqttInput(registry, MOSQUITTO, { clientIdSuffix: tag, clean: false });
    stops.push(() => second.stop());
    await until(() => second.readings.find((r) => r.pollutant === 'a01002'), 'the queued message');
    expect(second.readings.find((r) => r.pollutant === 'a01002')?.value).toBe(81.5);
    expect(second.logs.some((l) => l.msg === 'mqtt input: connected' && l.sessionPresent === true)).toBe(true);
  });
});
