import { Subscription, type SchedulerLike } from 'rxjs';
import type { Logger } from 'pino';
import type { Reading } from '../../../gateway/model/reading.js';
import type { Registry } from '../../../gateway/registry/schema.js';
import type { TicketFilter, TicketPage } from '../../tickets/types.js';
import { gatewayHealthPoints, type MetricsSnapshot } from './gatewayHealth.js';
import type { InfluxSink } from './index.js';
import { writePeriodically } from './periodic.js';
import { createRose } from './rose.js';
import { createLastSeen, siteStatePoints } from './siteState.js';
import { liveTickets, ticketStatePoints, type IsOverdue } from './ticketState.js';

export interface StateWritersOptions {
  registry: Registry;
  sink: Pick<InfluxSink, 'appendPoints'>;
  log: Logger;
  /** the gateway's own Prometheus registry (gateway/metrics) */
  metrics: MetricsSnapshot;
  /** when the gateway started, epoch ms (uptime) */
  startedAt: number;
  /** default 60 s */
  periodMs?: number;
  scheduler?: SchedulerLike;
  /** default: past its deadline and not closed (processor/tickets isOverdue) */
  isOverdue?: IsOverdue;
}

/**
 * What the dashboards need beyond the readings, written through the sink's spool: every accepted batch
 * feeds the sites' data age and the roses (`rose`, at once); every period the site state (`site_state`),
 * the ticket counts (`ticket_state`) and the gateway's health (`gateway_health`).
 */
export function createStateWriters(o: StateWritersOptions) {
  const seen = createLastSeen();
  const rose = createRose(o.registry);
  const inputs = [...new Set(o.registry.sites.flatMap((s) => s.devices.map((d) => d.kind as string)))].sort();
  const every = { sink: o.sink, log: o.log, ...(o.periodMs !== undefined ? { periodMs: o.periodMs } : {}), ...(o.scheduler ? { scheduler: o.scheduler } : {}) };
  return {
    /** an accepted batch: its readings' time per site, its wind and fence-line values as rose points */
    observe(batch: readonly Reading[]): void {
      seen.observe(batch);
      try {
        const points = rose.points(batch);
        if (points.length > 0) o.sink.appendPoints(points);
      } catch (err) {
        o.log.warn({ err: (err as Error).message }, 'rose points not spooled for InfluxDB');
      }
    },
    /** starts the periodic writers on the ticket service; unsubscribe to stop them */
    start(tickets: { list(filter?: TicketFilter): TicketPage }): Subscription {
      const subs = new Subscription();
      subs.add(
        writePeriodically({
          ...every,
          name: 'site and ticket state',
          points: (now) => {
            const live = liveTickets(tickets);
            return [...siteStatePoints(o.registry, seen, live, now), ...ticketStatePoints(o.registry, live, now, o.isOverdue)];
          },
        }),
      );
      subs.add(writePeriodically({ ...every, name: 'gateway health', points: (now) => gatewayHealthPoints(o.metrics, inputs, o.startedAt, now) }));
      return subs;
    },
  };
}
