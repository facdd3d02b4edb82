import { parseEnv } from '../gateway/env.js';
import { createLogger } from '../gateway/log.js';
import { ConfigError, loadRegistry } from '../gateway/registry/loader.js';
import { startSimulators } from './index.js';
import { simulatorLogins } from './logins.js';

// Standalone simulators (docker compose profile "simulators"): Modbus on the registry's ports, MQTT to MQTT_URL.
const log = createLogger('park-simulators');
try {
  const env = parseEnv();
  const registry = loadRegistry(env.PARK_CONFIG);
  const sims = await startSimulators(registry, {
    mqttUrl: env.MQTT_URL ?? `mqtt://127.0.0.1:${env.MQTT_PORT}`,
    mqttCredentials: simulatorLogins(process.env.SIM_MQTT_LOGINS),
    fixedPorts: true,
    scenario: process.env.SCENARIO ?? 'normal',
    onStep: (say) => log.info({ scenario: process.env.SCENARIO }, say),
  });
  log.info({ sites: registry.sites.length }, 'simulators running');
  const stop = async () => {
    await sims.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
