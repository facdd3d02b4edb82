import type { Observable } from 'rxjs';
import type { Logger } from 'pino';
import type { Reading } from '../model/reading.js';
import type { Registry } from '../registry/schema.js';
import type { DeadLetterStore } from '../deadLetter/index.js';
import type { DeviceHealth } from '../health/index.js';

/** What every input receives; built outside and passed in (clients, stores and clocks are injected). */
export interface InputContext {
  registry: Registry;
  log: Logger;
  deadLetters: DeadLetterStore;
  health: DeviceHealth;
  /** broker URL for the MQTT input (embedded broker or MQTT_URL) */
  mqttUrl: string;
}

/** Builds an input. Nothing happens until the Observable is subscribed; unsubscribing stops all I/O. */
export type InputFactory = (ctx: InputContext) => Observable<Reading>;
