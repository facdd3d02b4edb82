import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Registry } from '../gateway/registry/schema.js';
import { hashSecret, randomSecret } from '../gateway/secrets/index.js';

/**
 * The demo's MQTT logins: one random password per MQTT device of the registry. The hashes go where a
 * gateway reads them, a secrets file (`mqtt.users`, mode 0600) in the demo's data directory, rewritten
 * at each start; the plain passwords stay in memory, for the simulated devices only.
 */
export function demoMqttLogins(registry: Registry, dataDir: string): { hashes: Record<string, string>; plain: Record<string, string>; file: string } {
  const hashes: Record<string, string> = {};
  const plain: Record<string, string> = {};
  for (const site of registry.sites)
    for (const d of site.devices) {
      if (d.kind !== 'mqtt') continue;
      plain[d.id] = randomSecret();
      hashes[d.id] = hashSecret(plain[d.id]!);
    }
  const file = join(dataDir, 'demo-secrets.yaml');
  writeFileSync(file, stringify({ mqtt: { users: hashes } }), { mode: 0o600 });
  chmodSync(file, 0o600); // the mode above applies only when the file is new
  return { hashes, plain, file };
}
