import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createHttpServer, listen } from '../../gateway/http/server.js';
import { loadRegistry } from '../../gateway/registry/loader.js';
import type { Registry } from '../../gateway/registry/schema.js';
import { createDeviceHealth, type DeviceHealth } from '../../gateway/health/index.js';
import { registerWeb } from '../../gateway/web/index.js';
import { registerAckRoutes } from '../../gateway/web/ack.js';
import { linkKey } from '../../gateway/web/ackToken.js';
import { SYSTEM_ADMIN } from '../../gateway/auth/testing.js';
import { registerTicketRoutes } from '../../processor/tickets/api.js';
import { createTicketService, type TicketService } from '../../processor/tickets/service.js';
import { createSqliteStore, type SqliteStore } from '../../processor/tickets/sqlite.js';
import { silentLog, tempDb } from '../../processor/tickets/testing/fixtures.js';
import { registerPatrolRoutes, type PatrolStore } from '../../processor/patrol/index.js';
import { sqlitePatrolStore } from '../../processor/patrol/store.js';
import { createPhotoStore, registerHazardRoutes, type PhotoStore } from '../../processor/hazards/index.js';
import { PEOPLE, testAccess, type TestAccess } from './principal.js';

/** the password every test person signs in with through the login page */
export const WEB_PASSWORD = 'park-web-test-pw';

export interface WebRig {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly registry: Registry;
  readonly tickets: TicketService;
  readonly store: SqliteStore;
  readonly patrol: PatrolStore;
  readonly health: DeviceHealth;
  /** hazard and ticket photos, in the rig's temporary directory */
  readonly photos: PhotoStore;
  readonly access: TestAccess;
  /** the rig's clock (tickets, pages); set `clock.t` to move it */
  readonly clock: { t: number };
  /** the acknowledgement links' key (park.db), for signing test links */
  readonly ackKey: Buffer;
  close(): Promise<void>;
}

/**
 * The gateway's HTTP surface as the officers' pages use it, on 127.0.0.1:<free port>: real access control
 * (every test person has WEB_PASSWORD), the tickets and patrol APIs on a temporary park.db, and the pages.
 */
export async function startWebRig(o: { now?: number } = {}): Promise<WebRig> {
  const registry = loadRegistry();
  const tmp = tempDb('web-rig-');
  const store = createSqliteStore({ file: tmp.file });
  store.start();
  const clock = { t: o.now ?? Date.now() };
  const tickets = createTicketService({ store: store.tickets, registry, now: () => clock.t, log: silentLog, rules: registry.rules });
  const patrol = sqlitePatrolStore(store.db);
  const health = createDeviceHealth(registry.sites.flatMap((s) => s.devices.map((d) => d.id)));
  const access = testAccess();
  for (const who of Object.values(PEOPLE)) {
    const user = access.ac.users.byUsername(who.username)!;
    access.ac.users.update(user.id, { password: WEB_PASSWORD }, SYSTEM_ADMIN);
  }
  const app = createHttpServer({ log: silentLog, health: { health: () => ({}) } });
  access.install(app);
  registerTicketRoutes(app, tickets, { audit: access.audit, registry });
  registerPatrolRoutes(app, patrol, { audit: access.audit, registry });
  const photos = createPhotoStore(join(tmp.dir, 'photos'));
  registerHazardRoutes(app, { tickets, audit: access.audit, registry, photos, now: () => clock.t });
  registerWeb(app, { registry, tickets, audit: access.audit, health, patrol, now: () => clock.t });
  const ackKey = linkKey(store.db);
  registerAckRoutes(app, { registry, tickets, audit: access.audit, key: ackKey, now: () => clock.t });
  const port = await listen(app, 0);
  return {
    url: `http://127.0.0.1:${port}`,
    app,
    registry,
    tickets,
    store,
    patrol,
    health,
    photos,
    access,
    clock,
    ackKey,
    async close() {
      await app.close();
      tickets.stop();
      store.stop();
      access.close();
      tmp.remove();
    },
  };
}
