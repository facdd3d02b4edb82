import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBroker } from '../../gateway/broker/index.js';
import type { MqttDevice } from '../../gateway/inputs/mqtt/config.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { startMqttSimulators, type MqttSimulators } from '../../simulators/mqtt/index.js';
import { ParkSignals } from '../../simulators/signals.js';
import { startBroker } from '../helpers/broker.js';
import { isolatedRegistry, runMqttInput, until, type RunningMqttInput } from '../helpers/mqtt.js';

type Broker = Awaited<ReturnType<typeof startBroker>>;

/** every MQTT device of a registry with its site */
function mqttDevices(registry: Registry): { site: string; device: MqttDevice }[] {
  return registry.sites.flatMap((s) => s.devices.filter((d): d is MqttDevice => d.kind === 'mqtt').map((device) => ({ site: s.id, device })));
}

/** a distinct fixed value for every channel, so a value landing on the wrong site or code is caught */
function setFixedValues(registry: Registry, signals: ParkSignals): Map<string, number> {
  const expected = new Map<string, number>();
  mqttDevices(registry).forEach(({ site, device }, i) =>
    device.channels.forEach((code, j) => {
      const v = 100 * i + j + 0.125;
      signals.set(site, code, v);
      expected.set(`${site}/${device.id}/${code}`, v);
    }),
  );
  return expected;
}

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

describe('MQTT input with the embedded broker', () => {
  let broker: Broker;
  let registry: Registry;
  let signals: ParkSignals;
  beforeEach(async () => {
    broker = await startBroker();
    stops.push(() => broker.close());
    registry = loadRegistry();
    signals = new ParkSignals(registry);
  });

  async function start(opts: { intervalMs?: number; timers?: boolean } = {}): Promise<{ input: RunningMqttInput; sims: MqttSimulators }> {
    const input = runMqttInput(registry, broker.url);
    stops.push(() => input.stop());
    await input.subscribed();
    const sims = await startMqttSimulators(registry, signals, { url: broker.url, timers: opts.timers ?? false, intervalMs: opts.intervalMs });
    stops.push(() => sims.close());
    return { input, sims };
  }

  it('delivers every channel of every MQTT device (fence line, weather, pipe analysers) with the simulated value, unit and flag', async () => {
    const expected = setFixedValues(registry, signals);
    signals.setFlag('AQ-02', 'C', 'a21028');
    signals.setFlag('WS-01', 'M');
    const devices = mqttDevices(registry);
    // the characteristic-pollutant analysers of 鑫源印染 (WP-10) and 华瑞电镀 (WP-13) report over MQTT too
    expect(devices.map((d) => d.site)).toEqual(['WP-10', 'WP-13', 'AQ-01', 'AQ-02', 'AQ-03', 'AQ-04', 'AQ-05', 'AQ-06', 'AQ-07', 'AQ-08', 'AQ-09', 'WS-01']);

    const { input, sims } = await start();
    await sims.publishNow();
    await until(() => input.readings.length >= expected.size, `${expected.size} readings`);

    const got = new Map(input.readings.map((r) => [`${r.site}/${r.device}/${r.pollutant}`, r]));
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, value] of expected) {
      const r = got.get(key)!;
      expect(r.value, key).toBe(value);
      expect(r.unit, key).toBe(registry.pollutants[r.pollutant]!.unit);
      expect(r.source).toBe('mqtt');
      const flag = r.site === 'WS-01' ? 'M' : r.site === 'AQ-02' && r.pollutant === 'a21028' ? 'C' : 'N';
      expect(r.flag, key).toBe(flag);
    }
    expect(sims.published).toBe(devices.length);
    for (const { device } of devices) expect(input.health.get(device.id)?.online, device.id).toBe(true);
    expect(input.deadLetters.total()).toBe(0);
  });

  it('publishes on each device interval without being asked', async () => {
    signals.set('AQ-01', 'a24088', 3.5);
    const { input, sims } = await start({ intervalMs: 150, timers: true });
    const devices = mqttDevices(registry);
    const count = (id: string, code: string) => input.readings.filter((r) => r.device === id && r.pollutant === code).length;
    await until(() => devices.every(({ device }) => count(device.id, device.channels[0]!) >= 2), 'two periodic messages from every device');
    expect(sims.published).toBeGreaterThanOrEqual(2 * devices.length);
    expect(input.readings.find((r) => r.device === 'AQ-01-V' && r.pollutant === 'a24088')?.value).toBe(3.5);
  });

  it('a garbage device is dead-lettered and marked failing, a silent one sends nothing, the rest go on', async () => {
    signals.setGarbage('AQ-04-V', true);
    signals.setSilent('AQ-05-V', true);
    const { input, sims } = await start();
    await sims.publishNow();
    await until(() => input.deadLetters.total() >= 1 && input.readings.length >= 7 * 4 + 5, 'the other devices');
    expect(new Set(input.readings.map((r) => r.device)).has('AQ-04-V')).toBe(false);
    expect(new Set(input.readings.map((r) => r.device)).has('AQ-05-V')).toBe(false);
    expect(input.deadLetters.counts()).toEqual({ 'malformed-json': 1 });
    const [dl] = input.deadLetters.recent();
    expect(dl).toMatchObject({ source: 'mqtt', where: sims.topicOf('AQ-04-V'), reason: 'malformed-json', detail: expect.stringMatching(/^AQ-04\/AQ-04-V: /) });
    expect(input.health.get('AQ-04-V')).toMatchObject({ online: false, errors: { 'malformed-json': 1 } });
    expect(input.health.get('AQ-05-V')).toBeUndefined();
    expect(input.logs.some((l) => l.level === 40 && l.reason === 'malformed-json' && l.topic === sims.topicOf('AQ-04-V'))).toBe(true);
    expect(input.errors).toEqual([]);
    expect(input.completed()).toBe(false);
  });

  it('keeps a persistent session: QoS 1 messages published while the input is away arrive when it returns', async () => {
    signals.set('AQ-01', 'a24088', 7.25);
    const suffix = `persist-${Date.now()}`;
    const first = runMqttInput(registry, broker.url, { clientIdSuffix: suffix, clean: false });
    stops.push(() => first.stop());
    await first.subscribed();
    const clientId = `${registry.inputs.mqtt.clientId}-${suffix}`;
    const gone = new Promise<void>((resolve) => broker.broker.on('clientDisconnect', (c) => c.id === clientId && resolve()));
    first.stop();
    await gone;

    const sims = await startMqttSimulators(registry, signals, { url: broker.url, timers: false });
    stops.push(() => sims.close());
    await sims.publishNow('AQ-01-V');

    const second = runMqttInput(registry, broker.url, { clientIdSuffix: suffix, clean: false });
    stops.push(() => second.stop());
    await until(() => second.readings.find((r) => r.pollutant === 'a24088'), 'the queued message');
    expect(second.readings.find((r) => r.pollutant === 'a24088')?.value).toBe(7.25);
    expect(second.logs.some((l) => l.msg === 'mqtt input: connected' && l.sessionPresent === true)).toBe(true);
    expect(first.readings).toEqual([]);
  });

  it('unsubscribing ends the client connection', async () => {
    const input = runMqttInput(registry, broker.url, { clientIdSuffix: 'bye' });
    stops.push(() => input.stop());
    await input.subscribed();
    const clientId = `${registry.inputs.mqtt.clientId}-bye`;
    const gone = new Promise<void>((resolve) => broker.broker.on('clientDisconnect', (c) => c.id === clientId && resolve()));
    input.stop();
    await gone;
    expect(broker.broker.connectedClients).toBe(0);
  });
});

