import type { Observable } from 'rxjs';
import type { Logger } from 'pino';
import type { ReadingBatch } from '../model/reading.js';
import type { Registry } from '../registry/schema.js';
import type { DeadLetterStore } from '../deadLetter/index.js';
import type { DeviceHealth } from '../health/index.js';
import type { MqttClientAuth } from './mqtt/client.js';

/** Connection events of an input that holds a long-lived connection (the MQTT input's broker session), for metrics and /readyz. */
export interface ConnectionEvents {
  /** CONNACK received; `reconnect` from the second connection of one subscription on */
  connected(e: { input: string; clientId: string; url: string; reconnect: boolean; sessionPresent: boolean }): void;
  /** the connection closed (lost, refused or ended) */
  disconnected(e: { input: string; clientId: string; url: string }): void;
  /** SUBACK granted the input's subscription: from now on the broker routes the input's topics to it */
  subscribed?(e: { input: string; clientId: string }): void;
  /** a message the broker sent again (DUP flag, MQTT 3.1.1 §3.3.1.1): the input may see it twice */
  redelivered?(e: { input: string; clientId: string }): void;
}

/** What every input receives; built outside and passed in (clients, stores and clocks are injected). */
export interface InputContext {
  registry: Registry;
  log: Logger;
  deadLetters: DeadLetterStore;
  health: DeviceHealth;
  /** broker URL for the MQTT input when it connects as a client (MQTT_URL, an external broker) */
  mqttUrl: string;
  /** the MQTT input's login and TLS files for that broker (MQTT_USERNAME/…, MQTT_CA_FILE/…) */
  mqttClient?: MqttClientAuth;
  /**
   * Messages handed over by the embedded broker (no MQTT client round trip). When set, the MQTT input
   * reads these instead of connecting to `mqttUrl`.
   */
  mqttFeed?: Observable<BrokerHandoff>;
  /** optional listener for connection state (metrics, readiness) */
  connections?: ConnectionEvents;
}

/** One PUBLISH the embedded broker received from a device (topic and payload bytes as sent). */
export interface BrokerMessage {
  readonly topic: string;
  readonly payload: Buffer;
  /** DUP flag (MQTT 3.1.1 §3.3.1.1): the device sends it again */
  readonly dup: boolean;
}

/**
 * The data messages the embedded broker received in one event-loop turn. The broker holds their
 * PUBACKs until `settle()`: called with no argument once their readings are durable, or with the error
 * (the broker then closes those devices' connections, so they send again, MQTT 3.1.1 §4.4).
 */
export interface BrokerHandoff {
  readonly messages: readonly BrokerMessage[];
  settle(err?: Error): void;
}

/**
 * Builds an input. Nothing happens until the Observable is subscribed; unsubscribing stops all I/O.
 * It emits one ReadingBatch per unit of arrival (Modbus poll, MQTT message or broker hand-off) and never
 * acknowledges a batch itself: the processor calls `ack` after the readings are durable.
 */
export type InputFactory = (ctx: InputContext) => Observable<ReadingBatch>;
