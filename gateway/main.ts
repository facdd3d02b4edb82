import type { Gateway } from './app.js';
import type { EmbeddedBroker } from './broker/index.js';
import { configureBroker } from './broker/startup.js';
import { parseEnv, type Env } from './env.js';
import { component, createSupervisor } from './lifecycle/index.js';
import { externalBroker } from './inputs/mqtt/client.js';
import { createLogger } from './log.js';
import { logFileFromEnv } from './logFile.js';
import { loadSecrets } from './secrets/index.js';
import { ConfigError, loadRegistry } from './registry/loader.js';
import type { Registry } from './registry/schema.js';
import { alertSecrets } from '../processor/alerts/index.js';
import { snapshotRetentionFromEnv } from '../processor/snapshots/config.js';
import { spoolSettingsFromEnv } from '../processor/sinks/spool/index.js';
import { deadLetterBoundsFromEnv } from './deadLetter/config.js';

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
  // the secrets file (PARK_SECRETS_FILE) and the environment's secrets: every log line is redacted of them
  const { secrets, warnings } = loadSecrets(env.PARK_SECRETS_FILE, process.env);
  const log = createLogger(undefined, undefined, secrets.redact, undefined, logFileFromEnv(env));
  for (const w of warnings) log.warn({ file: w.path }, w.message);
  // the external broker (MQTT_URL): its login from the environment or the secrets file's mqtt.gateway,
  // TLS files; the URL without credentials is what gets logged
  const external = env.MQTT_URL
    ? externalBroker({
        url: env.MQTT_URL,
        username: env.MQTT_USERNAME,
        password: env.MQTT_PASSWORD,
        fallback: secrets.file.mqtt.gateway,
        caFile: env.MQTT_CA_FILE,
        certFile: env.MQTT_CERT_FILE,
        keyFile: env.MQTT_KEY_FILE,
      })
    : undefined;
  if (external && !external.auth.username) log.warn({ url: external.url }, 'external broker without a login (MQTT_USERNAME, or mqtt.gateway in the secrets file): only a broker that admits anonymous clients accepts it');
  // PARK_ADMIN_TOKEN: accepted as an admin bearer token (provisioning, automation), like InfluxDB 2's and Grafana's init variables
  const adminToken = env.PARK_ADMIN_TOKEN ?? secrets.file.http?.adminToken;
  // HJ 212 credentials: loggers' PW hashes and upstream PWs, from the secrets file
  const hj212Secrets = secrets.file.hj212;
  let broker: EmbeddedBroker | undefined;
  const brokerSetup = env.MQTT_URL ? undefined : configureBroker({ env, registry, users: secrets.file.mqtt.users, secretsPath: secrets.path, log });
  let gw: Gateway | undefined;
  const supervisor = createSupervisor(
    [
      // the embedded broker (its own thread) unless MQTT_URL names an external one
      component(
        'broker',
        async () => {
          broker = await brokerSetup?.start();
        },
        () => broker?.close(),
      ),
      component(
        'gateway',
        async () => {
          const { startGateway } = await import('./app.js');
          gw = await startGateway({
            registry,
            mqttUrl: external?.url ?? broker!.url,
            mqttClient: external?.auth,
            mqttFeed: broker?.feed,
            influx: {
              url: env.INFLUX_URL ?? 'http://127.0.0.1:8086',
              database: env.INFLUX_DATABASE,
              ...(env.INFLUX_VERSION === '2' ? { v2: { org: env.INFLUX_ORG!, bucket: env.INFLUX_BUCKET!, token: env.INFLUX_TOKEN! } } : {}),
            },
            httpPort: env.HTTP_PORT,
            bindHost: env.BIND_HOST,
            spool: spoolSettingsFromEnv(env),
            alertSecrets: alertSecrets(env, secrets.file),
            publicUrl: env.PUBLIC_URL,
            snapshots: { retention: snapshotRetentionFromEnv(env) },
            dataDir: env.DATA_DIR,
            hj212Port: env.HJ212_PORT,
            people: { adminToken, allowedHosts: env.HTTP_ALLOWED_HOSTS, metricsAuth: env.METRICS_AUTH, secureCookies: env.SESSION_COOKIE_SECURE },
            deadLetters: deadLetterBoundsFromEnv(env),
            hj212Secrets,
            log,
          });
          if (broker) gw.metrics.observeBroker(broker.counters);
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
