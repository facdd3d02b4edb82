import type { AuditLog } from '../auth/types.js';
import type { DeviceHealth } from '../health/index.js';
import type { Registry } from '../registry/schema.js';
import type { TicketService } from '../../processor/tickets/service.js';
import type { PatrolStore } from '../../processor/patrol/index.js';
import type { Delivery } from '../../processor/alerts/outbox.js';
import type { ValveState } from '../../processor/interlock/types.js';

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
  /** the alerts of a ticket in the durable alert outbox (processor/alerts/outbox.ts deliveriesOf); absent: not shown */
  deliveries?: (ticketId: string) => Delivery[];
  /** the interlocked valves as last known (processor/interlock valves()); absent: the sites page shows no valve state */
  valves?: () => ValveState[];
  /** epoch ms; injected for tests */
  now?: () => number;
}
