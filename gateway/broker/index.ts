import { serveAedes, type BrokerOptions, type RunningBroker } from './server.js';

export { credentialsHook, type BrokerOptions, type RunningBroker } from './server.js';
export { startEmbeddedBroker, type EmbeddedBroker } from './embedded.js';

/**
 * A plain aedes broker in the calling thread (no hand-off): for tests and tools that need a broker
 * next to them, and clients (the MQTT input with MQTT_URL) that connect to it. The gateway's own
 * embedded broker is `startEmbeddedBroker` (its own thread, data handed to the gateway directly).
 */
export function createBroker(opts: BrokerOptions = {}): Promise<RunningBroker> {
  return serveAedes(opts);
}