describe('MQTT input reconnects', () => {
  it('after the broker restarts on the same port it reconnects, resubscribes and goes on', async () => {
    const registry = isolatedRegistry(loadRegistry());
    registry.inputs.mqtt.backoffMs = { initial: 50, max: 400 };
    const signals = new ParkSignals(registry);
    signals.set('WS-01', 'a01007', 4.5);
    let broker = await startBroker();
    const port = broker.port;
    stops.push(() => broker.close());
    const input = runMqttInput(registry, broker.url);
    stops.push(() => input.stop());
    await input.subscribed();

    await broker.close();
    await until(() => input.logs.some((l) => l.msg === 'mqtt input: offline'), 'the offline log');
    await until(() => input.logs.filter((l) => l.msg === 'mqtt input: reconnecting').length >= 3, 'a few reconnect attempts');
    broker = await createBroker({ port });
    await input.subscribed(2);

    const sims = await startMqttSimulators(registry, signals, { url: broker.url, timers: false });
    stops.push(() => sims.close());
    await sims.publishNow('WS-01-W');
    await until(() => input.readings.find((r) => r.pollutant === 'a01007'), 'a reading after the restart');
    expect(input.readings.find((r) => r.pollutant === 'a01007')?.value).toBe(4.5);
    const delays = input.logs.filter((l) => l.msg === 'mqtt input: reconnecting').map((l) => l.delayMs as number);
    expect(delays.slice(0, 4)).toEqual([50, 100, 200, 400].slice(0, Math.min(4, delays.length)));
    expect(Math.max(...delays)).toBeLessThanOrEqual(400);
    expect(input.errors).toEqual([]);
  });
});

describe('MQTT input with broker credentials', () => {
  it('connects with the right credentials; with wrong ones it logs, retries and never errors the stream', async () => {
    const registry = loadRegistry();
    registry.inputs.mqtt.backoffMs = { initial: 50, max: 200 };
    const broker = await startBroker({ username: 'gateway', password: 'pa55' });
    stops.push(() => broker.close());
    const refused = runMqttInput(registry, broker.url, { username: 'gateway', password: 'nope' });
    stops.push(() => refused.stop());
    const allowed = runMqttInput(registry, broker.url, { username: 'gateway', password: 'pa55' });
    stops.push(() => allowed.stop());
    await allowed.subscribed();
    await until(() => refused.logs.filter((l) => l.msg === 'mqtt input: reconnecting').length >= 2, 'retries after the refusal');

    const signals = new ParkSignals(registry);
    signals.set('AQ-09', 'a21001', 0.4);
    const sims = await startMqttSimulators(registry, signals, { url: broker.url, timers: false, username: 'gateway', password: 'pa55' });
    stops.push(() => sims.close());
    await sims.publishNow('AQ-09-V');
    await until(() => allowed.readings.find((r) => r.pollutant === 'a21001'), 'a reading');
    expect(allowed.readings.find((r) => r.pollutant === 'a21001')?.value).toBe(0.4);
    expect(refused.readings).toEqual([]);
    expect(refused.logs.some((l) => l.msg === 'mqtt input: client error' && /Bad username or password/i.test(String(l.err)))).toBe(true);
    expect(refused.errors).toEqual([]);
    expect(refused.completed()).toBe(false);
  });
});
