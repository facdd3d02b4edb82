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

/** what demoWebLogins needs of the gateway's access control (gateway/auth) */
interface DemoUsers {
  users: {
    byUsername(name: string): { id: string } | undefined;
    create(input: unknown, actor: DemoActor): { id: string };
    update(id: string, patch: unknown, actor: DemoActor): unknown;
  };
}
type DemoActor = { kind: 'admin-token'; username: string; role: 'admin'; address: string };
const DEMO_ADMIN: DemoActor = { kind: 'admin-token', username: 'admin-token', role: 'admin', address: '127.0.0.1' };

/**
 * The demo's web sign-ins: every registry officer (username = officer id, a user the gateway makes at
 * start) and a section chief `chief` get one random password, printed by the demo, so that the pages can
 * be tried at once. The change is audited as the admin token's, like one made through /api/users.
 */
export function demoWebLogins(access: DemoUsers, registry: Registry, password: string): string[] {
  const chief = access.users.byUsername('chief') ?? access.users.create({ username: 'chief', role: 'chief', displayName: '陈科长' }, DEMO_ADMIN);
  access.users.update(chief.id, { password }, DEMO_ADMIN);
  const names = ['chief'];
  for (const o of registry.officers) {
    const u = access.users.byUsername(o.id);
    if (!u) continue;
    access.users.update(u.id, { password }, DEMO_ADMIN);
    names.push(o.id);
  }
  return names;
}
