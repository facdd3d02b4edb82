import type { Observable } from 'rxjs';
import type { Logger } from 'pino';
import type { Reading } from '../model/reading.js';
import type { Registry } from '../registry/schema.js';
import type { DeadLetterStore } from '../deadLetter/index.js';
import type { DeviceHealth } from '../health/index.js';

/** Connection events of an input that holds a long-lived connection (the MQTT input's broker session), for metrics and /readyz. */
export interface ConnectionEvents {
  /** CONNACK received; `reconnect` from the second connection of one subscription on */
  connected(e: { input: string; clientId: string; url: string; reconnect: boolean; sessionPresent: boolean }): void;
  /** the connection closed (lost, refused or ended) */
  disconnected(e: { input: string; clientId: string; url: string }): void;
  /** a message the broker sent again (DUP flag, MQTT 3.1.1 §3.3.1.1): the input may see it twice */
  redelivered?(e: { input: string; clientId: string }): void;
}

/** What every input receives; built outside and passed in (clients, stores and clocks are injected). */
export interface InputContext {
  registry: Registry;
  log: Logger;
  deadLetters: DeadLetterStore;
  health: DeviceHealth;
  /** broker URL for the MQTT input (embedded broker or MQTT_URL) */
  mqttUrl: string;
  /** optional listener for connection state (metrics, readiness) */
  connections?: ConnectionEvents;
}

/** Builds an input. Nothing happens until the Observable is subscribed; unsubscribing stops all I/O. */
export type InputFactory = (ctx: InputContext) => Observable<Reading>;
