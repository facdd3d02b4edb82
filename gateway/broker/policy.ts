import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { ConfigError } from '../registry/loader.js';
import type { Registry } from '../registry/schema.js';
import type { BrokerAccess } from './access.js';
import type { BrokerEnvSchema } from './config.js';
import type { EmbeddedBrokerOptions } from './embedded.js';
import type { BrokerLimits } from './protocol.js';

/** The broker of the time before access control: anyone connects, publishes anywhere, subscribes to anything. Tests and benchmarks only. */
export const anonymousAccess = (reservedClientIds: string[] = []): BrokerAccess => ({ users: {}, publish: {}, reservedClientIds, allowAnonymous: true });

/** The topic an MQTT device publishes on: `<topicPrefix>/<site>/<device>/data` (gateway/inputs/mqtt/README.md). */
export const dataTopic = (prefix: string, site: string, device: string) => `${prefix.replace(/\/+$/, '')}/${site}/${device}/data`;

/**
 * Who may do what on the embedded broker, from the registry and the secrets file's `mqtt.users`:
 * a user named after an MQTT device publishes to that device's topic only; a user named after a site
 * (a station's one login) publishes to the topics of that site's MQTT devices; nobody subscribes; the
 * gateway's client id (`inputs.mqtt.clientId`) is reserved. `notes` lists users that can publish nothing.
 */
export function brokerAccess(registry: Registry, users: Record<string, string>, o: { allowAnonymous?: boolean } = {}): { access: BrokerAccess; notes: string[] } {
  const prefix = registry.inputs.mqtt.topicPrefix;
  const publish: Record<string, string[]> = {};
  const notes: string[] = [];
  for (const user of Object.keys(users)) {
    const topics: string[] = [];
    for (const site of registry.sites) {
      const mqttDevices = site.devices.filter((d) => d.kind === 'mqtt');
      if (site.id === user) topics.push(...mqttDevices.map((d) => dataTopic(prefix, site.id, d.id)));
      for (const d of mqttDevices) if (d.id === user) topics.push(dataTopic(prefix, site.id, d.id));
    }
    publish[user] = [...new Set(topics)];
    if (topics.length === 0) notes.push(`mqtt user "${user}" is neither an MQTT device nor a site with MQTT devices: it may connect and publish nothing`);
  }
  return { access: { users, publish, reservedClientIds: [registry.inputs.mqtt.clientId], allowAnonymous: o.allowAnonymous ?? false }, notes };
}

/** The broker part of the gateway's environment (config.ts, spread into gateway/env.ts). */
export type BrokerEnv = z.infer<typeof BrokerEnvSchema>;

/** Listeners and limits from the environment; the TLS certificate and key are read here (a missing file stops start-up with its name). */
export function brokerSettings(env: BrokerEnv): Pick<EmbeddedBrokerOptions, 'plain' | 'tls'> & { limits: Partial<BrokerLimits> } {
  const read = (what: string, path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new ConfigError('environment', [{ path: what, message: `cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` }]);
    }
  };
  const tls =
    env.MQTT_TLS_PORT === undefined
      ? undefined
      : { port: env.MQTT_TLS_PORT, cert: read('MQTT_TLS_CERT_FILE', env.MQTT_TLS_CERT_FILE!), key: read('MQTT_TLS_KEY_FILE', env.MQTT_TLS_KEY_FILE!) };
  return {
    plain: env.MQTT_PLAIN,
    tls,
    limits: {
      maxPacketBytes: env.MQTT_MAX_PACKET_BYTES,
      maxRetained: env.MQTT_MAX_RETAINED,
      connectRate: { perSec: env.MQTT_CONNECT_RATE, burst: env.MQTT_CONNECT_BURST },
      publishRate: { perSec: env.MQTT_PUBLISH_RATE, burst: env.MQTT_PUBLISH_BURST },
    },
  };
}
