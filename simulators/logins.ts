import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../gateway/registry/loader.js';

/** login (device or site id) → the plain password the installer was given (`npm run credentials` prints them) */
const LoginsSchema = z.record(z.string().min(1).max(128), z.string().min(1).max(512));

/**
 * The standalone simulators' MQTT logins (SIM_MQTT_LOGINS: a YAML or JSON file `login: password`), for a
 * broker that authenticates its devices (the embedded one, or Mosquitto as shipped). Unset: none.
 * Errors name the file and the entry, never a password.
 */
export function simulatorLogins(path: string | undefined): Record<string, string> | undefined {
  if (!path) return undefined;
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(path, [{ path: '', message: `cannot read the simulators' MQTT logins: ${(err as NodeJS.ErrnoException).code ?? 'not valid YAML'}` }]);
  }
  const r = LoginsSchema.safeParse(raw);
  if (!r.success) throw new ConfigError(path, r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })));
  return r.data;
}
