import { serveAedes, type BrokerOptions, type RunningBroker } from './server.js';

export { credentialsHook, type BrokerOptions, type RunningBroker } from './server.js';
export { startEmbeddedBroker, type BrokerCounters, type EmbeddedBroker, type EmbeddedBrokerOptions } from './embedded.js';
export type { BrokerAccess } from './access.js';
export { DEFAULT_LIMITS, type BrokerLimits } from './protocol.js';
export { anonymousAccess, brokerAccess, brokerSettings, dataTopic, type BrokerEnv } from './policy.js';

/**
 * A plain aedes broker in the calling thread (no hand-off): for tests and tools that need a broker
 * next to them, and clients (the MQTT input with MQTT_URL) that connect to it. The gateway's own
 * embedded broker is `startEmbeddedBroker` (its own thread, data handed to the gateway directly).
 */
export function createBroker(opts: BrokerOptions = {}): Promise<RunningBroker> {
  return serveAedes(opts);
}
