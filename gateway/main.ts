import type { Gateway } from './app.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker/index.js';
import { parseEnv, type Env } from './env.js';
import { component, createSupervisor } from './lifecycle/index.js';
import { createLogger } from './log.js';
import { ConfigError, loadRegistry } from './registry/loader.js';
import type { Registry } from './registry/schema.js';
import { alertSecrets } from '../processor/alerts/index.js';
import { snapshotRetentionFromEnv } from '../processor/snapshots/config.js';
import { spoolSettingsFromEnv } from '../processor/sinks/spool/index.js';
import { deadLetterBoundsFromEnv } from './deadLetter/config.js';
import { loadSecrets } from './secrets/index.js';

// Composition root: read configuration, then hand over to the app.
try {
  const env = parseEnv();
  const registry = loadRegistry(env.PARK_CONFIG);
  await runGateway(env, registry);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}

/** `npm start`: the gateway alone, against INFLUX_URL (default http://127.0.0.1:8086) and MQTT_URL or the embedded broker. */
async function runGateway(env: Env, registry: Registry): Promise<void> {
  const log = createLogger();
  // HJ 212 credentials (issue 11): loggers' PW hashes and upstream PWs, from the secrets file (PARK_SECRETS_FILE)
  const loaded = loadSecrets(process.env.PARK_SECRETS_FILE, process.env);
  for (const w of loaded.warnings) log.warn({ file: w.path }, w.message);
  const hj212Secrets = loaded.secrets.file.hj212;
  let broker: EmbeddedBroker | undefined;
  let gw: Gateway | undefined;
  const supervisor = createSupervisor(
    [
      // the embedded broker (its own thread) unless MQTT_URL names an external one
      component(
        'broker',
        async () => {
          if (!env.MQTT_URL) broker = await startEmbeddedBroker({ host: env.BIND_HOST, port: env.MQTT_PORT, log, topicPrefix: registry.inputs.mqtt.topicPrefix });
        },
        () => broker?.close(),
      ),
      component(
        'gateway',
        async () => {
          const { startGateway } = await import('./app.js');
          gw = await startGateway({
            registry,
            mqttUrl: env.MQTT_URL ?? broker!.url,
            mqttFeed: broker?.feed,
            influx: {
              url: env.INFLUX_URL ?? 'http://127.0.0.1:8086',
              database: env.INFLUX_DATABASE,
              ...(env.INFLUX_VERSION === '2' ? { v2: { org: env.INFLUX_ORG!, bucket: env.INFLUX_BUCKET!, token: env.INFLUX_TOKEN! } } : {}),
            },
            httpPort: env.HTTP_PORT,
            bindHost: env.BIND_HOST,
            spool: spoolSettingsFromEnv(env),
            alertSecrets: alertSecrets(env),
            snapshots: { retention: snapshotRetentionFromEnv(env) },
            dataDir: env.DATA_DIR,
            hj212Port: env.HJ212_PORT,
            deadLetters: deadLetterBoundsFromEnv(env),
            hj212Secrets,
            log,
          });
        },
        () => gw?.stop(),
      ),
    ],
    log,
  );
  await supervisor.start();
  const shutdown = async (signal: string) => {
    log.info({ signal }, 'shutting down');
    await supervisor.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}
