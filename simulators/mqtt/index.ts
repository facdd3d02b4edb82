import { randomUUID } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { MqttDevice, MqttPayload, Registry } from '../../gateway/registry/schema.js';
import type { ParkSignals } from '../signals.js';

export interface MqttSimulatorOptions {
  url: string;
  /** publish interval for every device, overriding each device's intervalMs */
  intervalMs?: number;
  /** topic prefix; defaults to registry.inputs.mqtt.topicPrefix */
  topicPrefix?: string;
  /** publish on timers (default true); false: only publishNow() publishes */
  timers?: boolean;
  clientId?: string;
  username?: string;
  password?: string;
  /**
   * login → plain password, as the broker's users (secrets file `mqtt.users`): a device whose id is a
   * login connects as itself, else one whose site id is a login shares its station's connection; the
   * rest share one connection with `username`/`password`.
   */
  credentials?: Record<string, string>;
}

export interface MqttSimulators {
  /** publish one message now for one device, or for every device; resolves when the broker acknowledged (QoS 1) */
  publishNow(deviceId?: string): Promise<void>;
  /** publish an arbitrary payload on an arbitrary topic over the simulators' connection (QoS 1) */
  publishRaw(topic: string, payload: string | Buffer): Promise<void>;
  /** the topic a device publishes on */
  topicOf(deviceId: string): string;
  close(): Promise<void>;
  /** messages published so far (acknowledged by the broker) */
  readonly published: number;
}

interface SimDevice {
  site: string;
  device: MqttDevice;
  topic: string;
}

/**
 * What a device sends: every channel from the shared signals; flags only where not N (N is the default).
 * Values follow the (possibly accelerated) simulated clock; the timestamp is the device's own clock, the
 * wall clock, like a real data logger's.
 */
export function devicePayload(signals: ParkSignals, site: string, device: MqttDevice, at = signals.now(), stamp = Date.now()): MqttPayload {
  const values: Record<string, number> = {};
  const flags: Record<string, NonNullable<MqttPayload['flags']>[string]> = {};
  for (const code of device.channels) {
    values[code] = signals.value(site, code, at);
    const flag = signals.flag(site, code);
    if (flag !== 'N') flags[code] = flag;
  }
  return { ts: new Date(stamp).toISOString(), values, ...(Object.keys(flags).length ? { flags } : {}) };
}

/** A garbage device sends a truncated JSON document. */
function garbagePayload(signals: ParkSignals, site: string, device: MqttDevice): string {
  const text = JSON.stringify(devicePayload(signals, site, device));
  return text.slice(0, Math.max(1, Math.floor(text.length / 2)));
}

function publishAsync(client: MqttClient, topic: string, payload: string | Buffer): Promise<void> {
  return new Promise((resolve, reject) => client.publish(topic, payload, { qos: 1 }, (err) => (err ? reject(err) : resolve())));
}

/**
 * MQTT simulators for every `kind: mqtt` device in the registry (fence-line VOC/odor stations and the
 * weather station). All devices share one MQTT 3.1.1 connection (one client id); each device publishes
 * on its own topic `<prefix>/<site>/<device>/data` at its own interval, QoS 1.
 * Scenario hooks from ParkSignals: a silent device publishes nothing, a garbage device publishes
 * malformed JSON.
 */
export async function startMqttSimulators(registry: Registry, signals: ParkSignals, opts: MqttSimulatorOptions): Promise<MqttSimulators> {
  const prefix = (opts.topicPrefix ?? registry.inputs.mqtt.topicPrefix).replace(/\/+$/, '');
  const devices = new Map<string, SimDevice>();
  for (const site of registry.sites) {
    for (const d of site.devices) if (d.kind === 'mqtt') devices.set(d.id, { site: site.id, device: d, topic: `${prefix}/${site.id}/${d.id}/data` });
  }
  const creds = opts.credentials ?? {};
  const loginOf = (sim: SimDevice) => (Object.hasOwn(creds, sim.device.id) ? sim.device.id : Object.hasOwn(creds, sim.site) ? sim.site : '');
  const clients = new Map<string, MqttClient>();
  const tag = randomUUID().slice(0, 8);
  for (const login of new Set(['', ...[...devices.values()].map(loginOf)])) {
    if (login === '' && opts.credentials && devices.size > 0 && [...devices.values()].every((d) => loginOf(d) !== '')) continue; // everyone has a login
    const client = await mqtt.connectAsync(opts.url, {
      clientId: login === '' ? (opts.clientId ?? `park-sim-mqtt-${tag}`) : `park-sim-${login}-${tag}`,
      protocolVersion: 4,
      clean: true,
      reconnectPeriod: 1000,
      username: login === '' ? opts.username : login,
      password: login === '' ? opts.password : creds[login],
    });
    client.on('error', () => undefined); // reconnects on its own; publishes wait in the offline queue
    clients.set(login, client);
  }
  const shared = () => clients.get('') ?? clients.values().next().value!;
  let published = 0;

  const publishOn = async (client: MqttClient, topic: string, payload: string | Buffer) => {
    await publishAsync(client, topic, payload);
    published++;
  };
  const publishRaw = (topic: string, payload: string | Buffer) => publishOn(shared(), topic, payload);
  const publishDevice = async (sim: SimDevice) => {
    if (signals.isSilent(sim.device.id)) return;
    const payload = signals.isGarbage(sim.device.id) ? garbagePayload(signals, sim.site, sim.device) : JSON.stringify(devicePayload(signals, sim.site, sim.device));
    await publishOn(clients.get(loginOf(sim)) ?? shared(), sim.topic, payload);
  };
  const lookup = (deviceId: string): SimDevice => {
    const sim = devices.get(deviceId);
    if (!sim) throw new Error(`mqtt simulator: ${deviceId} is not an MQTT device of the registry`);
    return sim;
  };

  const timers: NodeJS.Timeout[] = [];
  if (opts.timers ?? true) {
    for (const sim of devices.values()) {
      const every = opts.intervalMs ?? sim.device.intervalMs;
      timers.push(setInterval(() => publishDevice(sim).catch(() => undefined), every));
    }
  }

  return {
    publishNow: async (deviceId) => {
      const targets = deviceId === undefined ? [...devices.values()] : [lookup(deviceId)];
      await Promise.all(targets.map(publishDevice));
    },
    publishRaw,
    topicOf: (deviceId) => lookup(deviceId).topic,
    close: async () => {
      timers.forEach(clearInterval);
      await Promise.all([...clients.values()].map((c) => c.endAsync()));
    },
    get published() {
      return published;
    },
  };
}

/** Publish one raw payload on a topic with a short-lived connection (QoS 1), e.g. a malformed message in a test. */
export async function publishRaw(url: string, topic: string, payload: string | Buffer, opts: { clientId?: string; retain?: boolean; username?: string; password?: string } = {}): Promise<void> {
  const client = await mqtt.connectAsync(url, {
    clientId: opts.clientId ?? `park-sim-raw-${randomUUID().slice(0, 8)}`,
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
    username: opts.username,
    password: opts.password,
  });
  try {
    await client.publishAsync(topic, payload, { qos: 1, retain: opts.retain ?? false });
  } finally {
    await client.endAsync();
  }
}
