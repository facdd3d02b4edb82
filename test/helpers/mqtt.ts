import { randomUUID } from 'node:crypto';
import type { Subscription } from 'rxjs';
import { createDeadLetterStore, type DeadLetterStore } from '../../gateway/deadLetter/index.js';
import { createDeviceHealth, type DeviceHealth } from '../../gateway/health/index.js';
import type { MqttClientAuth } from '../../gateway/inputs/mqtt/client.js';
import { createMqttInput, type MqttInputOptions } from '../../gateway/inputs/mqtt/index.js';
import { pino } from 'pino';
import type { Reading } from '../../gateway/model/reading.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { waitFor } from './wait.js';

/** Poll until check() returns a truthy value (waitFor, checked every 25 ms). */
export function until<T>(check: () => T | undefined | false, what: string, timeoutMs = 30_000, everyMs = 25): Promise<T> {
  return waitFor(check, what, timeoutMs, everyMs);
}

/** A copy of the registry with its own topic prefix and client id, so runs on a shared broker do not collide. */
export function isolatedRegistry(registry: Registry, tag = randomUUID().slice(0, 8)): Registry {
  const copy = structuredClone(registry);
  copy.inputs.mqtt.topicPrefix = `test/${tag}/park/v1`;
  copy.inputs.mqtt.clientId = `park-gateway-test-${tag}`;
  return copy;
}

export interface RunningMqttInput {
  readings: Reading[];
  deadLetters: DeadLetterStore;
  health: DeviceHealth;
  errors: unknown[];
  completed: () => boolean;
  /** parsed log lines (level ≥ info) */
  logs: { level: number; msg: string; [k: string]: unknown }[];
  /** resolves once the input's subscription has been granted (from its log) */
  subscribed(count?: number): Promise<void>;
  stop(): void;
}

/**
 * Subscribe the MQTT input against a broker and collect everything it emits. There is no processor and
 * no spool here, so each batch is acknowledged as soon as it is collected (its PUBACK goes out then).
 */
export function runMqttInput(registry: Registry, mqttUrl: string, opts: MqttInputOptions = {}, mqttClient?: MqttClientAuth): RunningMqttInput {
  const deadLetters = createDeadLetterStore();
  const health = createDeviceHealth();
  const readings: Reading[] = [];
  const errors: unknown[] = [];
  let done = false;
  const logs: RunningMqttInput['logs'] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => void logs.push(JSON.parse(line)) });
  const ctx = { registry, log, deadLetters, health, mqttUrl, mqttClient };
  const subscribed = async (count = 1) => {
    await until(() => logs.filter((l) => l.msg === 'mqtt input: subscribed').length >= count, 'the mqtt input to subscribe');
  };
  const sub: Subscription = createMqttInput({ clientIdSuffix: randomUUID().slice(0, 8), ...opts })(ctx).subscribe({
    next: (batch) => {
      readings.push(...batch.readings);
      batch.ack?.();
    },
    error: (e) => errors.push(e),
    complete: () => (done = true),
  });
  return { readings, deadLetters, health, errors, logs, subscribed, completed: () => done, stop: () => sub.unsubscribe() };
}
