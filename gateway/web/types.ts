import type { AuditLog } from '../auth/types.js';
import type { DeviceHealth } from '../health/index.js';
import type { Registry } from '../registry/schema.js';
import type { TicketService } from '../../processor/tickets/service.js';
import type { PatrolStore } from '../../processor/patrol/index.js';

/** What the pages read from; the composition root (gateway/app.ts) hands it over. */
export interface WebDeps {
  registry: Registry;
  tickets: TicketService;
  audit: AuditLog;
  health: DeviceHealth;
  /** the patrol sheets (absent when patrols are not produced, e.g. InfluxDB 2.x) */
  patrol?: PatrolStore;
  /** InfluxDB 1.x for a site's recent values (absent with InfluxDB 2.x) */
  influx?: { url: string; database: string };
  /** epoch ms; injected for tests */
  now?: () => number;
}
