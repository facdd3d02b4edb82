import type { Logger } from 'pino';
import type { Registry } from '../registry/schema.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './embedded.js';
import { brokerAccess, brokerSettings, type BrokerEnv } from './policy.js';

/**
 * The gateway's embedded broker as the environment and the secrets file configure it: checked and
 * logged now (before any component starts, so bad configuration exits with code 2), started by
 * `start()`. Secure by
 * default: the logins are the secrets file's `mqtt.users`; with none every client is refused, and the
 * log says how to provision them. MQTT_ALLOW_ANONYMOUS=true (development only) lets anyone in, loudly.
 */
export function configureBroker(o: {
  env: BrokerEnv & { BIND_HOST: string; MQTT_PORT: number };
  registry: Registry;
  /** secrets.file.mqtt.users: username → scrypt hash */
  users: Record<string, string>;
  secretsPath?: string;
  log: Logger;
}): { start(): Promise<EmbeddedBroker> } {
  const { env, log } = o;
  const { access, notes } = brokerAccess(o.registry, o.users, { allowAnonymous: env.MQTT_ALLOW_ANONYMOUS });
  for (const n of notes) log.warn(n);
  if (access.allowAnonymous)
    log.warn(
      'MQTT_ALLOW_ANONYMOUS=true: THE EMBEDDED BROKER ACCEPTS ANY CLIENT WITHOUT CREDENTIALS, ON ANY TOPIC, AND LETS IT SUBSCRIBE TO EVERYTHING. Development only; never in a park.',
    );
  else if (Object.keys(access.users).length === 0)
    log.warn(
      { secretsFile: o.secretsPath ?? null },
      'mqtt broker: no MQTT users configured, every device will be refused. Provision them with `npm run credentials` (writes mqtt.users hashes into the secrets file; PARK_SECRETS_FILE names it) and give each device its printed password',
    );
  const settings = brokerSettings(env); // reads the TLS files now: a missing one is a ConfigError (exit 2)
  return {
    async start() {
      const broker = await startEmbeddedBroker({ host: env.BIND_HOST, port: env.MQTT_PORT, topicPrefix: o.registry.inputs.mqtt.topicPrefix, access, log, ...settings });
      log.info({ url: env.MQTT_PLAIN ? broker.url : undefined, tlsUrl: broker.tlsUrl, users: Object.keys(access.users).length, anonymous: access.allowAnonymous }, 'mqtt broker: embedded broker started');
      return broker;
    },
  };
}
