import { join } from 'node:path';
import type Database from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import type { AuditLog } from './auth/index.js';
import type { DeviceHealth } from './health/index.js';
import { registerSnapshotRoutes } from './http/snapshots.js';
import type { Registry } from './registry/schema.js';
import { registerAckRoutes } from './web/ack.js';
import { registerWeb } from './web/index.js';
import { deliveriesOf } from '../processor/alerts/index.js';
import { createPhotoStore, registerHazardRoutes } from '../processor/hazards/index.js';
import { registerValveRoutes, type Interlock } from '../processor/interlock/index.js';
import { registerPatrolRoutes, type PatrolStore } from '../processor/patrol/index.js';
import type { SnapshotStore } from '../processor/snapshots/index.js';
import { registerTicketRoutes } from '../processor/tickets/api.js';
import type { TicketService } from '../processor/tickets/service.js';

/** What the people's routes and pages read from and act on; the composition root (app.ts) builds it. */
export interface PeopleRouteDeps {
  registry: Registry;
  tickets: TicketService;
  audit: AuditLog;
  interlock: Interlock;
  health: DeviceHealth;
  /** park.db: the alert outbox's deliveries of a ticket */
  db: Database.Database;
  dataDir: string;
  /** the acknowledgement links' HMAC key (gateway/web/ackToken.ts linkKey) */
  ackKey: Buffer;
  patrol: PatrolStore;
  snapshots: SnapshotStore;
  /** InfluxDB 1.x for the site pages (absent with 2.x) */
  influx?: { url: string; database: string };
}

/**
 * The routes people use, on a server whose requests already carry their principal (registerAuth): the
 * tickets API, 签收 links, valves, hazards with photos, patrol sheets, camera snapshots, and the officers'
 * pages over the same services.
 */
export function registerPeopleRoutes(http: FastifyInstance, d: PeopleRouteDeps): void {
  const { registry, tickets, audit } = d;
  registerTicketRoutes(http, tickets, { audit, registry });
  // 签收链接: GET /ack/:token (a confirm page, no change) and POST /api/ack/:token
  registerAckRoutes(http, { registry, tickets, audit, key: d.ackKey });
  registerValveRoutes(http, d.interlock, { audit, registry });
  // hazards found on the patrol: manual tickets with photos kept by content hash in <dataDir>/photos
  registerHazardRoutes(http, { tickets, audit, registry, photos: createPhotoStore(join(d.dataDir, 'photos')) });
  registerPatrolRoutes(http, d.patrol, { audit, registry, image: (id) => d.snapshots.read(id) });
  // the officers' pages (tickets, patrol, hazards, sites): rendered from the same services, changed only through the API
  registerWeb(http, {
    registry,
    tickets,
    audit,
    health: d.health,
    patrol: d.patrol,
    influx: d.influx,
    deliveries: (id) => deliveriesOf(d.db, id),
    valves: () => d.interlock.valves(),
  });
  registerSnapshotRoutes(
    http,
    {
      image: (ticket, snap) => (tickets.get(ticket)?.evidence.some((e) => e.kind === 'snapshot' && (e.data as { id?: string }).id === snap) ? d.snapshots.read(snap) : undefined),
      ticket: (ticket) => tickets.get(ticket),
    },
    { audit, registry },
  );
}
