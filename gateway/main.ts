import { parseEnv } from './env.js';
import { ConfigError, loadRegistry } from './registry/loader.js';

// Composition root: read configuration, then hand over to the app.
try {
  const env = parseEnv();
  const registry = loadRegistry(env.PARK_CONFIG);
  const { runGateway } = await import('./app.js');
  await runGateway(env, registry);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  throw err;
}
